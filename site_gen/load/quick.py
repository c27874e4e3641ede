"""The quick path for record files: one pass from libyaml's nodes to a record, for a file with nothing to report.

The precise path (records.py: read_source, parse_yaml, convert_mapping, _flatten) keeps a located tree of
every value so that it can say what is wrong and where. Almost every file of a backlog has nothing wrong;
for those, this module goes from libyaml's composed nodes straight to typed values and their places, in
one pass over the record's declared fields. It gives up (returns None) at the first thing that is not
plainly right — a file that is a link or not UTF-8, a character that breaks readers, a YAML error, a tag,
a nested mapping, an unknown or repeated key, a value its field refuses, an entry listed twice, a required
field missing, a file name that is not an ID — and the caller then runs the precise path on the file,
which reports what is wrong exactly as before. So this path never reports anything, and what it builds is
what the precise path builds (tests/test_quick_load.py holds the two paths to that, on every record file
the tests use and on generated ones).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..diagnostics import Diagnostic, Places, SourceLoc, empty_place
from ..fields import DECISION_FIELDS, ID_RE, IRRITANT_FIELDS, STORY_FIELDS
from ..fieldtypes import UNPUBLISHABLE, Field, FieldType, List, Problem, Text
from ..incremental import read_regular
from ..model import Decision, Irritant, Story
from .convert import NOT_BLANK, coerce, scalar_value
from .frontmatter import split_front_matter
from .source import BOM, RECORD_LIMIT, relative
from .yamlsafe import MAX_NODES, SCALAR_TYPES, STANDARD_TAG, compose, too_deep

QuickRecord = Irritant | Decision | Story

_SCALAR_TAGS = {STANDARD_TAG + name: name for name in SCALAR_TYPES}
_MAP_TAG, _SEQ_TAG = STANDARD_TAG + "map", STANDARD_TAG + "seq"
_CACHED = 20_000  # converted values remembered per field: a backlog repeats a few hundred statuses, teams and dates
_MISS = object()
# the bytes of the characters fieldtypes.UNPUBLISHABLE finds below U+0080 (C0 controls but tab, newline and CR; DEL)
_CONTROL_BYTES = bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20)) + b"\x7f"


class _Declared:
    """One field as the quick path uses it: how to convert a scalar (or each entry of a list), with the
    values already converted, by resolved tag and text, when the field's values repeat."""

    __slots__ = ("field", "listed", "item", "cache", "text", "not_blank")

    def __init__(self, field: Field):
        self.field = field
        self.listed = isinstance(field.type, List)
        # free text, as coerce checks it: for characters that break readers, and whether it may be blank
        self.text = isinstance(field.type, Text)
        self.not_blank = field.required or field.name in NOT_BLANK
        self.item: FieldType | None = field.type.item if isinstance(field.type, List) else None
        converts = self.item if self.item is not None else field.type
        # free text hardly repeats, and is checked by one regular expression anyway
        self.cache: dict[tuple[str, str], Any] | None = (
            None if isinstance(converts, Text) or not converts.repeats else {})

    def convert(self, tag: str, text: str) -> Any:
        """The typed value of a scalar not in the cache; raises Problem as the precise path's conversion does."""
        cache = self.cache
        if self.item is not None:
            value = self.item.coerce(self.field.name, scalar_value(tag, text), text, False)
        else:
            value = coerce(self.field, scalar_value(tag, text), text, False)
        if cache is not None and len(cache) < _CACHED:
            cache[(tag, text)] = value
        return value


class _Kind:
    __slots__ = ("model", "fields", "required", "markdown")

    def __init__(self, model: type[QuickRecord], fields: tuple[Field, ...], markdown: bool):
        self.model = model
        self.fields = {field.name: _Declared(field) for field in fields}
        self.required = tuple(field.name for field in fields if field.required)
        self.markdown = markdown


_KINDS = {
    "irritant": _Kind(Irritant, IRRITANT_FIELDS, markdown=False),
    "decision": _Kind(Decision, DECISION_FIELDS, markdown=True),
    "story": _Kind(Story, STORY_FIELDS, markdown=True),
}


