"""`serve`'s fast path: a saved story edited in its words alone re-renders only the pages that show it.

Its words are its body and the words of its front matter: title, you_said, we_did, result, internal_notes and
allow_personal_data (record_edits.OWN). Such an edit changes no page list and no fact but, perhaps, the public
addresses, which are checked: derived addresses come from titles, numbered in an order the other words break ties
in. A body edit must keep the story's place in that order (`_same_order`); an edit of its title, you_said or we_did
must move no address at all (record_edits.kept_addresses, with the published stories' places kept from one edit to
the next: so a published story without a slug of its own is not retitled here, nor one sharing its date and title
with another). result, internal_notes and allow_personal_data take no part in addresses.

The sites of the last full rebuild are kept in memory (their views, page contexts, and which attributes of the site
each page read), and the edited record is substituted into them. `Substitution` rebuilds, by identity, every
object that holds the old record, and the view objects made from it are made again by the views' own code (the
public story and the redirects named by its title, site_gen.views.public; the internal story page); `Holders`, an
index of which object holds which made once per full rebuild and kept up to date, lets it look only inside those
holders. No view sorts or groups stories by their words (public lists by date and address, internal ones by date
and ID), so the kept order is a cold build's. Each page rendered in this process notes whose body it read, and
which of a story's other words (render.WORDS: title, you_said …) of which objects: a page is rendered again only
when it read a word that changed of a replaced object (`_edited_words`); a page whose reads are not known (reused
from the cache by the last full rebuild) is when its context or an attribute of the site it read holds a replaced
object. What a page not rendered again read of a replaced object it reads of the new one. The files every site writes
beside its pages (feeds, sitemap, 404) are made again when they show what was edited (a body: the first entries
of a feed; other words: every entry), and compared. Only files whose bytes changed are written, each atomically, in
place: the server keeps answering from the previous files meanwhile.

The check of the edit runs before anything is written, and only where the words count: the rule families that
read a story's words (site_gen.record_edits) judge each record alone, so they run on the edited story, before and
after; every other family's diagnostics stay as they were. Words that bring an error (a placeholder, personal data)
take the full path, which shows the error page.

Anything else (another front-matter field, a line moved, a new or deleted file, a template, site.yaml, feedback)
takes the full path, as does an edit that would move a story address or number them in another order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import types
import typing
from collections.abc import Callable, Collection, Iterable, Mapping
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
from .markdown import render_markdown
from .model import Story
from .publish import internal as internal_site
from .publish import public as public_site
from .publish.public import Recipe
from .publish.render import WORDS, Page, Sandbox, WordReads, taken_words, template_mistakes
from .record_edits import (
    BODY,
    OWN,
    KeptPlaces,
    StoryPlaces,
    alike_but_for_bodies,
    kept_addresses,
    reloaded_edit,
    story_places,
    with_edited,
)
from .rules import public_safety
from .views.internal import InternalSite, StoryPage, story_page
from .views.public import PublicRedirect, PublicSite, PublicStory, journey_stages, public_story, redirects_to
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


class _Kinds:
    """Which types of value may hold a target (a replaced object's type), by their fields' declared types."""

    def __init__(self, targets: frozenset[type]):
        self.targets = targets
        self._holds: dict[type, bool] = {}
        self._fields_hold: dict[type, bool] = {}   # a target type's own fields may hold a target (StoryPage)
        self._kept: dict[type, bool] = {}          # a value of this type is one of `parts`

    def share(self, other: _Kinds) -> None:
        """Take what another knows of the same targets' types (a substitution, from the holder index)."""
        assert other.targets == self.targets
        self._holds, self._fields_hold, self._kept = other._holds, other._fields_hold, other._kept

    def _may_hold(self, cls: type) -> bool:
        known = self._holds.get(cls)
        if known is None:
            known = may_hold(cls, self.targets, self._holds)
        return known

    def _walks_fields(self, value: object, kind: type) -> bool:
        """Whether a substitution looks into this dataclass's fields (a target only when they can hold one)."""
        if not dataclasses.is_dataclass(value) or not self._may_hold(kind):
            return False
        if kind in self.targets:
            holds = self._fields_hold.get(kind)
            if holds is None:
                holds = self._fields_hold[kind] = fields_may_hold(kind, self.targets, self._holds)
            return holds
        return True

    def parts(self, value: object) -> list[object]:
        """The values a substitution looks into inside value (its items, or its fields) that may be or hold a
        target; none for anything else."""
        kind = type(value)
        if kind in _LEAVES:
            return []
        if isinstance(value, _CONTAINERS):
            items: Iterable[object] = value.values() if isinstance(value, dict) else value
        elif self._walks_fields(value, kind):
            items = [getattr(value, item.name) for item in dataclasses.fields(value)]   # type: ignore[arg-type]
        else:
            return []
        kept = self._kept
        return [item for item in items if kept.get(type(item)) or (type(item) not in kept and self._keeps(item))]

    def _keeps(self, item: object) -> bool:
        kind = type(item)
        keep = self._kept[kind] = kind not in _LEAVES and (isinstance(item, _CONTAINERS) or self._may_hold(kind))
        return keep


class Holders(_Kinds):
    """Which object holds which, among everything reachable from some roots the way a Substitution walks them:
    made once per full rebuild, so that a substitution looks only inside the objects that hold a replaced one (a
    story is held by a few dozen lists and pages of the ~80,000 objects of a 10,000-story site's views).

    Each object is a node; a copy the substitution makes takes the node of the object it replaces (`replace`), so
    the nodes that hold it, and those it holds, stay as they were. `objects` keeps each node's object alive (no id
    is reused while it is a key of `node`)."""

    def __init__(self, roots: Iterable[object], targets: frozenset[type]):
        super().__init__(targets)
        self.node: dict[int, int] = {}             # id of an indexed object -> its node
        self.objects: list[object] = []            # node -> the object there now
        self.parents: dict[int, set[int]] = {}     # node -> the nodes that hold it
        listed = list(roots)
        for root in listed:
            self._add(root)
        self.roots = {self.node[id(root)] for root in listed if id(root) in self.node}   # held by nothing

    def _new_node(self, value: object) -> int:
        self.node[id(value)] = node = len(self.objects)
        self.objects.append(value)
        return node

    def _add(self, root: object, holder: int | None = None) -> None:
        """Index root and what it holds (what is indexed already is not looked into again)."""
        if type(root) in _LEAVES:
            return
        node = self.node.get(id(root))
        todo = []
        if node is None:
            node = self._new_node(root)
            todo.append((root, node))
        if holder is not None:
            self.parents.setdefault(node, set()).add(holder)
        while todo:
            value, at = todo.pop()
            for part in self.parts(value):
                known = self.node.get(id(part))
                if known is None:
                    known = self._new_node(part)
                    todo.append((part, known))
                self.parents.setdefault(known, set()).add(at)

    def holding(self, replaced: Iterable[int]) -> set[int]:
        """The ids of the indexed objects that hold (however deep) one of these objects (by id)."""
        found: set[int] = set()
        todo = [self.node[key] for key in replaced if key in self.node]
        while todo:
            for parent in self.parents.get(todo.pop(), ()):
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return {id(self.objects[node]) for node in found}

    def replace(self, changes: Mapping[int, object], replaced: Collection[int]) -> None:
        """Index what a substitution of every root made (id of each object replaced or copied -> the new one): a
        copy takes its original's node; the replacements (`replaced`, by the old ids) are indexed with what they
        hold, and what only the objects they replace held leaves the index (a story page made again holds a new
        dict of titles). Copies of objects no root holds (an attribute computed when asked) are left out."""
        olds = [self.objects[self.node[key]] for key in changes if key in self.node]   # alive till the end
        olds_by_key = {key: self.objects[self.node[key]] for key in replaced if key in self.node}
        for key, new in changes.items():
            node = self.node.pop(key, None)
            if node is not None:
                self.node[id(new)] = node
                self.objects[node] = new
        for key in replaced:
            new = changes[key]
            node = self.node.get(id(new))
            if node is None:
                self._add(new)
            else:
                self._unlink(node, olds_by_key[key], {id(part) for part in self.parts(new)})
                for part in self.parts(new):
                    self._add(part, node)
        del olds

    def _unlink(self, node: int, old: object, kept: Collection[int]) -> None:
        """The object at `node` no longer holds the parts of `old`, which it replaces, but those `kept` (by id): a
        part nothing else holds now (and no root) leaves the index, and so, in turn, do the parts only it held."""
        todo = [(node, old, kept)]
        while todo:
            at, value, keep = todo.pop()
            for part in self.parts(value):
                child = self.node.get(id(part))
                if child is None or id(part) in keep:
                    continue
                holders = self.parents.get(child, set())
                holders.discard(at)
                if not holders and child not in self.roots:
                    self.parents.pop(child, None)
                    del self.node[id(part)]
                    self.objects[child] = None
                    todo.append((child, part, ()))


class Substitution(_Kinds):
    """Replaces objects (by identity) inside values made of dataclasses, tuples, lists, dicts and sets: each
    object that holds a replaced one, however deep, is copied with the new parts; every other object is
    returned as it is (the same object), so `substitute(x) is not x` says x held something replaced.

    With `holders` (an index of the values it will be given), an indexed object that holds no replaced one is
    returned at once, without looking inside: the result is the same, and `changes` says what was copied."""

    def __init__(self, replaced: Mapping[int, object], targets: frozenset[type], holders: Holders | None = None):
        super().__init__(targets)
        if holders is not None:
            self.share(holders)
        self._done: dict[int, object] = dict(replaced)
        self.replaced = frozenset(replaced)    # the ids of the objects replaced
        self._alive: list[object] = []         # the values walked, kept alive while their ids are keys
        self._holders = holders
        self._holding = holders.holding(self.replaced) if holders is not None else set()
        self._wanted = self._holding | self.replaced   # what an indexed container's items must be looked at for
        self.changes: dict[int, object] = dict(replaced)   # id of each object replaced or copied -> the new one

    def __call__(self, value: object) -> Any:  # noqa: ANN401 - what it was given
        kind = type(value)
        if kind in _LEAVES:
            return value
        key = id(value)
        if key in self._done:
            return self._done[key]
        indexed = self._holders is not None and key in self._holders.node
        if indexed and key not in self._holding:
            return value
        new = self._substitute(value, kind, indexed)
        self._done[key] = new
        self._alive.append(value)
        if new is not value:
            self.changes[key] = new
        return new

    def changed(self, value: object) -> bool:
        return self(value) is not value

    def holding_among(self, at: Mapping[int, int]) -> list[int]:
        """The places of those values (id -> place) that may hold a replaced object: the indexed holders among
        them (every one without an index)."""
        if self._holders is None:
            return sorted(at.values())
        return sorted(at[key] for key in self._holding if key in at)

    def _substitute(self, value: Any, kind: type, indexed: bool) -> Any:  # noqa: ANN401
        if isinstance(value, _CONTAINERS) and indexed and kind in (tuple, list, dict):
            # the index knows which items hold a replaced object (or are one): only those are looked at
            wanted = self._wanted
            if isinstance(value, dict):
                changes = {key: self(item) for key, item in value.items() if id(item) in wanted}
                if all(new is value[key] for key, new in changes.items()):
                    return value
                return {**value, **changes}
            sequence: Any = value   # a tuple or a list (kind)
            places = [place for place, item in enumerate(sequence) if id(item) in wanted]
            new_items = list(sequence)
            for place in places:
                new_items[place] = self(sequence[place])
            if all(new_items[place] is sequence[place] for place in places):
                return value
            return kind(new_items)
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
        if not self._walks_fields(value, kind):   # a target is walked only if it can hold one
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
    """One site as the last rebuild rendered it: what a story edit needs to render some of its pages again."""

    view: Any
    env: jinja2.Environment
    shared: dict[str, Any]
    pages: list[Page]
    used: dict[str, frozenset[str] | None]          # page path -> the site's attributes it read (None: unknown)
    extras: Callable[[Any, dict[str, Any], list[Page]], list[Recipe]]   # the files beside the pages
    sha256: dict[str, bytes] = field(default_factory=dict)      # file -> its SHA-256, as written
    reads: dict[str, frozenset[int]] = field(default_factory=dict)   # page -> ids of the objects whose `body`
    # it read when it was rendered in this process (render.Sandbox records them); absent: not known
    # made once from the above, and kept up to date by each story edit:
    recipes: list[Recipe] | None = None        # the files beside the pages, as `extras` makes them for this view
    shows: dict[tuple[str, bool], frozenset[int] | None] = field(default_factory=dict)   # (file, whole) -> ids of
    # the objects whose body (whole: any field) it shows (None: not known), asked of its recipe once
    readers: dict[int, frozenset[str]] | None = None   # id -> the pages that read its body
    at: dict[int, int] | None = None           # id of a page -> its place in `pages`
    words: dict[str, WordReads] = field(default_factory=dict)   # page -> each of a story's other words
    # (render.WORDS: a title, a you_said …) it read -> of which objects, noted with `reads`; absent: not known

    def made_recipes(self) -> list[Recipe]:
        if self.recipes is None:
            self.recipes = self.extras(self.view, self.shared, self.pages)
        return self.recipes

    def shown(self, name: str, recipe: Callable[[bool], Iterable[object] | None], whole: bool) -> frozenset[int] | None:
        if (name, whole) not in self.shows:
            showing = recipe(whole)
            self.shows[name, whole] = None if showing is None else frozenset(map(id, showing))
        return self.shows[name, whole]

    def made_readers(self) -> dict[int, frozenset[str]]:
        if self.readers is None:
            readers: dict[int, set[str]] = {}
            for path, ids in self.reads.items():
                for key in ids:
                    readers.setdefault(key, set()).add(path)
            self.readers = {key: frozenset(paths) for key, paths in readers.items()}
        return self.readers

    def made_at(self) -> dict[int, int]:
        if self.at is None:
            self.at = {id(page): place for place, page in enumerate(self.pages)}
        return self.at


Rendered = tuple[bytes, frozenset[str], frozenset[int], WordReads]


def render_some(env: jinja2.Environment, pages: Iterable[Page], shared: dict[str, Any]) -> dict[str, Rendered]:
    """Each page's bytes, the attributes of the site it read, the objects whose body it read and those whose other
    words (render.WORDS) it read (as render.render_pages renders them)."""
    tracked = Tracked(shared["site"])
    shared = {**shared, "site": tracked}
    out: dict[str, Rendered] = {}
    reads: set[int] = set()
    words: dict[str, set[int]] = {name: set() for name in WORDS}
    sandbox = env if isinstance(env, Sandbox) else None
    try:
        if sandbox is not None:
            sandbox.body_reads, sandbox.word_reads = reads, words
        with template_mistakes():
            for page in pages:
                html = env.get_template(page.template).render(**shared, **page.context, root=page.root,
                                                              page_path=page.path)
                out[page.path] = (html.encode("utf-8"), frozenset(take_used(tracked)), frozenset(reads),
                                  taken_words(words))
                reads.clear()
    finally:
        if sandbox is not None:
            sandbox.body_reads = sandbox.word_reads = None
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
                 reads: Mapping[str, frozenset[int]], words_read: Mapping[str, WordReads] | None) -> SiteState:
    site_pages = public_site.pages(view)
    paths = [page.path for page in site_pages]

    def extras(site: PublicSite, shared: dict[str, Any], _pages: list[Page]) -> list[Recipe]:
        return public_site.extra_files(site, env, shared, logo, words, paths)
    listed = {page.path: page for page in [*public_site.redirect_pages(view), *site_pages]}   # pages win
    return SiteState(view, env, public_site.shared_values(view), list(listed.values()), {}, extras, reads=dict(reads),
                     words=dict(words_read or {}))


