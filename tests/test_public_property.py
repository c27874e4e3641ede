"""Property: whatever the records say about visibility, internal fields never reach public output,
and only records marked exactly `public` appear there."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_gen.check import check_repository
from site_gen.sites import render_sites

from .conftest import TODAY

VISIBILITY = st.sampled_from(["public", "internal", "Public", "PUBLIC", "pubic", "", "yes", "true", "null"])
TOKEN = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=8, max_size=12).map(lambda t: "zz" + t)

SITE = ("organisation: Property Org\njourney_stages: [payment]\nteams: [billing]\n"
        "public: {base_url: https://example.org/p/}\nrules: {review_every_days: 3650}\n")


def _write(root: Path, token: str, irritant_visibility: list[str], story_audience: list[str]) -> None:
    for folder in ("backlog/irritants", "backlog/stories", "feedback"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(SITE, encoding="utf-8")
    for n, visibility in enumerate(irritant_visibility):
        (root / f"backlog/irritants/i{n}.yaml").write_text(
            f"title: {token} title {n}\nsummary: {token} summary\npublic_title: Pubirritant {n}\n"
            f"journey_stage: payment\nteam: billing\nowner: {token} owner\ncause: {token} cause\ntriage: plan\n"
            f"status: open\nopened: 2026-01-01\ntarget: 2027-01-01\nreviewed: 2026-11-20\n"
            f"decline_reason: {token} reason\nvisibility: {visibility}\n", encoding="utf-8")
    for n, audience in enumerate(story_audience):
        (root / f"backlog/stories/s{n}.md").write_text(
            f"---\ntitle: Pubstory {n}\ndate: 2026-10-01\nyou_said: Pubsaid {n}\nwe_did: Pubdid {n}\n"
            f"irritants: [i{n % len(irritant_visibility)}]\naudience: {audience}\n"
            f"internal_notes: {token} notes\n---\n\nPubbody {n}\n", encoding="utf-8")
    (root / "feedback/f.csv").write_text(
        "id,date,source,customer,journey_stage,verbatim,irritant\n"
        f"F-1,2026-10-01,survey,{token}cust,payment,{token} verbatim,i0\n", encoding="utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(token=TOKEN, irritant_visibility=st.lists(VISIBILITY, min_size=1, max_size=4),
       story_audience=st.lists(VISIBILITY, min_size=0, max_size=4))
def test_internal_text_never_reaches_public_output(token: str, irritant_visibility: list[str],
                                                   story_audience: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _write(root, token, irritant_visibility, story_audience)
        result = check_repository(root, TODAY, workers=1)
        public = render_sites(result, root, only="public", workers=1)["public"]
    text = "\n".join(name + "\n" + data.decode("utf-8") for name, data in public.items())
    assert token not in text
    for n, visibility in enumerate(irritant_visibility):
        assert (f"Pubirritant {n}<" in text) == (visibility == "public"), (n, visibility)
    for n, audience in enumerate(story_audience):
        assert (f"Pubdid {n}" in text) == (audience == "public"), (n, audience)
