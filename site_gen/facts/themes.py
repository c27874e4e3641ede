"""Themes in the unlinked inbox: what customers keep saying that no irritant covers yet.

Unlinked feedback with a verbatim is grouped into themes of similar wording, per kind (complaints, suggestions,
praise, not classified) and per journey stage — an irritant has one stage, so a theme never mixes them and its
`site-gen new irritant` command needs no --stage choice. Pure and deterministic: the same rows in any order, under
any PYTHONHASHSEED, give the same themes in the same order.

How rows are grouped (standard library only, no model, no network):

1. Each verbatim is reduced to its words: case-folded, accents and apostrophes dropped ("Didn't" -> "didnt").
   Rows with the same words are one wording.
2. Each word weighs its inverse document frequency over all distinct wordings, so the words every complaint shares
   ("please fix this", "really annoying", "the") count little and the words of the problem ("brakes", "hill")
   count much; a wording is the unit vector of its words' weights.
3. Within a kind and stage, wordings are taken most frequent first (then alphabetically). Each joins the theme
   whose first wording is most similar to it (cosine of the vectors) when that similarity reaches SIMILAR, else
   starts a theme. Candidates come from an index of each theme's distinctive words (those in at most
   BLOCK_SHARE of the wordings), so the work grows with the rows, not with their square: words every wording
   shares never make candidates, and a wording made only of common words stays a theme of its own.

A theme of a single row is no theme: it stays in the raw list.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import re
import shlex
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate, chain, pairwise
from operator import itemgetter
from typing import Any, Protocol, TypeVar, runtime_checkable

from ..collector import paused_collector
from ..model import FeedbackKind, FeedbackRow
from ..verbatims import Said, says_something
from .evidence import People, people

SIMILAR = 0.55          # cosine similarity from which a wording joins a theme
BLOCK_SHARE = 0.05      # a word in more than this share of the wordings is too common to propose candidates
BLOCK_FLOOR = 50        # … but in a small inbox every word may propose them (the work is small anyway)
QUERY_WORDS = 5         # a wording looks for its theme through its 5 rarest distinctive words …
HITS = 2                # … among themes whose first wording holds at least 2 of them (1 if it has only 1) …
INDEX_WORDS = 8         # … in an index of each theme's 8 rarest distinctive words …
CANDIDATES_PER_WORD = 32   # … the first (most frequent) 32 themes per word
MIN_ROWS = 2            # a theme is something said at least twice
SAMPLES = 3
THEMED_ROWS = 200_000   # the newest unlinked rows with words that are grouped (CSV and Parquet alike): bounded memory
COMMAND_IDS = 500       # row IDs in a theme's command: one shell argument stays far below the 128 KiB limit
TREND_MONTHS = 3

KIND_ORDER: tuple[FeedbackKind | None, ...] = (FeedbackKind.COMPLAINT, FeedbackKind.SUGGESTION,
                                               FeedbackKind.PRAISE, None)

NOBODY: list[int] = []
_WORD = re.compile(r"[^\W_]+")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
# ASCII letters and digits stay (case-folded first); every other byte separates words
_ASCII_WORDS = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + bytes(32 for _ in range(128))


class Verbatim(Protocol):
    """A row as grouping reads it: a FeedbackRow, or the Said of a row still in DuckDB."""

    @property
    def date(self) -> date: ...
    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def journey_stage(self) -> str: ...
    @property
    def verbatim(self) -> str | None: ...


_Row = TypeVar("_Row", bound=Verbatim)


@runtime_checkable
class Columns(Protocol):
    """Rows kept as columns (site_gen/load/parquet.py StoredSaid: Arrow), which give a column's values at once."""

    def columns(self, *names: str) -> list[list[Any]]: ...


@runtime_checkable
class Taking(Protocol):
    """Rows that make only the ones asked for (site_gen/load/parquet.py StoredSaid: Arrow columns)."""

    def take(self, positions: Sequence[int]) -> Sequence[Verbatim]: ...


