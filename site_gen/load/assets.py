"""Image files from the repository that the public site publishes (the logo today, story images tomorrow).

Whatever the build copies into the public site is read here, once, at load time, and kept as bytes:
the build publishes those bytes and never opens the file again, so what was checked is what is
published. The file is reached without following symbolic links (a link named assets/logo.svg could
point at feedback/export.csv or .git/config), its type is read from its bytes, not its name, and an
SVG — a document a browser runs when opened on its own — must be a plain drawing.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.parsers import expat

from ..diagnostics import Diagnostic, SourceLoc, error

# A logo is drawn about 40 pixels high and every public page loads it: a clean SVG logo is a few KiB
# and a PNG at twice that height a few tens of KiB. 512 KiB leaves room for a detailed drawing while
# keeping every page light and bounding what the SVG parser reads.
IMAGE_LIMIT = 512 << 10
IMAGE_NAMES = (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp")
RULE = "asset"

_SVG = "http://www.w3.org/2000/svg"
_XHTML = "http://www.w3.org/1999/xhtml"
_REFUSED_ELEMENTS = {"script": "a script", "foreignobject": "a foreignObject (HTML inside the drawing)",
                     "handler": "an event handler element", "listener": "an event listener element",
                     "iframe": "an iframe", "embed": "an embedded object", "object": "an embedded object"}
_ANIMATIONS = {"animate", "set", "animatemotion", "animatetransform", "animatecolor"}
_REFERENCES = {"href", "src"}               # in any namespace: href, xlink:href
_CSS_URL = re.compile(r"""(?:url|src)\(\s*(['"]?)\s*([^'")\s]*)""")
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-f]{1,6})\s?|(.))", re.IGNORECASE | re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


@dataclass(frozen=True, slots=True)
class PublishedImage:
    """An image file of the repository, as the public site will publish it: its bytes and its true type."""

    source: str                      # the path as site.yaml gives it, relative to the repository
    extension: str                   # from the bytes: .png, .jpg, .gif, .webp or .svg
    data: bytes = field(repr=False)

    def published_name(self, stem: str) -> str:
        """Its path inside the public site: a neutral name that says nothing about the repository."""
        return f"assets/{stem}{self.extension}"


class TooLarge(Exception):
    """The file exceeds the limit; args[0] is its size in bytes."""


class Unreachable(Exception):
    """The file cannot be reached without following a link, or is not a regular file."""

    def __init__(self, rule: str, path: str, problem: str, hint: str):
        super().__init__(f"'{path}' {problem}")
        self.rule, self.path, self.problem, self.hint = rule, path, problem, hint


