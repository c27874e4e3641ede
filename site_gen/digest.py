"""`site-gen digest`: the week's complaints, suggestions and praise, as markdown for a team chat. INTERNAL:
it quotes verbatims.

A week runs Monday to Sunday. The digest counts the week's feedback by journey stage, names
the stages that moved most against the week before, and quotes the most telling verbatims
(the harshest complaints and the warmest praise, one per stage first, for variety). The same
text is posted to a chat (`post`, Slack-compatible `{"text": …}`), shown on the internal site
(one page per week) and carried by the internal site's digest feed (`atom_feed`), all three written in
`internal.language` (a `Language` passed in; English when none is).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from .i18n import N_, Language, language
from .labels import label
from .model import FeedbackKind, FeedbackRow, ScoreType

if TYPE_CHECKING:
    from .load.parquet import ParquetFeedback

WEBHOOK_VARIABLE = "SITE_GEN_WEBHOOK_URL"
MOVERS = 3
COMPLAINTS_QUOTED = 3
PRAISE_QUOTED = 2
QUOTE_LENGTH = 280
WEEKS_PUBLISHED = 52        # digest pages on the internal site: the last year
_SCALES = {ScoreType.NPS: (0, 10), ScoreType.CES: (1, 7), ScoreType.CSAT: (1, 5)}


@dataclass(frozen=True, slots=True)
class StageWeek:
    stage: str
    praise: int
    complaints: int
    total: int
    praise_before: int
    complaints_before: int
    suggestions: int = 0
    suggestions_before: int = 0


@dataclass(frozen=True, slots=True)
class Mover:
    stage: str
    kind: str            # "complaints" or "praise"
    before: int
    now: int

    @property
    def change(self) -> int:
        return self.now - self.before


@dataclass(frozen=True, slots=True)
class Digest:
    monday: date
    stages: tuple[StageWeek, ...]        # journey order; stages with no feedback in either week left out
    movers: tuple[Mover, ...]
    complaints: tuple[FeedbackRow, ...]  # quoted
    praise: tuple[FeedbackRow, ...]      # quoted
    total: int
    total_before: int

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def key(self) -> str:
        """ISO week, 2026-W47: the page's address."""
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    def label(self, words: Language | None = None) -> str:
        """16–22 November 2026 (16 au 22 novembre 2026 in French)."""
        return (words or language()).day_range(self.monday, self.sunday)


def week_start(day: date) -> date:
    """The Monday of day's week."""
    return day - timedelta(days=day.weekday())


def last_complete_week(today: date) -> date:
    """The Monday of the last week that has ended by today: what a Monday-morning digest is about."""
    return week_start(today) - timedelta(days=7)


def _in_week(rows: Iterable[FeedbackRow], monday: date) -> list[FeedbackRow]:
    end = monday + timedelta(days=7)
    return [row for row in rows if monday <= row.date < end]


def _harshness(row: FeedbackRow) -> float:
    """0 for the worst score on its scale, 1 for the best; 0.5 without a score."""
    if row.score_type is None or row.score is None:
        return 0.5
    low, high = _SCALES[ScoreType(row.score_type)]
    return (row.score - low) / (high - low)


# _harshness as SQL, for the rows DuckDB ranks in Parquet batches
HARSHNESS_SQL = "(CASE WHEN score IS NULL THEN 0.5 ELSE CASE score_type " + " ".join(
    f"WHEN '{kind.value}' THEN CAST(score - {low} AS DOUBLE) / {high - low}" for kind, (low, high) in _SCALES.items()
) + " ELSE 0.5 END END)"

WeekCounts = Counter[tuple[str, FeedbackKind | None]]   # (journey stage, kind) -> rows in one week


