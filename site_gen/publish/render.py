"""Jinja environments, one per audience, and rendering pages into {relative path: bytes}.

The public environment's loader cannot see internal templates, and every
environment uses StrictUndefined: a template that reaches for a field the
view does not carry fails the build instead of printing nothing.

A team's templates come from its repository, which pull requests change: they
render in Jinja's immutable sandbox (no attributes starting with '_', so no way
from `lipsum` or `cycler` to Python's modules; no changing lists or dicts;
ranges up to 100,000 items), and are read without following symbolic links (a
link in templates/ could publish feedback/ or .git/config). The sandbox stops
code and data from escaping; it does not bound time: a template can still loop
for long, and a CI job's timeout is what stops that.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

import jinja2
from jinja2 import pass_eval_context
from jinja2.loaders import split_template_path
from jinja2.nodes import EvalContext
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from ..default_theme import package_templates
from ..fieldtypes import UNPUBLISHABLE
from ..i18n import Language, clause_break, language
from ..incremental import ContentHasher, Kept, PageReuse, SiteDigests, Tracked, take_used
from ..labels import label, score_text
from ..load.assets import TooLarge, Unreachable, read_without_links

AUDIENCES = ("public", "internal")


RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})
SHORT_ID = 32  # an ID up to this long never breaks; a longer one may, anywhere, rather than widen a phone's page


_T = TypeVar("_T")
_UNSEEN = object()


def remembered(function: Callable[[Any], _T]) -> Callable[[Any], _T]:
    """function(value) computed once per value (and type: 1 and 1.0 and True are equal keys) for the
    environment's life; an unhashable value is passed through each time. For filters whose result depends on
    nothing but the value and the environment's language, and is immutable (str, Markup, tuple)."""
    done: dict[tuple[type, Any], _T] = {}

    def lookup(value: Any) -> _T:
        key = (type(value), value)
        try:
            found = done.get(key, _UNSEEN)
        except TypeError:
            return function(value)
        if found is _UNSEEN:
            found = done[key] = function(value)
        return found  # type: ignore[return-value]  # _UNSEEN was replaced
    return lookup


def is_rtl(language: str) -> bool:
    """A language tag whose script runs right to left: ar, he, fa, ur (and ar-EG, he-IL …)."""
    return language.split("-")[0].split("_")[0].lower() in RTL_LANGUAGES


def unbroken(value: object) -> Markup:
    """A date or ID that must not break at its hyphens; a very long one may still break where it must."""
    text = str(value)
    if len(text) > SHORT_ID:
        return Markup('<span class="id">{}</span>').format(text)
    return Markup('<span class="nowrap">{}</span>').format(escape(text))


def command_words(command: str) -> Markup:
    """A shell command that wraps between its words and after the commas of a list, never at the hyphens of an
    option or an ID (`--stage` read as `-` / `-stage` on a phone); what is copied is the command as it was."""
    def part(text: str) -> Markup:   # a browser breaks after a hyphen: a word that has one is kept whole
        return Markup('<span class="nowrap">{}</span>').format(text) if "-" in text else Markup.escape(text)
    return Markup(" ").join(Markup(",<wbr>").join(part(item) for item in word.split(","))
                            for word in command.split(" "))


def address_words(address: str) -> Markup:
    """A web address that wraps after its slashes ('…/changes/' then 'stages/payment/feed.xml') rather than
    inside a word ('feed.x' then 'ml') on a phone; what is selected and copied is the address as it was."""
    scheme, separator, path = address.partition("://") if "://" in address else ("", "", address)
    return Markup.escape(scheme + separator) + Markup("/<wbr>").join(Markup.escape(part) for part in path.split("/"))


TEMPLATE_LIMIT = 4 << 20  # 4 MiB: far above any template or stylesheet a person writes


class TemplateMistake(jinja2.TemplateRuntimeError):
    """A template computed something Python refuses: a range over the sandbox's limit, 1/0, 'a' + 1."""


