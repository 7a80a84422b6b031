"""The CI recipes teams copy (ci/): each passes its format's linter (SchemaStore's schemas for GitHub
Actions workflows and GitLab CI, vendored in check-jsonschema, offline), each shell step parses,
and the rsqgen commands they run behave as the recipes rely on (exit codes included)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import EXAMPLES_DIR, REPO, require

GITHUB = REPO / "ci" / "github-actions" / "rsqgen.yml"
GITLAB = REPO / "ci" / "gitlab" / "rsqgen.gitlab-ci.yml"
RECIPES = [(GITHUB, "vendor.github-workflows"), (GITLAB, "vendor.gitlab-ci")]
BIN = Path(sys.executable).parent


def _lint(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    linter = BIN / "check-jsonschema"
    require("check-jsonschema (the test extras; `make test` installs it)", linter.exists())
    return subprocess.run([str(linter), "--builtin-schema", schema, str(path)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("path, schema", RECIPES, ids=["github-actions", "gitlab-ci"])
def test_the_recipe_passes_its_linter(path, schema):
    result = _lint(path, schema)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "path, schema, old, new",
    [
        (GITHUB, "vendor.github-workflows", "    runs-on: ubuntu-latest\n", "    runs_on: ubuntu-latest\n"),
        (GITLAB, "vendor.gitlab-ci", "  script:\n    - pip install --quiet checkov", "  scripts:\n    - pip install --quiet checkov"),
    ],
    ids=["github-actions", "gitlab-ci"],
)
def test_the_linter_catches_a_broken_recipe(tmp_path, path, schema, old, new):
    broken = tmp_path / path.name
    text = path.read_text()
    assert old in text
    broken.write_text(text.replace(old, new, 1))
    assert _lint(broken, schema).returncode != 0


def _scripts(path: Path) -> list[str]:
    doc = yaml.safe_load(path.read_text())
    out = []
    if path == GITHUB:
        for job in doc["jobs"].values():
            out += [step["run"] for step in job["steps"] if "run" in step]
    else:
        for name, job in doc.items():
            if isinstance(job, dict):
                for key in ("before_script", "script"):
                    out += ["\n".join(job.get(key, []))] if job.get(key) else []
    return out


@pytest.mark.parametrize("path", [GITHUB, GITLAB], ids=["github-actions", "gitlab-ci"])
def test_every_shell_step_parses(path):
    scripts = _scripts(path)
    assert len(scripts) >= 4
    for script in scripts:
        result = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{script}\n{result.stderr}"


def test_the_commands_the_recipes_run(tmp_path):
    """render --env all, render --check, validate DIR and review --fail-on security, as the recipes
    call them, on examples/environments; exit codes are what the recipes branch on."""
    rsqgen = str(BIN / "rsqgen")
    spec = tmp_path / "specs" / "analytics.yaml"
    spec.parent.mkdir()
    shutil.copy(EXAMPLES_DIR / "environments" / "analytics.yaml", spec)
    out = tmp_path / "terraform" / "analytics"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([rsqgen, *args], capture_output=True, text=True, check=False, cwd=tmp_path)

    assert run("render", str(spec), "--env", "all", "-o", str(out)).returncode == 0
    assert run("render", str(spec), "--env", "all", "-o", str(out), "--check").returncode == 0
    (out / "prod" / "main.tf").write_text((out / "prod" / "main.tf").read_text() + "\n# edited by hand\n")
    stale = run("render", str(spec), "--env", "all", "-o", str(out), "--check")
    assert stale.returncode == 1 and "prod" in stale.stderr
    for env in ("dev",):
        assert run("validate", str(out / env), "--no-terraform", "--no-checkov").returncode == 0
    plans = REPO / "tests" / "fixtures" / "plans"
    assert run("review", str(plans / "widen.json"), "--fail-on", "security").returncode == 1
    quiet = [p for p in sorted(plans.glob("*.json")) if run("review", str(p), "--fail-on", "security").returncode == 0]
    assert quiet, "no fixture plan without security-relevant changes: the gate would always fail"