def _telling(rows: Sequence[FeedbackRow], count: int, worst_first: bool) -> tuple[FeedbackRow, ...]:
    """The strongest verbatims, one per journey stage before a second from the same stage."""
    with_words = [row for row in rows if row.verbatim and row.verbatim.strip()]
    ranked = sorted(with_words, key=lambda row: ((_harshness(row) if worst_first else -_harshness(row)),
                                                 -min(len(row.verbatim or ""), QUOTE_LENGTH), row.id))
    chosen: list[FeedbackRow] = []
    stages: set[str] = set()
    for row in ranked:
        if row.journey_stage not in stages:
            chosen.append(row)
            stages.add(row.journey_stage)
    chosen = chosen[:count]
    # then the next strongest, as many as are still wanted (not a comparison of every row with every chosen one)
    chosen += list(islice((row for row in ranked if row not in chosen), count - len(chosen)))
    return tuple(chosen)


def weekly_digest(feedback: Sequence[FeedbackRow], journey_stages: Sequence[str], monday: date,
                  stored: ParquetFeedback | None = None) -> Digest:
    """The digest of the week starting on monday, against the week before. Pure (stored: Parquet rows, read)."""
    monday = week_start(monday)
    before = monday - timedelta(days=7)
    counts = stored.week_counts(monday) if stored is not None else {}
    quotes = _stored_quotes(stored, [monday])
    return _digest(_in_week(feedback, monday), _in_week(feedback, before), journey_stages, monday,
                   counts.get(monday, Counter()), counts.get(before, Counter()),
                   {kind: found.get(monday, []) for kind, found in quotes.items()})


def _stored_quotes(stored: ParquetFeedback | None,
                   mondays: Sequence[date]) -> dict[FeedbackKind, dict[date, list[FeedbackRow]]]:
    """Kind -> Monday -> the week's strongest Parquet rows of that kind, the first few of each journey stage:
    every row _telling can choose (it takes at most `count` in all, so at most `count` of one stage)."""
    if stored is None:
        return {}
    return {FeedbackKind.COMPLAINT: stored.quotable(mondays, FeedbackKind.COMPLAINT, COMPLAINTS_QUOTED, True,
                                                    HARSHNESS_SQL, QUOTE_LENGTH),
            FeedbackKind.PRAISE: stored.quotable(mondays, FeedbackKind.PRAISE, PRAISE_QUOTED, False,
                                                 HARSHNESS_SQL, QUOTE_LENGTH)}


def _digest(now: list[FeedbackRow], before: list[FeedbackRow], journey_stages: Sequence[str],
            monday: date, more_now: WeekCounts | None = None, more_before: WeekCounts | None = None,
            more_quotes: Mapping[FeedbackKind, Sequence[FeedbackRow]] | None = None) -> Digest:
    """more_now, more_before: the Parquet rows of both weeks, counted by DuckDB; more_quotes: the week's
    strongest Parquet rows of each kind quoted (_stored_quotes)."""
    # each week's rows counted once by (stage, kind), not once per stage and kind
    kinds_now = Counter((row.journey_stage, row.kind) for row in now) + (more_now or Counter())
    kinds_before = Counter((row.journey_stage, row.kind) for row in before) + (more_before or Counter())
    order = list(journey_stages) + sorted({stage for stage, _ in kinds_now + kinds_before} - set(journey_stages))
    total_now: Counter[str] = Counter()
    total_before: Counter[str] = Counter()
    for (stage, _), count in kinds_now.items():
        total_now[stage] += count
    for (stage, _), count in kinds_before.items():
        total_before[stage] += count
    praise, complaint, suggestion = FeedbackKind.PRAISE, FeedbackKind.COMPLAINT, FeedbackKind.SUGGESTION
    stages = tuple(
        StageWeek(stage, kinds_now[stage, praise], kinds_now[stage, complaint], total_now[stage],
                  kinds_before[stage, praise], kinds_before[stage, complaint],
                  kinds_now[stage, suggestion], kinds_before[stage, suggestion])
        for stage in order if total_now[stage] or total_before[stage])
    moves = [Mover(s.stage, "complaints", s.complaints_before, s.complaints) for s in stages] + \
            [Mover(s.stage, "praise", s.praise_before, s.praise) for s in stages]
    movers = sorted((m for m in moves if m.change), key=lambda m: (-abs(m.change), m.kind, order.index(m.stage)))

    def quotes(kind: FeedbackKind, count: int, worst_first: bool) -> tuple[FeedbackRow, ...]:
        return _telling([*(r for r in now if r.kind == kind), *(more_quotes or {}).get(kind, ())], count, worst_first)

    return Digest(
        monday=monday, stages=stages, movers=tuple(movers[:MOVERS]),
        complaints=quotes(complaint, COMPLAINTS_QUOTED, True), praise=quotes(praise, PRAISE_QUOTED, False),
        total=sum(kinds_now.values()), total_before=sum(kinds_before.values()))


