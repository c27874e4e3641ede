"""The command line: a few lines per command around the library. Exit codes: 0 ok, 1 problems, 2 usage.

`site-gen --help` must start in well under 50 ms: at module level import only click and the small modules
below (no model, loader, YAML, Jinja or markdown); each command imports what it needs in its body.
tests/test_startup.py checks it.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__
from .dates import RANGE, in_range
from .errors import BuildRefused, NotABacklog, SiteGenError, UsageError

if TYPE_CHECKING:
    from .asof import AsOf
    from .check import CheckReport
    from .importer import ImportReport
    from .model import Backlog

SITES = ("internal", "public")  # model.Audience's values, spelled here so --help need not import the model
OWN_PROCESS = False   # set by site_gen.start: the command runs in a process of its own, which ends with it


class _Day(click.DateTime):
    """YYYY-MM-DD within the dates every computation has room for (see site_gen/dates.py)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        try:
            moment: datetime = super().convert(value, param, ctx)
        except click.BadParameter:
            # say why, as check does for a date in a file: '2026-02-30' is no real date, '31/12/2026' is 2026-12-31
            from .fieldtypes import Problem, parse_date
            try:
                parse_date(str(value))
            except Problem as problem:
                self.fail(f"{problem.message} — {problem.hint}", param, ctx)
            raise
        if not in_range(moment.date()):
            self.fail(f"{moment.date()} is outside the dates site-gen handles ({RANGE})", param, ctx)
        return moment


def _today_option(does: str) -> Callable[[Any], Any]:
    """--today, saying what this command does with the day (a new record is dated with it, not checked)."""
    return click.option("--today", type=_Day(formats=["%Y-%m-%d"]), default=None,
                        help=f"{does} as if today were this date (YYYY-MM-DD, {RANGE}), for reproducible runs.")


_TODAY = _today_option("Check")
_DATE_NEW = _today_option("Date the new record")
_PATH = click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".", required=False)


def _repo_option(old_name: str | None = None) -> Callable[[Any], Any]:
    """--repo: the repository's one name where the command's positional argument is something else (a file, IDs,
    words). old_name is the spelling the command took before, still accepted so people's scripts keep working."""
    still = f" Write --repo: {old_name} is its old name, still accepted." if old_name else ""
    return click.option("--repo", *([old_name] if old_name else []), "path", default=Path("."), show_default=True,
                        type=click.Path(file_okay=False, path_type=Path),
                        help="The backlog repository: the folder that holds site.yaml." + still)


class _Written(click.Path):
    """A folder or file site-gen writes: an empty value is refused, never taken for the current folder (a
    script's `--out "$SITE_DIR"` with the variable unset put both sites beside site.yaml)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("it is empty (an unset variable?); name where to write", param, ctx)
        return super().convert(value, param, ctx)


def _as_of(path: Path, today: datetime | None) -> AsOf:
    """The one "today" of this run: --today, else SOURCE_DATE_EPOCH, else the clock (site_gen/asof.py)."""
    from .asof import resolve_as_of

    return resolve_as_of(today.date() if today else None, path.absolute())


def _fail(exc: SiteGenError) -> NoReturn:
    """Every failure a user can act on is printed here: diagnostics on stdout like `check`'s, the message on
    stderr, then the exit code of its kind (1, or 2 for a usage error)."""
    from .diagnostics import format_text

    if isinstance(exc, UsageError):
        raise click.UsageError(str(exc)) from None
    if isinstance(exc, BuildRefused):
        click.echo(format_text(exc.diagnostics), nl=False)
    click.echo(f"Error: {exc}", err=True)
    sys.exit(exc.exit_code)


_WARNINGS: list[Any] = []  # the one handler, made when a command first runs (--help needs no logging)


def _print_warnings() -> None:
    """Warnings the library logs (git refusing the checkout, …): each printed once per run, escaped."""
    import logging

    from .diagnostics import escape_text

    class Warnings(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.seen: set[str] = set()

        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message not in self.seen:
                self.seen.add(message)
                click.echo(f"warning: {escape_text(message)}", err=True)

    if not _WARNINGS:
        _WARNINGS.append(Warnings())
    handler = _WARNINGS[0]
    handler.seen.clear()
    if handler not in logging.getLogger("site_gen").handlers:
        logging.getLogger("site_gen").addHandler(handler)


class _Main(click.Group):
    """Set up once for every command: streams that cannot fail, warnings printed once, usage errors."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # A terminal that cannot show a character gets '?' instead of a UnicodeEncodeError traceback
        # (PYTHONIOENCODING=latin-1, an old Windows console).
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.reconfigure(errors="replace")  # type: ignore[union-attr]  # a TextIOWrapper, or not
            except (AttributeError, ValueError, OSError):
                pass  # not a text stream we can change: leave it as it is
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        _print_warnings()  # here, not in main: --help and --version stop before invoke
        try:
            return super().invoke(ctx)
        except SiteGenError as exc:
            _fail(exc)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise   # a reader that stopped reading (| head): Click ends quietly
            # what the system refused that no command turned into a message of its own: a full disk under the
            # output (check > /dev/full), a file that vanished — one line, not a traceback
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            sys.exit(1)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="site-gen")
def main() -> None:
    """site-gen: the customer backlog as code.

    Keep feedback, irritants, decisions, metrics and "you said, we did"
    stories as files in git; check them on every pull request; publish an
    internal site and a public one from the same files.
    """


@main.command()
@_PATH
@_TODAY
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--format", "output_format", type=click.Choice(["text", "github", "json"]), default="text",
              show_default=True, help="text for people, github for pull-request annotations, json for tools.")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Reuse earlier runs' work from .site-gen-cache/ (the diagnostics are exactly the same).")