@dataclass(frozen=True, slots=True)
class Theme:
    """Rows of one kind and journey stage that say the same thing, and what the inbox page shows of them."""

    kind: FeedbackKind | None
    journey_stage: str
    wording: str                            # the most common wording, as a customer wrote it
    rows: tuple[FeedbackRow, ...]           # newest first (then by ID)
    customers: int                          # distinct customer references
    anonymous: int                          # rows without a customer reference: each counts as one person
    segments: tuple[tuple[str, int], ...]   # most common first
    team: str | None                        # the team most of its rows name, if any
    recent: int                             # rows in the last TREND_MONTHS complete months …
    before: int                             # … and in the TREND_MONTHS months before those
    recent_months: tuple[str, str]          # first and last month (YYYY-MM) of the recent window
    before_months: tuple[str, str]
    samples: tuple[FeedbackRow, ...]        # newest first, each a different wording
    grouped_from: date | None = None        # the inbox was cut to its newest THEMED_ROWS: rows from this day on

    @property
    def people(self) -> People:
        """Who said it: what ranks themes and compares them with open irritants (an anonymous survey's too)."""
        return People(self.customers, self.anonymous)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(row.id for row in self.rows)

    @property
    def command_ids(self) -> tuple[str, ...]:
        """The row IDs the command links: all of them, or the newest COMMAND_IDS of a very large theme."""
        return self.ids[:COMMAND_IDS]

    @property
    def command_prefix(self) -> str:
        """The command without its row IDs: title, stage and (when its rows name one) team."""
        parts = ["site-gen", "new", "irritant", "--title", _title(self.wording), "--stage", self.journey_stage]
        if self.team:
            parts += ["--team", self.team]
        return " ".join(shlex.quote(part) for part in parts)

    @property
    def command(self) -> str:
        """The `site-gen new irritant` command that opens this theme as an irritant, ready to paste in a shell."""
        return f"{self.command_prefix} --from-feedback {shlex.quote(','.join(self.command_ids))}"

    @property
    def trend(self) -> str:
        """rising, falling or steady: the last TREND_MONTHS complete months against the TREND_MONTHS before them.
        A change of at most 2 rows, or of at most a quarter, is steady. unknown when the grouped rows do not
        reach back to the start of those months (a very large inbox: the months before would count nothing)."""
        if self.grouped_from is not None and self.grouped_from > date.fromisoformat(self.before_months[0] + "-01"):
            return "unknown"
        change = self.recent - self.before
        if abs(change) <= 2 or abs(change) * 4 <= max(self.recent, self.before):
            return "steady"
        return "rising" if change > 0 else "falling"

    @property
    def key(self) -> str:
        """A stable anchor for the theme on the inbox page."""
        return f"{self.kind or 'other'}-{self.journey_stage}-{self.rows[-1].id}"


@dataclass(frozen=True, slots=True)
class Inbox:
    """The unlinked feedback, as themes."""

    themes: Mapping[FeedbackKind | None, tuple[Theme, ...]]   # in KIND_ORDER, each ranked
    ungrouped: int                 # rows with a verbatim said only once (in no theme)
    without_verbatim: int          # rows with nothing to group by
    smallest_open: tuple[str, int] | None   # the open irritant with the least evidence (ID, people), if any has some
    bigger: tuple[Theme, ...]      # complaint themes with more people than smallest_open: not in the backlog

    @property
    def complaints(self) -> tuple[Theme, ...]:
        return self.themes.get(FeedbackKind.COMPLAINT, ())

    @property
    def suggestions(self) -> tuple[Theme, ...]:
        return self.themes.get(FeedbackKind.SUGGESTION, ())

    @property
    def praise(self) -> tuple[Theme, ...]:
        return self.themes.get(FeedbackKind.PRAISE, ())

    @property
    def unclassified(self) -> tuple[Theme, ...]:
        return self.themes.get(None, ())


def has_words(row: Verbatim) -> bool:
    return says_something(row.verbatim)