def recent_digests(feedback: Sequence[FeedbackRow], journey_stages: Sequence[str], today: date,
                   limit: int = WEEKS_PUBLISHED, stored: ParquetFeedback | None = None) -> list[Digest]:
    """The digests of the complete weeks that have feedback, newest first, at most `limit`; one pass over rows
    (and one DuckDB count per week, stage and kind over the Parquet rows)."""
    last = last_complete_week(today)
    weeks: dict[date, list[FeedbackRow]] = {}
    for row in feedback:
        monday = week_start(row.date)
        if monday <= last:
            weeks.setdefault(monday, []).append(row)
    counts = stored.week_counts(last) if stored is not None else {}
    mondays = sorted(set(weeks) | set(counts), reverse=True)[:limit]
    quotes = _stored_quotes(stored, mondays)
    return [_digest(weeks.get(m, []), weeks.get(m - timedelta(days=7), []), journey_stages, m,
                    counts.get(m), counts.get(m - timedelta(days=7)),
                    {kind: found.get(m, []) for kind, found in quotes.items()}) for m in mondays]


# --- markdown for a team chat (and the internal page) ------------------------------------------

def _chat_text(text: str) -> str:
    """Customer words, safe in a chat message and in CommonMark: one line, no mention or link syntax.

    Slack reads <…> as links and mentions (<!channel>) and asks for &, < and > to be escaped;
    CommonMark shows these entities as the characters they stand for.
    """
    text = " ".join(text.split())
    if len(text) > QUOTE_LENGTH:
        text = text[:QUOTE_LENGTH - 1].rstrip() + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _bold(text: str) -> str:
    return f"**{text}**"


def _quote(row: FeedbackRow, words: Language) -> str:
    # named as the sites name them: the score type as its abbreviation (NPS 4, CSAT 2), the stage and segment in
    # the label filter's words
    score = f", {str(row.score_type).upper()} {row.score}" if row.score_type and row.score is not None else ""
    segment = f", {label(row.segment, words.gettext)}" if row.segment else ""
    stage = label(row.journey_stage, words.gettext)
    return f"> {_chat_text(row.verbatim or '')}\n> — {stage}{segment}{score} ({row.id})"


def as_markdown(digest: Digest, organisation: str, words: Language | None = None) -> str:
    """The digest as markdown a team chat shows as it is: lists and quotes, no tables."""
    return f"**{headline(digest, words)}** — {_chat_text(organisation)}\n\n" + digest_body(digest, words)


def headline(digest: Digest, words: Language | None = None) -> str:
    words = words or language()
    return words.gettext("Customer voice, week of %(week)s") % {"week": digest.label(words)}


_KINDS = {"complaints": N_("complaints"), "praise": N_("praise")}