def check(path: Path, today: datetime | None, strict: bool, output_format: str, cache: bool) -> None:
    """Check the backlog rules; report every problem with its file and line.

    \b
    Example:
      site-gen check
      site-gen check --format github --today 2026-11-23 path/to/repo

    A check with nothing changed since the last one prints its diagnostics
    again from .site-gen-cache/ without reading the backlog; --no-cache
    checks everything afresh.

    Exit status: 0 clean (warnings allowed), 1 errors (or warnings with
    --strict), 2 usage error.
    """
    import gc

    from .check import check_cached
    from .diagnostics import describe_counts, format_github, format_json, format_summary_markdown, format_text
    from .incremental import DiskMemo

    # a check allocates a million objects that live until it exits, and makes next to no cyclic garbage: the
    # collector would only scan them, each time it is re-enabled between the loader's and the rules' pauses
    # (0.3-0.5 s of CPU at 10,000 of each record kind; the loaded objects are freed at exit all the same)
    gc.disable()
    as_of = _as_of(path, today)
    memo = DiskMemo(path.absolute()) if cache else None
    result = check_cached(path, as_of.day, memo)
    counts = dict(result.counts)
    if output_format == "json":
        click.echo(format_json(result.diagnostics, counts, as_of.day), nl=False)
    elif output_format == "github":
        click.echo(format_github(result.diagnostics), nl=False)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(format_summary_markdown(result.diagnostics, counts, str(as_of),
                                                     dict(result.unreadable)))
    else:
        click.echo(format_text(result.diagnostics), nl=False)
        checked = describe_counts(counts, dict(result.unreadable))
        if result.diagnostics:
            click.echo(f"{result.errors} error(s), {result.warnings} warning(s) in {checked}, {as_of}.", err=True)
        else:
            click.echo(f"No problems in {checked}, {as_of}.", err=True)
    _leave_checked(1 if result.failed(strict) else 0, result, memo)


def _leave_checked(code: int, report: CheckReport, memo: object) -> NoReturn:
    """Exit with code. In a process of its own, at once, once the output is written: the check's backlog, facts
    and cache hold three million objects, which Python freed one by one, then unloaded its modules (0.2 s of a
    check of 10,000 of each record kind, after its last line). DuckDB is closed first: it removes what it spilled
    to disk. The report and the memo are arguments only to keep them alive until then. Not under a profiler or
    a tracer (coverage): they write what they measured as Python exits."""
    if OWN_PROCESS and sys.getprofile() is None and sys.gettrace() is None:
        store = report.checked.backlog.stored_feedback if report.checked is not None else None
        if store is not None:
            store.close()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


class _Bars:
    """Progress bars on a terminal; nothing in CI or when output is piped. Closed on the way out, error or not."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty() and not os.environ.get("CI")
        self.bars: list[Any] = []

    def __call__(self, label: str, total: int) -> Callable[[int], None]:
        bar = click.progressbar(length=total, label=f"{label:<9}", file=sys.stderr)
        bar.__enter__()
        self.bars.append(bar)
        update: Callable[[int], None] = bar.update
        return update

    def __enter__(self) -> _Bars:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for bar in self.bars:
            bar.__exit__(None, None, None)


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C (exit 143), so the build removes its staging folder and stops its workers."""
    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


@main.command()
@_PATH
@click.option("--out", type=_Written(file_okay=False, path_type=Path), default=Path("_site"), show_default=True,
              help="Output folder; the sites go to OUT/public/ and OUT/internal/.")
@click.option("--only", type=click.Choice(SITES), default=None,
              help="Build one site only.")
@_TODAY
@click.option("--future", is_flag=True,
              help="Preview: publish stories dated after today too (they are otherwise held back until their date).")
@click.option("--search/--no-search", default=True, show_default=True,
              help="Index the public site with Pagefind (when installed). A build where no public page changed "
                   "keeps the previous index.")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Reuse the previous build's work from .site-gen-cache/ (the result is byte for byte the same).")
def build(path: Path, out: Path, only: str | None, today: datetime | None, future: bool, search: bool,
          cache: bool) -> None:
    """Check, then build the public and internal sites.

    Nothing is written when the check finds errors, a failed build leaves
    the previous pair of sites whole, and a killed one leaves the old pair or,
    once any next build has run, the new one. site-gen replaces
    OUT/public and OUT/internal only if they are absent, empty or its own
    output (a .site-gen-output file lists every file in it; any other file
    stops the build, untouched). "Today" (for overdue items)
    is --today, else SOURCE_DATE_EPOCH, else the wall clock; the same inputs
    and the same date give byte-identical sites. A public story dated after
    today is held back until its date; --future previews it.

    \b
    Example:
      site-gen build
      site-gen build --out public-html --only public --today 2026-11-23

    Exit status: 0 built, 1 check errors or a write error, 2 usage error
    (including an --out that is not site-gen's to replace).
    """
    from .audience import Audience
    from .build import build as build_sites
    from .diagnostics import format_text

    as_of = _as_of(path, today)
    with _Bars() as bars, _terminate_as_exit():
        report = build_sites(path, out, as_of.day, Audience(only) if only else None,
                             bars if bars.enabled else None, future=future, search=search, cache=cache)
    # warnings: check's stream, and theme-not-in-backlog; in one write, as check does (a line each: 10,000
    # warnings took 0.1 s of a no-change build)
    click.echo(format_text(report.diagnostics), nl=False)
    for audience, count in report.written.items():
        click.echo(f"{audience}: {count:,} files in {out / audience}/", err=True)
    if Audience.PUBLIC in report.written and not report.search_indexed:
        click.echo("search: skipped (--no-search)" if not search else
                   "search: skipped (install site-gen[search] for Pagefind)", err=True)
    if report.reused:
        click.echo("Nothing changed since the last build: every file was kept as it was.", err=True)
    click.echo(f"Built {as_of}.", err=True)


