"""`site-gen import`: survey, review and helpdesk exports made into feedback rows, added to the repository once.

    reader.py   bytes -> a table (encodings, delimiters, header rows)
    presets.py  what each tool's export holds, as data
    mapping.py  columns -> feedback fields, one row at a time (IDs, dates, scores, placeholders, references)
    customers.py the keyed hash that turns an address into a reference
    writer.py   appending atomically

This module runs them in order and returns a report; the CLI prints it. Addresses never reach the repository:
verbatims get placeholders, customer columns get keyed references, and the pairs go to --contacts-out only,
which must lie outside the repository.
"""

from __future__ import annotations

import difflib
import os
import shlex
from collections.abc import Mapping as EnvironmentMapping
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..fields import FEEDBACK_FIELDS
from ..load import FEEDBACK_DIR, load_backlog
from ..model import FeedbackKind, Source
from ..notify import repository_top
from ..personal_data import EMAIL, find_contact_details
from .customers import customer_reference, load_key
from .errors import ImportFailed, ImportUsage, NothingImported
from .mapping import (
    NO_ANSWER,
    PLACEHOLDERS,
    Converted,
    Defaults,
    Left,
    RowError,
    build_mapping,
    cell,
    convert_row,
    date_order,
    first_present,
    parse_map,
)
from .presets import PRESETS, Layout, Preset, Skip
from .reader import Table, read_table
from .writer import append_csv

__all__ = ["ImportRequest", "ImportReport", "Skipped", "run_import", "PRESETS", "ImportFailed", "ImportUsage",
           "NothingImported"]

CONTACT_COLUMNS = ("customer", "email", "name")   # what `site-gen notify --contacts` reads


@dataclass(frozen=True, slots=True)
class ImportRequest:
    file: Path
    root: Path
    preset: str | None = None
    maps: tuple[str, ...] = ()
    source: str | None = None
    stage: str | None = None
    kind: str | None = None
    out: Path | None = None
    strict: bool = False
    contacts_out: Path | None = None
    key_file: Path | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    row: int            # as a spreadsheet numbers it: the first header row is 1
    reason: str
    unreadable: bool    # a row that cannot be read (refuses the import under --strict), not one left out on purpose
    filtered: bool = False   # left out by the preset's own rule (a preview, test or spam response): meant to be


@dataclass(slots=True)
class ImportReport:
    out: str                          # relative to the repository
    layout: str
    encoding: str
    delimiter: str
    read: int = 0
    added: int = 0
    present: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    placeholders: dict[str, int] = field(default_factory=dict)   # '[email]': 3
    contacts: int | None = None       # pairs written to --contacts-out
    notes: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)   # what to change in the command line; the report ends with them

    @property
    def failed(self) -> bool:
        """Rows were read and every one was skipped: nothing added, nothing there already from an earlier import,
        and not because the preset filtered them all out (a week of survey previews and tests is no failure)."""
        return not self.added and not self.present and any(not skipped.filtered for skipped in self.skipped)