class _TeamLoader(jinja2.BaseLoader):
    """A team's templates/<audience>/ then templates/common/, read without following a symbolic link."""

    def __init__(self, root: Path, folders: tuple[str, ...]):
        self.root, self.folders = root, folders   # root: the repository; folders: e.g. templates/public

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)  # refuses '..'
        for folder in self.folders:
            filename = os.path.join(self.root, folder, *pieces)
            if not os.path.lexists(filename):
                continue
            try:
                data = read_without_links(self.root, (*folder.split("/"), *pieces), TEMPLATE_LIMIT)
            except FileNotFoundError:
                continue
            except Unreachable as exc:
                raise jinja2.TemplateSyntaxError(f"{exc} ({exc.hint})", 1, template, filename) from None
            except TooLarge as exc:
                raise jinja2.TemplateSyntaxError(f"template is {exc.args[0]:,} bytes; the limit is "
                                                 f"{TEMPLATE_LIMIT:,}", 1, template, filename) from None
            except OSError as exc:
                raise jinja2.TemplateSyntaxError(f"cannot read template: {exc.strerror or exc}", 1, template,
                                                 filename) from None
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise jinja2.TemplateSyntaxError("template is not valid UTF-8", data.count(b"\n", 0, exc.start) + 1,
                                                 template, filename) from None
            uptodate = partial(_unchanged, filename, os.lstat(filename).st_mtime)
            return text.replace("\r\n", "\n").replace("\r", "\n"), filename, uptodate
        raise jinja2.TemplateNotFound(template)


def _unchanged(filename: str, mtime: float) -> bool:
    try:
        return os.lstat(filename).st_mtime == mtime
    except OSError:
        return False


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, remembering its verdict on each (type, attribute name).

    The verdict depends on nothing else (a leading '_', the type's internals, whether the method
    changes a list, dict or set), and a large site asks it for every field of every page.
    """

    def __init__(self, **options: Any):
        super().__init__(**options)
        self._verdicts: dict[tuple[type, str], bool] = {}
        self._direct: dict[int, Callable[..., Any]] = {}   # id -> the function itself, which this keeps alive
        self.body_reads: set[int] | None = None   # while set: the ids of the objects whose `body` a page read
        self.word_reads: dict[str, set[int]] | None = None   # while set: each of WORDS -> the ids of the objects
        # whose that attribute a page read

    def install_interface_text(self, words: Language) -> None:
        """`_`, `gettext`, `ngettext`, `pgettext` and `npgettext` (newstyle, as jinja2.ext.i18n installs them),
        called directly."""
        text = InterfaceText(words)
        # each `text.gettext` is a new bound method: take each once
        functions: dict[str, Callable[..., Any]] = {
            "gettext": text.gettext, "ngettext": text.ngettext, "pgettext": text.pgettext, "npgettext": text.npgettext}
        self.globals.update(_=functions["gettext"], **functions)
        self._direct = {id(function): function for function in functions.values()}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = super().is_safe_attribute(obj, attr, value)
        return verdict

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, /, *args: Any,  # noqa: N805  # Jinja's own names
             **kwargs: Any) -> Any:
        """What the sandbox does, with the checks a callable's type settles done once.

        Our interface-text functions (InterfaceText) and macros take the template's evaluation context,
        built-in methods (`day.isoformat()`) nothing: neither can carry the sandbox's unsafe_callable or
        alters_data marks (a template cannot set attributes), so they are called at once, as Context.call
        would call them, without three layers of generic dispatch. Every other callable takes the sandbox's
        full path.
        """
        direct = __self._direct.get(id(__obj))
        kind = type(__obj)
        if direct is None and kind is not jinja2.runtime.Macro and kind is not types.BuiltinMethodType:
            return super().call(__context, __obj, *args, **kwargs)
        kwargs.pop("_loop_vars", None)   # what Context.call drops too: only pass_context callables see them
        kwargs.pop("_block_vars", None)
        try:
            if kind is types.BuiltinMethodType:
                return __obj(*args, **kwargs)
            return (direct or __obj)(__context.eval_ctx, *args, **kwargs)
        except StopIteration:
            return __context.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")

    def getitem(self, obj: Any, argument: Any) -> Any:  # noqa: ANN401 - Jinja's signature
        if argument == "body" and self.body_reads is not None:
            self.body_reads.add(id(obj))
        elif argument in WORDS and self.word_reads is not None:
            self.word_reads[argument].add(id(obj))
        return super().getitem(obj, argument)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """A field already judged safe on this type is returned at once; methods (str.format is wrapped)
        and everything else take the sandbox's full path."""
        if attribute == "body" and self.body_reads is not None:
            self.body_reads.add(id(obj))
        elif attribute in WORDS and self.word_reads is not None:
            self.word_reads[attribute].add(id(obj))
        if self._verdicts.get((type(obj), attribute)):
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                return super().getattr(obj, attribute)
            if not isinstance(value, _METHODS):
                return value
        return super().getattr(obj, attribute)