@main.command()
@_PATH
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on: 127.0.0.1, localhost or ::1 unless --allow-remote.")
@click.option("--allow-remote", is_flag=True,
              help="Allow a --host other machines can reach. Anyone who reaches it reads the internal site.")
@_TODAY
@click.option("--search/--no-search", default=True, show_default=True,
              help="Index the public site with Pagefind (when installed) on each rebuild where a public page changed.")
def serve(path: Path, port: int, host: str, allow_remote: bool, today: datetime | None, search: bool) -> None:
    """Preview both sites locally, rebuilt and reloaded when a file changes.

    Records, site.yaml, feedback and templates are watched. When the check
    finds errors, the browser shows them in place of the pages. The preview
    has no login and holds the internal site, so it listens on this machine
    only unless you add --allow-remote.

    \b
    Example:
      site-gen serve
      site-gen serve path/to/repo --port 8080
    """
    from .serve import Preview, is_loopback, serve_forever

    if not (path / "site.yaml").is_file():
        raise NotABacklog(path.absolute())
    as_of = _as_of(path, today)
    fixed = as_of.day if as_of.source != "the clock" else None  # else each rebuild asks the clock again
    try:
        preview = Preview(path, host, port, fixed, allow_remote=allow_remote, search=search)
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}. "
                               "Try --port with another number.") from None
    if not is_loopback(host):
        click.echo(f"warning: --allow-remote: anyone who can reach {host}:{preview.port} can read the internal site "
                   "(owners, customer feedback, notes); the preview has no login.", err=True)
    try:
        serve_forever(preview, lambda url: click.echo(
            f"Previewing {path.absolute()} {as_of}\n  public:   {url}public/index.html\n"
            f"  internal: {url}internal/index.html\nWatching for changes; Ctrl-C to stop.", err=True))
    except OSError as exc:  # the temporary folder could not be made
        raise click.ClickException(f"cannot create the preview folder: {exc}. Set TMPDIR to a writable folder.") \
            from None


@main.command()
@_PATH
@click.option("--out", type=_Written(file_okay=False, path_type=Path), default=None,
              help="Write the schemas into this folder (default: print the irritant schema).")
def schema(path: Path, out: Path | None) -> None:
    """Write JSON Schemas for editors (autocompletion and inline errors).

    Stages, teams and segments from PATH/site.yaml become choices the editor offers.

    \b
    Example:
      site-gen schema --out schemas/
    """
    from .load.records import load_site_config
    from .schemas import render_schemas, write_schemas

    config = None
    if (path / "site.yaml").is_file():
        # a broken site.yaml still gives schemas; `check` reports its problems
        config = load_site_config(path.absolute() / "site.yaml", path.absolute(), [])
    rendered = render_schemas(config)
    if out is None:
        click.echo(rendered["irritant.schema.json"].decode(), nl=False)
        return
    write_schemas(out, rendered)
    click.echo(f"Wrote {len(rendered)} schemas to {out}/", err=True)



@main.command()
@_PATH
@click.option("--story", "story_id", default=None, metavar="ID", help="Tell about this story only.")
@click.option("--since", type=_Day(formats=["%Y-%m-%d"]), default=None,
              help="Tell about the stories published on or after this date (YYYY-MM-DD).")
@click.option("--contacts", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="CSV export from your CRM: customer (or reference), email, and optional name, language. "
                   "Must be kept outside the repository.")
@click.option("--out", type=_Written(file_okay=False, path_type=Path), default=None,
              help="Write one .eml per customer and notify.csv (for a CRM or mail-merge import) into this "
                   "folder, outside the repository. A folder notify wrote before is replaced; a file put into it "
                   "since stops the run, untouched.")
@click.option("--send", is_flag=True,
              help="Deliver through SMTP (STARTTLS; settings from SITE_GEN_SMTP_* variables) and record each "
                   "message in backlog/notified.csv.")
@click.option("--retry-unknown", is_flag=True,
              help="Also write to customers whose last attempt has no result (a run that was interrupted).")
