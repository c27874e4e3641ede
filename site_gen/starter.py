"""`site-gen init [DIR]`: a new team repository that `check` and `build` accept at once.

`starter_files(organisation, today)` is pure: {relative path: text}, dated around today so the
examples are fresh (open, reviewed, not overdue). `create_repository` writes them into an empty
folder, adds the JSON Schemas made from the new site.yaml, and runs `git init`.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta
from pathlib import Path

from . import __version__

# The repository that hosts site-gen's action.yml, as the README names it; a team replaces it with its own fork.
ACTION = f"your-org/site-gen@v{__version__}"


class StarterError(Exception):
    """The repository cannot be created there; nothing was written."""


def _site_yaml(organisation: str) -> str:
    return f"""\
# yaml-language-server: $schema=schemas/site.schema.json
# The team's settings: site-gen reads this file first. Every field is described in
# site-gen's README ("site.yaml"); your editor completes them from schemas/site.schema.json.

organisation: {json.dumps(organisation, ensure_ascii=False)}

# The public "you said, we did" site, for customers. base_url: where it is hosted, ending with /
# (needed for the sitemap and absolute feed links); null while you try things out.
public:
  title: You said, we did
  base_url: null
  language: en
  accent: "#0a7d5a"
  logo: null

# The internal site, for employees only: never host it where customers can reach it.
internal:
  title: Customer backlog
  base_url: null

# The customer journey, in order: every irritant, story and feedback row names one stage.
# After changing these three lists, run `site-gen schema --out schemas/` so your editor offers the new names.
journey_stages: [discover, sign-up, first-use, payment, support, cancel]
# Teams that own irritants, and the customer segments your feedback is tagged with.
teams: [product, support, ops]
segments: [individual, business]

# The backlog rules `site-gen check` enforces on every pull request.
rules:
  max_open: 10            # at most this many open + in-progress irritants: the backlog stays short
  review_every_days: 14   # open irritants are reviewed at the team meeting at least this often
  overdue: warning        # an open irritant past its target: warning or error
  unreviewed: warning     # an open irritant not reviewed in time: warning or error

# At most three customer metrics, each linked to decisions when it moves. For example:
# metrics:
#   - {{id: nps, name: Net Promoter Score, direction: up, threshold: 10, compute: nps}}
metrics: []
"""


def _irritant(today: date) -> str:
    opened = today - timedelta(days=10)
    return f"""\
# yaml-language-server: $schema=../../schemas/irritant.schema.json
# An example irritant: a customer pain point the team decided to act on. Copy it, or run
#   site-gen new irritant
title: Password reset e-mail arrives after the link has expired
public_title: Resetting your password takes too long
slug: resetting-your-password-takes-too-long
summary: |
  Customers ask for a new password, wait, and find the link expired when the e-mail finally arrives.
journey_stage: sign-up
team: product
owner: Sam Example
cause: The e-mail provider queues password e-mails with newsletters
triage: act-now
status: in-progress
opened: {opened.isoformat()}
target: {(today + timedelta(days=21)).isoformat()}
reviewed: {(today - timedelta(days=3)).isoformat()}
feedback: [example-1, example-3]
visibility: public
"""


def _decision(today: date) -> str:
    return f"""\
---
# yaml-language-server: $schema=../../schemas/decision.schema.json
title: Send password e-mails through a dedicated, fast queue
date: {(today - timedelta(days=7)).isoformat()}
owner: Sam Example
review_on: {(today + timedelta(days=60)).isoformat()}
status: active
kind: arbitration
change: friction
irritants: [slow-password-reset]
customer: The reset link arrives within a minute, while it still works.
promise: Yes — we promise that getting back into your account is quick.
teams: A second e-mail queue to run; support answers fewer "link expired" tickets.
simplest: Yes — faster delivery beats a longer link lifetime, which would weaken security.
---

## Context

A third of sign-up complaints are about reset links that expired before they arrived.

## Decision

Password e-mails leave through their own queue, ahead of newsletters.