def preset_named(name: str) -> Preset:
    preset = PRESETS.get(name.strip().lower())
    if preset is None:
        close = difflib.get_close_matches(name.lower(), PRESETS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ImportUsage(f"unknown preset '{name}'; {hint}presets: {', '.join(sorted(PRESETS))} "
                          "(or map the columns yourself with --map \"column=field\")")
    return preset


def _inside(path: Path, root: Path) -> bool:
    return path.absolute().resolve().is_relative_to(repository_top(root))


def _choice(value: str | None, allowed: Sequence[str], option: str) -> str | None:
    if value is None or value in allowed:
        return value
    close = difflib.get_close_matches(value, allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise ImportUsage(f"{option} '{value}' is not allowed; {hint}choose one of: {', '.join(allowed)}")


def run_import(request: ImportRequest, environment: EnvironmentMapping[str, str] = os.environ) -> ImportReport:
    """Read the export, add its new rows to the feedback CSV and report; refuse (writing nothing) on a problem."""
    if request.preset is None and not request.maps:
        raise ImportUsage(f"give --preset NAME ({', '.join(sorted(PRESETS))}) or --map \"column=field\" options")
    preset = preset_named(request.preset) if request.preset is not None else None
    pairs = parse_map(request.maps)
    root = request.root.absolute()
    backlog, _ = load_backlog(root)   # raises NotABacklog without site.yaml; its problems are check's to report
    config = backlog.config
    out = request.out if request.out is not None else Path(FEEDBACK_DIR) / f"{preset.name if preset else 'import'}.csv"
    out = out if out.is_absolute() else root / out
    feedback_dir = (root / FEEDBACK_DIR).resolve()
    if out.suffix != ".csv" or not out.resolve().is_relative_to(feedback_dir):
        raise ImportUsage(f"--out {request.out} must be a .csv file in {FEEDBACK_DIR}/, where site-gen reads feedback")
    if request.contacts_out is not None and _inside(request.contacts_out, root):
        raise ImportUsage(f"--contacts-out {request.contacts_out} is inside the repository "
                          f"({repository_top(root)}): customer addresses must never be committed; write them "
                          "outside it, e.g. ~/crm/contacts.csv")
    source = _choice(request.source, [s.value for s in Source], "--source")
    kind = _choice(request.kind, [k.value for k in FeedbackKind], "--kind")
    stage = _choice(request.stage, config.journey_stages, "--stage") if config.journey_stages else request.stage
    try:
        data = request.file.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"cannot read {request.file}: {exc.strerror or exc}") from None
    table = read_table(data, request.file.suffix, preset.layout if preset else Layout.ONE_ROW)
    mapping = build_mapping(table, preset, pairs)
    if stage is None and "journey_stage" not in mapping.columns:
        raise ImportUsage(f"every feedback row needs a journey stage: give --stage ({', '.join(config.journey_stages)})"
                          " or --map \"column=journey_stage\"")
    defaults = Defaults(prefix=preset.name if preset else "import",
                        source=source or (preset.source.value if preset else Source.SURVEY.value),
                        journey_stage=stage, kind=kind, stages=tuple(config.journey_stages),
                        segments=tuple(config.segments), teams=tuple(config.teams))
    customers = mapping.columns.get("customer")
    needs_key = customers is not None and any(find_contact_details(cell(cells, customers, " "))
                                              for _, cells in table.rows)
    key = load_key(request.key_file, request.key_file is not None and _inside(request.key_file, root),
                   environment) if needs_key else b""
    order = date_order([cell(cells, mapping.columns["date"]) for _, cells in table.rows])
    report = ImportReport(str(out.relative_to(root)), table.layout, table.encoding, table.delimiter)
    if any("/" in cell(cells, mapping.columns["date"]) for _, cells in table.rows[:50]):
        report.notes.append(("dates read as day/month/year" if order.day_first else "dates read as month/day/year")
                            + ("" if order.decided else " (no date in the file says otherwise)"))
    existing = {row.id for row in backlog.feedback} | backlog.unreadable_ids("feedback row")
    width = len(table.columns)
    added: list[Converted] = []
    contacts: dict[str, tuple[str, str]] = {}
    first_row: dict[str, int] = {}
    for number, cells in table.rows:
        report.read += 1
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            report.skipped.append(Skipped(number, f"{len(cells)} cells, the header has {width}", True))
            continue
        left = next((rule.reason for rule in (preset.skip if preset else ()) if _matches(rule, table, cells)), None)
        if left is not None:
            report.skipped.append(Skipped(number, left, False, filtered=True))
            continue
        try:
            converted = convert_row(cells, mapping, defaults, order, lambda text: customer_reference(text, key))
        except RowError as exc:
            report.skipped.append(Skipped(number, str(exc), True))
            continue
        except Left as exc:
            report.skipped.append(Skipped(number, str(exc), False))
            continue
        key_id = converted.values["id"]
        if converted.email is not None:
            contacts.setdefault(converted.values["customer"], (converted.email, converted.name or ""))
        if key_id in existing:
            report.present += 1
            continue
        if key_id in first_row:
            report.skipped.append(Skipped(number, f"the same ID as row {first_row[key_id]} ({key_id})", False))
            continue
        first_row[key_id] = number
        added.append(converted)
    if backlog.stored_feedback is not None and added:   # rows already in the Parquet batches are present too
        stored = backlog.stored_feedback.known_ids(c.values["id"] for c in added)
        report.present += len(stored)
        added = [c for c in added if c.values["id"] not in stored]
    unreadable = [s for s in report.skipped if s.unreadable]
    if request.strict and unreadable:
        raise ImportFailed(f"--strict: {len(unreadable)} row(s) cannot be read, nothing was written: "
                           + "; ".join(f"row {s.row}: {s.reason}" for s in unreadable[:10])
                           + (" …" if len(unreadable) > 10 else ""))
    report.added = len(added)
    report.hints = _hints(request, report, added, created=not out.exists())
    if report.failed:   # before anything is written: the batch file stays byte for byte as it was
        raise NothingImported(report)
    for converted in added:
        for what, count in converted.placeholders.items():
            report.placeholders[PLACEHOLDERS[what]] = report.placeholders.get(PLACEHOLDERS[what], 0) + count
        if any(EMAIL.search(value) for value in converted.values.values()):   # never: the mapping replaced them
            raise ImportFailed(f"row {converted.values['id']}: an e-mail address would be written; nothing was")
    if added:
        append_csv(out, [f.name for f in FEEDBACK_FIELDS], [c.values for c in added])
    if request.contacts_out is not None:
        report.contacts = _write_contacts(request.contacts_out, contacts)
    return report


def _hints(request: ImportRequest, report: ImportReport, added: Sequence[Converted], created: bool) -> list[str]:
    """What the author most likely has to add to the command line, said after the counts."""
    hints = []
    if not added and any(skipped.reason == NO_ANSWER for skipped in report.skipped):
        # a preset knows its tool's columns, never the survey's questions
        hints.append('nothing was read as a verbatim or a score — name the question columns with --map, e.g. '
                     '--map "What could we do better?=verbatim" --map "How likely are you to recommend us=nps" '
                     '(or ces, csat); a unique start of the column name is enough')
    if added and not any(converted.values.get("kind") for converted in added):
        undo = (f"delete {report.out} and import again" if created
                else f"remove the {len(added)} row(s) just added to {report.out} and import again")
        hints.append(f"none of the {len(added)} row(s) added has a kind, so they are 'Not classified': complaint "
                     "themes and the warning about a complaint theme missing from the backlog leave them out. "
                     "--kind complaint (or suggestion, praise) gives every row of the file that kind; "
                     '--map "COLUMN=kind" reads it from a column holding complaint, suggestion or praise. '
                     f"To classify these, {undo}, e.g. {_command_line(request, kind='complaint')}")
    return hints


def _command_line(request: ImportRequest, kind: str) -> str:
    """The command that ran, with --kind KIND: an example the author can paste for this very file."""
    parts = ["site-gen", "import", str(request.file)]
    if request.preset is not None:
        parts += ["--preset", request.preset]
    for pair in request.maps:
        parts += ["--map", pair]
    for option, value in (("--stage", request.stage), ("--source", request.source), ("--out", request.out),
                          ("--contacts-out", request.contacts_out), ("--key-file", request.key_file)):
        if value is not None:
            parts += [option, str(value)]
    if request.strict:
        parts.append("--strict")
    if request.root != Path("."):
        parts += ["--repo", str(request.root)]
    return shlex.join([*parts, "--kind", kind])


def _matches(rule: Skip, table: Table, cells: list[str]) -> bool:
    column = first_present(table.columns, rule.column)
    if column is None or column.index >= len(cells):
        return False
    return cells[column.index].strip().casefold() in {value.casefold() for value in rule.values}


def _write_contacts(path: Path, contacts: dict[str, tuple[str, str]]) -> int:
    """Add the pairs not yet in the file; the format is `site-gen notify --contacts`'s."""
    from ..notify.contacts import ContactsError, parse_contacts

    known: set[str] = set()
    if path.exists():
        try:
            known = set(parse_contacts(path.read_text(encoding="utf-8-sig")).by_customer)
        except (OSError, UnicodeDecodeError, ContactsError) as exc:
            raise ImportFailed(f"--contacts-out {path} exists but cannot be read as a contacts file: {exc}") from None
    new = [{"customer": ref, "email": email, "name": name} for ref, (email, name) in sorted(contacts.items())
           if ref not in known]
    if new or not path.exists():
        append_csv(path, CONTACT_COLUMNS, new, private=True)
    return len(new)