def inbox_themes(unlinked: Iterable[Verbatim], stages: Sequence[str], as_of: date,
                 open_evidence: Mapping[str, int], without_verbatim: int | None = None,
                 whole: Callable[[Iterable[str]], Mapping[str, FeedbackRow]] | None = None,
                 groups: list[list[int]] | None = None, grouped_from: date | None = None) -> Inbox:
    """Group unlinked rows into ranked themes; flag complaint themes bigger than the smallest open irritant.

    open_evidence: open irritant ID -> the people behind its evidence (People.count). without_verbatim: how many
    unlinked rows have no words, when `unlinked` holds only those with words (the facts read no more rows than they
    group).
    whole: the FeedbackRow of each of these IDs, for the rows given as Said (read from DuckDB once grouped).
    groups: what theme_groups(unlinked) gives, when a worker process made it already. grouped_from: the first day
    whose rows are all in `unlinked`, when older ones were left out (their trends are then unknown).
    """
    rows = unlinked if isinstance(unlinked, Sequence) else list(unlinked)
    if groups is None:
        groups = theme_groups(rows)
    # only the rows of a theme are looked at one by one: StoredSaid makes just those (its `take`)
    positions = [at for group in groups for at in group]
    members = rows.take(positions) if isinstance(rows, Taking) else [rows[at] for at in positions]
    starts = list(accumulate((len(group) for group in groups), initial=0))
    clusters = [members[start:end] for start, end in pairwise(starts)]
    read = whole([row.id for members in clusters for row in members if isinstance(row, Said)]) if whole else {}
    stage_rank = {stage: number for number, stage in enumerate(stages)}
    themes: dict[FeedbackKind | None, list[Theme]] = {kind: [] for kind in KIND_ORDER}
    grouped = 0
    for members in clusters:
        grouped += len(members)
        theme = _theme([row if isinstance(row, FeedbackRow) else read[row.id] for row in members], as_of, grouped_from)
        themes[theme.kind].append(theme)
    ranked = {kind: tuple(sorted(found, key=lambda t: _rank(t, stage_rank))) for kind, found in themes.items()}
    sized = sorted((customers, key) for key, customers in open_evidence.items() if customers > 0)
    smallest = (sized[0][1], sized[0][0]) if sized else None
    bigger = tuple(t for t in ranked[FeedbackKind.COMPLAINT] if smallest and t.people.count > smallest[1])
    with_text = sum(1 for row in rows if has_words(row)) if without_verbatim is None else len(rows)
    return Inbox(ranked, with_text - grouped,
                 len(rows) - with_text if without_verbatim is None else without_verbatim, smallest, bigger)


def theme_groups(rows: Sequence[Verbatim]) -> list[list[int]]:
    """The themes among rows, each as the positions of its rows in `rows` (rows without words are in none):
    plain numbers, so a worker process can group the rows it shares with its parent and send back only these."""
    kinds, stages, texts = _grouped_columns(rows)
    with paused_collector():   # hundreds of thousands of small acyclic objects: no rescans of the heap
        return [members for members in cluster_wordings(kinds, stages, texts) if len(members) >= MIN_ROWS]


def groups_key(rows: Sequence[Verbatim]) -> bytes:
    """A hash of all theme_groups reads of the rows, in their order: rows hashing alike group alike, so an earlier
    run's groups can be taken (grouping 200,000 rows: 1.9 s of a build after any edit; hashing them: 0.05 s)."""
    return hashlib.blake2b(pickle.dumps(_grouped_columns(rows), protocol=pickle.HIGHEST_PROTOCOL),
                           digest_size=20).digest()


def _grouped_columns(rows: Sequence[Verbatim]) -> tuple[list[Any], list[Any], list[Any]]:
    """The rows' kinds, journey stages and verbatims: what grouping reads."""
    if isinstance(rows, Columns):   # rows still in DuckDB's Arrow columns: read only the three grouping needs
        kinds, stages, texts = rows.columns("kind", "journey_stage", "verbatim")
        return kinds, stages, texts
    return [row.kind for row in rows], [row.journey_stage for row in rows], [row.verbatim for row in rows]


def words(text: str) -> list[str]:
    """The words of a verbatim, in order: case-folded, without accents or apostrophes."""
    folded = text.casefold()
    if folded.isascii():   # most exports: one C-level pass instead of a regular expression
        return folded.encode("ascii").translate(_ASCII_WORDS, b"'`").decode("ascii").split()
    folded = folded.replace("’", "")
    folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return _WORD.findall(folded.replace("'", ""))