def quick_record(path: Path, root: Path, kind: str) -> QuickRecord | None:
    """The record of a file with nothing to report, as the precise path would build it; None otherwise."""
    declared = _KINDS[kind]
    text = _read(path)
    if text is None:
        return None
    rel = relative(path, root)
    extra: dict[str, Any] = {}
    if declared.markdown:
        scratch: list[Diagnostic] = []
        split = split_front_matter(text, rel, scratch)
        if split is None or scratch:
            return None
        text, line_offset = split.front_matter, 1
        extra = {"body": split.body, "body_line": split.body_line}
    else:
        line_offset = 0
    if too_deep(text) is not None:
        return None
    try:
        node = compose(text)
    except (yaml.YAMLError, RecursionError):
        return None
    if node is None:
        return None
    found = _fields(node, declared, rel, line_offset)
    if found is None:
        return None
    values, locs = found
    stem = path.stem
    given = values.pop("id", None)
    if (given is not None and given != stem) or not ID_RE.match(stem):
        return None
    return declared.model(id=stem, loc=SourceLoc(rel), locs=locs, **extra, **values)


def _fields(node: yaml.Node, declared: _Kind, rel: str,
            line_offset: int) -> tuple[dict[str, Any], Places] | None:
    """The typed values of a record's mapping and where each was written, as convert_mapping and _flatten
    give them; None at the first thing the precise path would report."""
    if node.__class__ is not yaml.MappingNode or node.tag != _MAP_TAG:
        return None
    values: dict[str, Any] = {}
    locs = Places()
    entry_locs: list[tuple[str, SourceLoc]] = []  # 'name.N' of list entries: after the fields, as _flatten puts them
    seen: set[str] = set()
    count = 1  # nodes, as the precise path's walker counts them against MAX_NODES
    scalar_tags, scalar_node = _SCALAR_TAGS, yaml.ScalarNode
    fields = declared.fields
    first = line_offset + 1  # libyaml counts lines from 0, in the text it was given
    try:  # Problem: a value its field refuses
        for key_node, value_node in node.value:
            if key_node.__class__ is not scalar_node:
                return None
            name = key_node.value
            field = fields.get(name)
            if field is None or name in seen:
                return None
            seen.add(name)
            count += 1
            if value_node.__class__ is scalar_node:
                tag = scalar_tags.get(value_node.tag)
                if tag is None:
                    return None
                if tag == "null":  # an empty value: absent but placed (as convert_mapping places it), or an empty list
                    if not field.listed:
                        mark = value_node.start_mark
                        locs[empty_place(name)] = SourceLoc(rel, mark.line + first, mark.column + 1)
                        continue
                    value: Any = ()
                elif field.listed:
                    return None
                elif field.text and tag == "str" and value_node.style != '"':
                    # text as written: only a double-quoted escape can give a character that breaks readers,
                    # and _read found none in the file
                    value = value_node.value
                    if field.not_blank and (not value or value.isspace()):
                        return None
                else:
                    cache = field.cache
                    value = _MISS if cache is None else cache.get((tag, value_node.value), _MISS)
                    if value is _MISS:
                        value = field.convert(tag, value_node.value)
                mark = value_node.start_mark
            elif field.listed and value_node.__class__ is yaml.SequenceNode and value_node.tag == _SEQ_TAG:
                items = []
                for index, item in enumerate(value_node.value):
                    count += 1
                    item_tag = scalar_tags.get(item.tag)
                    if item.__class__ is not scalar_node or item_tag is None:
                        return None
                    cache = field.cache
                    value = _MISS if cache is None else cache.get((item_tag, item.value), _MISS)
                    items.append(field.convert(item_tag, item.value) if value is _MISS else value)
                    mark = item.start_mark
                    entry_locs.append((f"{name}.{index}",
                                       SourceLoc(rel, mark.line + first, mark.column + 1)))
                value = tuple(items)
                if len(set(value)) < len(value):   # an entry listed twice
                    return None
                mark = key_node.start_mark  # a list is placed at its key
            else:
                return None
            values[name] = value
            locs[name] = SourceLoc(rel, mark.line + first, mark.column + 1)
    except Problem:
        return None
    if count > MAX_NODES:
        return None
    for name in declared.required:
        if name not in values:
            return None
    locs.update(entry_locs)
    return values, locs


def _read(path: Path) -> str | None:
    """The text of a small regular file that is valid UTF-8 without a byte-order mark or a character that
    breaks readers or HTML (fieldtypes.UNPUBLISHABLE), newlines normalised as read_source does; None for anything else
    (the precise path then says what is wrong, if anything)."""
    data = read_regular(path, RECORD_LIMIT)
    # a control character (NUL included), which UNPUBLISHABLE finds in the text
    if data is None or len(data.translate(None, _CONTROL_BYTES)) != len(data):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.startswith(BOM):
        return None
    # UTF-8 that decodes holds no lone surrogate; DEL is a byte of its own, C1 controls and non-characters are not ASCII
    if not data.isascii() and UNPUBLISHABLE.search(text) is not None:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