_METHODS = (types.MethodType, types.BuiltinMethodType)
WordReads = Mapping[str, frozenset[int]]   # each of WORDS a page read -> the ids of the objects it read it of
# a story's words but its body (record_edits.OWN), as any object's attributes: serve renders again, after an edit
# of a story's front-matter words, only the pages that read one of them of the story or of what was made of it
WORDS = frozenset({"title", "you_said", "we_did", "result", "internal_notes", "allow_personal_data"})


class InterfaceText:
    """jinja2.ext.i18n's newstyle gettext, ngettext, pgettext and npgettext, for one language, without Jinja's
    generic call path.

    The same results as the extension's: translated, Markup under autoescape, always %-formatted (so `%%`
    reads `%`), arguments escaped. The catalogue is fixed for the environment, so a message without
    arguments, the most common kind (a page's headings and labels), is translated and formatted once.
    A message context (pgettext) tells apart two uses of the same English that another language words
    differently: "overdue" on one irritant's pill and beside a count of them ("7 vencidas").
    """

    def __init__(self, words: Language):
        self.translate, self.translate_plural = words.translations.gettext, words.translations.ngettext
        self.translate_in, self.translate_plural_in = words.translations.pgettext, words.translations.npgettext
        self.done: dict[str, Markup] = {}

    @pass_eval_context
    def gettext(self, context: EvalContext, message: str, /, **variables: Any) -> str:
        if not variables and context.autoescape:
            done = self.done.get(message)
            if done is None:
                done = self.done[message] = Markup(self.translate(message)) % variables
            return done
        text = self.translate(message)
        return (Markup(text) if context.autoescape else text) % variables

    @pass_eval_context
    def ngettext(self, context: EvalContext, singular: str, plural: str, number: int, /, **variables: Any) -> str:
        variables.setdefault("num", number)
        text = self.translate_plural(singular, plural, number)
        return (Markup(text) if context.autoescape else text) % variables

    @pass_eval_context
    def pgettext(self, context: EvalContext, message_context: str, message: str, /, **variables: Any) -> str:
        text = self.translate_in(message_context, message)
        return (Markup(text) if context.autoescape else text) % variables

    @pass_eval_context
    def npgettext(self, context: EvalContext, message_context: str, singular: str, plural: str, number: int, /,
                  **variables: Any) -> str:
        variables.setdefault("num", number)
        text = self.translate_plural_in(message_context, singular, plural, number)
        return (Markup(text) if context.autoescape else text) % variables


def displayable(value: Any) -> Any:
    """A value as a page shows it: without the characters HTML refuses (fieldtypes.UNPUBLISHABLE). Check refuses
    them in every hand-written record; a feedback export keeps them as exported (a verbatim's U+0092, Windows-1252
    read as Latin-1), and no page carries them into HTML the browsers and the Nu validator reject."""
    if not isinstance(value, str) or _plainly_displayable(value):
        return value
    return value.__class__(UNPUBLISHABLE.sub("", value))   # Markup stays Markup: no character dropped is markup


def _plainly_displayable(text: str) -> bool:
    """No character UNPUBLISHABLE matches, told in C for most text (400,000 values in a 2,000-story build):
    isprintable() is False for every one of them, and answers a short value fastest; a body's newlines make it
    False, so ASCII text is then told at about a byte a nanosecond (what is left once tab, newlines and the
    printable characters are deleted is a control character). Other text is searched (about 17 ns a character)."""
    if text.isprintable():
        return True
    if text.isascii():
        return not str.encode(text, "ascii").translate(None, _FINE_ASCII)
    return UNPUBLISHABLE.search(text) is None