def cluster_rows(rows: Iterable[_Row]) -> list[list[_Row]]:
    """Rows grouped by similar wording within (kind, journey stage); deterministic, independent of row order.
    Rows without words are in no group."""
    listed = list(rows)
    clusters = cluster_wordings([row.kind for row in listed], [row.journey_stage for row in listed],
                                [row.verbatim for row in listed])
    return [[listed[at] for at in members] for members in clusters]


def cluster_wordings(kinds: Sequence[str | None], stages: Sequence[str], texts: Sequence[str | None],
                     ) -> list[list[int]]:
    """cluster_rows over a column each of the rows' kinds, journey stages and verbatims: each cluster as the
    positions of its rows, those with words only (200,000 rows from DuckDB: no tuple made of each)."""
    wording_of: dict[str, str] = {}          # verbatim as written -> its words; exports repeat verbatims
    # a wording's distinct words: a tuple, where a frozenset takes five times the memory (clustering 200,000
    # distinct verbatims peaked 88 MB higher with sets); in no set order, sorted only for the few compared
    word_sets: dict[str, tuple[str, ...]] = {}
    # each word's string once, however many wordings hold it (200,000 verbatims: 1.8 million strings of a few
    # thousand words took 94 MB, the largest part of a 10,000-story build's peak)
    spelled: dict[str, str] = {}
    by_wording: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for at, text in enumerate(texts):
        if not says_something(text):
            continue
        key = wording_of.get(text)
        if key is None:
            found = words(text)
            key = wording_of[text] = " ".join(found)
            if key not in word_sets:
                distinct = set(found)
                word_sets[key] = tuple(map(spelled.setdefault, distinct, distinct))  # a set iterates alike twice
        if not key:   # a thumb or '!!!': no words to say what a theme is about, so in none
            continue
        by_wording[(kinds[at] or "", stages[at], key)].append(at)

    document_frequency = Counter(chain.from_iterable(word_sets.values()))
    total = len(word_sets)
    idf = {word: math.log((1 + total) / (1 + count)) + 1.0 for word, count in document_frequency.items()}
    limit = max(BLOCK_FLOOR, BLOCK_SHARE * total)
    distinctive = frozenset(word for word, count in document_frequency.items() if count <= limit)
    # rarest first, ties alphabetically: one integer per word, so sorting needs no Python key function
    rank = {word: number for number, word in
            enumerate(sorted(distinctive, key=lambda word: (document_frequency[word], word)))}

    def vector(key: str) -> dict[str, float]:
        ordered = sorted(word_sets[key])   # sums in one order: the same floats under any PYTHONHASHSEED
        norm = math.sqrt(sum([idf[word] ** 2 for word in ordered]))
        return {word: idf[word] / norm for word in ordered}

    groups: dict[tuple[str, str], list[tuple[str, list[int]]]] = defaultdict(list)
    for (kind, stage, key), members in by_wording.items():
        groups[(kind, stage)].append((key, members))

    clusters: list[list[int]] = []
    for group in sorted(groups):
        leaders: list[str] = []
        vectors: dict[int, dict[str, float]] = {}   # computed once a leader is compared
        members_of: list[list[int]] = []
        index: dict[str, list[int]] = {}
        for key, members in _most_said_first(groups[group]):
            rare_words = distinctive.intersection(word_sets[key])
            if not rare_words:   # only common words: it can neither find a theme nor be found
                clusters.append(members)
                continue
            rare = sorted(rare_words, key=rank.__getitem__)
            query = rare[:QUERY_WORDS]
            needed = min(HITS, len(query))
            hits: dict[int, int] = {}
            candidates = []
            for word in query:
                for leader in index.get(word, NOBODY)[:CANDIDATES_PER_WORD]:
                    count = hits[leader] = hits.get(leader, 0) + 1
                    if count == needed:
                        candidates.append(leader)
            best, best_score = -1, -1.0
            if candidates:
                mine = vector(key)
                for leader in sorted(candidates):
                    theirs = vectors.get(leader)
                    if theirs is None:
                        theirs = vectors[leader] = vector(leaders[leader])
                    score = _cosine(mine, theirs)
                    if score > best_score:
                        best, best_score = leader, score
            if best_score >= SIMILAR:
                members_of[best].extend(members)
                continue
            number = len(leaders)
            leaders.append(key)
            members_of.append(list(members))
            for word in rare[:INDEX_WORDS]:
                index.setdefault(word, []).append(number)
        clusters.extend(members_of)
    return clusters


