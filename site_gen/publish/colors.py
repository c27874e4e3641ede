"""One accent colour from site.yaml, adjusted so text in it stays readable (WCAG AA, 4.5:1)."""

from __future__ import annotations

# the tinted panel colours of site.css (--soft), the harder case for contrast than the page itself
LIGHT_BACKGROUND = "#f4f6f8"
DARK_BACKGROUND = "#1f2327"


def _rgb(color: str) -> tuple[float, float, float]:
    hex_digits = color.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    r, g, b = (int(hex_digits[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mix(color: str, toward: str, amount: float) -> str:
    rgb, target = _rgb(color), _rgb(toward)
    mixed = (c + (t - c) * amount for c, t in zip(rgb, target, strict=True))
    return "#" + "".join(f"{round(c * 255):02x}" for c in mixed)


def readable(color: str, background: str, minimum: float = 4.5) -> str:
    """The colour, darkened or lightened just enough to reach the contrast minimum on background."""
    toward = "#000000" if _luminance(_rgb(background)) > 0.5 else "#ffffff"
    for step in range(0, 101, 2):
        candidate = _mix(color, toward, step / 100)
        if contrast(candidate, background) >= minimum:
            return candidate
    return toward


def accent_palette(accent: str) -> dict[str, str]:
    return {"accent": readable(accent, LIGHT_BACKGROUND), "accent_dark": readable(accent, DARK_BACKGROUND)}


def favicon(accent: str) -> bytes:
    """A plain disc in the accent colour: no request for a missing /favicon.ico."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
            f'<circle cx="16" cy="16" r="14" fill="{readable(accent, LIGHT_BACKGROUND)}"/></svg>\n').encode()
