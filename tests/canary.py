"""A backlog with a canary planted in every internal field, internal record, internal ID and title.

Public fields of public records carry a PUBLIC marker instead, so a test can
prove that public output is not simply empty.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

CANARY = "zqcanary"  # lower-case letters only, so it also fits IDs, slugs and file names
PUBLIC = "Publicmark"


def c(field: str) -> str:
    return f"{CANARY}{field.replace('_', '')}"


SITE = f"""\
organisation: Canary Test Org
public: {{title: "{PUBLIC} site title", base_url: https://example.org/changes/, language: en, accent: "#0a7d5a"}}
internal: {{title: "{c('internaltitle')}", base_url: https://intranet.example.org/{c('url')}/}}
journey_stages: [payment, support]
teams: [{c('team')}, other]
segments: [{c('segment')}]
rules: {{max_open: 10, review_every_days: 3650}}
metrics:
  - {{id: {c('metric')}, name: "{c('metricname')}", direction: up, threshold: 1000, compute: nps}}
"""


def irritant(ident: str, visibility: str, triage: str = "plan", status: str = "in-progress", public: bool = True) -> str:
    closed = "closed: 2026-03-01\n" if status in ("done", "declined") else ""
    # a public item's address is public (a slug, old addresses); an internal record's must never show
    address = (f"slug: publicmark-{ident}-item\naliases: [publicmark-{ident}-old-address]" if public
               else f"slug: {c('slug')}-{ident}\naliases: [{c('alias')}-{ident}]")
    title = f'"{PUBLIC} {ident} public title"' if public else f'"{c("publictitle")} of internal"'
    reason = f'"{PUBLIC} {ident} public reason"' if public else f'"{c("publicreason")} of internal"'
    return f"""\
title: "{c('title')} {ident}"
summary: "{c('summary')} with **markdown**"
public_title: {title}
journey_stage: payment
team: {c('team')}
owner: "{c('owner')}"
cause: "{c('cause')}"
triage: {triage}
decline_reason: "{c('declinereason')}"
public_reason: {reason}
status: {status}
opened: 2026-01-10
target: 2027-01-20
reviewed: 2026-11-20
{closed}feedback: [{c('feedbackid').upper()}-1]
visibility: {visibility}
{address}
"""


def story(audience: str, irritant_id: str, public: bool = True, slug: str = "") -> str:
    mark = PUBLIC if public else CANARY
    address = (f"slug: {slug}\naliases: [{slug}-old-address]\n" if public
               else f"slug: {c('slug')}-story\naliases: [{c('alias')}-story]\n")
    return f"""\
---
{address}title: "{mark} story title {audience}"
date: 2026-10-05
you_said: "{mark} you said"
we_did: "{mark} we did"
result: "{mark} result"
irritants: [{irritant_id}]
audience: {audience}
internal_notes: "{c('internalnotes')}"
---

{mark} body paragraph.
"""


DECISION = f"""\
---
title: "{c('decisiontitle')}"
date: 2026-10-01
owner: "{c('decisionowner')}"
review_on: 2027-01-01
status: active
kind: debrief
change: rule
metric: {c('metric')}
irritants: [{c('internalirritant')}]
steps_delta: -1
what_happened: "{c('whathappened')}"
customer_impact: "{c('customerimpact')}"
root_cause: "{c('rootcause')}"
prevention: "{c('prevention')}"
customer: "{c('customer')}"
promise: "{c('promise')}"
teams: "{c('teams')}"
simplest: "{c('simplest')}"
---

{c('decisionbody')}
"""

FEEDBACK = (
    "id,date,source,customer,segment,team,journey_stage,score_type,score,verbatim,consent_public,kind,irritant\n"
    f"{c('feedbackid').upper()}-1,2026-10-01,survey,{c('customer')}1,{c('segment')},{c('team')},payment,nps,3,"
    f"{c('verbatim')} no consent,false,complaint,{c('publicirritant')}\n"
    f"{c('feedbackid').upper()}-2,2026-10-02,ticket,{c('customer')}2,{c('segment')},{c('team')},payment,,,"
    f"{c('verbatim')} consent but never published,true,praise,{c('internalirritant')}\n"
)


def add_journey_stage(root: Path, step: int) -> Path:
    """A journey stage added at the end of site.yaml's list (a public name: it has a page and a feed)."""
    site = root / "site.yaml"
    text = site.read_text("utf-8")
    stages = text.index("journey_stages: [") + len("journey_stages: [")
    end = text.index("]", stages)
    site.write_text(f"{text[:end]}, added-stage-{step}{text[end:]}", "utf-8")
    return site


def write_canary_repo(root: Path) -> Path:
    for folder in ("backlog/irritants", "backlog/decisions", "backlog/stories", "feedback"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(SITE, encoding="utf-8")
    files = {
        f"backlog/irritants/{c('publicirritant')}.yaml": irritant("open", "public"),
        f"backlog/irritants/{c('publicdeclined')}.yaml": irritant("declined", "public", "decline", "declined"),
        f"backlog/irritants/{c('internalirritant')}.yaml": irritant("internal", "internal", public=False),
        f"backlog/irritants/{c('internaldeclined')}.yaml": irritant("x", "internal", "decline", "declined", public=False),
        f"backlog/stories/{c('publicstory')}.md": story("public", c("internalirritant"), slug="publicmark-story"),
        f"backlog/stories/{c('publicstorytwo')}.md": story("public", c("publicirritant"), slug="publicmark-story-two"),
        f"backlog/stories/{c('internalstory')}.md": story("internal", c("publicirritant"), public=False),
        f"backlog/decisions/{c('decision')}.md": DECISION,
        f"feedback/{c('export')}.csv": FEEDBACK,
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


# The dates of the public item's status changes in the git history below: they must be published, while the
# commits' authors, e-mail addresses and messages (canaries) must not.
OPENED_ON, STARTED_ON = "2026-04-07", "2026-05-19"


def write_canary_history(root: Path) -> Path:
    """The canary repository as a git checkout: the public item went from open to in progress in a second commit."""
    item = root / f"backlog/irritants/{c('publicirritant')}.yaml"
    internal = root / f"backlog/irritants/{c('internalirritant')}.yaml"
    final = item.read_text(encoding="utf-8")
    item.write_text(final.replace("status: in-progress", "status: open"), encoding="utf-8")
    internal.write_text(internal.read_text(encoding="utf-8").replace("status: in-progress", "status: open"),
                        encoding="utf-8")

    def commit(day: str, message: str) -> None:
        env = {**os.environ, "GIT_AUTHOR_NAME": c("author"), "GIT_AUTHOR_EMAIL": f"{c('email')}@example.org",
               "GIT_COMMITTER_NAME": c("committer"), "GIT_COMMITTER_EMAIL": f"{c('email')}@example.org",
               "GIT_AUTHOR_DATE": f"{day}T10:00:00Z", "GIT_COMMITTER_DATE": f"{day}T10:00:00Z"}
        subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
        subprocess.run(["git", "commit", "-qm", message], cwd=root, env=env, check=True)

    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    commit(OPENED_ON, f"{c('commitmessage')} first")
    item.write_text(final, encoding="utf-8")
    internal.write_text(internal.read_text(encoding="utf-8").replace("status: open", "status: in-progress"),
                        encoding="utf-8")
    commit(STARTED_ON, f"{c('commitmessage')} started")
    return root
