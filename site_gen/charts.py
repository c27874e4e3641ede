"""Small inline SVG charts — metric lines, before/after bars — no JavaScript, readable in print and by screen
readers."""

from __future__ import annotations

from markupsafe import Markup, escape

from .facts.effect import Effect
from .model import SeriesPoint
from .text import month_label

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36


def line_chart(points: tuple[SeriesPoint, ...], title: str, unit: str = "") -> Markup:
    """An accessible SVG chart of a monthly series; the page also shows the numbers as a table."""
    if not points:
        return Markup('<p class="muted">No data yet.</p>')
    values = [p.value for p in points]
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    span = high - low
    low, high = low - span * 0.1, high + span * 0.1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return LEFT + index * step

    def y(value: float) -> float:
        return TOP + inner_h * (1 - (value - low) / (high - low))

    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
    dots = "".join(
        f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="3"><title>{escape(month_label(p.period))}: '
        f'{p.value:g}{escape(unit)}</title></circle>' for i, p in enumerate(points))
    ticks = "".join(
        f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="middle">{escape(p.period[2:])}</text>'
        for i, p in enumerate(points) if len(points) <= 13 or i % 2 == 0)
    grid = "".join(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
        f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.3g}</text>'
        for v in (low + span * 0.1, (low + high) / 2, high - span * 0.1))
    summary = f"{title}: from {points[0].value:g}{unit} in {month_label(points[0].period)} " \
              f"to {points[-1].value:g}{unit} in {month_label(points[-1].period)}"
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(summary)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(summary)}</title>{grid}'
        f'<path d="{path}" class="line"/>{dots}{ticks}</svg>')


# the before/after chart is narrower, so its labels stay readable on a phone
E_WIDTH, E_HEIGHT = 480, 240
E_LEFT, E_RIGHT, E_TOP, E_BOTTOM = 34, 12, 30, 44


def effect_chart(effect: Effect, title: str, chart_id: str = "effect") -> Markup:
    """Linked complaints per week either side of the closed date, as bars, with the close date marked.

    The title and description are read by screen readers (aria-labelledby); the page shows the same numbers
    as a table next to it.
    """
    if not effect.weeks:
        return Markup('<p class="muted">Closed less than a week ago: no full week to compare yet.</p>')
    weeks = effect.by_week
    highest = max(max(w.complaints for w in weeks), 1)
    inner_w, inner_h = E_WIDTH - E_LEFT - E_RIGHT, E_HEIGHT - E_TOP - E_BOTTOM
    slot = inner_w / len(weeks)
    bar = slot * 0.7

    def y(value: float) -> float:
        return E_TOP + inner_h * (1 - value / highest)

    bars = "".join(
        f'<rect x="{E_LEFT + i * slot + (slot - bar) / 2:.1f}" y="{y(w.complaints):.1f}" width="{bar:.1f}" '
        f'height="{y(0) - y(w.complaints):.1f}" class="{"after" if w.after else "before"}">'
        f'<title>week of {w.start.isoformat()}: {w.complaints}</title></rect>'
        for i, w in enumerate(weeks))
    close_x = E_LEFT + effect.weeks * slot
    ticks = "".join(
        f'<text x="{E_LEFT + i * slot + slot / 2:.1f}" y="{E_HEIGHT - 22}" text-anchor="middle">'
        f'{w.start.day}/{w.start.month}</text>'
        for i, w in enumerate(weeks) if len(weeks) <= 8 or i % 2 == 0)
    grid = "".join(
        f'<line x1="{E_LEFT}" x2="{E_WIDTH - E_RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
        f'<text x="{E_LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>'
        for v in sorted({0, highest // 2, highest}))
    marker = (f'<line x1="{close_x:.1f}" x2="{close_x:.1f}" y1="{E_TOP - 18}" '
              f'y2="{E_HEIGHT - E_BOTTOM + 4}" class="closed"/>'
              f'<text x="{close_x + 4:.1f}" y="{E_TOP - 8}" class="closed">closed {effect.closed.isoformat()}</text>')
    description = (f"Linked complaints per week, {effect.window} before and after the irritant was closed on "
                   f"{effect.closed.isoformat()}: {effect.before} before ({effect.rate_before:.1f} a week), "
                   f"{effect.after} after ({effect.rate_after:.1f} a week); {effect.verdict}.")
    return Markup(
        f'<svg class="chart effect" viewBox="0 0 {E_WIDTH} {E_HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'{grid}{bars}{marker}{ticks}'
        f'<text x="{E_LEFT + effect.weeks * slot / 2:.1f}" y="{E_HEIGHT - 4}" text-anchor="middle">before</text>'
        f'<text x="{close_x + effect.weeks * slot / 2:.1f}" y="{E_HEIGHT - 4}" text-anchor="middle">after</text>'
        f'</svg>')