def internal_state(view: InternalSite, env: jinja2.Environment, words: Language, listed: list[Page],
                   reads: Mapping[str, frozenset[int]], words_read: Mapping[str, WordReads] | None) -> SiteState:
    def extras(site: InternalSite, shared: dict[str, Any], listed: list[Page]) -> list[Recipe]:
        return list(internal_site.extra_files(site, env, shared, words, listed))
    return SiteState(view, env, internal_site.shared_values(view, words), listed, {}, extras, reads=dict(reads),
                     words=dict(words_read or {}))


TARGETS: frozenset[type] = frozenset({Story, PublicStory, StoryPage, PublicRedirect})   # what a story edit replaces


@dataclass
class Live:
    """Both sites of the last full rebuild, as serve keeps them between saves."""

    result: CheckResult
    sites: dict[str, SiteState]
    full_path: str = ""   # why the last update was left to the full path (tests and profiling read it)
    holders: Holders | None = None   # which object holds which, made once (index) and kept up to date by update
    twins: dict[tuple[object, ...], list[str]] | None = None   # story IDs by their order key but the body
    places: StoryPlaces | None = None   # the published stories' places (record_edits), for edits of their words

    def roots(self) -> list[object]:
        """Every value a story edit substitutes the edited story into: the backlog, and each site's view,
        shared values and pages."""
        return [self.result.backlog, *(value for state in self.sites.values()
                                       for value in (state.view, *state.shared.values(), *state.pages))]

    def index(self) -> Holders:
        """The index of holders (made on the first call after a full rebuild: serve makes it once the pages of
        that rebuild are served), with the stories' places in the order of their addresses."""
        if self.holders is None:
            self.holders = Holders(self.roots(), TARGETS)
        backlog = self.result.backlog
        if self.twins is None:
            self.twins = alike_but_for_bodies(backlog.stories.values())
        if self.places is None:
            self.places = story_places(backlog.stories.values(), backlog.irritants.values(),
                                       self.result.facts.addresses)
        return self.holders