def read_without_links(root: Path, parts: tuple[str, ...], limit: int) -> bytes:
    """The bytes of root/parts[0]/…/parts[-1], refusing a symbolic link anywhere below root.

    Each folder is opened relative to the one before it with O_NOFOLLOW, so a link swapped in after a
    check cannot redirect the read. Raises FileNotFoundError when the file is absent, Unreachable for
    a link or a file that is not a regular file, and TooLarge (with the size) when it exceeds limit.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # O_NONBLOCK: a FIFO does not block
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            try:
                opened = os.open(part, flags if last else flags | os.O_DIRECTORY, dir_fd=folder)
            except OSError as exc:
                shown = "/".join(parts[:depth + 1])
                if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK) and _is_link(part, folder):
                    raise Unreachable(RULE, shown, "is a symbolic link",
                                       "copy the file into the repository instead of linking to it") from None
                if exc.errno == errno.ENOTDIR:
                    raise FileNotFoundError(errno.ENOENT, f"'{shown}' is not a folder") from None
                raise
            os.close(folder)
            folder = opened
        info = os.fstat(folder)
        if not stat.S_ISREG(info.st_mode):
            raise Unreachable("reference", "/".join(parts), "is not a regular file",
                               "give the path of an image file")
        if info.st_size > limit:
            raise TooLarge(info.st_size)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(folder, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # grew after fstat
            raise TooLarge(size)
        return b"".join(chunks)
    finally:
        os.close(folder)


def _is_link(name: str, folder: int) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(name, dir_fd=folder).st_mode)
    except OSError:
        return False


def repository_parts(path_text: str) -> tuple[str, ...] | None:
    """The parts of a path site.yaml gives, inside the repository; None when it is absolute, climbs out of it or
    names nothing."""
    pure = PurePosixPath(path_text)
    parts = tuple(part for part in pure.parts if part != ".")
    return None if pure.is_absolute() or ".." in parts or not parts or "\0" in path_text else parts


def load_image(path_text: str, loc: SourceLoc, root: Path, diagnostics: list[Diagnostic],
               what: str = "logo") -> PublishedImage | None:
    """The image site.yaml names at loc, read once; None after appending why it cannot be published.

    `reference` when the path does not name an image file inside the repository; `asset` for a symbolic
    link on the way, bytes that are not a safe image of a known type, or a file over IMAGE_LIMIT.
    """
    where = f"give a path relative to site.yaml, e.g. {what}: assets/{what}.svg"
    if not path_text.lower().endswith(IMAGE_NAMES):
        diagnostics.append(error(loc, "reference", f"{what} '{path_text}' is not an image file",
                                 f"use a {', '.join(IMAGE_NAMES)} file inside the repository, or {what}: null"))
        return None
    parts = repository_parts(path_text)
    if parts is None:
        diagnostics.append(error(loc, "reference", f"{what} '{path_text}' is not a file inside the repository", where))
        return None
    rel = "/".join(parts)
    try:
        data = read_without_links(root, parts, IMAGE_LIMIT)
    except FileNotFoundError:
        diagnostics.append(error(loc, "reference", f"{what} '{path_text}' is not a file inside the repository", where))
        return None
    except Unreachable as exc:
        on_the_way = "" if exc.path == rel else f": the folder '{exc.path}' on the way to it"
        diagnostics.append(error(loc, exc.rule, f"{what} '{path_text}'{on_the_way} {exc.problem}", exc.hint))
        return None
    except TooLarge as exc:
        diagnostics.append(error(SourceLoc(rel), RULE, f"{what} is {exc.args[0] / 1024:,.0f} KiB; the limit is "
                                 f"{IMAGE_LIMIT >> 10} KiB (every public page loads it)",
                                 "export it smaller: a logo is drawn about 40 pixels high"))
        return None
    except OSError as exc:
        diagnostics.append(error(loc, "parse", f"cannot read {what} '{path_text}': {exc.strerror or exc}",
                                 "check the file's permissions"))
        return None
    extension = _raster_type(data)
    if extension is None:
        problem = _svg_problem(data)
        if problem is not None:
            line, col, message, hint = problem
            diagnostics.append(error(SourceLoc(rel, line, col), RULE, f"{what}: {message}", hint))
            return None
        extension = ".svg"
    return PublishedImage(source=rel, extension=extension, data=data)


def _raster_type(data: bytes) -> str | None:
    """The extension the magic number at the start of the bytes says, for the raster types browsers show."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return ".gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


class _Refused(Exception):
    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


_PLAIN_HINT = "remove it: a logo must be a plain drawing"
_EXTERNAL_HINT = "keep the drawing self-contained: only references to its own parts ('#id') are allowed"


def _css_problem(css: str) -> str | None:
    """Why a piece of CSS (a style attribute, a <style> element, a presentation attribute) reaches outside."""
    plain = _CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) and int(m.group(1), 16) <= 0x10FFFF
                            else (m.group(2) or "\ufffd"), _CSS_COMMENT.sub("", css)).lower()
    if "@import" in plain:
        return "@import of another stylesheet"
    if "image-set(" in plain or re.search(r"(?<![\w-])image\(", plain):
        return "image-set() or image() loading another file"
    for match in _CSS_URL.finditer(plain):
        if not match.group(2).startswith("#"):
            return f"url({match.group(2)!s}) pointing outside the drawing"
    return None


