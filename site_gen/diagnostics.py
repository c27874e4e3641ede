"""Diagnostics are values: where, which rule, how bad, what is wrong, how to fix it.

Rules yield them; the command line decides how to print them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from .pickling import quick_pickle


@dataclass(frozen=True, slots=True, order=True, init=False)
class SourceLoc:
    """A place in a file a person can click: path relative to the repo, 1-based line and column."""

    path: str
    line: int = 1
    col: int = 1

    def __init__(self, path: str, line: int = 1, col: int = 1) -> None:
        # the slots' own setters: a frozen dataclass's generated __init__ goes through object.__setattr__,
        # which made a place cost 0.7 µs (a backlog of 30,000 files has 350,000 of them)
        _set_path(self, path)
        _set_line(self, line)
        _set_col(self, col)

    def __reduce__(self) -> tuple[type[SourceLoc], tuple[str, int, int]]:
        # pickled as a call with its three values: a worker hands back 170,000 places per 15,000 records,
        # and a state restored by __setstate__ (pickling.quick_pickle) took twice as long to read
        return SourceLoc, (self.path, self.line, self.col)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


_set_path, _set_line, _set_col = (SourceLoc.__dict__[name].__set__ for name in ("path", "line", "col"))


def empty_place(name: str) -> str:
    """The key of Places where a field written with no value (`owner:`) keeps its place: not under its name, which
    means a value was written there (one its field refused, when the record has none)."""
    return f"{name}:empty"


def refused_place(name: str) -> str:
    """The key of Places that marks a field's list as refused, whole or in part (Located.refused), at the place it
    was written."""
    return name + "!"


class Places(dict[str, SourceLoc]):
    """Where each value of one file's record was written: field name (or 'name.N', or empty_place(name) for a field
    written with no value, or refused_place(name) for a list refused) -> place in that file.

    A plain dict while the loader fills it, but pickled as the file's path, the names and the line and column
    numbers, and read back as PackedPlaces: a worker hands back 15,000 records with 170,000 places, and the cache
    holds 30,000, which as SourceLoc objects took two thirds of the time the records took to pickle and unpickle.
    """

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        path = next(iter(self.values())).path if self else ""
        numbers: list[int] = []
        for loc in self.values():
            if loc.path != path:  # not one file's: pickled as a dict is
                return Places, (dict(self),)
            numbers += (loc.line, loc.col)
        return PackedPlaces, (path, tuple(self), numbers)


class PackedPlaces(Mapping[str, SourceLoc]):
    """One file's Places as they come back from a pickle: the path, the names and their numbers. A place is made
    when it is asked for — rules ask for a handful of a record's places, and only of records with a problem — so
    a cached check of 30,000 records no longer builds 200,000 places to read a few thousand."""

    __slots__ = ("_path", "_names", "_numbers")

    def __init__(self, path: str, names: tuple[str, ...], numbers: list[int]) -> None:
        self._path, self._names, self._numbers = path, names, numbers

    def __getitem__(self, name: str) -> SourceLoc:
        try:
            at = 2 * self._names.index(name)
        except ValueError:
            raise KeyError(name) from None
        return SourceLoc(self._path, self._numbers[at], self._numbers[at + 1])

    def get(self, name: str, default: SourceLoc | None = None) -> SourceLoc | None:  # type: ignore[override]
        return self[name] if name in self._names else default

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedPlaces):
            return (self._path, self._names, self._numbers) == (other._path, other._names, other._numbers)
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]   # as a dict: places are compared, never hashed

    def __reduce__(self) -> tuple[Any, ...]:
        return PackedPlaces, (self._path, self._names, self._numbers)

    def __repr__(self) -> str:
        return f"PackedPlaces({dict(self.items())!r})"


def left_out(diagnostics: Iterable[Diagnostic], what: str) -> list[str]:
    """For a command that goes on with what loaded (agenda, digest, feedback): one line per feedback file or
    site.yaml that loaded with errors, saying what it leaves out of `what` and where to see why — else a feedback
    export that does not read drops out of the meeting without a word."""
    errors: dict[str, int] = {}
    for found in diagnostics:
        path = found.loc.path
        if found.severity is Severity.ERROR and (path == "site.yaml" or path.startswith("feedback/")):
            errors[path] = errors.get(path, 0) + 1
    return [f"{path}: {count} error(s) — "
            + (f"the {what} uses what could be read of it" if path == "site.yaml"
               else f"the rows that could not be read are left out of the {what}")
            + "; run site-gen check to see them" for path, count in sorted(errors.items())]


# Every rule id a diagnostic can carry, with what it checks. Ids are stable: people grep for
# them, and the README's rules table lists exactly these (tests/test_docs.py checks both ways).
RULES: dict[str, str] = {
    "parse": "the file reads: valid UTF-8, valid YAML/CSV/JSON, no tags, not absurdly deep, within size limits",
    "front-matter": "markdown starts with a closed `---` block",
    "duplicate-key": "a field appears once",
    "unknown-field": "no unknown fields (typos)",
    "type": "each value has its field's type",
    "value": "each value is allowed for its field",
    "date": "dates are real dates",
    "required": "required fields are given",
    "id-format": "IDs are valid",
    "id-mismatch": "a record's id matches its file name",
    "id-duplicate": "IDs are unique, a list (feedback, irritants, teams, aliases…) names each entry once, and a "
                    "metric's series each month once",
    "reference": "every reference resolves",
    "symlink": "no links out of the repository",
    "backlog-short": "open + in-progress irritants stay within rules.max_open",
    "dated-assigned": "owner, cause and target unless declined; decline_reason; closed once closed",
    "date-order": "target, closed and reviewed not before opened; review_on not before a decision's date",
    "public-title": "a public irritant has a public title",
    "unreviewed": "open irritants are reviewed within rules.review_every_days",
    "overdue": "open irritants are not past their target",
    "metrics-max": "at most three metrics",
    "metric-definition": "each metric is computed or given",
    "metric-decision": "a metric that moved by its threshold has a metric-response decision",
    "metric-stale": "a metric's last data point is for a month that ended at most rules.metric_stale_days ago",
    "risk-uncovered": "a high-severity risk signal (a falling score, a rising complaint share, a metric moving "
                      "towards its threshold) is covered by an open irritant of its stage or segment, or linked "
                      "to its feedback",
    "feedback-dated-later": "no feedback row is dated after today, the check's date (warning, one per file)",
    "decision-review": "decisions past review_on record an outcome (superseded ones excepted)",
    "decision-outcome": "an outcome has its date; too-early brings a later review_on; did-not-work is followed up "
                        "by a decision that names it in `follows`",
    "decision-links": "`supersedes` on the new decision and `superseded_by` with status superseded on the old one "
                      "agree; no decision names itself, and no chain of `follows` or `supersedes` comes back to "
                      "where it started",
    "friction": "a decision that adds steps to the customer's journey is an arbitration whose `customer` answer "
                "says why",
    "loop-open": "the loop closes: a done irritant with linked feedback has a story within "
                 "rules.story_within_days of closing, and a public story's customers who agreed to be contacted "
                 "are told within rules.notify_within_days (backlog/notified.csv)",
    "recurrence": "linked complaints after rules.recurrence_grace_days stay below rules.recurrence_share % of the "
                  "weekly rate before closing",
    "decision-questions": "arbitrations answer the four questions, debriefs the four points, metric responses name "
                          "a metric",
    "story-evidence": "a story closes at least one irritant",
    "story-public": "a public story has you_said and we_did",
    "personal-data": "public text holds no e-mail address, phone number or customer reference",
    "personal-data-allowed": "an exception listed in allow_personal_data is named in every check",
    "personal-data-allowed-unused": "an allow_personal_data exception no public text holds is stale",
    "control-character": "no control characters, lone surrogates or non-characters in text",
    "raw-html": "raw HTML in a public body is shown as text",
    "html-comment-unclosed": "an HTML comment in a public body is closed",
    "html-comment-field": "a public field that is not markdown holds no HTML comment (customers would read it)",
    "slug-format": "a slug is lower-case ASCII letters, digits and single hyphens",
    "slug-duplicate": "no two stories or items share a slug",
    "slug-missing": "a public story or item carries the slug that keeps its address (warning)",
    "alias-format": "an alias is an old slug or a path inside the public site",
    "alias-collision": "an alias is not another record's address or alias, nor one of the site's own pages",
    "placeholder": "no `TODO` placeholder left by `site-gen new` in a field or a body line",
    "asset": "the logo is a real, safe image file of the repository (no links, true type, size cap, no active SVG)",
    "language-unknown": "`public.language` and `internal.language` name a catalogue: packaged (en, fr, de, es) or "
                        "the repository's `locale/<language>.po`",
    "locale": "a team catalogue `locale/<language>.po` reads: valid UTF-8 and .po syntax, a regular file (no link)",
    "notify-ledger": "backlog/notified.csv is appended in date order, with one final result per customer and "
                     "story",
    "schemas-stale": "the editor schemas in schemas/, when kept, are what `site-gen schema` writes from site.yaml "
                     "now (warning)",
    "theme-not-in-backlog": "no complaint theme of the unlinked feedback has more people (distinct customers, plus "
                            "each anonymous response) than the open irritant with the least evidence (build and "
                            "agenda only)",
}


class Severity(StrEnum):
    WARNING = "warning"
    ERROR = "error"


@quick_pickle
@dataclass(frozen=True, slots=True, init=False)
class Diagnostic:
    loc: SourceLoc
    rule: str
    severity: Severity
    message: str
    hint: str = ""

    def __init__(self, loc: SourceLoc, rule: str, severity: Severity, message: str, hint: str = "") -> None:
        # the slots' own setters, as SourceLoc's: a check makes (and a cached one reads back) 32,000 of them
        _set_loc(self, loc)
        _set_rule(self, rule)
        _set_severity(self, severity)
        _set_message(self, message)
        _set_hint(self, hint)

    def sort_key(self) -> tuple[str, int, int, str, str, str, str]:
        # every field: two findings alike but for their severity or hint come in one order in every run (sorted
        # from a set, whose order changes from run to run), and a cached check inserts one where a full one sorts it
        return (self.loc.path, self.loc.line, self.loc.col, self.rule, self.message, self.severity.value, self.hint)

    def as_text(self) -> str:
        """One line for a terminal: file names and messages quote what people wrote, escapes included."""
        hint = f" — {self.hint}" if self.hint else ""
        return escape_text(f"{self.loc}: {self.severity.value}[{self.rule}] {self.message}{hint}")

    def as_dict(self) -> dict[str, str | int]:
        return {
            "path": self.loc.path,
            "line": self.loc.line,
            "col": self.loc.col,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }


_set_loc, _set_rule, _set_severity, _set_message, _set_hint = (
    Diagnostic.__dict__[name].__set__ for name in ("loc", "rule", "severity", "message", "hint"))


def error(loc: SourceLoc, rule: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(loc, rule, Severity.ERROR, message, hint)


def warning(loc: SourceLoc, rule: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(loc, rule, Severity.WARNING, message, hint)


def with_severity(severity: str, diagnostic: Diagnostic) -> Diagnostic:
    """The same finding at the severity a team configured in site.yaml."""
    return Diagnostic(diagnostic.loc, diagnostic.rule, Severity(severity), diagnostic.message, diagnostic.hint)


class Diagnostics(tuple[Diagnostic, ...]):
    """A run's diagnostics as the cache keeps them: a tuple, pickled as columns of plain values. A check of
    30,000 records keeps 32,000 diagnostics; object by object they took 0.4 s to write and as long to read."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return _diagnostics, ([d.loc.path for d in self], [d.loc.line for d in self], [d.loc.col for d in self],
                              [d.rule for d in self], [d.severity is Severity.ERROR for d in self],
                              [d.message for d in self], [d.hint for d in self])


