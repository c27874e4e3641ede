"""Small inline SVG line charts for metrics: no JavaScript, readable in print and by screen readers."""

from __future__ import annotations

from markupsafe import Markup, escape

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