@_TODAY
def notify(path: Path, story_id: str | None, since: datetime | None, contacts: Path | None, out: Path | None,
           send: bool, retry_unknown: bool, today: datetime | None) -> None:
    """Tell the customers whose feedback led to a change, once.

    For each published public story: the customers behind its irritants who
    agreed to be contacted (their newest contact_ok), are in the contacts
    file and are not yet recorded as told in backlog/notified.csv. The
    others are counted, never listed. Without --send nothing leaves the
    machine. With --send, each message gets an attempt line in the ledger
    before it is sent and its result after: commit the ledger afterwards.

    \b
    SMTP settings come from the environment only:
      SITE_GEN_SMTP_HOST, SITE_GEN_SMTP_PORT (587), SITE_GEN_SMTP_USER,
      SITE_GEN_SMTP_PASSWORD, SITE_GEN_SMTP_FROM, SITE_GEN_SMTP_RATE
      (messages per minute, 30), SITE_GEN_SMTP_CAFILE (default: the
      system's trusted certificates).

    \b
    Example:
      site-gen notify --since 2026-10-01 --contacts ~/crm/contacts.csv --out ~/notify
      SITE_GEN_SMTP_HOST=smtp.example.org site-gen notify --contacts ~/crm/contacts.csv --send

    Exit status: 0 done, 1 check errors or messages not delivered, 2 usage error.
    """
    from datetime import UTC

    from .check import check_repository
    from .diagnostics import escape_text, format_text
    from .load.ledger import LEDGER
    from .notify import NotifyError, read_contacts, sender_address, write_output
    from .notify.plan import default_sender, mail_merge_csv, messages, plan, select_stories
    from .notify.send import SmtpSettings, deliver, open_ledger

    if story_id is not None and since is not None:
        raise click.UsageError("give --story or --since, not both")
    if send and contacts is None:
        raise click.UsageError("--send needs --contacts: the addresses come from your CRM's export")
    day = _as_of(path, today).day
    try:
        settings = SmtpSettings.from_environment(os.environ) if send else None
        result = check_repository(path, day)
        if result.errors:
            click.echo(format_text(result.diagnostics), nl=False)
            click.echo(f"Notify refused: {result.errors} error(s). Fix them first (site-gen check).", err=True)
            sys.exit(1)
        backlog, facts = result.backlog, result.facts
        address_book = read_contacts(contacts, path) if contacts is not None else None
        plans = plan(backlog, facts, select_stories(backlog, facts, story_id, since.date() if since else None),
                     address_book.by_customer if address_book else {}, retry_unknown)
        sender = sender_address(os.environ.get("SITE_GEN_SMTP_FROM"), default_sender(backlog))
        outgoing = messages(backlog, plans, sender, datetime.now(UTC))
        if out is not None:
            write_output(out, path, {**{o.file: o.message for o in outgoing},
                                     "notify.csv": mail_merge_csv(backlog, plans, outgoing)})
        last = max((line.date for line in backlog.notified), default=None)
        if send and outgoing and last is not None and day < last:
            raise NotifyError(f"{LEDGER} has a line dated {last}, after today ({day}): the ledger is kept in "
                              "date order")
    except NotifyError as exc:
        raise click.UsageError(str(exc)) from None

    for story_plan in plans:
        click.echo(escape_text(story_plan.counted), err=True)
    if address_book is not None:
        for problem in address_book.problems:
            click.echo(f"warning: {contacts}: {problem}", err=True)
    if not plans:
        click.echo("No published public story matches.", err=True)
    if contacts is None and any(p.no_address for p in plans):
        click.echo("No --contacts: nobody can be addressed; the counts above need no addresses.", err=True)
    if out is not None:
        click.echo(f"Wrote {len(outgoing)} message(s) to {out}/messages/ and {out}/notify.csv", err=True)
    if not send:
        click.echo(f"{len(outgoing)} message(s) ready; nothing was sent (add --send to deliver).", err=True)
        return
    assert settings is not None
    try:
        with _terminate_as_exit(), open_ledger(path / LEDGER, day) as ledger:
            delivery = deliver(outgoing, settings, ledger, sender.addr_spec)
    except NotifyError as exc:
        raise click.UsageError(str(exc)) from None
    for item, reason in delivery.failed:
        click.echo(f"failed: {item.recipient.story} / {item.recipient.customer}: {escape_text(reason)}", err=True)
    for item, reason in delivery.deferred:
        click.echo(f"deferred: {item.recipient.story} / {item.recipient.customer}: {escape_text(reason)} "
                   "(tried again on the next run)", err=True)
    click.echo(f"Sent {len(delivery.sent)}, failed {len(delivery.failed)}, deferred {len(delivery.deferred)}; "
               f"{ledger.lines} line(s) appended to {LEDGER}: commit it.", err=True)
    if delivery.interrupted is not None:
        item, reason = delivery.interrupted
        click.echo(f"Stopped: {escape_text(reason)}. The result for {item.recipient.story} / "
                   f"{item.recipient.customer} is unknown: it is not sent again unless you add --retry-unknown.",
                   err=True)
    if delivery.failed or delivery.deferred or delivery.interrupted is not None:
        sys.exit(1)
# --- import: survey, review and helpdesk exports into feedback/ (issue 11, item 1) ------------------------------

@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--preset", default=None, metavar="NAME",
              help="The export's format: typeform, qualtrics, google-play, google-forms, surveygizmo, surveymonkey, "
                   "zendesk.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Read a column into a field (id, date, customer, name, segment, team, journey_stage, kind, source, "
                   "verbatim, nps, ces, csat, contact_ok, consent_public); a column is its name, a unique start of "
                   "it, or #N. Repeat.")
@click.option("--source", default=None, help="Source of every row (default: the preset's, e.g. review).")
@click.option("--stage", default=None, help="Journey stage of every row, from site.yaml.")
@click.option("--kind", default=None, help="complaint, praise or suggestion, for every row.")
@click.option("--out", type=_Written(dir_okay=False, path_type=Path), default=None,
              help="The feedback CSV to add to (default: feedback/PRESET.csv).")
@click.option("--strict", is_flag=True, help="Write nothing if any row cannot be read.")
@click.option("--contacts-out", type=_Written(dir_okay=False, path_type=Path), default=None,
              help="Write reference -> e-mail address pairs here, outside the repository, for notify --contacts.")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The secret key for customer references, outside the repository (default: $SITE_GEN_CUSTOMER_KEY).")
