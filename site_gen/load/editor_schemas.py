"""schemas/: the JSON Schemas a team keeps for its editors, read as JSON for check to compare with site.yaml."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SCHEMAS_DIR = "schemas"   # where `site-gen init` writes them and the README says to keep them
SCHEMA_LIMIT = 10 * 1024 * 1024   # a written schema is some tens of kilobytes: a bigger file is not site-gen's


def load_editor_schemas(root: Path) -> Mapping[str, Any] | None:
    """File name -> its parsed JSON, for every .json file in schemas/ (None for one that does not read: a link, a
    folder, not UTF-8 or not JSON); None without a schemas/ folder (a team may not use editor schemas)."""
    folder = root / SCHEMAS_DIR
    if not folder.is_dir():
        return None
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(".json"))
    except OSError:
        return {}
    return {name: _parsed(folder / name) for name in names}


def _parsed(path: Path) -> Any:
    from ..incremental import read_regular
    data = read_regular(path, SCHEMA_LIMIT)
    try:
        return json.loads(data) if data is not None else None
    except ValueError:
        return None
