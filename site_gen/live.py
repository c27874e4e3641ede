"""`serve`'s fast path: a saved story whose front matter did not change re-renders only the pages that show it.

A body edit changes no fact (the only fact that reads a body, the order of derived story addresses, is checked
again and must come out the same) and no page list: the sites of the last full rebuild are kept in memory (their
views, page contexts, and which attributes of the site each page read), and the edited record is substituted into
them. `Substitution` rebuilds, by identity, every object that holds the old record (and the view objects derived
from its body: the public story and the internal story page, with the body's new HTML); a page is rendered again
only when its context now holds a new object, or when an attribute of the site it read did. The files every site
writes beside its pages (feeds, sitemap, 404) are made again and compared. Only files whose bytes changed are
written, each atomically, in place: the server keeps answering from the previous files meanwhile.

Anything else (a front-matter edit, a new or deleted file, a template, site.yaml, feedback) takes the full path,
as does a body edit that would change the story addresses. The check's rules run on the edited backlog once its
pages are served (`first_error`, in serve's background): a body that brings an error (a placeholder, personal data)
then takes the full path too, which shows the error page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .check import CheckResult
from .diagnostics import Diagnostic, Severity
from .facts.addresses import story_order
from .i18n import Language
from .incremental import LENGTH, Memo, Tracked, take_used
from .load.records import load_story
from .markdown import render_markdown
from .model import Story
from .publish import internal as internal_site
from .publish import public as public_site
from .publish.public import Recipe
from .render import Page, Sandbox, template_mistakes
from .rules import FAMILIES
from .views.internal import InternalSite, StoryPage
from .views.public import PublicSite, PublicStory
from .write import MARKER, marker_for, write_file

_LEAVES: frozenset[type] = frozenset({str, int, float, bool, type(None), bytes, dt.date, dt.datetime, Markup,
                                      complex, range})
_CONTAINERS = (tuple, list, dict, set, frozenset)


def _hint_may_hold(hint: Any, targets: frozenset[type], seen: dict[type, bool]) -> bool:  # noqa: ANN401
    if hint is Any or hint is object or isinstance(hint, typing.TypeVar | str | typing.ForwardRef):
        return True
    origin = typing.get_origin(hint)
    if origin is not None:
        if origin is typing.Literal:
            return False
        if origin in (typing.Union, types.UnionType) or isinstance(origin, type) and issubclass(
                origin, Iterable | Mapping):
            return any(_hint_may_hold(arg, targets, seen) for arg in typing.get_args(hint) if arg is not Ellipsis)
        return True
    if not isinstance(hint, type):
        return True
    return may_hold(hint, targets, seen)


def may_hold(cls: type, targets: frozenset[type], seen: dict[type, bool] | None = None) -> bool:
    """Whether an instance of cls can hold (in its fields, however deep) an instance of one of targets, by the
    fields' declared types. Anything undeclared (Any, object, an unresolved name) may."""
    seen = {} if seen is None else seen
    if cls in seen:
        return seen[cls]
    if cls in targets:
        seen[cls] = True
        return True
    if cls in _LEAVES or issubclass(cls, enum.Enum | Markup | str | int | dt.date):
        seen[cls] = False
        return False
    if not dataclasses.is_dataclass(cls):
        seen[cls] = True   # a class of its own: it may hold anything
        return True
    seen[cls] = False      # a cycle of types: decided by the other fields
    found = fields_may_hold(cls, targets, seen)
    seen[cls] = found
    return found


def fields_may_hold(cls: type, targets: frozenset[type], seen: dict[type, bool]) -> bool:
    """Whether the fields of a dataclass can hold an instance of one of targets (may_hold of each field's type)."""
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001 - a name only imported for type checking: assume it may
        return True
    return any(_hint_may_hold(hints.get(f.name, Any), targets, seen) for f in dataclasses.fields(cls))