def checked(result: CheckResult, edits: Mapping[str, Story], moved: KeptPlaces | None = None) -> list[Diagnostic]:
    """The check's diagnostics once these story edits are made (story ID -> its record now): the last check's,
    with what the rules said of each edited story's words before replaced by what they say of them now (and the
    slug-missing warnings `moved` moves: site_gen.record_edits)."""
    references = public_safety.customer_references(result.facts.loaded_customers, result.backlog.stored_feedback)
    stories = result.backlog.stories
    return with_edited(result.diagnostics, ((stories[key], now) for key, now in edits.items()), references,
                       result.facts.as_of, result.backlog.config.rules, moved)


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
    """Story ID -> its record as saved now, when every changed path is a story file whose fields but its words
    (record_edits.OWN: its body, title, you_said, we_did, result, internal_notes, allow_personal_data) and load
    diagnostics are as before; None otherwise (the full path then)."""
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
        now = reloaded_edit(before, path, root, (*OWN[Story], "locs"))
        if not isinstance(now, Story) or _fixed_places(now) != _fixed_places(before):
            return None
        if now != before:
            edits[before.id] = now
    return edits


def _fixed_places(story: Story) -> dict[str, object]:
    """The places of a story's fields that an edit of its words must keep: all but those of the exceptions its
    allow_personal_data lists, which only public safety reads, judging the story alone (an exception added before
    another moves it). Findings across records name a field's place (slug-missing: its title's)."""
    return {name: place for name, place in story.locs.items() if not name.startswith("allow_personal_data.")}


