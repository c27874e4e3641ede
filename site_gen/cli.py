"""The command line: a few lines per command around the library. Exit codes: 0 ok, 1 problems, 2 usage."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

from . import __version__
from .check import CheckResult, check_repository
from .dates import RANGE, UnusableDate, in_range
from .diagnostics import escape_text, format_github, format_json, format_summary_markdown, format_text
from .load import NotABacklog


def _today(value: date | None) -> date:
    return value or date.today()


class _Day(click.DateTime):
    """YYYY-MM-DD within the dates every computation has room for (see site_gen/dates.py)."""

    def convert(self, value, param, ctx):
        moment = super().convert(value, param, ctx)
        if not in_range(moment.date()):
            self.fail(f"{moment.date()} is outside the dates site-gen handles ({RANGE})", param, ctx)
        return moment


_TODAY = click.option("--today", type=_Day(formats=["%Y-%m-%d"]), default=None,
                      help=f"Check as if today were this date (YYYY-MM-DD, {RANGE}), for reproducible runs.")
_PATH = click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".", required=False)


_WHERE = "Run site-gen in the folder that holds site.yaml, or pass that folder."


def _run_check(path: Path, today) -> CheckResult:
    try:
        return check_repository(path, _today(today.date() if today else None))
    except NotABacklog as exc:
        raise click.UsageError(f"{exc}. {_WHERE}") from None


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

    def main(self, *args, **kwargs):
        # A terminal that cannot show a character gets '?' instead of a UnicodeEncodeError traceback
        # (PYTHONIOENCODING=latin-1, an old Windows console).
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.reconfigure(errors="replace")
            except (AttributeError, ValueError, OSError):
                pass  # not a text stream we can change: leave it as it is
        _WARNINGS.seen.clear()
        if _WARNINGS not in logging.getLogger("site_gen").handlers:
            logging.getLogger("site_gen").addHandler(_WARNINGS)
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UnusableDate as exc:  # SOURCE_DATE_EPOCH, read where the build needs it
            raise click.UsageError(str(exc)) from None


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
def check(path: Path, today, strict: bool, output_format: str) -> None:
    """Check the backlog rules; report every problem with its file and line.

    \b
    Example:
      site-gen check
      site-gen check --format github --today 2026-11-23 path/to/repo

    Exit status: 0 clean (warnings allowed), 1 errors (or warnings with
    --strict), 2 usage error.
    """
    result = _run_check(path, today)
    counts = result.backlog.counts()
    if output_format == "json":
        click.echo(format_json(result.diagnostics, counts), nl=False)
    elif output_format == "github":
        click.echo(format_github(result.diagnostics), nl=False)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(format_summary_markdown(result.diagnostics, counts))
    else:
        click.echo(format_text(result.diagnostics), nl=False)
        checked = ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
        if result.diagnostics:
            click.echo(f"{result.errors} error(s), {result.warnings} warning(s) in {checked}.", err=True)
        else:
            click.echo(f"No problems in {checked}.", err=True)
    sys.exit(1 if result.failed(strict) else 0)


class _Bars:
    """Progress bars on a terminal; nothing in CI or when output is piped."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty() and not os.environ.get("CI")
        self.bars: list = []

    def __call__(self, label: str, total: int):
        bar = click.progressbar(length=total, label=f"{label:<9}", file=sys.stderr)
        bar.__enter__()
        self.bars.append(bar)
        return bar.update

    def close(self) -> None:
        for bar in self.bars:
            bar.__exit__(None, None, None)


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C (exit 143), so the build removes its staging folder and stops its workers."""
    def stop(signum, _frame) -> None:
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
@click.option("--only", type=click.Choice(["public", "internal"]), default=None, help="Build one site only.")
@_TODAY
def build(path: Path, out: Path, only: str | None, today) -> None:
    """Check, then build the public and internal sites.

    Nothing is written when the check finds errors, a failed build leaves
    the previous pair of sites whole, and a killed one leaves the old pair or,
    once any next build has run, the new one. site-gen replaces
    OUT/public and OUT/internal only if they are absent, empty or its own
    output (marked by a .site-gen-output file). "Today" (for overdue items)
    is --today, else SOURCE_DATE_EPOCH, else the date of the last commit, so
    rebuilds are byte-identical.

    \b
    Example:
      site-gen build
      site-gen build --out public-html --only public

    Exit status: 0 built, 1 check errors or a write error, 2 usage error
    (including an --out that is not site-gen's to replace).
    """
    from .build import BuildError, BuildRefused, build_date
    from .build import build as build_sites
    from .write import OutputError

    bars = _Bars()
    try:
        with _terminate_as_exit():
            day = today.date() if today else build_date(path.absolute())
            report = build_sites(path, out, day, only, bars if bars.enabled else None)
    except NotABacklog as exc:
        raise click.UsageError(f"{exc}. {_WHERE}") from None
    except OutputError as exc:
        bars.close()
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except BuildError as exc:
        bars.close()
        click.echo(f"{exc}\nNothing was written.", err=True)
        sys.exit(1)
    except BuildRefused as refused:
        bars.close()
        click.echo(format_text(refused.result.diagnostics), nl=False)
        click.echo(f"Build refused: {refused.result.errors} error(s). Nothing was written; fix them and build again.",
                   err=True)
        sys.exit(1)
    bars.close()
    for diagnostic in report.check.diagnostics:
        click.echo(diagnostic.as_text(), err=True)
    for audience, count in report.written.items():
        click.echo(f"{audience}: {count:,} files in {out / audience}/", err=True)
    if "public" in report.written and not report.search_indexed:
        click.echo("search: skipped (install site-gen[search] for Pagefind)", err=True)


@main.command()
@_PATH
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on: 127.0.0.1, localhost or ::1 unless --allow-remote.")
@click.option("--allow-remote", is_flag=True,
              help="Allow a --host other machines can reach. Anyone who reaches it reads the internal site.")
@_TODAY
def serve(path: Path, port: int, host: str, allow_remote: bool, today) -> None:
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
    from .serve import NotLoopback, Preview, is_loopback, serve_forever

    if not (path / "site.yaml").is_file():
        raise click.UsageError(f"no site.yaml in {path.absolute()}. Run site-gen in the folder that holds site.yaml.")
    try:
        preview = Preview(path, host, port, today.date() if today else None, allow_remote=allow_remote)
    except NotLoopback as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}. "
                               "Try --port with another number.") from None
    if not is_loopback(host):
        click.echo(f"warning: --allow-remote: anyone who can reach {host}:{preview.port} can read the internal site "
                   "(owners, customer feedback, notes); the preview has no login.", err=True)
    try:
        serve_forever(preview, lambda url: click.echo(
            f"Previewing {path.absolute()}\n  public:   {url}public/index.html\n  internal: {url}internal/index.html\n"
            "Watching for changes; Ctrl-C to stop.", err=True))
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


# --- the weekly ritual: agenda and reviewed ----------------------------------------------------

_DAY = _Day(formats=["%Y-%m-%d"])


@main.command()
@_PATH
@click.option("--date", "on", type=_DAY, default=None, help="The meeting's date (YYYY-MM-DD; default today).")
@click.option("--since", type=_DAY, default=None,
              help="The last meeting's date: fresh voices and new feedback are after it (default: a week before).")
@click.option("--format", "output_format", type=click.Choice(["markdown", "html"]), default="markdown",
              show_default=True, help="markdown for a chat or a pull request; html for a printable page.")
def agenda(path: Path, on, since, output_format: str) -> None:
    """The weekly meeting's agenda, from the backlog: 15–20 minutes, the same six sections every week.

    \b
    Example:
      site-gen agenda --date 2026-11-25
      site-gen agenda --format html > agenda.html
    """
    from .agenda import build_agenda, render_markdown
    from .facts import derive_facts
    from .load import load_backlog
    from .publish.internal import agenda_page
    from .render import environment

    day = on.date() if on else date.today()
    try:
        backlog, _ = load_backlog(path)   # problems are check's to report; the agenda shows what loaded
    except NotABacklog as exc:
        raise click.UsageError(f"{exc}. {_WHERE}") from None
    meeting = build_agenda(derive_facts(backlog, day), since.date() if since else None)
    if output_format == "html":
        click.echo(agenda_page(meeting, backlog.config, environment("internal", path / "templates")).decode(), nl=False)
    else:
        click.echo(render_markdown(meeting, backlog.config.internal.base_url), nl=False)


@main.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.option("--on", type=_DAY, default=None, help="The review's date (YYYY-MM-DD; default today).")
@click.option("--status", type=click.Choice(["open", "in-progress", "done", "declined"]), default=None,
              help="Also set the status (done or declined also writes closed: with the review date).")
@click.option("--target", type=_DAY, default=None, help="Also set a new target date.")
@click.option("--repo", "path", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The backlog repository (the folder that holds site.yaml).")
def reviewed(ids: tuple[str, ...], on, status: str | None, target, path: Path) -> None:
    """Record the meeting's reviews in the irritant files, changing only those lines.

    Sets reviewed: (added after opened: when absent), and --status and --target
    when given; comments, order and formatting stay. Unknown IDs are refused and
    nothing is written.

    \b
    Example:
      site-gen reviewed unlock-fails-in-background support-wait-evenings --on 2026-11-25
      site-gen reviewed day-pass-confusing --target 2027-03-31
    """
    from .load import load_backlog
    from .model import IrritantStatus
    from .reviewed import ReviewRefused, new_errors, plan_reviews, read_texts, resolve, write_edits

    day = on.date() if on else date.today()
    try:
        backlog, _ = load_backlog(path)
        texts, shapes = read_texts(path.absolute(), resolve(backlog, ids))
        edits = plan_reviews(backlog, texts, ids, day, IrritantStatus(status) if status else None,
                             target.date() if target else None)
    except NotABacklog as exc:
        raise click.UsageError(f"{exc}. {_WHERE}") from None
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
