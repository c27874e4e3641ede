"""`build` = check + views + render + write. Refuses to publish when the check finds errors."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
from jinja2.exceptions import SecurityError
from markupsafe import Markup

from .check import CheckResult, check_repository
from .collector import paused_collector
from .diagnostics import Diagnostic, sorted_diagnostics
from .errors import BuildError, BuildRefused, ThemeError
from .history import file_histories, status_histories
from .i18n import Language, language
from .load.assets import PublishedImage
from .markdown import render_markdown
from .model import Audience
from .parallel import PipeReceiver, can_fork, fork_pool, pipe_files, shared
from .publish import internal as internal_site
from .publish import public as public_site
from .render import TemplateMistake, environment
from .rules.themes import theme_warnings
from .views.internal import internal_view
from .views.public import PublicSite, public_view
from .write import Output


def _template_error(exc: Exception) -> ThemeError:
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:  # Jinja maps render errors back to the template's own file and line
        if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".css", ".js")):
            filename, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    where = f"{filename}:{line}: " if filename else ""
    if isinstance(exc, SecurityError | TemplateMistake):
        hint = ("templates run in a sandbox: they read the fields they are given, but no attribute starting with '_', "
                "no changing a list or dict, no range over 100,000 items")
    else:
        hint = "StrictUndefined: public templates only see public fields"
    return ThemeError(f"{where}template error: {exc} — fix the template ({hint})")


@dataclass(frozen=True)
class BuildReport:
    check: CheckResult
    written: dict[str, int]          # audience -> number of files
    search_indexed: bool
    warnings: tuple[Diagnostic, ...] = ()   # what only build reports (theme-not-in-backlog): check stays fast

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """check's diagnostics and build's own warnings, in one sorted stream."""
        return sorted_diagnostics([*self.check.diagnostics, *self.warnings])


Progress = Callable[[str, int], Callable[[int], None]]


def _logo(logo: PublishedImage | None) -> tuple[str | None, bytes | None]:
    """The logo's published name and bytes, as loading read them: the file is not opened again."""
    if logo is None:
        return None, None
    return logo.published_name("logo"), logo.data


def _markdown_sources(result: CheckResult, only: Audience | None) -> list[str]:
    backlog = result.backlog
    texts = [s.body for s in backlog.stories.values()]
    if only != Audience.PUBLIC:
        texts += [d.body for d in backlog.decisions.values()] + [i.summary or "" for i in backlog.irritants.values()]
    return texts


def _render_chunk(index: int) -> list[str]:
    """In a worker: the markdown of the texts its pool was forked with (shared, not pickled), chunk `index`."""
    texts: list[list[str]] = shared()
    return [str(render_markdown(text)) for text in texts[index]]


MARKDOWN_FORK_FROM = 200  # distinct markdown texts; below this the workers cost more than they save
PUBLIC_FORK_FROM = 1_000  # public pages; below this rendering them in a second process costs more than it saves


def render_markdown_once(texts: list[str], workers: int) -> Callable[[str], Markup]:
    """Render each distinct markdown text once, on every core, shared by both sites.

    markdown-it-py dominates a large build (~0.7 ms per 300-word page per core).
    """
    unique = sorted(set(texts))
    if not can_fork(workers) or len(unique) < MARKDOWN_FORK_FROM:
        rendered = {text: render_markdown(text) for text in unique}
    else:
        chunks = [unique[i::workers] for i in range(workers)]
        with fork_pool(workers, chunks) as pool:
            results = list(pool.map(_render_chunk, range(workers)))
        rendered = {text: Markup(html) for chunk, htmls in zip(chunks, results, strict=True)
                    for text, html in zip(chunk, htmls, strict=True)}

    def lookup(text: str) -> Markup:
        html = rendered.get(text)
        return html if html is not None else render_markdown(text)
    return lookup


def _public_files() -> None:
    """Runs in a second process, forked with the public view (not pickled); the pages go back through a pipe
    as they are rendered. Template errors must cross back with their file and line."""
    payload: tuple[PublicSite, Path, bytes | None, Language, int] = shared()
    view, templates, logo, chosen, write_end = payload
    files = pipe_files(write_end)
    try:
        public_site.render(view, environment("public", templates, chosen), logo, words=chosen, out=files)
    except jinja2.TemplateError as exc:
        raise _template_error(exc) from None
    finally:
        files.stream.close()  # the parent's receiver stops here