def _front_matter_edited(before: Story, now: Story) -> bool:
    """Whether a story's edit changed a word of its front matter, not only its body."""
    return any(getattr(before, name) != getattr(now, name) for name in OWN[Story] if name not in BODY)


def _addressed(before: Story, now: Story) -> bool:
    """Whether a story's edit changed words its address may be made of: whether it is published, the base of its
    derived address and the order those are numbered in read its title, you_said and we_did (its body last)."""
    return story_order(before)[:-1] != story_order(now)[:-1]


def _same_order(live: Live, before: Story, now: Story) -> bool:
    """The body-edited story keeps its place among the others in the order derived addresses are numbered in
    (the body breaks ties there): no other story's key lies between its key before and now. Keys between two that
    differ only in the body differ only in the body too: only the stories alike but for their bodies are compared.
    A story whose key is as before keeps its place (the others are sorted in the same order as before)."""
    if story_order(before) == story_order(now):
        return True
    low, high = sorted((story_order(before), story_order(now)))
    stories = live.result.backlog.stories
    twins = (live.twins or {}).get(story_order(before)[:-1], [])
    return not any(low <= story_order(stories[other]) <= high for other in twins if other != before.id)


def _kept_places(live: Live, edits: list[tuple[Story, Story]]) -> KeptPlaces | None:
    """The published stories' places once these edits of stories' front-matter words are made, when they move no
    address at all (record_edits.kept_addresses, which also lets a retitled story without a slug move to its new
    derived address: a page that comes and goes, left to the full path); None otherwise."""
    kept = kept_addresses(edits, live.places)
    if kept is None or kept.gone or kept.come:
        return None
    if live.places is not None and kept.places is not None and any(
            kept.places.slugs.get(before.id) != live.places.slugs.get(before.id) for before, _ in edits):
        return None
    return kept