@_repo_option()
def import_(file: Path, preset: str | None, maps: tuple[str, ...], source: str | None, stage: str | None,
            kind: str | None, out: Path | None, strict: bool, contacts_out: Path | None, key_file: Path | None,
            path: Path) -> None:
    """Add the rows of a survey, review or helpdesk export to feedback/, once.

    Row IDs come from the export's own IDs (or a hash of the row), so importing
    the same or an overlapping export again adds only the new rows. Dates become
    ISO, scores keep their scale, e-mail addresses and phone numbers in verbatims
    become [email] and [phone], and a customer's e-mail address becomes a keyed
    reference (key: $SITE_GEN_CUSTOMER_KEY or --key-file, outside the repository).

    \b
    Example:
      site-gen import reviews_202611.csv --preset google-play --stage discover
      site-gen import tickets.csv --preset zendesk --stage support --contacts-out ~/crm/contacts.csv
      site-gen import export.csv --map "Response=id" --map "Submitted=date" --map "Comment=verbatim" --stage payment

    Exit status: 0 imported (some rows may be skipped: the report lists them), 1 the file cannot be imported or
    every row was skipped (nothing written), 2 usage error.
    """
    from .importer import ImportRequest, NothingImported, run_import

    try:
        report = run_import(ImportRequest(file, path, preset, maps, source, stage, kind, out, strict, contacts_out,
                                          key_file))
    except NothingImported as exc:
        _print_import(exc.report, file, contacts_out)   # which rows were skipped and why, then the error
        raise
    _print_import(report, file, contacts_out)


def _print_import(report: ImportReport, file: Path, contacts_out: Path | None) -> None:
    """The import's report on stderr: counts, each reason rows were skipped with their numbers, then the hints."""
    from .diagnostics import escape_text

    click.echo(escape_text(f"Read {report.read} row(s) from {file} ({report.encoding}, {report.delimiter}-separated, "
                           f"{report.layout})"), err=True)
    for note in report.notes:
        click.echo(f"  note: {note}", err=True)
    click.echo(f"  added: {report.added} to {report.out}", err=True)
    click.echo(f"  already present: {report.present}", err=True)
    reasons: dict[str, list[int]] = {}
    for skipped in report.skipped:
        reasons.setdefault(skipped.reason, []).append(skipped.row)
    click.echo(f"  skipped: {len(report.skipped)}", err=True)
    for reason, rows in reasons.items():
        shown = ", ".join(map(str, rows[:10])) + (f" … ({len(rows)} rows)" if len(rows) > 10 else "")
        click.echo(escape_text(f"    row {shown}: {reason}"), err=True)
    placed = ", ".join(f"{count} {placeholder}" for placeholder, count in sorted(report.placeholders.items()))
    click.echo(f"  placeholders inserted: {placed or 0}", err=True)
    if report.contacts is not None:
        click.echo(f"  contacts: {report.contacts} new pair(s) in {contacts_out}", err=True)
    for hint in report.hints:
        click.echo(escape_text(f"  hint: {hint}"), err=True)


# --- starters: new, init, digest, feedback (issue 10, items 4-6 and 8) -------------------------------------

def _load_for(path: Path, what: str | None = None) -> Backlog:
    """The backlog as it loads (its problems are check's to report); for a command that reads its feedback
    (`what`: the digest, the search), what it leaves out is said on stderr."""
    from .diagnostics import escape_text, left_out
    from .load import load_backlog

    backlog, problems = load_backlog(path)
    for line in left_out(problems, what) if what else ():
        click.echo(escape_text(line), err=True)
    return backlog


def _today(value: date | None) -> date:
    """The one "today" (site_gen/asof.py): --today, else SOURCE_DATE_EPOCH, else the clock."""
    from .asof import resolve_as_of

    return resolve_as_of(value).day


def _ask(value: Any, label: str, flag: str, choices: Sequence[str] | None = None, default: Any = None,
         free_text: bool = False, listed_as: str | None = None) -> Any:
    """A value from its flag, else a prompt on a terminal, else the default; a missing choice is a usage error.
    listed_as: the site.yaml list the choices come from, where a new one is added."""
    if value is not None:
        if choices is not None and value not in choices:
            where = f" (site.yaml's {listed_as}: add it there first if it is a new one)" if listed_as else ""
            raise click.BadParameter(f"{value!r} is not one of {', '.join(choices)}{where}", param_hint=flag)
        return value
    if sys.stdin.isatty():
        kind = click.Choice(list(choices)) if choices else None
        answer = click.prompt(label + (" (Enter to leave a TODO)" if free_text else ""),
                              default=default if default is not None else ("" if free_text else None),
                              type=kind, show_choices=bool(choices), show_default=default is not None)
        return answer or None
    if default is not None or free_text:
        return default
    raise click.UsageError(f"{flag} is required when not on a terminal" +
                           (f" (one of {', '.join(choices)})" if choices else ""))


def _create(path: Path, kind: str, record: str, text: str, edit: bool,
            after: Callable[[], object] | None = None) -> None:
    from .new import NewError, new_path, write_new
    relative = new_path(path, kind, record)
    try:
        write_new(path, relative, text)
        changed = after() if after else None
    except NewError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {relative}" + (f"; {changed} is now superseded" if changed else ""), err=True)
    if edit:
        click.edit(filename=str(path / relative))
    if "TODO" in (path / relative).read_text(encoding="utf-8"):
        click.echo("Replace each TODO, then run site-gen check (it reports any TODO left, rule placeholder).", err=True)


_NEW_REPO = _repo_option("--path")