def digest_body(digest: Digest, words: Language | None = None) -> str:
    """as_markdown without its headline: the internal page shows the headline as its title."""
    w = words or language()
    out: list[str] = []
    if not digest.total:
        out.append(w.gettext("No feedback this week (%(before)s the week before).") % {"before": digest.total_before})
        return "\n".join(out) + "\n"
    praise = sum(s.praise for s in digest.stages)
    complaints = sum(s.complaints for s in digest.stages)
    suggestions = sum(s.suggestions for s in digest.stages)

    def complaints_of(count: int) -> str:
        return w.ngettext("%(num)d complaint", "%(num)d complaints", count) % {"num": count}

    def praise_of(count: int) -> str:
        return w.ngettext("%(num)d praise", "%(num)d praise", count) % {"num": count}

    def suggestions_of(count: int) -> str:
        return w.ngettext("%(num)d suggestion", "%(num)d suggestions", count) % {"num": count}

    out += [w.ngettext("%(num)d piece of feedback (%(change)s on the week before): %(complaints)s, "
                       "%(suggestions)s, %(praise)s.",
                       "%(num)d pieces of feedback (%(change)s on the week before): %(complaints)s, "
                       "%(suggestions)s, %(praise)s.",
                       digest.total) % {"num": digest.total, "change": w.signed(digest.total - digest.total_before),
                                        "complaints": complaints_of(complaints),
                                        "suggestions": suggestions_of(suggestions), "praise": praise_of(praise)},
            "", _bold(w.gettext("By journey stage")), ""]
    for stage in digest.stages:
        out.append("- " + w.gettext("%(stage)s: %(complaints)s (%(complaints_change)s), %(suggestions)s "
                                    "(%(suggestions_change)s), %(praise)s (%(praise_change)s), %(total)s in all") % {
            "stage": label(stage.stage, w.gettext), "complaints": complaints_of(stage.complaints),
            "complaints_change": w.signed(stage.complaints - stage.complaints_before),
            "suggestions": suggestions_of(stage.suggestions),
            "suggestions_change": w.signed(stage.suggestions - stage.suggestions_before),
            "praise": praise_of(stage.praise), "praise_change": w.signed(stage.praise - stage.praise_before),
            "total": stage.total})
    if digest.movers:
        out += ["", _bold(w.gettext("Biggest movers")), ""]
        out += ["- " + w.gettext("%(stage)s: %(kind)s %(before)s → %(now)s (%(change)s)") % {
            "stage": label(m.stage, w.gettext), "kind": w.gettext(_KINDS[m.kind]), "before": m.before, "now": m.now,
            "change": w.signed(m.change)} for m in digest.movers]
    for title, rows in ((w.gettext("What hurt"), digest.complaints), (w.gettext("What pleased"), digest.praise)):
        if rows:
            out += ["", _bold(title), ""]
            for row in rows:
                out += [_quote(row, w), ""]
            out.pop()
    out += ["", "_" + w.gettext("Internal: customer words, not for sharing outside the company.") + "_"]
    return "\n".join(out) + "\n"


def webhook_payload(markdown: str) -> bytes:
    """Slack-compatible incoming-webhook JSON (Mattermost, Rocket.Chat and Discord's /slack endpoint read it too)."""
    return json.dumps({"text": markdown}, ensure_ascii=False).encode("utf-8")


class PostError(Exception):
    """The webhook did not take the message."""


def post(url: str, payload: bytes, timeout: float = 15) -> int:
    """POST the payload to an incoming-webhook URL; the HTTP status, or PostError. The URL is never printed."""
    if not url.startswith(("https://", "http://")):
        raise PostError(f"{WEBHOOK_VARIABLE} must be an http(s) URL")
    request = urllib.request.Request(url, data=payload, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "site-gen digest"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise PostError(f"the webhook answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PostError(f"could not reach the webhook: {reason}") from None


# --- the internal site's feed of digests --------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"


def atom_feed(entries: Sequence[tuple[Digest, str]], title: str, base_url: str | None, organisation: str,
              words: Language | None = None) -> bytes:
    """An Atom feed of the weekly digests, newest first: (digest, its HTML) pairs. Internal site only."""
    words = words or language()
    def address(path: str) -> str:
        # without a base URL, relative to the feed itself (digest/feed.xml)
        return base_url + path if base_url else (path.removeprefix("digest/") or "./")

    def identity(path: str) -> str:
        return base_url + path if base_url else f"urn:site-gen:internal-digest:{path.strip('/') or 'feed'}"

    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = identity("digest/")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = words.gettext("%(title)s: weekly digest — %(organisation)s") % {
        "title": title, "organisation": organisation}
    newest = entries[0][0].sunday if entries else date(1970, 1, 1)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = f"{newest.isoformat()}T23:59:59Z"
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = organisation
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=address("digest/"))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=address("digest/feed.xml"))
    for digest, html in entries:
        path = f"digest/{digest.key}/"
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = identity(path)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = headline(digest, words)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = f"{digest.sunday.isoformat()}T23:59:59Z"
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=address(path))
        ET.SubElement(entry, f"{{{ATOM}}}content", type="html").text = html
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"