def _keep_twins(live: Live, edits: Iterable[tuple[Story, Story]]) -> None:
    """Move each edited story to the list of the stories alike but for their bodies it is in now."""
    twins = live.twins
    if twins is None:
        return
    for before, now in edits:
        key, new_key = story_order(before)[:-1], story_order(now)[:-1]
        if key != new_key:
            twins[key] = [other for other in twins.get(key, []) if other != before.id]
            twins.setdefault(new_key, []).append(now.id)


def update(root: Path, out: Path, live: Live, changed: Iterable[Path]) -> bool:
    """Apply a story edit of its words to the served sites in `out` in place; False (nothing written) when the
    edit is not one (`_story_edits`), or would change the addresses or bring a check error: then the full path is
    needed."""
    edits = _story_edits(root, live, changed)
    if edits is None:
        live.full_path = "not a story edit of its words alone"
        return False
    if not edits:
        return True   # saved with the same bytes, or only the time changed: every page is already right
    result = live.result
    holders = live.index()
    stories = result.backlog.stories
    words = [(stories[key], now) for key, now in edits.items() if _front_matter_edited(stories[key], now)]
    addressed = [(before, now) for before, now in words if _addressed(before, now)]
    moved = _kept_places(live, addressed) if addressed else KeptPlaces(live.places)
    if moved is None or not all(_same_order(live, stories[key], now) for key, now in edits.items()
                                if not _addressed(stories[key], now)):
        live.full_path = "addresses"
        return False   # a derived address would move, or be numbered in another order
    diagnostics = checked(result, edits, moved)
    if any(found.severity is Severity.ERROR for found in diagnostics):
        live.full_path = "check error"
        return False   # the full path finds it too, and serve shows the error page
    replaced = replacements(live, edits)
    edited = {key: _edited_words(holders, key, new) for key, new in replaced.items()}
    swap = Substitution(replaced, TARGETS, holders)
    new_backlog = swap(result.backlog)
    written: dict[str, dict[str, bytes]] = {}
    states: dict[str, SiteState] = {}
    for audience, state in live.sites.items():
        made = _update_site(state, swap, edited)
        if made is None:
            live.full_path = f"{audience}: shared values or files"
            return False
        states[audience], written[audience] = made
    rewritten = {audience: replace_changed(out / audience, files, states[audience].sha256)
                 for audience, files in written.items()}
    marked = states.get("public", states.get("internal"))
    if marked is not None:
        for audience in states:
            marker = marker_for(marked.sha256, out / audience, rewritten.get(audience, ()))
            if (out / audience / MARKER).read_bytes() != marker:
                replace_changed(out / audience, {MARKER: marker}, {})
    live.result = dataclasses.replace(result, backlog=new_backlog, diagnostics=diagnostics)
    live.sites = states
    live.places = moved.places
    _keep_twins(live, addressed)
    holders.replace(swap.changes, swap.replaced)
    return True