class Substitution:
    """Replaces objects (by identity) inside values made of dataclasses, tuples, lists, dicts and sets: each
    object that holds a replaced one, however deep, is copied with the new parts; every other object is
    returned as it is (the same object), so `substitute(x) is not x` says x held something replaced."""

    def __init__(self, replaced: Mapping[int, object], targets: frozenset[type]):
        self._done: dict[int, object] = dict(replaced)
        self.replaced = frozenset(replaced)    # the ids of the objects replaced
        self._alive: list[object] = []         # the values walked, kept alive while their ids are keys
        self.targets = targets
        self._holds: dict[type, bool] = {}
        self._fields_hold: dict[type, bool] = {}   # a target type's own fields may hold a target (StoryPage)

    def _may_hold(self, cls: type) -> bool:
        known = self._holds.get(cls)
        if known is None:
            known = may_hold(cls, self.targets, self._holds)
        return known

    def __call__(self, value: object) -> Any:  # noqa: ANN401 - what it was given
        kind = type(value)
        if kind in _LEAVES:
            return value
        key = id(value)
        if key in self._done:
            return self._done[key]
        new = self._substitute(value, kind)
        self._done[key] = new
        self._alive.append(value)
        return new

    def changed(self, value: object) -> bool:
        return self(value) is not value

    def _substitute(self, value: Any, kind: type) -> Any:  # noqa: ANN401
        if isinstance(value, _CONTAINERS):
            items = value.values() if isinstance(value, dict) else value
            if not any(isinstance(item, _CONTAINERS) or self._may_hold(type(item))
                       for item in ({type(item): item for item in items}.values())):
                return value
            if isinstance(value, dict):
                pairs = [(key, self(item)) for key, item in value.items()]
                if all(new is old for (_, new), old in zip(pairs, value.values(), strict=True)):
                    return value
                made: Any = dict(pairs)
                return made if kind is dict else kind(made)
            new_items = [self(item) for item in value]
            if all(new is old for new, old in zip(new_items, value, strict=True)):
                return value
            if kind in (tuple, list, set, frozenset):
                return kind(new_items)
            return kind(*new_items) if hasattr(kind, "_fields") else kind(new_items)
        if not dataclasses.is_dataclass(value) or not self._may_hold(kind):
            return value
        if kind in self.targets:   # not replaced itself (that was looked up first): walked only if it can hold one
            holds = self._fields_hold.get(kind)
            if holds is None:
                holds = self._fields_hold[kind] = fields_may_hold(kind, self.targets, self._holds)
            if not holds:
                return value
        changes = {}
        for item in dataclasses.fields(value):
            old = getattr(value, item.name)
            new = self(old)
            if new is not old:
                changes[item.name] = new
        if not changes:
            return value
        copy: Any = object.__new__(kind)
        for item in dataclasses.fields(value):
            object.__setattr__(copy, item.name, changes.get(item.name, getattr(value, item.name)))
        # a cached property (in the instance's __dict__) is not copied: made again from the new fields if asked
        return copy


@dataclass
class SiteState:
    """One site as the last rebuild rendered it: what a body edit needs to render some of its pages again."""

    view: Any
    env: jinja2.Environment
    shared: dict[str, Any]
    pages: list[Page]
    used: dict[str, frozenset[str] | None]          # page path -> the site's attributes it read (None: unknown)
    extras: Callable[[Any, dict[str, Any], list[Page]], list[Recipe]]   # the files beside the pages
    sha256: dict[str, bytes] = field(default_factory=dict)      # file -> its SHA-256, as written
    reads: dict[str, frozenset[int]] = field(default_factory=dict)   # page -> ids of the objects whose `body`
    # it read when it was rendered in this process (render.Sandbox records them); absent: not known


def render_some(env: jinja2.Environment, pages: Iterable[Page], shared: dict[str, Any]
                ) -> dict[str, tuple[bytes, frozenset[str], frozenset[int]]]:
    """Each page's bytes, the attributes of the site it read and the objects whose body it read (as
    render.render_pages renders them)."""
    tracked = Tracked(shared["site"])
    shared = {**shared, "site": tracked}
    out: dict[str, tuple[bytes, frozenset[str], frozenset[int]]] = {}
    reads: set[int] = set()
    sandbox = env if isinstance(env, Sandbox) else None
    try:
        if sandbox is not None:
            sandbox.body_reads = reads
        with template_mistakes():
            for page in pages:
                html = env.get_template(page.template).render(**shared, **page.context, root=page.root,
                                                              page_path=page.path)
                out[page.path] = (html.encode("utf-8"), frozenset(take_used(tracked)), frozenset(reads))
                reads.clear()
    finally:
        if sandbox is not None:
            sandbox.body_reads = None
    return out


def replace_changed(folder: Path, files: Mapping[str, bytes], sha256: dict[str, bytes]) -> list[str]:
    """Write each file whose bytes differ from what `sha256` says was written, atomically (a temporary file
    renamed over it: a reader sees the old bytes or the new, never half); returns the names written."""
    written = []
    for name, data in sorted(files.items()):
        hashed = hashlib.sha256(data).digest()
        if sha256.get(name) == hashed:
            continue
        write_file(folder / name, data)
        sha256[name] = hashed
        written.append(name)
    return written