def render_sites(result: CheckResult, root: Path, only: Audience | None = None,
                 progress: Progress | None = None, workers: int | None = 1,
                 future: bool = False) -> dict[str, dict[str, bytes]]:
    """Both sites in memory, {audience: {path: bytes}}: testable without a disk.

    With several workers, the public site renders in a second process while
    this one renders the internal site.
    """
    backlog = result.backlog
    templates = root / "templates"
    markdown = render_markdown_once(_markdown_sources(result, only), workers or 1)
    sites: dict[str, dict[str, bytes]] = {}
    public_job = None
    pool = None
    receiver = None
    try:
        if only in (None, Audience.PUBLIC):
            logo_name, logo = _logo(backlog.config.public.logo)
            public = public_view(backlog, result.facts, markdown, logo_name, status_histories(root), future)
            count = len(public_site.pages(public))  # paginated lists: count the pages, not the stories
            chosen = language(backlog.config.public.language, backlog.locales)
            if can_fork(workers) and only is None and count >= PUBLIC_FORK_FROM:
                receiver = PipeReceiver()
                pool = fork_pool(1, (public, templates, logo, chosen, receiver.write_end))
                receiver.start()
                public_job = pool.submit(_public_files)
                stop = pool.shutdown
                public_job.add_done_callback(lambda _job: stop(wait=False))  # its memory goes once its pages are sent
            else:
                ticker = progress("public", count) if progress else None
                sites["public"] = public_site.render(public, environment("public", templates, chosen), logo, ticker,
                                                     chosen)
        if only in (None, Audience.INTERNAL):
            internal = internal_view(backlog, result.facts, markdown, file_histories(root))
            count = (len(internal.irritants) + len(internal.decisions) + len(internal.stories) + len(internal.stages)
                     + len(internal.teams))
            ticker = progress("internal", count + 7) if progress else None
            words = language(backlog.config.internal.language, backlog.locales)
            sites["internal"] = internal_site.render(internal, environment("internal", templates, words), ticker, words)
        if public_job is not None and receiver is not None:
            public_job.result()
            sites["public"] = receiver.result()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return dict(sorted(sites.items(), key=lambda item: item[0] != "public"))


def index_search(folder: Path) -> bool:
    """Run Pagefind over the public site, if it is installed; the site reads fine without it."""
    try:
        import pagefind  # noqa: F401
    except ImportError:
        return False
    completed = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(folder), "--silent"],
                               capture_output=True, text=True, timeout=600)
    if completed.returncode != 0:
        raise BuildError(f"search index: Pagefind failed: {completed.stderr.strip() or completed.stdout.strip()}")
    return True


def build(root: Path, out: Path, today: date, only: Audience | None = None,
          progress: Progress | None = None, workers: int | None = None, future: bool = False) -> BuildReport:
    """Check, render both sites into memory, then swap both output folders in as one pair.

    Raises write.UnsafeOutput before anything else when OUT/public or OUT/internal is not site-gen's to replace.
    """
    with paused_collector():
        return _build(root, out, today, only, progress, workers, future)


def _build(root: Path, out: Path, today: date, only: Audience | None, progress: Progress | None,
           workers: int | None, future: bool = False) -> BuildReport:
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    sources = {"repository": root,
               **{f"{name} folder": root / name for name in ("templates", "backlog", "feedback", ".git")}}
    # locks OUT and finishes a killed build's swap first, so even a refused build leaves a consistent pair
    with Output(out, (only,) if only else (Audience.PUBLIC, Audience.INTERNAL), sources) as output:
        result = check_repository(root, today, workers)
        if result.errors:
            raise BuildRefused(result.diagnostics, result.errors)
        try:
            sites = render_sites(result, root.absolute(), only, progress, workers, future)
        except jinja2.TemplateError as exc:
            raise _template_error(exc) from exc
        searched = False

        def finish(staging: Path) -> None:
            nonlocal searched
            searched = index_search(staging)
        output.write(sites, finish)
    return BuildReport(result, {audience: len(files) for audience, files in sites.items()}, searched,
                       tuple(theme_warnings(result.facts)))