def _edited_words(holders: Holders, key: int, new: object) -> frozenset[str]:
    """Which of a story's words (render.WORDS, and body) differ between a replaced object (by id) and the new one;
    all of them when the index does not know it."""
    names = (*WORDS, "body")
    node = holders.node.get(key)
    if node is None:
        return frozenset(names)
    old = holders.objects[node]
    return frozenset(name for name in names if getattr(old, name, None) != getattr(new, name, None))


def replacements(live: Live, edits: Mapping[str, Story]) -> dict[int, object]:
    """The objects a story edit replaces (by id): each edited record, and the view objects made from it, made
    again by the views' own code (the public story, the redirects named by its title, the internal story page)."""
    backlog, facts = live.result.backlog, live.result.facts
    public, internal = live.sites.get("public"), live.sites.get("internal")
    stages = journey_stages(backlog)
    replaced: dict[int, object] = {}
    for key, now in edits.items():
        before = backlog.stories[key]
        replaced[id(before)] = now
        address = facts.addresses.stories.get(key)
        if public is not None and address is not None:
            for story in public.view.stories:
                if story.slug == address.slug:
                    replaced[id(story)] = public_story(now, backlog, facts, stages, render_markdown)
            if now.title != before.title:
                named = dict(zip(redirects_to(address, before.title), redirects_to(address, now.title), strict=True))
                for redirect in public.view.redirects:
                    if redirect in named:
                        replaced[id(redirect)] = named[redirect]
        if internal is not None:
            for page in internal.view.stories:
                if page.story is before:
                    replaced[id(page)] = story_page(now, backlog, facts, render_markdown)
    return replaced


