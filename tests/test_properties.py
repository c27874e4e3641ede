"""Properties: whatever bytes land in a record file, check reports instead of crashing."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from site_gen.check import check_repository

RECORD_FILES = ["backlog/irritants/x.yaml", "backlog/decisions/x.md", "backlog/stories/x.md", "site.yaml",
                "feedback/x.csv", "feedback/x.jsonl", "feedback/x.yaml"]
MINIMAL_SITE = b"organisation: Test\njourney_stages: [payment]\nteams: [billing]\n"

# bytes that look like what people type: YAML punctuation, front matter, dates, keys
YAMLISH = st.lists(st.sampled_from([
    b"---\n", b"title: ", b"status: open\n", b"- ", b"[", b"]", b"{", b"}", b": ", b"\n", b"  ", b"&a ", b"*a",
    b"!!python/name:os.system", b"'", b'"', b"2026-02-30", b"yes", b"0042", b"12:30", b"\xff", b"\x00", b"\r\n",
    b"\xef\xbb\xbf", b"#", b",", b"id,date,source\n", b'{"id": 1}', b"irritants: [a, b]\n", b"|\n", b">\n",
]), max_size=40).map(b"".join)


def _check_bytes(data: bytes) -> None:
    for rel in RECORD_FILES:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "site.yaml").write_bytes(MINIMAL_SITE)
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            result = check_repository(root, date(2026, 11, 23))  # must not raise
            for diagnostic in result.diagnostics:
                assert diagnostic.loc.path == rel
                assert diagnostic.loc.line >= 1 and diagnostic.loc.col >= 1
                assert diagnostic.message and diagnostic.rule and diagnostic.hint


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_a_loader(data: bytes) -> None:
    _check_bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
@example(b"2026-02-30")   # a whole file that YAML reads as a date with no such day: it was described by its value
def test_yaml_like_bytes_never_crash_a_loader(data: bytes) -> None:
    _check_bytes(data)
