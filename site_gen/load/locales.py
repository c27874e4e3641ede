"""A team's own catalogues, locale/<language>.po at the repository's root (see site_gen/i18n.py).

Read like its templates, without following a symbolic link; a catalogue that does not read is a located
error (rule `locale`) and is left out, never a traceback.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.pofile import PoFileError, read_po

from ..diagnostics import Diagnostic, SourceLoc, error
from ..i18n import TEAM_FOLDER, Locales, MsgId, MsgStr, TeamCatalogue, normal
from .assets import TooLarge, Unreachable, read_without_links
from .convert import report_unreadable
from .source import list_files, relative

CATALOGUE_LIMIT = 4 << 20       # 4 MiB: far above any catalogue a person writes
RULE = "locale"


def load_locales(root: Path, diagnostics: list[Diagnostic]) -> Locales:
    """The team's locale/*.po, each read without following links; a broken one is a located error and skipped."""
    catalogues = []
    for path in list_files(root / TEAM_FOLDER, (".po",), root, diagnostics):
        rel = relative(path, root)
        try:
            data = read_without_links(root, (TEAM_FOLDER, path.name), CATALOGUE_LIMIT)
        except Unreachable as exc:
            diagnostics.append(error(SourceLoc(rel), RULE, f"{exc}", exc.hint))
            continue
        except TooLarge as exc:
            diagnostics.append(error(SourceLoc(rel), RULE, f"catalogue is {exc.args[0]:,} bytes; the limit is "
                                     f"{CATALOGUE_LIMIT:,}", "split it or remove unused entries"))
            continue
        except OSError as exc:
            diagnostics.append(error(SourceLoc(rel), RULE, f"cannot read catalogue: {exc.strerror or exc}",
                                     "give this user read permission on the file"))
            continue
        catalogue = _parse_team(data, normal(path.stem), rel, diagnostics)
        if catalogue is not None:
            catalogues.append(catalogue)
    return Locales(tuple(catalogues))


def _parse_team(data: bytes, language: str, rel: str, diagnostics: list[Diagnostic]) -> TeamCatalogue | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        diagnostics.append(error(SourceLoc(rel, data.count(b"\n", 0, exc.start) + 1), RULE,
                                 "catalogue is not valid UTF-8", "save it as UTF-8"))
        return None
    # a translation is on every page: a control character in it would be in every page and feed (blanked here,
    # reported at its line and column)
    data = report_unreadable(text, rel, 1, diagnostics).encode("utf-8")
    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True, charset="utf-8")
    except PoFileError as exc:
        diagnostics.append(error(SourceLoc(rel, max(int(exc.lineno), 1)), RULE, f"catalogue does not read: {exc}",
                                 "each entry is a msgid line then a msgstr line, in double quotes "
                                 "(see the packaged site_gen/locale/*.po)"))
        return None
    except (ValueError, LookupError) as exc:  # e.g. a Plural-Forms header Babel cannot read
        diagnostics.append(error(SourceLoc(rel), RULE, f"catalogue does not read: {exc}",
                                 "copy the header of a packaged catalogue (site_gen/locale/*.po)"))
        return None
    messages: list[tuple[MsgId, MsgStr, str | None]] = []
    for message in catalog:
        string = message.string
        if not message.id or message.fuzzy or string is None or not _translated(string):
            continue
        messages.append((_id(message.id), string if isinstance(string, str) else tuple(string), message.context))
    header = dict(catalog.mime_headers).get("Plural-Forms")
    return TeamCatalogue(language, rel, tuple(messages), header)


def _id(value: str | tuple[str, ...] | list[str]) -> MsgId:
    if isinstance(value, str):
        return value
    singular, plural = tuple(value)[:2]  # Babel keeps a plural message's id as (singular, plural)
    return (str(singular), str(plural))


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    if string is None or isinstance(string, str):
        return bool(string)
    return bool(string) and all(string)