def _svg_problem(data: bytes) -> tuple[int, int, str, str] | None:
    """(line, column, what is wrong, how to fix it) for bytes that are not a plain SVG drawing; None when they are.

    expat reports the line of each event; a DOCTYPE is refused the moment it opens, before any entity
    in it is declared or expanded (a billion-laughs file costs nothing).
    """
    check = _SvgCheck()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = check.doctype
    parser.EntityDeclHandler = check.entity
    parser.UnparsedEntityDeclHandler = check.entity
    parser.ExternalEntityRefHandler = check.external_entity
    parser.ProcessingInstructionHandler = check.instruction
    parser.StartElementHandler = check.start
    parser.EndElementHandler = check.end
    parser.CharacterDataHandler = check.text
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1, f"the SVG {exc}", exc.hint
    except expat.ExpatError as exc:
        if check.root is None and exc.lineno == 1 and exc.offset == 0:
            return 1, 1, "is not a PNG, JPEG, GIF, WebP or SVG image", \
                "export the logo as PNG or SVG (the name does not matter; the bytes do)"
        return exc.lineno, exc.offset + 1, f"the SVG is not well-formed XML: {expat.ErrorString(exc.code)}", \
            "open it in an editor or validator and fix the XML"
    if check.root is None:
        return 1, 1, "is not a PNG, JPEG, GIF, WebP or SVG image", "export the logo as PNG or SVG"
    return None


class _SvgCheck:
    """expat handlers that raise _Refused at the first construct a plain drawing does not need."""

    def __init__(self) -> None:
        self.root: str | None = None
        self.in_style = 0
        self.css: list[str] = []

    def doctype(self, name: str, system_id: str | None, public_id: str | None, has_internal_subset: bool) -> None:
        raise _Refused("has a DOCTYPE (entities could expand or load other files)",
                       "remove the <!DOCTYPE …> declaration")

    def entity(self, *args: object) -> None:
        raise _Refused("declares an entity", "remove the <!ENTITY …> declaration")

    def external_entity(self, context: str, base: str | None, system_id: str | None, public_id: str | None) -> int:
        raise _Refused("refers to an external entity", "remove the entity reference")

    def instruction(self, target: str, data: str) -> None:
        raise _Refused(f"has a processing instruction <?{target} …?> (it can load a stylesheet)",
                       "remove the <?…?> line (the XML declaration <?xml …?> itself is fine)")

    def start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        low = local.lower()
        if self.root is None:
            self.root = name
            if name != f"{_SVG} svg":
                raise _Refused(f"is not an SVG drawing (its root element is <{local}>"
                               + (")" if local != "svg" else " without the SVG namespace)"),
                               f'use a PNG, JPEG, GIF, WebP or SVG image; an SVG starts <svg xmlns="{_SVG}">')
        if low in _REFUSED_ELEMENTS:
            raise _Refused(f"contains {_REFUSED_ELEMENTS[low]} (<{local}>)", _PLAIN_HINT)
        if namespace == _XHTML:
            raise _Refused(f"contains an HTML element <{local}>", _PLAIN_HINT)
        for key, value in attributes.items():
            attribute = key.rpartition(" ")[2].lower()
            if attribute.startswith("on"):
                raise _Refused(f"has an event handler {key.rpartition(' ')[2]}=\"…\" on <{local}>",
                               "remove the on… attribute: a logo must not run code")
            if attribute in _REFERENCES and not value.strip().startswith("#"):
                raise _Refused(f"has {_attribute_name(key)}=\"{value[:60]}\" on <{local}>, a reference outside "
                               "the drawing", _EXTERNAL_HINT)
            if low in _ANIMATIONS and attribute == "attributename" and (
                    value.strip().lower().rpartition(":")[2] in _REFERENCES | {"style"}
                    or value.strip().lower().startswith("on")):
                raise _Refused(f"animates the attribute '{value}' on <{local}>",
                               "remove the animation of links and styles")
            css = _css_problem(value)
            if css is not None:
                raise _Refused(f"has {_attribute_name(key)}=\"…\" on <{local}> with {css}", _EXTERNAL_HINT)
        if low == "style":
            self.in_style += 1

    def end(self, name: str) -> None:
        if name.rpartition(" ")[2].lower() == "style":
            self.in_style -= 1
            css = _css_problem("".join(self.css))
            self.css = []
            if css is not None:
                raise _Refused(f"has a <style> element with {css}", _EXTERNAL_HINT)

    def text(self, content: str) -> None:
        if self.in_style:
            self.css.append(content)


def _attribute_name(key: str) -> str:
    namespace, _, local = key.rpartition(" ")
    return f"xlink:{local}" if namespace == "http://www.w3.org/1999/xlink" else local