## Consequences

We look again on the review date: are "link expired" tickets gone?
"""


def _story(today: date) -> str:
    return f"""\
---
# yaml-language-server: $schema=../../schemas/story.schema.json
title: Password reset links now arrive in a minute
date: {(today - timedelta(days=1)).isoformat()}
slug: password-reset-links-now-arrive-in-a-minute
you_said: The password reset e-mail came too late, and its link had already expired.
we_did: Password e-mails now leave ahead of everything else, so they arrive within a minute.
irritants: [slow-password-reset]
audience: public
---

Thank you for telling us. Resetting your password should take a minute, not an afternoon.
"""


def _feedback(today: date) -> str:
    rows = [
        ("example-1", 12, "ticket", "C-0001", "individual", "product", "sign-up", "", "",
         "The reset link had expired when the e-mail arrived", "complaint"),
        ("example-2", 9, "survey", "C-0002", "business", "support", "support", "nps", "9",
         "Support answered within the hour, thank you", "praise"),
        ("example-3", 5, "chat", "C-0003", "individual", "product", "sign-up", "", "",
         "Waited twenty minutes for a password e-mail", "complaint"),
        ("example-4", 3, "survey", "C-0004", "individual", "ops", "payment", "nps", "4",
         "I was charged twice this month", "complaint"),
    ]
    lines = ["id,date,source,customer,segment,team,journey_stage,score_type,score,verbatim,kind"]
    for key, days, source, customer, segment, team, stage, score_type, score, verbatim, kind in rows:
        day = (today - timedelta(days=days)).isoformat()
        lines.append(f"{key},{day},{source},{customer},{segment},{team},{stage},{score_type},{score},"
                     f"\"{verbatim}\",{kind}")
    return "\n".join(lines) + "\n"


_CHECK_WORKFLOW = f"""\
# Checks the backlog rules on every pull request: problems show inline on the changed lines,
# and the job summary lists all of them.
name: check backlog
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      # your-org: the GitHub organisation or user whose copy of site-gen (its action.yml) your workflows use
      - uses: {ACTION}
        with:
          command: check
"""

_PUBLISH_WORKFLOW = f"""\
# Builds both sites on every push to main and every morning, so overdue items, due reviews and
# scheduled stories are up to date between commits. The public site goes to GitHub Pages; the
# internal one is kept as an artifact (host it behind your company's login, never on Pages).
name: publish
on:
  push:
    branches: [main]
  schedule:
    - cron: "17 5 * * *"
  workflow_dispatch:
permissions:
  contents: read
concurrency:
  group: pages
  cancel-in-progress: false
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # irritant pages show the history of their file
      # your-org: the GitHub organisation or user whose copy of site-gen (its action.yml) your workflows use
      - uses: {ACTION}
        with:
          command: build
          out: _site
      - uses: actions/upload-pages-artifact@v3
        with:
          path: _site/public
      - uses: actions/upload-artifact@v4
        with:
          name: internal-site
          path: _site/internal
          retention-days: 30
  deploy:
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""

_PRE_COMMIT = """\
# Runs the backlog rules before each commit (pip install pre-commit && pre-commit install).
repos:
  - repo: local
    hooks:
      - id: site-gen-check
        name: site-gen check
        entry: site-gen check
        language: system
        pass_filenames: false
        files: ^(site\\.yaml|backlog/.*|feedback/.*)$
"""

_VSCODE_SETTINGS = json.dumps({
    "yaml.schemas": {
        "./schemas/site.schema.json": "site.yaml",
        "./schemas/irritant.schema.json": "backlog/irritants/*.yaml",
        "./schemas/feedback-batch.schema.json": "feedback/*.yaml",
    },
    "files.associations": {"backlog/decisions/*.md": "markdown", "backlog/stories/*.md": "markdown"},
}, indent=2) + "\n"

_VSCODE_EXTENSIONS = json.dumps({"recommendations": ["redhat.vscode-yaml"]}, indent=2) + "\n"


