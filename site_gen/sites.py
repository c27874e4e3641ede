"""A build that renders: check, views, render (markdown once, both cores), the search index, write, and the run
remembered for the next build. site_gen.build imports this module only once it knows an input changed since the
last build: a build with nothing changed needs none of it (Jinja, markdown, the views, the loader)."""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from markupsafe import Markup

from . import search_index
from .build import BuildReport, Progress
from .check import CheckResult, check_repository, judged_under, keep_judged
from .diagnostics import Diagnostic, Diagnostics, sorted_diagnostics
from .errors import BuildError, BuildRefused, ThemeError
from .facts import Facts
from .history import FileChange, StatusHistory, file_histories, status_histories
from .i18n import language
from .incremental import (
    DiskMemo,
    Hashed,
    Kept,
    Memo,
    PageReuse,
    RunEntry,
    digest,
    git_head,
    keep_run,
    record_hashes,
    theme_digest,
)
from .live import internal_state, public_state
from .load.assets import PublishedImage
from .markdown import render_markdown
from .model import Audience
from .parallel import PipeReceiver, can_fork, fork_pool, pipe_files, shared
from .publish import internal as internal_site
from .publish import public as public_site
from .publish.render import TemplateMistake, environment
from .rules.themes import theme_warnings
from .views.internal import internal_view
from .views.public import public_view
from .write import Output, keep_folder


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
INTERNAL_SPLIT_FROM = 400   # internal pages (about 1 ms each); below this half of them do not pay for a second process


def render_markdown_once(texts: list[str], workers: int,
                         memo: Memo | DiskMemo | None = None) -> Callable[[str], Markup]:
    """Render each distinct markdown text once, on every core, shared by both sites.

    markdown-it-py dominates a large build (~0.7 ms per 300-word page per core). With a memo, a text
    rendered by an earlier run is not rendered again.
    """
    unique = sorted(set(texts))
    known: dict[bytes, str] = {}
    before: dict[bytes, str] = memo.part("markdown").markdown if memo is not None else {}
    if memo is not None:
        hashes = {text: digest(text.encode()) for text in unique}
        known = {hashes[text]: before[hashes[text]] for text in unique if hashes[text] in before}
        unique = [text for text in unique if hashes[text] not in known]
    if not can_fork(workers) or len(unique) < MARKDOWN_FORK_FROM:
        rendered = {text: render_markdown(text) for text in unique}
    else:
        chunks = [unique[i::workers] for i in range(workers)]
        with fork_pool(workers, chunks) as pool:
            results = list(pool.map(_render_chunk, range(workers)))
        rendered = {text: Markup(html) for chunk, htmls in zip(chunks, results, strict=True)
                    for text, html in zip(chunk, htmls, strict=True)}

    if memo is not None:
        known.update((hashes[text], str(html)) for text, html in rendered.items())
        memo.part("markdown").markdown = known   # this run's texts only: kept in .site-gen-cache/ too
        rendered.update((text, Markup(known[hashes[text]])) for text in hashes if text not in rendered)

    def lookup(text: str) -> Markup:
        html = rendered.get(text)
        return html if html is not None else render_markdown(text)
    return lookup


def _forked_files() -> tuple[dict[str, Kept], PageReuse | None]:
    """Runs in a second process, forked with what to render (a site, or a share of its pages; not pickled); the
    pages go back through a pipe as they are rendered, the reused ones and what each page used as the result.
    Template errors must cross back with their file and line."""
    payload: tuple[Callable[..., Any], PageReuse | None, int] = shared()
    render, reuse, write_end = payload
    files = pipe_files(write_end)
    try:
        render(reuse=reuse, out=files)
        return files.others, (replace(reuse, before={}, body_reads={}) if reuse is not None else None)
    except jinja2.TemplateError as exc:
        raise _template_error(exc) from None
    finally:
        files.stream.close()  # the parent's receiver stops here


class _ForkedRender:
    """Some pages rendered in a second process while this one goes on: they are staged as they come (`spool`),
    and `result` gives them with what that process reused. Its memory goes as soon as its pages are sent."""

    def __init__(self, render: Callable[..., Any], reuse: PageReuse | None, spool: dict[str, Any] | None) -> None:
        self.receiver = PipeReceiver(spool)
        self.pool = fork_pool(1, (render, reuse, self.receiver.write_end))
        self.receiver.start()
        self.job = self.pool.submit(_forked_files)
        stop = self.pool.shutdown
        self.job.add_done_callback(lambda _job: stop(wait=False))

    def result(self) -> tuple[dict[str, Any], PageReuse | None]:
        kept, reuse = self.job.result()
        return {**self.receiver.result(), **kept}, reuse

    def stop(self) -> None:
        self.pool.shutdown(cancel_futures=True)


