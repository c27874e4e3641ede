"""`site-gen new irritant|decision|story`: a valid record file to start from, in the spirit of `adr new`.

The text of a new record is a pure function of what the author gave (`irritant_text`, `decision_text`,
`story_text`); what they did not give is a `TODO` placeholder that `check` reports (rule `placeholder`)
until it is replaced. Writing is at the edge: `write_new` refuses to overwrite, and `supersede` changes
only the `status:` line of the old decision and adds `superseded_by:` after it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .fieldtypes import ID_RE
from .files import replace_file
from .model import Backlog, DecisionKind, Triage
from .rules.placeholders import MARKER
from .text import slugify

KINDS = {"irritant": ("backlog/irritants", ".yaml"), "decision": ("backlog/decisions", ".md"),
         "story": ("backlog/stories", ".md")}
TARGET_DAYS = 28        # a new irritant's default target: four weeks out
REVIEW_DAYS = 90        # a new decision's default review date: a quarter out

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ,.()/'’-]*$")
# words YAML 1.1 reads as something other than text
_YAML_WORDS = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


class NewError(Exception):
    """A record that cannot be created as asked (exists already, unknown ID…); nothing was written."""


def record_id(title: str, kind: str) -> str:
    """The ID (file stem) from a title: text.slugify, the same slug function the public site uses."""
    return slugify(title, kind)[:60].rstrip("-")


def public_slug(public_title: str) -> str:
    """The public address of a public record: made from its PUBLIC title only (text.slugify), never internal words."""
    return slugify(public_title, "item")


def _text(value: str) -> str:
    """A YAML scalar that reads back as exactly this text."""
    if _PLAIN.match(value) and value.lower() not in _YAML_WORDS and not value.endswith(" "):
        return value
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _todo(what: str) -> str:
    return json.dumps(f"{MARKER}: {what}", ensure_ascii=False)


def _ids(values: Iterable[str]) -> str:
    return "[" + ", ".join(values) + "]"


def _line(name: str, value: str | None, placeholder: str) -> str:
    return f"{name}: {_text(value) if value else _todo(placeholder)}"


def _schema_line(kind: str) -> str:
    return f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json"


@dataclass(frozen=True)
class NewIrritant:
    title: str
    journey_stage: str
    team: str
    opened: date
    public_title: str | None = None     # given: the irritant is public, with a slug made from it
    owner: str | None = None
    cause: str | None = None
    triage: Triage = Triage.PLAN
    target: date | None = None
    feedback: tuple[str, ...] = ()


def irritant_text(new: NewIrritant) -> str:
    lines = [_schema_line("irritant"), f"title: {_text(new.title)}"]
    if new.public_title:
        lines += [f"public_title: {_text(new.public_title)}", f"slug: {public_slug(new.public_title)}"]
    lines += [f"journey_stage: {new.journey_stage}", f"team: {new.team}",
              _line("owner", new.owner, "the person responsible"),
              _line("cause", new.cause, "the identified or probable cause"),
              f"triage: {new.triage.value}"]
    if new.triage == Triage.DECLINE:
        lines += [_line("decline_reason", None, "why we decline (internal)"), "status: declined",
                  f"opened: {new.opened.isoformat()}", f"closed: {new.opened.isoformat()}"]
    else:
        target = new.target or new.opened + timedelta(days=TARGET_DAYS)
        lines += ["status: open", f"opened: {new.opened.isoformat()}", f"target: {target.isoformat()}"]
    if new.feedback:
        lines.append(f"feedback: {_ids(new.feedback)}")
    if new.public_title:
        lines.append("visibility: public")
    return "\n".join(lines) + "\n"


_QUESTIONS = {
    DecisionKind.ARBITRATION: (("customer", "what changes for the customer?"),
                               ("promise", "does it keep our promise?"),
                               ("teams", "what does it cost our teams?"),
                               ("simplest", "is it the simplest, clearest option for the customer?")),
    DecisionKind.DEBRIEF: (("what_happened", "what happened"), ("customer_impact", "the impact on customers"),
                           ("root_cause", "the root cause"), ("prevention", "what prevents it from happening again")),
}


@dataclass(frozen=True)
class NewDecision:
    title: str
    date: dt.date
    kind: DecisionKind = DecisionKind.ARBITRATION
    owner: str | None = None
    review_on: dt.date | None = None
    metric: str | None = None
    irritants: tuple[str, ...] = ()
    supersedes: str | None = None


def decision_text(new: NewDecision) -> str:
    review_on = new.review_on or new.date + timedelta(days=REVIEW_DAYS)
    lines = ["---", _schema_line("decision"), f"title: {_text(new.title)}", f"date: {new.date.isoformat()}",
             _line("owner", new.owner, "who is accountable for the decision"),
             f"review_on: {review_on.isoformat()}", "status: active", f"kind: {new.kind.value}"]
    if new.kind == DecisionKind.METRIC_RESPONSE:
        lines.append(f"metric: {new.metric}" if new.metric else _line("metric", None, "the metric id from site.yaml"))
    if new.irritants:
        lines.append(f"irritants: {_ids(new.irritants)}")
    if new.supersedes:
        lines.append(f"supersedes: {new.supersedes}")
    lines += [_line(name, None, question) for name, question in _QUESTIONS.get(new.kind, ())]
    lines += ["---", "", "## Context", "", f"{MARKER}: what made this decision necessary.", "",
              "## Options considered", "", f"{MARKER}: the options, and what each costs the customer.", "",
              "## Decision", "", f"{MARKER}: what we decided.", "",
              "## Consequences", "", f"{MARKER}: what changes, and what we will look at on the review date."]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class NewStory:
    title: str
    date: dt.date
    irritants: tuple[str, ...]
    public: bool = False
    you_said: str | None = None
    we_did: str | None = None


def story_text(new: NewStory) -> str:
    lines = ["---", _schema_line("story"), f"title: {_text(new.title)}", f"date: {new.date.isoformat()}"]
    if new.public:
        lines.append(f"slug: {public_slug(new.title)}")  # a public story's title is public wording
    lines += [_line("you_said", new.you_said, "what customers told us, in their terms, no personal data"),
              _line("we_did", new.we_did, "what changed"),
              f"irritants: {_ids(new.irritants)}", f"audience: {'public' if new.public else 'internal'}",
              "---", "", f"{MARKER}: the story, as customers will read it" + (" on the public site." if new.public
                                                                            else "."), ""]
    return "\n".join(lines)


# --- checks against the backlog, and writing --------------------------------------------------

@dataclass(frozen=True)
class Created:
    path: Path                     # the new file, relative to the repository
    changed: tuple[Path, ...] = field(default=())   # other files changed (a superseded decision)


def _known(wanted: Sequence[str], known: Iterable[str], what: str) -> None:
    known = sorted(known)
    for key in wanted:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" — did you mean '{close[0]}'?" if close else ""
            raise NewError(f"no {what} '{key}'{hint}")


def check_irritants(backlog: Backlog, irritants: Sequence[str]) -> None:
    _known(irritants, [*backlog.irritants, *backlog.unreadable_ids("irritant")], "irritant")


def check_feedback(backlog: Backlog, rows: Sequence[str]) -> None:
    known = {row.id for row in backlog.feedback}
    if backlog.stored_feedback is not None:   # a theme's command may cite rows kept in Parquet
        known |= backlog.stored_feedback.known_ids(set(rows) - known)
    for key in rows:
        if key not in known:
            raise NewError(f"no feedback row '{key}' in feedback/ — `site-gen feedback WORDS…` finds row IDs")


def split_ids(values: Iterable[str]) -> tuple[str, ...]:
    """IDs given as repeated options, comma- or space-separated, in order, each once."""
    found: list[str] = []
    for value in values:
        found += [part for part in re.split(r"[,\s]+", value) if part and part not in found]
    return tuple(found)


def feedback_defaults(backlog: Backlog, rows: Sequence[str]) -> tuple[str | None, str | None]:
    """The journey stage and team the given feedback rows agree on, if they do."""
    chosen = [row for row in backlog.feedback if row.id in set(rows)]
    if backlog.stored_feedback is not None:
        chosen += backlog.stored_feedback.rows_by_id(set(rows) - {row.id for row in chosen}).values()
    stages = {row.journey_stage for row in chosen}
    teams = {row.team for row in chosen if row.team}
    return (stages.pop() if len(stages) == 1 else None), (teams.pop() if len(teams) == 1 else None)


def check_id(record: str, kind: str) -> None:
    """An ID given by hand names a file in its kind's folder: only a valid ID, never a path or a name check rejects."""
    if not ID_RE.match(record):
        raise NewError(f"'{record}' is not a valid {kind} ID: use lower-case letters, digits and single hyphens, "
                       f"e.g. {record_id(record, kind)}")