def _update_site(state: SiteState, swap: Substitution,
                 edited: Mapping[int, frozenset[str]]) -> tuple[SiteState, dict[str, bytes]] | None:
    """The site with the substitution made, and the files to compare with those written (the pages that read an
    edited body or word of a replaced object: `edited`, by id; a page whose reads are not known when it holds a
    replaced object or read an attribute of the site that does; the files beside the pages that show an edited
    body, or, when words of the front matter were edited, anything of a replaced object); None when a value every
    page sees changed."""
    whole = any(names - {"body"} for names in edited.values())
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

    # every page that holds a replaced object takes the new ones (the holder index then knows every object a
    # root holds); the others are the same objects
    at = state.made_at()
    pages = list(state.pages)
    new_at = dict(at)
    for place in swap.holding_among(at):
        page = pages[place]
        pages[place] = swap(page)
        del new_at[id(page)]
        new_at[id(pages[place])] = place
    # after a body edit, a page whose reads are known is rendered again when it read the body of a replaced
    # object: the replaced objects differ from the old ones in their bodies only. Otherwise (or after an edit of
    # front-matter words, which a page shows without a trace), when its context or an attribute of the site it
    # read changed
    readers = state.made_readers()
    again = {path for key, names in edited.items() if "body" in names for path in readers.get(key, ())}
    if whole:   # a page whose reads are known: when it read an edited word of a replaced object
        by_word: dict[str, set[int]] = {}
        for key, edited_names in edited.items():
            for name in edited_names:
                by_word.setdefault(name, set()).add(key)
        again.update(path for path, read in state.words.items() if path in state.reads and any(
            not ids.isdisjoint(by_word[name]) for name, ids in read.items() if name in by_word))
    again.update(old.path for new, old in zip(pages, state.pages, strict=True) if (
        old.path not in state.reads or whole and old.path not in state.words) and (
        new is not old or (names := state.used.get(old.path)) is None or any(map(read_changed, names))))
    rendered = render_some(state.env, [page for page in pages if page.path in again], shared)
    used, reads = dict(state.used), dict(state.reads)
    words = _words_moved(state.words, swap)
    new_readers = dict(readers)
    files: dict[str, bytes] = {}
    for path, (data, names, bodies, worded) in rendered.items():
        files[path] = data
        for key in state.reads.get(path, ()):
            new_readers[key] = new_readers[key] - {path}
        for key in bodies:
            new_readers[key] = new_readers.get(key, frozenset()) | {path}
        used[path], reads[path], words[path] = names, bodies, worded
    recipes = state.made_recipes()
    made = state.extras(view, shared, pages)
    if [name for name, _, _ in made] != [name for name, _, _ in recipes]:
        return None
    shows: dict[tuple[str, bool], frozenset[int] | None] = {}   # what a file not made again shows is the same
    for (name, shown, _), (_, _, make) in zip(recipes, made, strict=True):
        showing = state.shown(name, shown, whole)
        if showing is None or not showing.isdisjoint(swap.replaced):   # shows what was edited
            remade = make()
            if (remade is None) != (name not in state.sha256):
                return None   # a file that comes or goes (the sitemap without a base_url): the full path
            if remade is not None:
                files[name] = remade
        else:   # (what it showed of a replaced object, it shows of the new one: asked again)
            shows.update({key: known for key in ((name, False), (name, True))
                          if (known := state.shows.get(key)) is not None and known.isdisjoint(swap.replaced)})
    return SiteState(view, state.env, shared, pages, used, state.extras, dict(state.sha256), reads, made, shows,
                     new_readers, new_at, words), files


def _words_moved(words: Mapping[str, WordReads], swap: Substitution) -> dict[str, WordReads]:
    """What each page read of a story's words, once objects are replaced: a page that read a word that did not
    change (a title, after a body or a you_said edit) is not rendered again, and reads it of the new object now."""
    replaced, changes = swap.replaced, swap.changes

    def moved(ids: frozenset[int]) -> frozenset[int]:
        return ids if ids.isdisjoint(replaced) else frozenset(id(changes[key]) if key in replaced else key
                                                              for key in ids)
    return {path: {name: moved(ids) for name, ids in read.items()} for path, read in words.items()}