def _readme(organisation: str) -> str:
    return f"""\
# {organisation} — customer backlog

Our customer backlog as code: feedback, the short list of irritants we decided to act on, our decisions
and the "you said, we did" stories we tell customers. `site-gen` checks the rules on every pull request
and publishes two sites: an internal one for us, a public one for customers.

| What | Where |
|---|---|
| Settings, journey stages, teams, rules | `site.yaml` |
| Irritants | `backlog/irritants/ID.yaml` — `site-gen new irritant` |
| Decisions | `backlog/decisions/ID.md` — `site-gen new decision` |
| Stories | `backlog/stories/ID.md` — `site-gen new story` |
| Feedback exports | `feedback/*.csv`, `*.jsonl`, `*.yaml` |

```sh
site-gen check            # the rules, with file and line for every problem
site-gen build            # _site/public (customers) and _site/internal (employees only)
site-gen serve            # preview with live reload
site-gen digest           # last week's complaints, suggestions and praise, for the chat
```

The examples (`slow-password-reset` and friends) show each kind of file: replace them with your own.
Pull requests are checked by `.github/workflows/check.yml`; `publish.yml` builds every morning and on
every push to main.
"""


def starter_files(organisation: str, today: date) -> dict[str, str]:
    """Every file of a new repository except the schemas, {relative path: text}. Pure."""
    return {
        "site.yaml": _site_yaml(organisation),
        "backlog/irritants/slow-password-reset.yaml": _irritant(today),
        "backlog/decisions/fast-password-queue.md": _decision(today),
        "backlog/stories/password-reset-in-a-minute.md": _story(today),
        "feedback/example.csv": _feedback(today),
        ".github/workflows/check.yml": _CHECK_WORKFLOW,
        ".github/workflows/publish.yml": _PUBLISH_WORKFLOW,
        ".pre-commit-config.yaml": _PRE_COMMIT,
        ".vscode/settings.json": _VSCODE_SETTINGS,
        ".vscode/extensions.json": _VSCODE_EXTENSIONS,
        ".gitignore": "_site/\n",
        "README.md": _readme(organisation),
    }


def _empty_enough(directory: Path) -> bool:
    """Absent, empty, or holding only .git: a team often creates its repository on its forge and clones it first."""
    if not directory.exists():
        return True
    return directory.is_dir() and all(entry.name == ".git" for entry in directory.iterdir())


def _name_of(directory: Path) -> str:
    """The organisation a folder's name suggests: our-backlog -> Our Backlog. Each word's first letter only, where
    str.title() also capitalises after an apostrophe (it's -> It'S)."""
    words = directory.absolute().name.replace("-", " ").replace("_", " ").split()
    return " ".join(word[:1].upper() + word[1:] for word in words) or "Our team"


def create_repository(directory: Path, organisation: str | None, today: date, git: bool = True) -> list[str]:
    """Write a new team repository into directory (absent, empty or a fresh clone); the relative paths written."""
    from .load.records import load_site_config
    from .schemas import render_schemas

    if not _empty_enough(directory):
        raise StarterError(f"{directory} is not empty; site-gen init only writes into a new or empty folder (or a "
                           "fresh clone holding only .git): name a new one, e.g. site-gen init our-backlog")
    name = organisation or _name_of(directory)
    files = starter_files(name, today)
    try:
        for relative, text in files.items():
            target = directory / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
        root = directory.absolute()
        schemas = render_schemas(load_site_config(root / "site.yaml", root, []))
        for schema_name, data in schemas.items():
            (directory / "schemas").mkdir(exist_ok=True)
            (directory / "schemas" / schema_name).write_bytes(data)
    except OSError as exc:
        raise StarterError(f"cannot write into {directory}: {exc.strerror or exc}") from None
    written = sorted([*files, *(f"schemas/{schema_name}" for schema_name in schemas)])
    if git:
        try:
            subprocess.run(["git", "init", "--quiet", str(directory)], check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            raise StarterError(f"the files are written, but git init failed: {exc}; run git init yourself") from None
    return written
