"""The command line: a few lines per command around the library. Exit codes: 0 ok, 1 problems, 2 usage."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__
from .dates import RANGE, in_range
from .diagnostics import escape_text
from .errors import BuildRefused, NotABacklog, SiteGenError, UsageError
from .model import Audience

if TYPE_CHECKING:
    from .asof import AsOf


class _Day(click.DateTime):
    """YYYY-MM-DD within the dates every computation has room for (see site_gen/dates.py)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        moment: datetime = super().convert(value, param, ctx)
        if not in_range(moment.date()):
            self.fail(f"{moment.date()} is outside the dates site-gen handles ({RANGE})", param, ctx)
        return moment


_TODAY = click.option("--today", type=_Day(formats=["%Y-%m-%d"]), default=None,
                      help=f"Check as if today were this date (YYYY-MM-DD, {RANGE}), for reproducible runs.")
_PATH = click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".", required=False)


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


class _Warnings(logging.Handler):
    """Warnings the library logs (git refusing the checkout, …): each printed once per run, escaped."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in self.seen:
            self.seen.add(message)
            click.echo(f"warning: {escape_text(message)}", err=True)


_WARNINGS = _Warnings()


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
        _WARNINGS.seen.clear()
        if _WARNINGS not in logging.getLogger("site_gen").handlers:
            logging.getLogger("site_gen").addHandler(_WARNINGS)
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SiteGenError as exc:
            _fail(exc)


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
def check(path: Path, today: datetime | None, strict: bool, output_format: str) -> None:
    """Check the backlog rules; report every problem with its file and line.

    \b
    Example:
      site-gen check
      site-gen check --format github --today 2026-11-23 path/to/repo

    Exit status: 0 clean (warnings allowed), 1 errors (or warnings with
    --strict), 2 usage error.
    """
    from .check import check_repository
    from .diagnostics import format_github, format_json, format_summary_markdown, format_text

    as_of = _as_of(path, today)
    result = check_repository(path, as_of.day)
    counts = result.backlog.counts()
    if output_format == "json":
        click.echo(format_json(result.diagnostics, counts, as_of.day), nl=False)
    elif output_format == "github":
        click.echo(format_github(result.diagnostics), nl=False)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(format_summary_markdown(result.diagnostics, counts, str(as_of)))
    else:
        click.echo(format_text(result.diagnostics), nl=False)
        checked = ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
        if result.diagnostics:
            click.echo(f"{result.errors} error(s), {result.warnings} warning(s) in {checked}, {as_of}.", err=True)
        else:
            click.echo(f"No problems in {checked}, {as_of}.", err=True)
    sys.exit(1 if result.failed(strict) else 0)


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
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("_site"), show_default=True,
              help="Output folder; the sites go to OUT/public/ and OUT/internal/.")
@click.option("--only", type=click.Choice([site.value for site in Audience]), default=None,
              help="Build one site only.")
@_TODAY
def build(path: Path, out: Path, only: str | None, today: datetime | None) -> None:
    """Check, then build the public and internal sites.

    Nothing is written when the check finds errors, a failed build leaves
    the previous pair of sites whole, and a killed one leaves the old pair or,
    once any next build has run, the new one. site-gen replaces
    OUT/public and OUT/internal only if they are absent, empty or its own
    output (marked by a .site-gen-output file). "Today" (for overdue items)
    is --today, else SOURCE_DATE_EPOCH, else the wall clock; the same inputs
    and the same date give byte-identical sites.

    \b
    Example:
      site-gen build
      site-gen build --out public-html --only public --today 2026-11-23

    Exit status: 0 built, 1 check errors or a write error, 2 usage error
    (including an --out that is not site-gen's to replace).
    """
    from .build import build as build_sites

    as_of = _as_of(path, today)
    with _Bars() as bars, _terminate_as_exit():
        report = build_sites(path, out, as_of.day, Audience(only) if only else None,
                             bars if bars.enabled else None)
    for diagnostic in report.check.diagnostics:  # warnings: the same stream as check's diagnostics
        click.echo(diagnostic.as_text())
    for audience, count in report.written.items():
        click.echo(f"{audience}: {count:,} files in {out / audience}/", err=True)
    if Audience.PUBLIC in report.written and not report.search_indexed:
        click.echo("search: skipped (install site-gen[search] for Pagefind)", err=True)
    click.echo(f"Built {as_of}.", err=True)


@main.command()
@_PATH
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on: 127.0.0.1, localhost or ::1 unless --allow-remote.")
@click.option("--allow-remote", is_flag=True,
              help="Allow a --host other machines can reach. Anyone who reaches it reads the internal site.")
@_TODAY
def serve(path: Path, port: int, host: str, allow_remote: bool, today: datetime | None) -> None:
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
        preview = Preview(path, host, port, fixed, allow_remote=allow_remote)
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
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the schemas into this folder (default: print the irritant schema).")
def schema(path: Path, out: Path | None) -> None:
    """Write JSON Schemas for editors (autocompletion and inline errors).

    Stages, teams and segments from PATH/site.yaml become choices the editor offers.

    \b
    Example:
      site-gen schema --out schemas/
    """
    from .load.records import load_site_config
    from .schemas import render_schemas
    from .write import write_files

    config = None
    if (path / "site.yaml").is_file():
        # a broken site.yaml still gives schemas; `check` reports its problems
        config = load_site_config(path.absolute() / "site.yaml", path.absolute(), [])
    rendered = render_schemas(config)
    if out is None:
        click.echo(rendered["irritant.schema.json"].decode(), nl=False)
        return
    write_files(out, rendered)
    click.echo(f"Wrote {len(rendered)} schemas to {out}/", err=True)



@main.command()
@_PATH
@click.option("--story", "story_id", default=None, metavar="ID", help="Tell about this story only.")
@click.option("--since", type=_Day(formats=["%Y-%m-%d"]), default=None,
              help="Tell about the stories published on or after this date (YYYY-MM-DD).")
@click.option("--contacts", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="CSV export from your CRM: customer (or reference), email, and optional name, language. "
                   "Must be kept outside the repository.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write one .eml per customer and notify.csv (for a CRM or mail-merge import) into this "
                   "folder, outside the repository.")
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
    from .diagnostics import format_text
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