def new_path(root: Path, kind: str, record: str) -> Path:
    folder, suffix = KINDS[kind]
    return Path(folder) / f"{record}{suffix}"


def write_new(root: Path, relative: Path, text: str) -> None:
    """Create the file; never overwrite one."""
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise NewError(f"{relative} exists already; choose another title or --id") from None


def supersede_text(text: str, status_line: int, new_id: str) -> str:
    """The old decision with `status: superseded` and `superseded_by:` after it; every other line as it was."""
    lines = text.split("\n")
    index = status_line - 1
    if not 0 <= index < len(lines) or not lines[index].startswith("status:"):
        raise NewError("cannot find the old decision's 'status:' line to change")
    ending = "\r" if lines[index].endswith("\r") else ""   # a file with CRLF line ends keeps them
    comment = re.search(r"\s+#.*$", lines[index].rstrip("\r"))
    lines[index] = "status: superseded" + (comment.group() if comment else "") + ending
    lines.insert(index + 1, f"superseded_by: {new_id}{ending}")
    return "\n".join(lines)


def check_supersedes(backlog: Backlog, old: str) -> Path:
    """The old decision's file, if it can be superseded."""
    _known([old], backlog.decisions, "decision")
    decision = backlog.decisions[old]
    if decision.superseded_by:
        raise NewError(f"decision '{old}' is already superseded by '{decision.superseded_by}'")
    if "status" not in decision.locs:
        raise NewError(f"decision '{old}' has no 'status:' line to change")
    return Path(decision.loc.path)


def supersede(root: Path, backlog: Backlog, old: str, new_id: str) -> Path:
    relative = check_supersedes(backlog, old)
    path = root / relative
    text = path.read_bytes().decode("utf-8")
    # atomically, as `reviewed` edits an irritant: an interrupted write must not leave the old decision half-written
    replace_file(path, supersede_text(text, backlog.decisions[old].at("status").line, new_id).encode("utf-8"),
                 os.stat(path).st_mode & 0o7777)
    return relative