def _new_id(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    from .new import NewError, check_id
    try:
        if value is not None:
            check_id(value, context.info_name or "record")
    except NewError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


_NEW_ID = click.option("--id", "record_id", default=None, callback=_new_id,
                       help="The ID (file name); default: made from the title.")
_NEW_EDIT = click.option("--edit", is_flag=True, help="Open the new file in $EDITOR.")
_NEW_TITLE = click.option("--title", default=None, help="The title (prompted for on a terminal).")


@main.group()
def new() -> None:
    """Start a new irritant, decision or story from a valid file.

    \b
    Example:
      site-gen new irritant --title "Refunds take two weeks" --stage payment --team support
      site-gen new decision --title "Refund in 3 days" --supersedes refund-policy --edit
      site-gen new story --title "Refunds now take 3 days" --irritant slow-refunds --public
    """


@new.command("irritant")
@_NEW_TITLE
@click.option("--public-title", default=None, help="Customer-facing wording; makes the irritant public (slug from it).")
@click.option("--stage", default=None, help="Journey stage, from site.yaml.")
@click.option("--team", default=None, help="Team, from site.yaml.")
@click.option("--owner", default=None, help="The person responsible.")
@click.option("--cause", default=None, help="The identified or probable cause.")
@click.option("--triage", type=click.Choice(["act-now", "plan", "decline"]), default=None, help="Default: plan.")
@click.option("--target", type=_Day(formats=["%Y-%m-%d"]), default=None, help="Target date; default: 4 weeks out.")
@click.option("--from-feedback", "feedback", multiple=True, metavar="ID…",
              help="Feedback row IDs that are the evidence (repeat, or separate with commas).")
@_NEW_ID
@_NEW_EDIT
@_NEW_REPO
@_DATE_NEW
def new_irritant(title: str, public_title: str | None, stage: str | None, team: str | None, owner: str | None,
                 cause: str | None, triage: str | None, target: datetime | None, feedback: tuple[str, ...],
                 record_id: str | None, edit: bool, path: Path, today: datetime | None) -> None:
    """Create backlog/irritants/ID.yaml: every required field, TODO where only you know.

    \b
    Example:
      site-gen new irritant --title "Refunds take two weeks" --stage payment --team support \\
          --owner "Jonas Berg" --from-feedback T-1042,T-1077
    """
    from .model import Triage
    from .new import NewError, NewIrritant, check_feedback, feedback_defaults, irritant_text, split_ids
    from .new import record_id as make_id

    backlog = _load_for(path)
    config = backlog.config
    rows = split_ids(feedback)
    try:
        check_feedback(backlog, rows)
    except NewError as exc:
        raise click.UsageError(str(exc)) from None
    row_stage, row_team = feedback_defaults(backlog, rows)
    title = _ask(title, "Title (internal wording)", "--title")
    irritant = NewIrritant(
        title=title, opened=_today(today.date() if today else None), feedback=rows,
        public_title=_ask(public_title, "Public title (customer wording; empty keeps it internal)", "--public-title",
                          free_text=True) if public_title is not None or sys.stdin.isatty() else None,
        journey_stage=_ask(stage, "Journey stage", "--stage", config.journey_stages, row_stage,
                           listed_as="journey_stages"),
        team=_ask(team, "Team", "--team", config.teams, row_team, listed_as="teams"),
        owner=_ask(owner, "Owner", "--owner", free_text=True), cause=_ask(cause, "Cause", "--cause", free_text=True),
        triage=Triage(triage or "plan"), target=target.date() if target else None)
    _create(path, "irritant", record_id or make_id(title, "irritant"), irritant_text(irritant), edit)


@new.command("decision")
@_NEW_TITLE
@click.option("--kind", type=click.Choice(["arbitration", "metric-response", "decline", "debrief"]), default=None,
              help="Default: arbitration.")
@click.option("--owner", default=None, help="Who is accountable.")
@click.option("--review-on", type=_Day(formats=["%Y-%m-%d"]), default=None, help="Default: 90 days out.")
@click.option("--metric", default=None, help="For metric-response: the metric id from site.yaml.")
@click.option("--irritant", "irritants", multiple=True, metavar="ID", help="Irritant this decision is about.")
@click.option("--supersedes", default=None, metavar="ID",
              help="The decision this one replaces: it gets status: superseded and superseded_by.")
@_NEW_ID
@_NEW_EDIT
@_NEW_REPO
@_DATE_NEW
def new_decision(title: str, kind: str | None, owner: str | None, review_on: datetime | None, metric: str | None,
                 irritants: tuple[str, ...], supersedes: str | None, record_id: str | None, edit: bool, path: Path,
                 today: datetime | None) -> None:
    """Create backlog/decisions/ID.md with the questions its kind must answer.

    \b
    Example:
      site-gen new decision --title "Refund deposits within 3 days" --kind arbitration --irritant slow-refunds
      site-gen new decision --title "Refund within 1 day" --supersedes refund-deposits-within-3-days
    """
    from .model import DecisionKind
    from .new import NewDecision, NewError, check_irritants, check_supersedes, decision_text, split_ids, supersede
    from .new import record_id as make_id

    backlog = _load_for(path)
    title = _ask(title, "Title (what was decided, in one line)", "--title")
    new_id = record_id or make_id(title, "decision")
    linked = split_ids(irritants)
    try:
        check_irritants(backlog, linked)
        if supersedes:
            check_supersedes(backlog, supersedes)
    except NewError as exc:
        raise click.UsageError(str(exc)) from None
    decision = NewDecision(
        title=title, date=_today(today.date() if today else None), kind=DecisionKind(kind or "arbitration"),
        owner=_ask(owner, "Owner", "--owner", free_text=True), review_on=review_on.date() if review_on else None,
        metric=metric, irritants=linked, supersedes=supersedes)
    _create(path, "decision", new_id, decision_text(decision), edit,
            (lambda: supersede(path, backlog, supersedes, new_id)) if supersedes else None)


@new.command("story")
@_NEW_TITLE
@click.option("--irritant", "irritants", multiple=True, metavar="ID", help="Irritant it closes (at least one).")
@click.option("--public", is_flag=True, help="A public story (audience: public), with a slug from its title.")
@click.option("--you-said", default=None, help="What customers told us, in their terms.")
@click.option("--we-did", default=None, help="What changed.")
@_NEW_ID
@_NEW_EDIT
@_NEW_REPO
@_DATE_NEW
def new_story(title: str, irritants: tuple[str, ...], public: bool, you_said: str | None, we_did: str | None,
              record_id: str | None, edit: bool, path: Path, today: datetime | None) -> None:
    """Create backlog/stories/ID.md: "you said, we did", dated today.

    \b
    Example:
      site-gen new story --title "Refunds now take 3 days" --irritant slow-refunds --public
    """
    from .new import NewError, NewStory, check_irritants, split_ids, story_text
    from .new import record_id as make_id

    backlog = _load_for(path)
    title = _ask(title, "Title (public wording if the story is public)", "--title")
    linked = split_ids(irritants) or split_ids([_ask(None, "Irritant IDs it closes", "--irritant")])
    try:
        check_irritants(backlog, linked)
    except NewError as exc:
        raise click.UsageError(str(exc)) from None
    story = NewStory(title=title, date=_today(today.date() if today else None), irritants=linked, public=public,
                     you_said=_ask(you_said, "You said", "--you-said", free_text=True),
                     we_did=_ask(we_did, "We did", "--we-did", free_text=True))
    _create(path, "story", record_id or make_id(title, "story"), story_text(story), edit)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".", required=False)