_FINE_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def environment(audience: str, team_templates: Path | None = None,
                words: Language | None = None) -> jinja2.Environment:
    """Team templates first (audience, then common), then the defaults; `default/…` reaches a shadowed default.

    Every template renders in the immutable sandbox, the defaults too: one behaviour for all themes.
    `words`: the site's language (its catalogue and Babel's formats); English when not given.
    """
    assert audience in AUDIENCES
    defaults = package_templates()
    default_loader = jinja2.FileSystemLoader([defaults / audience, defaults / "common"])
    loaders: list[jinja2.BaseLoader] = []
    if team_templates is not None and team_templates.is_dir() and team_templates.resolve() != defaults.resolve():
        loaders.append(_TeamLoader(team_templates.parent, (f"{team_templates.name}/{audience}",
                                                           f"{team_templates.name}/common")))
    loaders += [jinja2.PrefixLoader({"default": default_loader}), default_loader]
    env = Sandbox(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
        finalize=displayable,
    )
    # Interface text is written {{ _("…") }} / {% trans %}, translated by the language's catalogue.
    # newstyle: _("%(n)s stories", n=…) escapes its arguments like any other output.
    words = words or language()
    env.install_gettext_translations(words.translations, newstyle=True)  # type: ignore[attr-defined]  # i18n extension
    env.install_interface_text(words)  # the same functions, cheaper to call
    # Babel's formats cost tens of µs a call and the language is fixed for the environment: each value once
    env.filters["long_date"] = remembered(words.long_date)
    env.filters["month_label"] = remembered(words.month_label)
    env.filters["month_text"] = remembered(words.month_text)
    env.filters["month_split"] = remembered(words.month_split)
    env.filters["short_month"] = remembered(words.short_month)   # as a chart writes it: Oct 2026
    env.filters["month_range"] = words.month_range             # two months: Aug – Oct 2026
    env.filters["number"] = remembered(words.number)
    env.filters["percent"] = remembered(words.percent)   # a share in percent: 44% (en), 44 % (fr)
    env.filters["measure"] = words.measure               # a metric's value and unit: two values, nothing to remember
    env.filters["signed"] = words.signed                 # a change, its sign written: +8.78, −0.2%
    env.filters["score_text"] = remembered(partial(score_text, words=words))
    # the customers' site words a status as they read it (open -> Planned), the team's as it does (Not started)
    env.filters["label"] = remembered(partial(label, gettext=words.gettext, customer=audience == "public"))
    # between two clauses or two titles: "; ", or "\u202f; " in French (a catalogue message)
    env.globals["clause_break"] = clause_break(words.gettext)
    env.filters["in_sentence"] = words.in_sentence   # a segment's label mid-sentence: commuter, not Commuter
    # who is behind a theme or an irritant (facts/evidence.py People), anonymous responses said so
    env.filters["people"] = lambda found: words.people(found.customers, found.anonymous)
    env.filters["people_count"] = lambda found: words.people_count(found.customers, found.anonymous)
    env.filters["day_range"] = words.day_range   # two dates: nothing to remember by one value
    env.globals["language"] = words.tag
    env.filters["unbroken"] = remembered(unbroken)
    env.filters["command_words"] = command_words
    env.filters["address_words"] = remembered(address_words)
    env.tests["rtl"] = is_rtl
    return env


@dataclass(frozen=True)
class Page:
    path: str                  # relative, e.g. stories/2026-09-refunds/index.html
    template: str
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> str:
        """Relative prefix back to the site root, so pages work from disk and under any sub-path."""
        return "../" * self.path.count("/")


@dataclass(frozen=True)
class Made:
    """A file Python writes from the site rather than a template (a feed): reused as a page is, by the hash of its
    context (everything it reads besides the site) and of the site's attributes `make` read of the site it is
    given (1,000 items' feeds at 10,000 stories: about a second of every rendering after an edit)."""

    path: str
    context: tuple[object, ...]
    make: Callable[[Any], bytes | None]   # given the site; None: no such file

    template: ClassVar[str] = "(made by Python)"   # what stands for a template in its key