def _reuse(memo: Memo | DiskMemo | None, audience: str, current: Path | None, theme: bytes,
           records: Mapping[int, tuple[object, bytes]], words: bool = False) -> PageReuse | None:
    """words: note the story words each page reads too (serve: site_gen.live)."""
    if memo is None:
        return None
    return PageReuse(current, theme, memo.part("pages").pages.get(audience, {}), records=records,
                     word_reads={} if words else None)


def _histories(root: Path, memo: Memo | DiskMemo | None) -> tuple[StatusHistory, dict[str, tuple[FileChange, ...]]]:
    """What git says of the backlog (its pages' histories), asked once per commit when there is a memo."""
    if memo is None:
        return status_histories(root), file_histories(root)
    head = git_head(root)
    known = memo.part("pages").histories
    if head not in known or head == "no git":
        known.clear()
        known[head] = (status_histories(root), file_histories(root))
    found: tuple[StatusHistory, dict[str, tuple[FileChange, ...]]] = known[head]
    return found


def render_sites(result: CheckResult, root: Path, only: Audience | None = None,
                 progress: Progress | None = None, workers: int | None = 1,
                 future: bool = False, memo: Memo | DiskMemo | None = None,
                 current: Path | None = None,
                 spool: Callable[[str], dict[str, Any]] | None = None,
                 public_ready: Callable[[dict[str, Any]], None] | None = None) -> dict[str, dict[str, Any]]:
    """Both sites in memory, {audience: {path: bytes}}: testable without a disk.

    With several workers, the public site renders in a second process while
    this one renders the internal site. With a memo and the current output folder (OUT), a page whose
    inputs are unchanged since the memo's run is not rendered: it is OUT's file (Kept), hard-linked later.
    With `spool` (build's Output.spool), each site's files go to the staging folder as they are rendered, and
    the mapping holds their hashes (write.Staged) instead of their bytes. `public_ready` receives the public
    site when it is rendered in this process before the internal one (build stages it and starts its search index).
    """
    backlog = result.backlog
    templates = root / "templates"
    theme = theme_digest(root) if memo is not None else b""
    records = record_hashes(chain(backlog.irritants.values(), backlog.decisions.values(), backlog.stories.values()),
                            memo.part("files").files) if memo is not None else {}
    statuses, files_history = _histories(root, memo)
    markdown = render_markdown_once(_markdown_sources(result, only), workers or 1, memo)
    sites: dict[str, dict[str, bytes | Kept]] = {}
    reuses: dict[str, PageReuse | None] = {}
    live: dict[str, Any] | None = None
    if isinstance(memo, Memo):   # serve: keep the sites in memory for a story edit (site_gen.live)
        live = memo.live = {"result": result}
    forked: list[_ForkedRender] = []
    try:
        public = None
        public_job = None
        if only in (None, Audience.PUBLIC):
            logo_name, logo = _logo(backlog.config.public.logo)
            public = public_view(backlog, result.facts, markdown, logo_name, statuses, future)
            count = len(public_site.pages(public))  # paginated lists: count the pages, not the stories
            public_forks = can_fork(workers) and only is None and count >= PUBLIC_FORK_FROM
        internal = None
        if only in (None, Audience.INTERNAL) and (public is None or public_forks):
            # the internal view before the public worker forks: its facts (the inbox themes above all) are the
            # build's largest passing need of memory, and the worker does not sit beside that peak (10,000
            # stories: the process tree's peak PSS went from 839 to 720 MiB)
            internal = internal_view(backlog, result.facts, markdown, files_history)
        if public is not None:
            reuse = _reuse(memo, "public", current / "public" if current else None, theme, records, live is not None)
            chosen = language(backlog.config.public.language, backlog.locales)
            env = environment("public", templates, chosen)
            if public_forks:
                public_job = _ForkedRender(partial(public_site.render, public, env, logo, words=chosen), reuse,
                                           spool("public") if spool else None)
                forked.append(public_job)
            else:
                ticker = progress("public", count) if progress else None
                sites["public"] = public_site.render(public, env, logo, ticker, chosen, reuse,
                                                     spool("public") if spool else None)
                reuses["public"] = reuse
                if public_ready is not None and only is None:
                    public_ready(sites["public"])
                if live is not None and reuse is not None:
                    live["public"] = public_state(public, env, chosen, logo, reuse.body_reads, reuse.word_reads)
        if only in (None, Audience.INTERNAL) and internal is None:
            internal = internal_view(backlog, result.facts, markdown, files_history)
        if internal is not None:
            count = (len(internal.irritants) + len(internal.decisions) + len(internal.stories) + len(internal.stages)
                     + len(internal.teams))
            words = language(backlog.config.internal.language, backlog.locales)
            reuse = _reuse(memo, "internal", current / "internal" if current else None, theme, records,
                           live is not None)
            env = environment("internal", templates, words)
            listed = internal_site.pages(internal, words)
            out = spool("internal") if spool else None
            # the second core is free once a public site rendered here is indexed: it renders half the pages
            # (a million feedback rows: 1.4 s of a build's end on one core); serve keeps every page in this process
            elsewhere = (listed[::2] if can_fork(workers) and not forked and live is None
                         and len(listed) >= INTERNAL_SPLIT_FROM else [])
            share = _ForkedRender(partial(internal_site.render_share, internal, env, words, elsewhere), reuse,
                                  out) if elsewhere else None
            if share is not None:
                forked.append(share)
            ticker = progress("internal", count + 7 - len(elsewhere)) if progress else None
            sites["internal"] = internal_site.render(internal, env, ticker, words, reuse, listed, out, elsewhere)
            if share is not None:
                theirs, their_reuse = share.result()
                sites["internal"] = {**sites["internal"], **theirs}
                if reuse is not None and their_reuse is not None:
                    reuse.take_in(their_reuse)
            reuses["internal"] = reuse
            if live is not None and reuse is not None:
                live["internal"] = internal_state(internal, env, words, listed, reuse.body_reads, reuse.word_reads)
        if public_job is not None:
            sites["public"], reuses["public"] = public_job.result()
    finally:
        for job in forked:
            job.stop()
    if memo is not None:
        memo.part("pages").pending = dict(reuses)   # completed once the pages are written (_remember)
    return dict(sorted(sites.items(), key=lambda item: item[0] != "public"))