def _diagnostics(paths: list[str], lines: list[int], cols: list[int], rules: list[str], errors: list[bool],
                 messages: list[str], hints: list[str]) -> Diagnostics:
    severities = [Severity.ERROR if is_error else Severity.WARNING for is_error in errors]
    return Diagnostics(map(Diagnostic, map(SourceLoc, paths, lines, cols), rules, severities, messages, hints))


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


# --- output formats -------------------------------------------------------------------

# Bidirectional overrides, isolates and marks: they reorder what a terminal or a review shows ("Trojan Source").
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_UNSAFE_IN_GITHUB = re.compile(f"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")  # not \n, \r
_UNSAFE_IN_JSON = re.compile(f"[\x7f-\x9f\u2028\u2029{_BIDI}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape_text(text: str) -> str:
    """Control characters (C0, DEL, C1), line separators and bidi controls shown as escapes such as \\x1b.

    A key or file name is the author's text: written raw to a terminal, an ESC sequence could erase the
    lines above and fake a clean check, and a newline could fake a diagnostic.
    """
    # every character _UNSAFE finds is one Python calls unprintable: most texts are checked by one C loop
    # (32,000 diagnostics: 0.15 -> 0.01 s), not by the regular expression
    return text if text.isprintable() else _UNSAFE.sub(_escape_char, text)


_ONE = {"irritants": "irritant", "decisions": "decision", "stories": "story", "feedback rows": "feedback row"}


def describe_counts(counts: dict[str, int], unreadable: dict[str, int]) -> str:
    """'13 irritants (1 unreadable), 8 decisions, 1 story, …': a file that failed to parse still counts, and says
    so. The counts' keys are plural (JSON output keeps them); one of a kind is said in the singular."""
    parts = []
    for kind, count in counts.items():
        if kind == "unreadable":
            continue  # said per kind below
        broken = unreadable.get(kind)
        noun = _ONE.get(kind, kind) if count == 1 else kind
        parts.append(f"{count:,} {noun}" + (f" ({broken:,} unreadable)" if broken else ""))
    return ", ".join(parts)


def format_text(diagnostics: list[Diagnostic]) -> str:
    return "".join(d.as_text() + "\n" for d in diagnostics)


def _escape_data(value: str) -> str:
    # GitHub's workflow-command escaping: see actions/toolkit core/src/command.ts. The log viewer shows ANSI
    # escapes, so other control characters are escaped first, as in the text format; %0A is GitHub's newline.
    return _UNSAFE_IN_GITHUB.sub(_escape_char, value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostics: list[Diagnostic]) -> str:
    """One workflow command per diagnostic, so each shows inline on the pull request."""
    lines = []
    for d in diagnostics:
        props = ",".join(
            f"{key}={_escape_property(str(value))}"
            for key, value in (
                ("file", d.loc.path),
                ("line", d.loc.line),
                ("col", d.loc.col),
                ("title", f"{d.rule}"),
            )
        )
        body = d.message + (f" — {d.hint}" if d.hint else "")
        lines.append(f"::{d.severity.value} {props}::{_escape_data(body)}\n")
    return "".join(lines)


def _cell(value: str) -> str:
    return escape_text(value.replace("\n", " ")).replace("|", "\\|")


def format_summary_markdown(diagnostics: list[Diagnostic], counts: dict[str, int], as_of: str = "",
                            unreadable: dict[str, int] | None = None) -> str:
    """The job summary: GitHub shows only ten annotations per step, the summary shows all. What was checked is
    said as the text output says it (describe_counts)."""
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    checked = describe_counts(counts, unreadable or {})
    out = ["## site-gen check", ""]
    if not diagnostics:
        out.append(f"No problems found ({checked}{', ' + as_of if as_of else ''}).")
        return "\n".join(out) + "\n"
    out.append(f"**{errors} error(s), {warnings} warning(s)** in {checked}{', ' + as_of if as_of else ''}.")
    out += ["", "| Severity | File | Line | Rule | Problem | Fix |", "|---|---|---|---|---|---|"]
    for d in diagnostics:
        out.append(
            f"| {d.severity.value} | `{_cell(d.loc.path)}` | {d.loc.line} | `{d.rule}` "
            f"| {_cell(d.message)} | {_cell(d.hint)} |"
        )
    return "\n".join(out) + "\n"


def format_json(diagnostics: list[Diagnostic], counts: dict[str, int], as_of: date | None = None) -> str:
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    summary: dict[str, object] = {"errors": errors, "warnings": len(diagnostics) - errors, "checked": counts}
    if as_of is not None:
        summary["as_of"] = as_of.isoformat()
    document = {
        "summary": summary,
        "diagnostics": [d.as_dict() for d in diagnostics],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False)  # escapes C0 controls inside strings
    # DEL, C1 and bidi controls too: they only occur inside strings, and "\u009b" reads back the same
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
