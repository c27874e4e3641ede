"""Safe YAML: a tree of located values, or diagnostics — never an exception.

PyYAML's own loaders lose line numbers, keep the last of two duplicate keys,
construct python/ tags on request and expand alias bombs. We compose nodes
with the C parser where present (it is ~10x faster), then walk the node graph
ourselves with limits, keeping every value's file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from ..diagnostics import Diagnostic, SourceLoc, error

try:  # the C parser is an optional part of PyYAML wheels (~10x faster)
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - exercised only where libyaml is missing
    _Parser = yaml.SafeLoader  # type: ignore[assignment,misc]  # the same interface, in pure Python

_RESOLVER = yaml.resolver.Resolver()  # YAML 1.1's implicit types; no path resolvers are ever added to it


def _resolve(kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
    """The tag of an untagged node, as PyYAML's Resolver gives it, with a plain scalar's looked up once per text.

    PyYAML resolves every plain scalar by trying its type patterns in Python; a backlog repeats the same
    few hundred values (statuses, teams, dates) across 30,000 files, so most lookups are a dict hit.
    """
    if kind is yaml.ScalarNode:
        if not implicit[0]:  # quoted, or tagged '!': text
            return _STR_TAG
        tag = _PLAIN_TAGS.get(value)
        if tag is None:
            tag = _RESOLVER.resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            if len(_PLAIN_TAGS) < _PLAIN_TAGS_KEPT:
                _PLAIN_TAGS[value] = tag
        return tag
    return _RESOLVER.resolve(kind, value, implicit)  # type: ignore[no-any-return,no-untyped-call]


class _Composer(_Parser):
    """libyaml's composer with only what composing needs: CSafeLoader also sets up a constructor we never
    use, and asks Python about path resolvers at every node (a third of the time it takes)."""

    resolve = staticmethod(_resolve)

    def descend_resolver(self, current_node: yaml.Node | None, current_index: object) -> None:
        pass  # no path resolvers

    def ascend_resolver(self) -> None:
        pass


def compose(text: str) -> yaml.Node | None:
    """libyaml's node graph of one document (None when it is empty); raises yaml.YAMLError.

    Call it only on text too_deep has passed: the C composer recurses and kills the process on deep nesting.
    """
    composer = _Composer(text)
    try:
        return composer.get_single_node()
    finally:
        composer.dispose()


_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_KEPT = 100_000
STANDARD_TAG = "tag:yaml.org,2002:"
SCALAR_TYPES = ("str", "int", "float", "bool", "null", "timestamp")   # what a record's values may be, besides lists
_STR_TAG = STANDARD_TAG + "str"

MAX_DEPTH = 64          # records are 3 levels deep; anything near this is an attack or a mistake
MAX_NODES = 200_000     # bounds alias expansion ("billion laughs")
_PREPARSE_DEPTH = 1_000  # the C composer recurses in C and kills the process near 50,000 levels

_ALLOWED_TAGS = {*SCALAR_TYPES, "map", "seq"}


@dataclass(frozen=True, slots=True)
class Scalar:
    loc: SourceLoc
    tag: str        # resolved YAML 1.1 type: str, int, float, bool, null, timestamp
    text: str       # the scalar as written (without quotes)


@dataclass(frozen=True, slots=True)
class Sequence:
    loc: SourceLoc
    items: tuple[Node | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Mapping:
    loc: SourceLoc
    # key -> (location of the key, value); first occurrence wins, duplicates are reported
    entries: dict[str, tuple[SourceLoc, Node | None]] = field(default_factory=dict)


Node = Scalar | Sequence | Mapping

_FLOW = re.compile(r"[\[\]{}]")
_BLOCK_PREFIX = re.compile(r"^[ \t]*(?:[-?][ \t]+)+", re.M)


def too_deep(text: str) -> int | None:
    """Where nesting first reaches _PREPARSE_DEPTH (an offset into text), by an estimate cheap enough to run
    before the parser sees the text; None when it never does. The estimate is an upper bound."""
    if len(text) < _PREPARSE_DEPTH:  # too short to hold that many brackets, or block indicators (two characters)
        return None
    found: list[int] = []
    if text.count("[") + text.count("{") >= _PREPARSE_DEPTH:
        depth = 0
        for match in _FLOW.finditer(text):
            depth += 1 if match.group() in "[{" else -1
            if depth >= _PREPARSE_DEPTH:
                found.append(match.start())
                break
    for match in _BLOCK_PREFIX.finditer(text):
        if len(match.group()) // 2 >= _PREPARSE_DEPTH:
            found.append(match.start() + 2 * _PREPARSE_DEPTH)
            break
    return min(found, default=None)


def _offset_loc(text: str, offset: int, path: str, line_offset: int) -> SourceLoc:
    line_start = text.rfind("\n", 0, offset) + 1
    return SourceLoc(path, text.count("\n", 0, offset) + 1 + line_offset, offset - line_start + 1)


def _mark_loc(path: str, mark: yaml.Mark | None, line_offset: int) -> SourceLoc:
    if mark is None:
        return SourceLoc(path, 1 + line_offset, 1)
    return SourceLoc(path, mark.line + 1 + line_offset, mark.column + 1)


def parse_yaml(text: str, path: str, line_offset: int = 0) -> tuple[Node | None, list[Diagnostic]]:
    """Parse one YAML document into located nodes. Problems come back as diagnostics.

    line_offset > 0 means the text is a markdown file's front matter, starting on line 1 + line_offset.
    """
    deep = too_deep(text)
    if deep is not None:
        return None, [error(_offset_loc(text, deep, path, line_offset), "parse",
                            f"YAML is nested more than {_PREPARSE_DEPTH} levels deep",
                            "records are a few levels deep; this file is probably generated or corrupt")]
    try:
        root = compose(text)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(exc, text, path, line_offset)]
    except yaml.YAMLError as exc:
        return None, [error(SourceLoc(path, 1 + line_offset, 1), "parse", f"YAML error: {exc}",
                            "save the file as plain UTF-8 text")]
    except RecursionError:
        return None, [error(SourceLoc(path, 1 + line_offset, 1), "parse", "YAML is nested too deeply",
                            "records are a few levels deep; this file is probably generated or corrupt")]
    if root is None:
        return None, []
    walker = _Walker(path, line_offset)
    tree = walker.walk(root, 0)
    return (None if walker.fatal else tree), walker.diagnostics


_FLOW_KINDS = {  # libyaml's context -> what the author wrote, how it opens and closes, its block form
    "while parsing a flow sequence": ("a list", "[", "]", "'- item'"),
    "while parsing a flow mapping": ("a mapping", "{", "}", "'key: value'"),
}
_SYNTAX_HINT = ("check indentation and quoting on this line; quote values that contain ': ' or start with a special "
                "character")


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, path: str, line_offset: int) -> Diagnostic:
    """Where the mistake is. For a quote or bracket that is never closed, libyaml's problem mark is where it
    gave up (often the end of the file) and its context mark is where the quote or bracket opened: report
    the opening, and mention where it gave up."""
    unclosed = _unclosed(exc, text, line_offset)
    if unclosed is not None:
        opened, message, hint = unclosed
        return error(_mark_loc(path, opened, line_offset), "parse", f"YAML syntax error: {message}", hint)
    mark = exc.problem_mark or exc.context_mark
    explained = _explained(exc, text)
    if explained is not None:
        message, hint = explained
        return error(_mark_loc(path, mark, line_offset), "parse", f"YAML syntax error: {message}", hint)
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    return error(_mark_loc(path, mark, line_offset), "parse",
                 f"YAML syntax error: {exc.problem or exc.context or 'invalid YAML'}{context}", _SYNTAX_HINT)


# a line 'key: value' whose value is plain text: what a second ': ' in it breaks
_KEY_AND_START = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*):\s+(?=[^\s\"'\[{|>&*!#])")
_COMMENT_START = re.compile(r"\s#")


def _key_and_value(line: str) -> tuple[str, str] | None:
    """'cause: runs weekly: Mondays  # ask ops' -> ('cause', 'runs weekly: Mondays'): a plain value, its comment and
    trailing spaces left out; None for a line that is not one. (A pattern with a lazy value before an optional
    comment rescanned a run of spaces in the value from each of its spaces.)"""
    start = _KEY_AND_START.match(line)
    if start is None:
        return None
    rest = line[start.end():]
    comment = _COMMENT_START.search(rest)
    return start.group(1), (rest[:comment.start()] if comment else rest).rstrip()


def _explained(exc: yaml.MarkedYAMLError, text: str) -> tuple[str, str] | None:
    """(message, hint) in the author's words for the two mistakes people make most, else None (libyaml's words):
    a tab where YAML wants spaces (editors insert them), and a value holding ': ' ("cause: batch runs weekly:
    Mondays"), which YAML reads as a second field on the line."""
    mark = exc.problem_mark
    if mark is None:
        return None
    lines = text.split("\n")
    line = lines[mark.line] if mark.line < len(lines) else ""
    if line[mark.column:mark.column + 1] == "\t":
        return ("a tab where YAML expects spaces (YAML indents with spaces only)",
                "replace the tab with spaces; set your editor to indent YAML files with spaces")
    if exc.problem == "mapping values are not allowed in this context":
        written = _key_and_value(line)
        if written is None:
            return None
        key, value = written
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        return (f"the value of '{key}' holds ': ', which YAML reads as the start of another field",
                f'put the value in double quotes: {key}: "{quoted}"')
    return None


def _unclosed(exc: yaml.MarkedYAMLError, text: str, line_offset: int) -> tuple[yaml.Mark, str, str] | None:
    """(mark of the opening, message, hint) for a quoted string or flow collection never closed, else None."""
    opened, ended, context = exc.context_mark, exc.problem_mark, exc.context or ""
    if opened is None or ended is None:
        return None
    if context == "while parsing a flow node":  # 'date: [' at the end: libyaml does not mark the bracket
        opened, context = _open_flow_collection(text, ended)
    if opened is None or opened.line == ended.line:
        return None  # on one line, the problem mark is the precise place
    line = opened.line + 1 + line_offset
    ended_line = ended.line + 1 + line_offset
    if not line_offset:  # a file ends on its last line, not on the empty one after the final newline
        ended_line = min(ended_line, text.count("\n") + (not text.endswith("\n")))
    at_end = ended.line > text.rstrip().count("\n")  # only blank lines after where libyaml gave up
    end = f"found the end of the {'front matter' if line_offset else 'file'} on line {ended_line}"
    if context == "while scanning a quoted scalar" and at_end:
        return (opened, f"a quoted string opened on line {line} is never closed ({end})",
                "add the closing quote at the end of the value")
    if context in _FLOW_KINDS:
        name, left, right, block = _FLOW_KINDS[context]
        where = end if at_end else f"expected ',' or '{right}' before line {ended_line}, column {ended.column + 1}"
        return (opened, f"{name} opened with '{left}' on line {line} is never closed ({where})",
                f"close it with '{right}' on the line it opened, or write one {block} per line")
    return None


def _open_flow_collection(text: str, ended: yaml.Mark) -> tuple[yaml.Mark | None, str]:
    """The mark and context of the innermost '[' or '{' still open where libyaml gave up, from the tokens.

    libyaml reports an empty unclosed flow collection ('date: [' at the end) with no mark at the bracket.
    Only on an error, and only for texts the size of a record: the pure-Python scanner is slow.
    """
    if len(text) > 1 << 20:
        return None, ""
    lines = text.split("\n")
    upto = sum(len(line) + 1 for line in lines[:ended.line]) + ended.column  # marks count characters per line
    opened: list[yaml.Token] = []
    try:
        for token in yaml.scan(text[:upto], Loader=yaml.SafeLoader):
            if isinstance(token, yaml.FlowSequenceStartToken | yaml.FlowMappingStartToken):
                opened.append(token)
            elif isinstance(token, yaml.FlowSequenceEndToken | yaml.FlowMappingEndToken) and opened:
                opened.pop()
    except yaml.YAMLError:
        pass
    if not opened:
        return None, ""
    kind = "sequence" if isinstance(opened[-1], yaml.FlowSequenceStartToken) else "mapping"
    return opened[-1].start_mark, f"while parsing a flow {kind}"


class _Walker:
    def __init__(self, path: str, line_offset: int):
        self.path = path
        self.line_offset = line_offset
        self.diagnostics: list[Diagnostic] = []
        self.count = 0
        self.fatal = False
        self.path_ids: set[int] = set()  # nodes on the way down, to spot an alias that contains itself

    def loc(self, node: yaml.Node) -> SourceLoc:
        return _mark_loc(self.path, node.start_mark, self.line_offset)

    def walk(self, node: yaml.Node, depth: int) -> Node | None:
        if self.fatal:
            return None
        self.count += 1
        if self.count > MAX_NODES:
            self.fatal = True
            self.diagnostics.append(error(self.loc(node), "parse",
                                          f"YAML expands to more than {MAX_NODES:,} values (alias bomb?)",
                                          "write values out instead of repeating anchors (&) and aliases (*)"))
            return None
        if depth > MAX_DEPTH:
            self.fatal = True
            self.diagnostics.append(error(self.loc(node), "parse", f"YAML is nested more than {MAX_DEPTH} levels deep",
                                          "records are a few levels deep; flatten this value"))
            return None
        if id(node) in self.path_ids:
            self.fatal = True
            self.diagnostics.append(error(self.loc(node), "parse", "an alias refers to itself (a recursive structure)",
                                          "write the value out instead of using anchors (&) and aliases (*)"))
            return None
        tag = node.tag[len(STANDARD_TAG):] if node.tag.startswith(STANDARD_TAG) else node.tag
        if tag not in _ALLOWED_TAGS:
            self.diagnostics.append(error(self.loc(node), "parse", f"YAML tag {node.tag!r} is not allowed",
                                          "remove the tag: records hold plain text, numbers, dates, lists "
                                          "and mappings"))
            return None
        if isinstance(node, yaml.ScalarNode):
            return Scalar(self.loc(node), tag, node.value)
        self.path_ids.add(id(node))
        try:
            return self._collection(node, depth)
        finally:
            self.path_ids.discard(id(node))

    def _collection(self, node: yaml.Node, depth: int) -> Node:
        if isinstance(node, yaml.SequenceNode):
            items = tuple(self.walk(child, depth + 1) for child in node.value)
            return Sequence(self.loc(node), items)
        entries: dict[str, tuple[SourceLoc, Node | None]] = {}
        for key_node, value_node in node.value:
            key_loc = self.loc(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.diagnostics.append(error(key_loc, "parse", "a mapping key must be a plain name",
                                              "use a field name such as 'title:'"))
                continue
            if key_node.tag == STANDARD_TAG + "merge":
                self.diagnostics.append(error(key_loc, "parse", "YAML merge keys ('<<') are not allowed",
                                              "write the fields out in full"))
                continue
            key = key_node.value
            if key in entries:
                first = entries[key][0]
                self.diagnostics.append(error(key_loc, "duplicate-key",
                                              f"field '{key}' appears twice (first on line {first.line})",
                                              "keep one of them; YAML would otherwise silently use the last"))
                continue
            entries[key] = (key_loc, self.walk(value_node, depth + 1))
        return Mapping(self.loc(node), entries)