class SearchIndexing:
    """The search index of a staged public site (site_gen.search_index: Pagefind, in shards on a large site), in a
    process of its own: it indexes while this one renders the internal site (1,000 public pages: 1.6 s of a build
    no longer waited for). Without Pagefind installed, nothing runs; the site reads fine without an index."""

    def __init__(self, folder: Path) -> None:
        self.process: subprocess.Popen[str] | None = None
        if importlib.util.find_spec("pagefind") is not None:
            self.process = search_index.start(search_index.command(folder, folder / "pagefind"))

    def wait(self) -> bool:
        """Whether the site has an index, once Pagefind is done; BuildError if it failed."""
        if self.process is None:
            return False
        try:
            out, err = self.process.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            self.stop()
            raise BuildError("search index: Pagefind took more than 10 minutes") from None
        if self.process.returncode != 0:
            raise BuildError(f"search index: Pagefind failed: {err.strip() or out.strip()}")
        return True

    def stop(self) -> None:
        """Stop it, if it still runs (the build failed: its staging folder is about to go)."""
        if self.process is not None:
            search_index.kill(self.process)
            self.process.communicate()

def check_and_publish(root: Path, today: date, output: Output, only: Audience | None, progress: Progress | None,
                      workers: int, future: bool, search: bool, memo: Memo | DiskMemo | None,
                      run: bytes | None, hashed: Hashed | None) -> BuildReport:
    """Check, render both sites into OUT's staging folder and swap them in; with a memo, keep this run (`run`: the
    hash of its inputs, `hashed`: those inputs as they were hashed) for the next build to reuse."""
    started = partial(_themes_meanwhile, workers=workers) if only is None else None
    # under the settings check keeps its record findings and DuckDB's answers under: each build takes the last
    # run's, check's or build's, and keeps its own
    settings = judged_under(today, hashed.inputs) if memo is not None and hashed is not None else None
    result = check_repository(root, today, workers, memo, started, settings)
    try:
        if result.errors:
            if memo is not None:
                memo.save("files")
            raise BuildRefused(result.diagnostics, result.errors)
        sites, searched = _publish(result, root, output, only, progress, workers, future, search, memo)
    finally:
        result.facts.stop_background()   # themes still being grouped for a build that stopped
    counts = result.backlog.counts()
    # check's diagnostics and build's own warnings (theme-not-in-backlog: check stays fast), one sorted stream
    diagnostics = sorted_diagnostics([*result.diagnostics, *theme_warnings(result.facts)])
    if memo is not None and run is not None and hashed is not None:
        if hashed.still(root, memo.part("runs").extra):
            _remember(memo, output, run, hashed, result, diagnostics, counts, searched,
                      keep_judged(memo, settings, result) if settings is not None else ())
        else:   # an input saved while the build read them: its pages are not those of the inputs hashed
            memo.part("pages").pending = {}
            memo.save("files")   # (each file's entry is by the bytes it was loaded from)
    return BuildReport(diagnostics, counts, {audience: len(files) for audience, files in sites.items()},
                       searched, {audience: len(names) for audience, names in output.changed.items()})


