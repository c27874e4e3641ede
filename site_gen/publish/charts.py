"""Small inline SVG charts — metric lines, before/after bars — no JavaScript, readable in print and by screen
readers."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from ..facts.effect import Effect
from ..i18n import N_, Language, clause_break, language
from ..model import SeriesPoint
from ..text import month_key, month_label

# A chart is drawn twice (_drawn_twice), in a card, and site.css shows one by the screen's width; the SVG scales
# with its viewBox to the card's width (the screen less 69 px, up to 955 px), and its labels with it, so site.css
# gives them fewer units as the drawing grows (12-18 px throughout):
# - narrow, WIDTH units wide, for a phone: 16 units (PHONE_FONT) on a screen narrower than 23rem (12.5 px in a 320 px
#   phone's 251 px card), 13 to 31rem, 10 to 40rem, where the card is 571 px wide (17.8 px);
# - wide, WIDE_WIDTH units wide, from a 40rem screen: 16 units to 52rem (12.3-16.5 px), 13 from there (16.8 px in
#   the widest card, 955 px).
# Margins and label spacing make room for PHONE_FONT, the most units either drawing's labels take, so each drawing
# serves all of its sizes.
WIDTH, WIDE_WIDTH = 320, 740      # every chart's two drawings, which site.css's steps are measured for
HEIGHT, WIDE_HEIGHT = 216, 250    # a line chart's
# TOP leaves room above the highest dot (its top 5 units over TOP) for a decision's label: its baseline is
# DECISION_LABEL units over TOP, and its glyphs end a quarter of an em under it, 3 units clear of the dot.
# BOTTOM keeps the months' row (baseline 10 units over the bottom) a line under the lowest tick's label (4 units
# under the axis): a first month centred under its dot sits below that label, and their boxes do not touch
RIGHT, TOP, BOTTOM = 10, 32, 34
DECISION_LABEL = 12
PHONE_FONT = 16   # the most units site.css gives a chart's labels: either drawing at its narrowest
CHAR = 0.6 * PHONE_FONT    # a generous average glyph width, to keep labels apart

# Advance widths in em of DejaVu Sans (the widest common sans-serif; a phone's own font is narrower), for the labels
# that must stay inside the drawing: a tick "−40" is 2.1 em, not 3 × 0.6 (its minus sign is wider than a digit).
GLYPH_EM = {**dict.fromkeys("0123456789", 0.64), "−": 0.84, "+": 0.84, "-": 0.36, ".": 0.32, ",": 0.32, " ": 0.32,
            "%": 0.95, "*": 0.5, "M": 0.87, "W": 0.99, "m": 0.98, "w": 0.82, "i": 0.28, "l": 0.28, "j": 0.28}
BOLD = 1.1   # a 600-weight glyph is about a tenth wider


def text_width(text: str, font: float, *, bold: bool = False) -> float:
    """The width of a label in viewBox units at `font` units (an estimate that errs wide)."""
    ems = sum(GLYPH_EM.get(char, 0.74 if char.isupper() else 0.62) for char in text)
    return ems * font * (BOLD if bold else 1.0)


def short_month_label(period: str) -> str:
    """2026-10 -> Oct 2026 (English; pass month_label= for another language: Language.short_month)."""
    return f"{month_label(period)[:3]} {period[:4]}"


def nice_step(span: float, count: int = 5) -> float:
    """The 1-2-5 step (…, 0.1, 0.2, 0.5, 1, 2, 5, 10, …) that cuts span into at most `count` intervals."""
    raw = span / max(count, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))


def nice_ticks(low: float, high: float, count: int = 5) -> tuple[float, ...]:
    """Round tick values covering low..high, a 1-2-5 step apart: 35.7 and −25.8 give −40, −20, 0, 20, 40."""
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = nice_step(high - low, count)
    decimals = max(0, -math.floor(math.log10(step)))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return tuple(round(n * step, decimals) + 0.0 for n in range(first, last + 1))


def whole_ticks(highest: int, count: int = 3) -> tuple[int, ...]:
    """Evenly spaced whole-number ticks from 0 to at least `highest` (complaints are counted, never 2.5):
    5 gives 0, 2, 4, 6; 3 gives 0, 1, 2, 3; 0 gives 0, 1."""
    step = max(1, round(nice_step(max(highest, 1), count)))
    return tuple(range(0, math.ceil(max(highest, 1) / step) * step + 1, step))


def tick_decimals(step: float) -> int:
    """The decimals ticks a step apart are written with: 0 for 20, 1 for 0.5."""
    return max(0, -math.floor(math.log10(step))) if step > 0 else 0


def tick_text(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace("-", "−")


def line_chart(points: tuple[SeriesPoint, ...], title: str, unit: str = "", *, today: date | None = None,
               threshold: float | None = None, decisions: tuple[tuple[str, str], ...] = (),
               chart_id: str = "chart", month_label: Callable[[str], str] = short_month_label,
               gettext: Callable[[str], str] = str, number: Callable[[float], str] = "{:g}".format,
               tick: Callable[[float, int], str] | None = None) -> Markup:
    """An accessible SVG line of a monthly series, no JavaScript.

    today: the month it falls in is incomplete — drawn hollow, joined by a dashed line, and said in the
    description. threshold: the value that, reached by the current month, demands a decision (the last complete
    month's value moved by the metric's threshold the bad way), drawn as a dashed line and said as that move, the
    "decision line" (the metric's threshold is the move, the dashboard's card says so). decisions: (month, title)
    marked on the line. The page shows the same
    numbers as a table (a screen reader reads the title and description, then the table).
    gettext, month_label and number: the site's catalogue, month names and digits (Language.gettext,
    Language.short_month, Language.number); every sentence is one message, so a language can order its words.
    tick(value, decimals): a y-axis label with its unit, as the site writes the metric (default: the value with
    those decimals, then `unit`).
    """
    if not points:
        return Markup('<p class="muted">{}</p>').format(gettext("No data yet."))
    values = [p.value for p in points] + ([threshold] if threshold is not None else [])
    ticks = nice_ticks(min(values), max(values), 4)
    step = ticks[1] - ticks[0]
    low, high = ticks[0], ticks[-1]
    decimals = tick_decimals(step)
    # "3.5%": the scale says what it measures, as the values do
    labels = [tick(v, decimals) if tick is not None else tick_text(v, decimals) + unit for v in ticks]
    left = 8 + max(text_width(text, PHONE_FONT) for text in labels)   # a label ends 6 units left of the axis
    current = month_key(today) if today is not None else None
    incomplete = [i for i, p in enumerate(points) if current is not None and p.period >= current]
    solid_end = incomplete[0] - 1 if incomplete else len(points) - 1
    said = [month_label(p.period) + ("*" if i in incomplete else "") for i, p in enumerate(points)]
    not_complete = gettext("month not complete yet")
    point_title = gettext("%(month)s: %(value)s")
    # the dashed line is a level, not the threshold: the card above says the threshold is a move ("a move of 10"),
    # so the line is named apart and said as that move from the last complete month ("5, a move of 10 from 15")
    threshold_word = gettext("decision line")
    threshold_said = threshold_legend = ""
    if threshold is not None:
        base = points[max(solid_end, 0)]
        line = {"value": number(threshold) + unit, "threshold": number(round(abs(threshold - base.value), 6)) + unit,
                "month": month_label(base.period), "base": number(base.value) + unit}
        threshold_said = gettext("Decision line: %(value)s, a move of %(threshold)s the bad way from %(month)s "
                                 "(%(base)s)") % line
        threshold_legend = gettext("Decision line: %(value)s, a move of %(threshold)s the bad way from %(month)s "
                                   "(%(base)s): a month that reaches it demands a decision.") % line
    index_of = {p.period: i for i, p in enumerate(points)}

    def drawing(width: float, height: float) -> str:
        """The grid, the marks, the line, its dots and the months, drawn in a width × height viewBox."""
        # the wide drawing has units to spare: its right margin lets the last month's label sit centred under its
        # dot, so its neighbours can come closer (every second month of 13, not every third); the phone's keeps
        # them for the line, and its last label leans in
        right = RIGHT if width <= WIDTH else max(RIGHT, text_width(said[-1], PHONE_FONT) / 2 + 2)
        inner_w, inner_h = width - left - right, height - TOP - BOTTOM
        slot = inner_w / max(len(points) - 1, 1)

        def x(index: int) -> float:
            return left + index * slot if len(points) > 1 else left + inner_w / 2

        def y(value: float) -> float:
            return TOP + inner_h * (1 - (value - low) / (high - low))

        solid = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(p.value):.1f}"
                         for i, p in enumerate(points[:solid_end + 1]))
        dashed = " ".join(f"{'M' if n == 0 else 'L'}{x(i):.1f},{y(points[i].value):.1f}"
                          for n, i in enumerate(range(max(solid_end, 0), len(points)))) if incomplete else ""
        grid = "".join(
            f'<line x1="{left:.1f}" x2="{width - right:.1f}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
            f'<text x="{left - 6:.1f}" y="{y(v) + 4:.1f}" text-anchor="end" class="y">{escape(text)}</text>'
            for v, text in zip(ticks, labels, strict=True))
        dots = "".join(
            f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="{4 if i in incomplete else 3}"'
            f'{" class=" + chr(34) + "incomplete" + chr(34) if i in incomplete else ""}>'
            f'<title>{escape(point_title % {"month": month_label(p.period), "value": number(p.value) + unit})}'
            f'{escape(" — " + not_complete) if i in incomplete else ""}</title></circle>'
            for i, p in enumerate(points))
        months = "".join(
            f'<text x="{centre:.1f}" y="{height - 10}" text-anchor="middle" class="x">{escape(said[i])}</text>'
            for i, centre in _labelled([x(i) for i in range(len(points))],
                                       [text_width(text, PHONE_FONT) for text in said], width))
        marks = ""
        if threshold is not None:
            level = threshold
            marks += (f'<line x1="{left:.1f}" x2="{width - right:.1f}" y1="{y(level):.1f}" y2="{y(level):.1f}" '
                      f'class="threshold"><title>{escape(threshold_said)}</title></line>')
            # its word where nothing else is drawn: the line's points, the decisions' lines and the month labels
            drawn = [(x(i), y(p.value)) for i, p in enumerate(points)]
            drawn += [(x(i) + (x(i + 1) - x(i)) * n / 8, y(p.value) + (y(points[i + 1].value) - y(p.value)) * n / 8)
                      for i, p in enumerate(points[:-1]) for n in range(1, 8)]
            drawn += [(x(index_of[period]), TOP + inner_h * n / 8) for period, _ in decisions if period in index_of
                      for n in range(9)]
            spot = _free_spot(len(threshold_word) * CHAR, y(level), left, drawn, width - right, height)
            if spot is not None:
                at_x, at_y, anchor = spot
                marks += (f'<text x="{at_x:.1f}" y="{at_y:.1f}" text-anchor="{anchor}" class="threshold">'
                          f'{escape(threshold_word)}</text>')
        for n, (period, name) in enumerate(decisions, start=1):
            if period not in index_of:
                continue
            at = x(index_of[period])
            # centred on its line, or ending at it where the line is too near the right edge (a decision this
            # month); above the drawing either way, clear of the highest dot (TOP)
            half = text_width(f"D{n}", PHONE_FONT, bold=True) / 2
            anchor = "end" if at + half > width - 2 else "middle"
            marks += (f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{TOP - 4}" y2="{TOP + inner_h}" class="decision">'
                      f'<title>{escape(name)}</title></line>'
                      f'<text x="{at:.1f}" y="{TOP - DECISION_LABEL}" text-anchor="{anchor}" class="decision">'
                      f'D{n}</text>')
        return (f'{grid}{marks}<path d="{solid}" class="line"/>'
                f'{f"<path d={chr(34)}{dashed}{chr(34)} class={chr(34)}line incomplete{chr(34)}/>" if dashed else ""}'
                f'{dots}{months}')

    first, last = points[0], points[-1]
    lowest, highest = min(p.value for p in points), max(p.value for p in points)
    description = gettext("From %(first)s (%(first_month)s) to %(last)s (%(last_month)s); lowest %(lowest)s, "
                          "highest %(highest)s.") % {
        "first": number(first.value) + unit, "first_month": month_label(first.period),
        "last": number(last.value) + unit, "last_month": month_label(last.period),
        "lowest": number(lowest) + unit, "highest": number(highest) + unit}
    if incomplete:
        description += " " + gettext("%(month)s: month not complete yet (*).") % {
            "month": month_label(points[incomplete[0]].period)}
    if threshold is not None:
        description += f" {threshold_said}."
    if decisions:
        marked = gettext("D%(number)s: %(title)s (%(month)s)")
        description += " " + clause_break(gettext).join(
            marked % {"number": n, "title": name, "month": month_label(period)}
            for n, (period, name) in enumerate(decisions, start=1)) + "."
    # the marks explained under the chart, in the same words as the description and the values table
    legend = []
    if threshold is not None:
        legend.append(Markup('<li><span class="key threshold" aria-hidden="true"></span> {}</li>').format(
            threshold_legend))
    legend += [Markup('<li><span class="key decision">D{}</span> {}</li>').format(
        n, gettext("Decision: %(title)s (%(month)s)") % {"title": name, "month": month_label(period)})
        for n, (period, name) in enumerate(decisions, start=1) if period in index_of]
    if incomplete:
        legend.append(Markup('<li><span class="key">{}*</span> {}</li>').format(
            month_label(points[incomplete[0]].period),
            gettext("month not complete yet: a hollow dot on a dashed line")))
    caption = Markup('<figcaption><ul class="chart-legend">{}</ul></figcaption>').format(
        Markup("").join(legend)) if legend else ""
    return _drawn_twice("line-chart", chart_id, title, description, drawing, (HEIGHT, WIDE_HEIGHT), caption)


def _drawn_twice(kind: str, chart_id: str, title: str, description: str, drawing: Callable[[float, float], str],
                heights: tuple[float, float], caption: Markup | str = "") -> Markup:
    """A chart as a figure of two drawings, drawing(width, height): a narrow one for a phone, a wide one for a
    desktop's card. site.css shows one by the figure's width; the other is display: none, out of the accessibility
    tree too, so a screen reader reads one title and description."""
    svgs = "".join(
        f'<svg class="chart {kind} {name}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}{suffix}-title {chart_id}{suffix}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}{suffix}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}{suffix}-desc">{escape(description)}</desc>{drawing(width, height)}</svg>'
        for name, suffix, width, height in (("narrow", "", WIDTH, heights[0]),
                                            ("wide", "-wide", WIDE_WIDTH, heights[1])))
    return Markup(f'<figure class="chart {kind}">{svgs}{caption}</figure>')


def _labelled(xs: list[float], widths: list[float], width: float,
              gap: float = PHONE_FONT / 2) -> list[tuple[int, float]]:
    """Which ticks to label, each with its label's centre: every n-th counted back from the last, n as small as keeps
    the labels `gap` apart, and the first always (its neighbour left out if they would touch). A label is centred
    under its tick, or moved in just enough to stay inside the drawing."""
    count = len(xs)
    centres = [min(max(x, w / 2 + 2), width - w / 2 - 2) for x, w in zip(xs, widths, strict=True)]

    def apart(a: int, b: int) -> bool:
        return centres[a] + widths[a] / 2 + gap <= centres[b] - widths[b] / 2

    for every in range(1, count):
        shown = list(range(count - 1, -1, -every))[::-1]
        if shown[0] != 0:   # the first too, in its neighbour's place if they would touch
            shown = [0, *shown] if apart(0, shown[0]) else [0, *shown[1:]]
        if all(apart(a, b) for a, b in itertools.pairwise(shown)):
            return [(i, centres[i]) for i in shown]
    return [(count - 1, centres[-1])]   # one month, or two whose labels cannot both be written: the latest


def _free_spot(width: float, level: float, left: float, drawn: list[tuple[float, float]],
               line_end: float = WIDTH - RIGHT, chart_height: float = HEIGHT) -> tuple[float, float, str] | None:
    """Where the threshold's word goes (x, baseline y, text-anchor): at the right end of its line, above it, else
    below it, else at the left end; None when every place would cover the series (the legend still names it)."""
    top, bottom = TOP, chart_height - BOTTOM
    for x_start, anchor in ((line_end - width - 2, "end"), (left + 4, "start")):
        for baseline in (level - 5, level + PHONE_FONT + 2):
            box = (x_start - 5, baseline - PHONE_FONT - 4, x_start + width + 5, baseline + 5)
            inside = top <= box[1] and box[3] <= bottom + 2
            if inside and not any(box[0] <= px <= box[2] and box[1] <= py <= box[3] for px, py in drawn):
                return (x_start + width if anchor == "end" else x_start, baseline, anchor)
    return None


# the before/after chart is drawn twice as the line chart is, WIDTH and WIDE_WIDTH units wide, and sits in a card,
# so site.css's steps serve it too. Label spacing and the rows under the bars make room for PHONE_FONT units.
E_HEIGHT, E_WIDE_HEIGHT = 216, 260
E_LEFT, E_RIGHT, E_TOP, E_BOTTOM = 34, 12, 30, 50


EFFECT_TITLE = N_("Linked complaints per week, before and after the fix")


@dataclass(frozen=True)
class EffectChart:
    """An irritant's before/after chart, drawn when its page is rendered: a page a warm build reuses (its key is
    made of the effect and the language, not of the drawing) never draws it — 1,234 charts at 10,000 stories took
    0.85 s of every build after any edit. Jinja writes it as HTML (`__html__`), as it writes Markup."""

    effect: Effect
    words: Language

    def __html__(self) -> Markup:
        return effect_chart(self.effect, words=self.words)


def effect_chart(effect: Effect, chart_id: str = "effect", words: Language | None = None) -> Markup:
    """Linked complaints per week either side of the closed date, as bars, with the close date marked.

    The title and description are read by screen readers (aria-labelledby); the page shows the same numbers
    as a table next to it, and the verdict above it. words: the site's language (English when not given).
    """
    words = words or language()
    if not effect.weeks:
        return Markup('<p class="muted">{}</p>').format(
            words.gettext("Closed less than a week ago: no full week to compare yet."))
    weeks = effect.by_week
    counts = whole_ticks(max(w.complaints for w in weeks))   # evenly spaced whole numbers: 0, 2, 4, 6
    highest = counts[-1]
    # room for the widest count left of the axis (a label ends 6 units left of it), as for the line chart
    left = max(E_LEFT, 8 + max(text_width(str(v), PHONE_FONT) for v in counts))
    closed = words.gettext("closed %(date)s") % {"date": effect.closed.isoformat()}
    closed_width = text_width(closed, PHONE_FONT, bold=True)
    before, after = words.gettext("before"), words.gettext("after")
    # the day and the month's name (1 Jan, 1 janv., 1. Jan., 1 ene): 01/02 reads as two dates
    days = [format_skeleton("MMMd", w.start, locale=words.locale) for w in weeks]

    def drawing(width: float, height: float) -> str:
        """The grid, the bars, the close date's line and the weeks, drawn in a width × height viewBox."""
        inner_w, inner_h = width - left - E_RIGHT, height - E_TOP - E_BOTTOM
        slot = inner_w / len(weeks)
        bar = slot * 0.7

        def y(value: float) -> float:
            return E_TOP + inner_h * (1 - value / highest)

        bars = "".join(
            f'<rect x="{left + i * slot + (slot - bar) / 2:.1f}" y="{y(w.complaints):.1f}" width="{bar:.1f}" '
            f'height="{y(0) - y(w.complaints):.1f}" class="{"after" if w.after else "before"}">'
            f'<title>{escape(_week_said(words, w.start, w.complaints))}</title></rect>'
            for i, w in enumerate(weeks))
        close_x = left + effect.weeks * slot
        label_x, anchor, top = _closed_label(close_x, closed_width, width)
        # under its bar, as many as fit, the first and last week always
        ticks = "".join(
            f'<text x="{centre:.1f}" y="{height - 26}" text-anchor="middle">{escape(days[i])}</text>'
            for i, centre in _labelled([left + i * slot + slot / 2 for i in range(len(weeks))],
                                       [text_width(day, PHONE_FONT) for day in days], width))
        grid = "".join(
            f'<line x1="{left:.1f}" x2="{width - E_RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
            f'<text x="{left - 6:.1f}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>'
            for v in counts)
        marker = (f'<line x1="{close_x:.1f}" x2="{close_x:.1f}" y1="{top}" y2="{height - E_BOTTOM + 4}" '
                  f'class="closed"/><text x="{label_x:.1f}" y="{E_TOP - 8}" text-anchor="{anchor}" '
                  f'class="closed">{escape(closed)}</text>')
        return (f'{grid}{bars}{marker}{ticks}'
                f'<text x="{left + effect.weeks * slot / 2:.1f}" y="{height - 6}" text-anchor="middle">'
                f'{escape(before)}</text>'
                f'<text x="{close_x + effect.weeks * slot / 2:.1f}" y="{height - 6}" text-anchor="middle">'
                f'{escape(after)}</text>')

    description = words.ngettext(
        "Linked complaints per week, a week before and after the irritant was closed on %(date)s: "
        "%(before)s before, %(after)s after.",
        "Linked complaints per week, %(num)d weeks before and after the irritant was closed on %(date)s: "
        "%(before)s before (%(rate_before)s a week), %(after)s after (%(rate_after)s a week).",
        effect.weeks) % {"num": effect.weeks, "date": effect.closed.isoformat(), "before": effect.before,
                         "after": effect.after, "rate_before": _tenths(effect.rate_before, words),
                         "rate_after": _tenths(effect.rate_after, words)}
    return _drawn_twice("effect", chart_id, words.gettext(EFFECT_TITLE), description, drawing,
                        (E_HEIGHT, E_WIDE_HEIGHT))


def _closed_label(close_x: float, label_width: float, width: float) -> tuple[float, str, float]:
    """Where the close date's words go (x, text-anchor) and where its line starts: right of the line when they fit
    there ("closed 2026-08-28"), else left of it, else over its top, as far in as the drawing needs ("abgeschlossen
    am 2026-08-28" on a phone), the line starting under them."""
    if close_x + 4 + label_width <= width - 2:
        return close_x + 4, "start", E_TOP - 18
    if close_x - 4 - label_width >= 2:
        return close_x - 4, "end", E_TOP - 18
    return min(max(close_x, label_width / 2 + 2), width - label_width / 2 - 2), "middle", E_TOP - 2


def _tenths(value: float, words: Language) -> str:
    """2.4, 0.0 (2,4 in French): a weekly rate, to one decimal."""
    return format_decimal(value, format="0.0", locale=words.locale)


def _week_said(words: Language, start: date, complaints: int) -> str:
    return words.ngettext("Week of %(week)s: %(num)d linked complaint", "Week of %(week)s: %(num)d linked complaints",
                          complaints) % {"week": words.long_date(start), "num": complaints}