def render_pages(env: jinja2.Environment, pages: Iterable[Page | Made], shared: dict[str, Any],
                 progress: Callable[[int], None] | None = None,
                 reuse: PageReuse | None = None,
                 out: dict[str, bytes | Kept] | None = None) -> dict[str, bytes | Kept]:
    """Each page's bytes, set into `out` when given (a worker's parallel.PipeFiles); with `reuse`, a page whose
    inputs are unchanged since the earlier run is not rendered: it is the current output's file (Kept),
    hard-linked when the site is written. A Made file is made, or reused, the same way."""
    out = {} if out is None else out
    cache: dict[str, jinja2.Template] = {}
    base = digests = tracked = None
    reads = words = None
    if reuse is not None and isinstance(env, Sandbox):   # what each page read of bodies, and words (site_gen.live)
        reads = env.body_reads = set()
        if reuse.word_reads is not None:
            words = env.word_reads = {name: set() for name in WORDS}
    if reuse is not None:
        hasher = ContentHasher(reuse.records)   # one per rendering: the pages' contexts share their records
        digests = SiteDigests(shared["site"], hasher)
        base = hasher({name: value for name, value in shared.items() if name != "site"})
        tracked = Tracked(shared["site"])
        shared = {**shared, "site": tracked}
    try:
        _render_each(env, pages, shared, cache, out, progress, reuse, base, digests, tracked, reads, words)
    finally:
        if isinstance(env, Sandbox):
            env.body_reads = env.word_reads = None
    return out


def _render_each(env: jinja2.Environment, pages: Iterable[Page | Made], shared: dict[str, Any],
                 cache: dict[str, jinja2.Template], out: dict[str, bytes | Kept],
                 progress: Callable[[int], None] | None, reuse: PageReuse | None, base: Any,
                 digests: SiteDigests | None, tracked: Tracked | None,
                 reads: set[int] | None, words: dict[str, set[int]] | None) -> None:
    with template_mistakes():
        for page in pages:
            made = isinstance(page, Made)
            key = None
            if reuse is not None and digests is not None:
                key = reuse.key(base, page.template, page.path, page.context, digests.hasher)
                kept = reuse.reusable(page.path, key, digests)
                if kept is not None:
                    out[page.path] = kept
                    if progress and not made:
                        progress(1)
                    continue
            if isinstance(page, Made):
                data = page.make(shared["site"])   # the Tracked site, when reused: what it reads is noted
                if data is None:
                    if tracked is not None:
                        take_used(tracked)
                    continue
                out[page.path] = data
            else:
                template = cache.get(page.template) or cache.setdefault(page.template,
                                                                        env.get_template(page.template))
                html = template.render(**shared, **page.context, root=page.root, page_path=page.path)
                out[page.path] = html.encode("utf-8")
            if reuse is not None and tracked is not None and digests is not None:
                reuse.remember(page.path, key, take_used(tracked), digests)
            if reuse is not None and reads is not None and not made:   # (serve re-makes feeds by their bodies)
                reuse.body_reads[page.path] = frozenset(reads)
                reads.clear()
                if words is not None and reuse.word_reads is not None:
                    reuse.word_reads[page.path] = taken_words(words)
            if progress and not made:
                progress(1)


def taken_words(words: dict[str, set[int]]) -> dict[str, frozenset[int]]:
    """What a page read of WORDS (emptied for the next page)."""
    taken = {name: frozenset(ids) for name, ids in words.items() if ids}
    for ids in words.values():
        ids.clear()
    return taken


@contextmanager
def template_mistakes() -> Iterator[None]:
    """Python errors raised by a template's own expressions become template errors that keep its file and line.

    The sandbox's range() raises OverflowError, `{{ 1 / 0 }}` ZeroDivisionError, `{{ 'a' + 1 }}` TypeError:
    none is a jinja2.TemplateError, so without this they would end the build with a traceback.
    """
    try:
        yield
    except (ArithmeticError, TypeError, ValueError, RecursionError) as exc:
        raise TemplateMistake(f"{type(exc).__name__}: {exc}").with_traceback(exc.__traceback__) from None


def theme_file(env: jinja2.Environment, name: str) -> bytes:
    """A static file of the theme (CSS, JS), taken as is: team themes can shadow it like a template."""
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]  # ours always have a loader
    return source.encode("utf-8")


def not_found_page(env: jinja2.Environment, shared: dict[str, Any], base_url: str | None) -> bytes:
    """A host serves 404.html at whatever path was missing: links are absolute to the base URL's path
    and the stylesheet is inlined, so the page looks right wherever it appears."""
    root = urlsplit(base_url).path if base_url else "./"
    with template_mistakes():
        html = env.get_template("404.html").render(
            **{**shared, "inline_css": theme_file(env, "site.css").decode("utf-8")}, root=root, page_path="404.html")
    return html.encode("utf-8")