def public_state(view: PublicSite, env: jinja2.Environment, words: Language, logo: bytes | None,
                 reads: Mapping[str, frozenset[int]]) -> SiteState:
    site_pages = public_site.pages(view)
    paths = [page.path for page in site_pages]

    def extras(site: PublicSite, shared: dict[str, Any], _pages: list[Page]) -> list[Recipe]:
        return public_site.extra_files(site, env, shared, logo, words, paths)
    listed = {page.path: page for page in [*public_site.redirect_pages(view), *site_pages]}   # pages win
    return SiteState(view, env, public_site.shared_values(view), list(listed.values()), {}, extras, reads=dict(reads))


def internal_state(view: InternalSite, env: jinja2.Environment, words: Language, listed: list[Page],
                   reads: Mapping[str, frozenset[int]]) -> SiteState:
    def extras(site: InternalSite, shared: dict[str, Any], listed: list[Page]) -> list[Recipe]:
        return list(internal_site.extra_files(site, env, shared, words, listed))
    return SiteState(view, env, internal_site.shared_values(view, words), listed, {}, extras, reads=dict(reads))


@dataclass
class Live:
    """Both sites of the last full rebuild, as serve keeps them between saves."""

    result: CheckResult
    sites: dict[str, SiteState]
    full_path: str = ""   # why the last update was left to the full path (tests and profiling read it)


def first_error(result: CheckResult, current: Callable[[], bool]) -> bool | None:
    """Whether the check's rules (rules.run_rules, family by family) find an error in the backlog as updated
    (the edited files' own load found nothing, as before); None as soon as `current()` says the answer is no
    longer wanted (a rule family is not interrupted, only left between two of its findings)."""
    for family in FAMILIES:
        for diagnostic in family.check(result.backlog, result.facts):
            if diagnostic.severity is Severity.ERROR:
                return True
            if not current():
                return None
        if not current():
            return None
    return False


def take_live(memo: Memo) -> Live | None:
    """What the last full build left in the memo (build.render_sites), with what each page read and each file's
    hash as written; None when it did not render (nothing changed: the state before stays good) or not in
    this process."""
    kept, memo.live = memo.live, None
    if not kept or "result" not in kept:
        return None
    run = next((entry for entry in memo.runs.values() if entry.command == "build"), None)
    sites: dict[str, SiteState] = {name: state for name, state in kept.items() if name != "result"}
    if run is None or set(run.files) != set(sites):
        return None
    for audience, state in sites.items():
        entries = memo.pages.get(audience, {})
        state.used = {page.path: (frozenset([name for name, _ in entries[page.path].used])
                                  if page.path in entries else None) for page in state.pages}
        state.sha256 = {name: file.sha256 for name, file in run.files[audience].items()}
    return Live(kept["result"], sites)


def _story_edits(root: Path, live: Live, changed: Iterable[Path]) -> dict[str, Story] | None:
    """Story ID -> its record as saved now, when every changed path is a story file whose front matter (every
    field but the body) and load diagnostics are as before; None otherwise (the full path then)."""
    stories = live.result.backlog.stories
    by_path = {story.loc.path: story for story in stories.values()}
    edits: dict[str, Story] = {}
    for path in changed:
        try:
            name = path.absolute().relative_to(root).as_posix()
        except ValueError:
            return None
        before = by_path.get(name)
        if before is None or not path.is_file() or path.is_symlink():
            return None
        found: list[Diagnostic] = []
        now = load_story(path, root, found)
        if not isinstance(now, Story) or found:
            return None
        if any(getattr(now, item.name) != getattr(before, item.name)
               for item in dataclasses.fields(Story) if item.name != "body"):
            return None
        if now.body != before.body:
            edits[before.id] = now
    return edits


def _same_order(stories: Mapping[str, Story], before: Story, now: Story) -> bool:
    """The edited story keeps its place among the others in the order derived addresses are numbered in (the
    body breaks ties there): no other story's key lies between its key before and now."""
    low, high = sorted((story_order(before), story_order(now)))
    return not any(low <= story_order(other) <= high for other in stories.values() if other.id != before.id)