def _most_said_first(wordings: list[tuple[str, list[int]]]) -> list[tuple[str, list[int]]]:
    """Wordings by how many rows say them, most first, then by their words: sorted in C (200,000 wordings took
    0.5 s with a Python key function, a tenth of that so). Each wording is there once, so the tuples compare by
    their words alone."""
    by_words = sorted(wordings)
    sizes = list(map(len, map(itemgetter(1), by_words)))
    return list(map(by_words.__getitem__, sorted(range(len(by_words)), key=sizes.__getitem__, reverse=True)))


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum([weight * b.get(word, 0.0) for word, weight in a.items()])


def _theme(members: list[FeedbackRow], as_of: date, grouped_from: date | None = None) -> Theme:
    rows = tuple(sorted(members, key=lambda r: (r.date, r.id), reverse=True))
    wording = _representative(rows)
    teams = Counter(row.team for row in rows if row.team)
    team = min(teams, key=lambda name: (-teams[name], name)) if teams else None
    this_month = as_of.year * 12 + as_of.month - 1
    recent_first, before_first = this_month - TREND_MONTHS, this_month - 2 * TREND_MONTHS
    months = Counter(row.date.year * 12 + row.date.month - 1 for row in rows)
    samples: list[FeedbackRow] = []
    said: set[str] = set()
    for row in rows:
        text = " ".join(words(row.verbatim or ""))
        if text not in said:
            said.add(text)
            samples.append(row)
            if len(samples) == SAMPLES:
                break
        if len(said) > 50 * SAMPLES:   # a theme of one wording said thousands of times: enough looking
            break
    segments = Counter(row.segment for row in rows if row.segment)
    behind = people(rows)
    return Theme(
        kind=rows[0].kind, journey_stage=rows[0].journey_stage, wording=wording, rows=rows,
        customers=behind.customers, anonymous=behind.anonymous,
        segments=tuple(sorted(segments.items(), key=lambda pair: (-pair[1], pair[0]))), team=team,
        recent=sum(n for month, n in months.items() if recent_first <= month < this_month),
        before=sum(n for month, n in months.items() if before_first <= month < recent_first),
        recent_months=(_month(recent_first), _month(this_month - 1)),
        before_months=(_month(before_first), _month(recent_first - 1)),
        samples=tuple(samples), grouped_from=grouped_from)


def _representative(rows: Sequence[FeedbackRow]) -> str:
    """The sentence most of the theme's rows contain (the problem, not the "Please fix this." after it), in the
    form customers wrote it most often; ties go to the longer sentence, then alphabetically."""
    rows_with: Counter[str] = Counter()
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for verbatim, count in Counter(row.verbatim or "" for row in rows).items():
        found = set()
        for sentence in _SENTENCE.split(" ".join(verbatim.split())):
            key = " ".join(words(sentence))
            if key and key not in found:
                found.add(key)
                written[key][sentence.rstrip(".").strip()] += count
        for key in found:
            rows_with[key] += count
    best = min(rows_with, key=lambda key: (-rows_with[key], -len(key.split()), key))
    forms = written[best]
    return min(forms, key=lambda text: (-forms[text], text))


def _rank(theme: Theme, stage_rank: Mapping[str, int]) -> tuple[int, int, int, int, str, str]:
    return (-theme.people.count, -len(theme.rows), -theme.rows[0].date.toordinal(),
            stage_rank.get(theme.journey_stage, len(stage_rank)), theme.wording, theme.rows[-1].id)


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _title(wording: str) -> str:
    """An irritant title from a theme's wording: at most 100 characters."""
    return wording if len(wording) <= 100 else wording[:99].rstrip() + "…"