@click.option("--organisation", default=None, help="Your organisation's name (default: the folder's name).")
@click.option("--no-git", is_flag=True, help="Do not run git init.")
@_today_option("Date the examples")
def init(directory: Path, organisation: str | None, no_git: bool, today: datetime | None) -> None:
    """Start a new team repository that check and build accept at once.

    Writes site.yaml (with comments), one example of each record kind, feedback, JSON Schemas, the check and
    publish workflows, a pre-commit hook, editor settings and a README, then runs git init. Refuses a
    DIRECTORY that is not empty; a fresh clone of an empty repository (only .git) is fine.

    \b
    Example:
      site-gen init my-team-backlog --organisation "Northwind Bikes"
      cd my-team-backlog && site-gen check && site-gen build
    """
    import shlex

    from .starter import StarterError, create_repository

    try:
        written = create_repository(directory, organisation, _today(today.date() if today else None), git=not no_git)
    except StarterError as exc:
        raise click.ClickException(str(exc)) from None
    here = directory.resolve() == Path.cwd().resolve()
    enter = "" if here else f"cd {shlex.quote(str(directory))} && "   # a line to paste, spaces and quotes included
    click.echo(f"Created a backlog repository in {directory}/ ({len(written)} files). Next:\n"
               f"  {enter}site-gen check && site-gen build", err=True)


@main.command()
@_PATH
@click.option("--week", type=_Day(formats=["%Y-%m-%d"]), default=None,
              help="Any day of the week (Monday-Sunday) to digest; default: last complete week.")
@click.option("--post", is_flag=True, help="Send it to the incoming webhook in $SITE_GEN_WEBHOOK_URL (Slack JSON).")
@_today_option("Find the last complete week")
def digest(path: Path, week: datetime | None, post: bool, today: datetime | None) -> None:
    """The week's complaints, suggestions and praise as markdown for the team chat. INTERNAL: quotes customers.

    Counts by journey stage against the week before, the biggest movers and the most telling verbatims.
    --post sends it to the URL in the environment variable SITE_GEN_WEBHOOK_URL (a secret: never a flag
    or a file in the repository).

    \b
    Example:
      site-gen digest --week 2026-11-16
      SITE_GEN_WEBHOOK_URL=https://hooks.slack.com/services/… site-gen digest --post
    """
    from .digest import WEBHOOK_VARIABLE, PostError, as_markdown, last_complete_week, webhook_payload, weekly_digest
    from .digest import post as post_digest

    backlog = _load_for(path, "digest")
    monday = week.date() if week else last_complete_week(_today(today.date() if today else None))
    from .i18n import language
    words = language(backlog.config.internal.language, backlog.locales)   # the team's chat reads the team's language
    text = as_markdown(weekly_digest(backlog.feedback, backlog.config.journey_stages, monday, backlog.stored_feedback),
                       backlog.config.organisation, words)
    if not post:
        click.echo(text, nl=False)
        return
    url = os.environ.get(WEBHOOK_VARIABLE, "").strip()
    if not url:
        raise click.UsageError(f"--post needs the webhook URL in the environment variable {WEBHOOK_VARIABLE}")
    try:
        post_digest(url, webhook_payload(text))
    except PostError as exc:
        raise click.ClickException(f"digest not posted: {exc}") from None
    click.echo(f"Posted the digest for the week of {monday.isoformat()}.", err=True)