def update(root: Path, out: Path, live: Live, changed: Iterable[Path]) -> bool:
    """Apply a body edit to the served sites in `out` in place; False (nothing written) when the edit is not
    one (`_story_edits`), or would change the addresses or bring a check error: then the full path is needed."""
    edits = _story_edits(root, live, changed)
    if edits is None:
        live.full_path = "not a story body edit"
        return False
    if not edits:
        return True   # saved with the same bytes, or only the time changed: every page is already right
    result = live.result
    backlog, facts = result.backlog, result.facts
    replaced: dict[int, object] = {}
    public, internal = live.sites.get("public"), live.sites.get("internal")
    for key, now in edits.items():
        before = backlog.stories[key]
        replaced[id(before)] = now
        body = render_markdown(now.body)
        address = facts.addresses.stories.get(key)
        if public is not None and address is not None:
            for story in public.view.stories:
                if story.slug == address.slug:
                    replaced[id(story)] = dataclasses.replace(story, body=body)
        if internal is not None:
            for page in internal.view.stories:
                if page.story is before:
                    replaced[id(page)] = dataclasses.replace(page, story=now, body=body)
    swap = Substitution(replaced, frozenset({Story, PublicStory, StoryPage}))
    new_backlog = swap(backlog)
    if not all(_same_order(backlog.stories, backlog.stories[key], now) for key, now in edits.items()):
        live.full_path = "addresses"
        return False   # two stories alike but for their bodies: their derived addresses are ordered by body
    written: dict[str, dict[str, bytes]] = {}
    states: dict[str, SiteState] = {}
    for audience, state in live.sites.items():
        made = _update_site(state, swap)
        if made is None:
            live.full_path = f"{audience}: shared values or files"
            return False
        states[audience], written[audience] = made
    for audience, files in written.items():
        replace_changed(out / audience, files, states[audience].sha256)
    marked = states.get("public", states.get("internal"))
    if marked is not None:
        marker = marker_for(marked.sha256)
        for audience in states:
            if (out / audience / MARKER).read_bytes() != marker:
                replace_changed(out / audience, {MARKER: marker}, {})
    live.result = dataclasses.replace(result, backlog=new_backlog)
    live.sites = states
    return True


def _update_site(state: SiteState, swap: Substitution) -> tuple[SiteState, dict[str, bytes]] | None:
    """The site with the substitution made, and the files to compare with those written (pages whose context
    or read attributes changed, and every file beside the pages); None when a value every page sees changed."""
    view = swap(state.view)
    shared = {name: swap(value) for name, value in state.shared.items()}
    if any(shared[name] is not value for name, value in state.shared.items() if name != "site"):
        return None
    shared["site"] = view
    attribute_changed: dict[str, bool] = {"*": view is not state.view}

    def read_changed(name: str) -> bool:
        if name not in attribute_changed:
            before: Any = getattr(state.view, name.removesuffix(LENGTH), None)
            if name.endswith(LENGTH):   # the page took only its length
                attribute_changed[name] = len(swap(before)) != len(before)
            else:
                attribute_changed[name] = swap.changed(before)
        return attribute_changed[name]

    def stale(new: Page, old: Page) -> bool:
        """A page whose output may differ: it read the body of a replaced object (or what it read is not
        known, and its context or an attribute of the site it read changed). The replaced objects differ from
        the old ones in their bodies only, so a page that read none of those bodies renders the same bytes."""
        reads = state.reads.get(old.path)
        if reads is not None:
            return not reads.isdisjoint(swap.replaced)
        return new is not old or (names := state.used.get(old.path)) is None or any(map(read_changed, names))

    # a page whose reads are known keeps its context unless it is rendered again: the objects in it whose
    # bodies it did not read render as the new ones would
    pages = [swap(page) if state.reads.get(page.path) is None or stale(page, page) else page
             for page in state.pages]
    rendered = render_some(state.env, [new for new, old in zip(pages, state.pages, strict=True) if stale(new, old)],
                           shared)
    used, reads = dict(state.used), dict(state.reads)
    files: dict[str, bytes] = {}
    for path, (data, names, bodies) in rendered.items():
        files[path] = data
        used[path], reads[path] = names, bodies
    made = {name: make for name, _, make in state.extras(view, shared, pages)}
    recipes = state.extras(state.view, state.shared, state.pages)
    if set(made) != {name for name, _, _ in recipes}:
        return None
    for name, shown, _ in recipes:
        showing = shown()
        if showing is None or any(id(item) in swap.replaced for item in showing):   # shows an edited body
            remade = made[name]()
            if (remade is None) != (name not in state.sha256):
                return None   # a file that comes or goes (the sitemap without a base_url): the full path
            if remade is not None:
                files[name] = remade
    return SiteState(view, state.env, shared, pages, used, state.extras, dict(state.sha256), reads), files