def _themes_meanwhile(facts: Facts, workers: int) -> None:
    """A large inbox is grouped into themes in a worker process while this one runs the rules and renders the public
    site — when that site renders in this process: else the internal view comes first and would wait for the
    themes at once, while the worker's memory sat beside this one's (10,000 stories: 720 -> 796 MiB)."""
    backlog = facts.backlog
    public = sum(story.is_public for story in backlog.stories.values()) + sum(
        irritant.is_public for irritant in backlog.irritants.values())
    if public < PUBLIC_FORK_FROM:   # a page each, at least: more would surely render in a worker
        facts.start_themes(workers)


def _publish(result: CheckResult, root: Path, output: Output, only: Audience | None, progress: Progress | None,
             workers: int, future: bool, search: bool,
             memo: Memo | DiskMemo | None) -> tuple[dict[str, dict[str, Any]], bool]:
    """Render both sites, index the public one and swap them in: (the sites, whether the public one has an index)."""
    indexing: list[SearchIndexing | bool] = []   # the search index, started once the public site is staged

    def public_staged(staging: Path, changed: list[str]) -> None:
        indexing.append(_search(output.out / "public", staging, changed, search))

    def public_ready(files: dict[str, Any]) -> None:   # rendered before the internal site: stage it, index it
        public_staged(output.staging / "public", output.stage("public", files))

    def finish(staging: Path, changed: list[str]) -> None:
        if not indexing:
            public_staged(staging, changed)
        if isinstance(indexing[0], SearchIndexing):
            indexing[0] = indexing[0].wait()
    try:
        try:
            sites = render_sites(result, root, only, progress, workers, future, memo, output.out, output.spool,
                                 public_ready if search else None)
        except jinja2.TemplateError as exc:
            raise _template_error(exc) from exc
        output.write(sites, finish)
    finally:
        for job in indexing:
            if isinstance(job, SearchIndexing):
                job.stop()
    return sites, bool(indexing and indexing[0])


def _search(current: Path, staging: Path, changed: list[str], search: bool) -> SearchIndexing | bool:
    """Start indexing the staged public site; when no page changed, the current index is kept as it is (Pagefind
    cannot update an index, and indexing 10,000 pages takes seconds). True or False: whether it has an index."""
    if not search:
        return False
    if not any(name.endswith(".html") for name in changed) and keep_folder(current / "pagefind", staging / "pagefind"):
        return True
    return SearchIndexing(staging)

def _remember(memo: Memo | DiskMemo, output: Output, run: bytes, hashed: Hashed, result: CheckResult,
              diagnostics: list[Diagnostic], counts: dict[str, int], searched: bool, judged: tuple[str, ...]) -> None:
    """Keep this run for the next: its pages (with what they used), its output files, its diagnostics, the parts of the
    memo `judged` names (keep_judged: the record findings, DuckDB's answers), and its input files' hashes with the
    stats of those settled (the next build reads only the files whose stat changed)."""
    pages = memo.part("pages")
    for audience, reuse in pages.pending.items():
        if reuse is not None:
            pages.pages[audience] = reuse.entries(output.files.get(audience, {}))
    pages.pending = {}
    runs = memo.part("runs")
    runs.extra = result.backlog.config.named_files
    runs.runs = keep_run(runs.runs, run, RunEntry(Diagnostics(diagnostics), counts, output.files, searched,
                                                  inputs=hashed.inputs, settled=hashed.settled))
    memo.save("files", "pages", "markdown", "runs", *judged, *(("themes",) if memo.read("themes") else ()))