@main.command()
@click.argument("words", nargs=-1)
@_repo_option("--path")
@click.option("--stage", default=None, help="Only this journey stage.")
@click.option("--unlinked", is_flag=True, help="Only rows no irritant cites yet.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="At most this many rows.")
def feedback(words: tuple[str, ...], path: Path, stage: str | None, unlinked: bool, output_format: str,
             limit: int) -> None:
    """Find feedback rows by the customer's words: ID, date, stage, score, verbatim — IDs to cite.

    Every word must appear (any case, any accents) in the verbatim, ID, segment, kind or source.

    \b
    Example:
      site-gen feedback refund deposit --stage payment --unlinked
      site-gen feedback helmet --format json
    """
    from .feedback_search import Query, as_json, as_table, search_all

    backlog = _load_for(path, "results")
    if stage is not None and stage not in backlog.config.journey_stages:
        raise click.BadParameter(f"{stage!r} is not one of {', '.join(backlog.config.journey_stages)}",
                                 param_hint="--stage")
    cited = frozenset(key for irritant in backlog.irritants.values() for key in irritant.feedback)
    count, shown = search_all(backlog.feedback, backlog.stored_feedback, Query(words, stage, unlinked), cited, limit)
    click.echo(as_json(shown) if output_format == "json" else as_table(shown), nl=False)
    if output_format == "text":
        click.echo(f"{count:,} matching row(s)" + (f", first {limit} shown (--limit)" if count > limit
                                                    else "") + ".", err=True)
# --- the weekly ritual: agenda and reviewed ----------------------------------------------------

_DAY = _Day(formats=["%Y-%m-%d"])


@main.command()
@_PATH
@click.option("--date", "on", type=_DAY, default=None, help="The meeting's date (YYYY-MM-DD; default today).")
@click.option("--since", type=_DAY, default=None,
              help="The last meeting's date: fresh voices and new feedback are after it (default: a week before).")
@click.option("--format", "output_format", type=click.Choice(["markdown", "html"]), default="markdown",
              show_default=True, help="markdown for a chat or a pull request; html for a printable page.")
def agenda(path: Path, on: datetime | None, since: datetime | None, output_format: str) -> None:
    """The weekly meeting's agenda, from the backlog: 15–20 minutes, the same six sections every week.

    \b
    Example:
      site-gen agenda --date 2026-11-25
      site-gen agenda --format html > agenda.html
    """
    from .agenda import build_agenda, render_markdown
    from .diagnostics import escape_text, left_out
    from .facts import derive_facts
    from .i18n import language
    from .load import load_backlog
    from .publish.internal import agenda_page
    from .publish.render import environment
    from .rules.themes import theme_warnings

    day = _today(on.date() if on else None)
    if since is not None and since.date() > day:
        raise click.BadParameter(f"the last meeting, {since.date()}, comes after this one, {day}: give the date of "
                                 "the meeting before", param_hint="'--since'")
    backlog, problems = load_backlog(path)   # problems are check's to report; the agenda shows what loaded
    facts = derive_facts(backlog, day)
    meeting = build_agenda(facts, since.date() if since else None)
    for diagnostic in theme_warnings(facts):   # on stderr: stdout is the agenda itself
        click.echo(diagnostic.as_text(), err=True)
    for stub in backlog.unreadable:   # else an irritant broken by a typo silently drops off the meeting's agenda
        if stub.kind != "feedback row":
            click.echo(f"{stub.loc.path}: this {stub.kind} has errors and is left out of the agenda "
                       "— run site-gen check to see them", err=True)
    for line in left_out(problems, "agenda"):
        click.echo(escape_text(line), err=True)
    words = language(backlog.config.internal.language, backlog.locales)
    if output_format == "html":
        env = environment("internal", path / "templates", words)
        click.echo(agenda_page(meeting, backlog.config, env, words).decode(), nl=False)
    else:
        click.echo(render_markdown(meeting, backlog.config.internal.base_url, words), nl=False)
    if backlog.config.internal.base_url is None:   # last on stderr: stdout is what people paste into a chat
        click.echo(RELATIVE_AGENDA_HINT, err=True)


RELATIVE_AGENDA_HINT = ("hint: the agenda's links are relative (stages/…/index.html): set internal.base_url in "
                        "site.yaml to where the internal site is hosted to make them absolute, so they open from "
                        "a chat")


@main.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.option("--on", type=_DAY, default=None, help="The review's date (YYYY-MM-DD; default today).")
@click.option("--status", type=click.Choice(["open", "in-progress", "done", "declined"]), default=None,
              help="Also set the status (done or declined also writes closed: with the review date).")
@click.option("--target", type=_DAY, default=None, help="Also set a new target date.")
@_repo_option()
def reviewed(ids: tuple[str, ...], on: datetime | None, status: str | None, target: datetime | None,
             path: Path) -> None:
    """Record the meeting's reviews in the irritant files, changing only those lines.

    Sets reviewed: (added after opened: when absent), and --status and --target
    when given; comments, order and formatting stay. Unknown IDs are refused and
    nothing is written.

    \b
    Example:
      site-gen reviewed unlock-fails-in-background support-wait-evenings --on 2026-11-25
      site-gen reviewed day-pass-confusing --target 2027-03-31
    """
    from .diagnostics import format_text
    from .load import load_backlog
    from .model import IrritantStatus
    from .reviewed import ReviewRefused, new_errors, plan_reviews, read_texts, resolve, write_edits

    day = _today(on.date() if on else None)
    try:
        backlog, _ = load_backlog(path)
        texts, shapes = read_texts(path.absolute(), resolve(backlog, ids))
        edits = plan_reviews(backlog, texts, ids, day, IrritantStatus(status) if status else None,
                             target.date() if target else None)
    except ReviewRefused as exc:
        if exc.exit_code == 2:
            raise click.UsageError(str(exc)) from None
        raise click.ClickException(str(exc)) from None
    problems = [d for edit in edits for d in new_errors(backlog, edit, day)]
    if problems:
        click.echo(format_text(problems), nl=False, err=True)
        click.echo("Nothing was written: these changes would fail site-gen check.", err=True)
        sys.exit(1)
    write_edits(path.absolute(), edits, shapes)
    for edit in edits:
        click.echo(f"{edit.path}: {', '.join(edit.changed)}", err=True)
