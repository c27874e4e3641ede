"""The languages site.yaml picks for the two sites exist as catalogues (packaged, or in the repository's locale/)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..diagnostics import Diagnostic, error
from ..facts import Facts
from ..model import Backlog


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    config, locales = backlog.config, backlog.locales
    available = locales.available
    for name, tag in (("public.language", config.public.language), ("internal.language", config.internal.language)):
        if locales.catalogue_for(tag) is not None:
            continue
        close = difflib.get_close_matches(tag.strip().lower(), available, n=1)
        hint = (f"did you mean '{close[0]}'? " if close else "") + (
            f"available: {', '.join(available)}; or add a catalogue for it at locale/{tag.strip() or 'LANG'}.po "
            "(copy one from site_gen/locale/ and translate its msgstr lines)")
        yield error(config.at(name), "language-unknown", f"{name} '{tag}' has no interface catalogue", hint)
