"""The CI recipes teams copy (ci/): each passes its format's linter (SchemaStore's schemas for GitHub
Actions workflows and GitLab CI, vendored in check-jsonschema, offline), each shell step parses,
the rsqgen commands they run behave as the recipes rely on (exit codes included), and their install
commands, run as written, give rsqgen in the job's Python and checkov in a virtual environment of its
own that rsqgen validate finds through RSQGEN_CHECKOV."""

from __future__ import annotations

import os
import re
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
        (GITLAB, "vendor.gitlab-ci", "  stage: check\n  script:\n", "  stage: check\n  scripts:\n"),
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


# --- The install commands, run as written ------------------------------------------------------
# checkov pins versions that clash with python-hcl2, so the recipes install it in a virtual
# environment of its own and point RSQGEN_CHECKOV at it. These tests take each recipe's install
# commands out of the parsed YAML and run them with bash: a fresh venv plays the job's Python
# (setup-python on GitHub, the image's Python on GitLab) and RSQGEN is this checkout. pip may
# download from the index; a failing venv or pip fails the test.

INSTALL_TIMEOUT = 1800
# How the CI systems run a shell step: GitHub's `shell: bash` is `bash --noprofile --norc -eo
# pipefail {0}`; GitLab's runner runs before_script and script in one bash with `set -eo pipefail`.
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
# Where each recipe keeps what is not the checkout: the variable holding the folder its checkov
# venv goes under.
CHECKOV_BASE_VAR = {GITHUB: "RUNNER_TEMP", GITLAB: "CI_PROJECT_DIR"}


def _runs_validate(commands: list[str]) -> bool:
    return any(re.search(r"\brsqgen validate\b", c) for c in commands)


def _is_install(command: str) -> bool:
    return bool(re.search(r"\bpip install\b|\bvenv\b|RSQGEN_CHECKOV", command))


def _github_install_steps(doc: dict) -> tuple[dict[str, str], list[dict]]:
    """(workflow and job env, the install steps before `rsqgen validate`) of the job that validates."""
    jobs = [j for j in doc["jobs"].values() if _runs_validate([s.get("run", "") for s in j["steps"]])]
    assert len(jobs) == 1, "expected exactly one job running rsqgen validate"
    job = jobs[0]
    steps = []
    for step in job["steps"]:
        run = step.get("run", "")
        if _runs_validate([run]):
            break
        if _is_install(run):
            steps.append(step)
    return {**doc.get("env", {}), **job.get("env", {})}, steps


def _gitlab_install_script(doc: dict) -> tuple[dict[str, str], list[str]]:
    """(global and job variables, the install commands of before_script + script before `rsqgen
    validate`) of the job that validates, with `extends` resolved as GitLab does (a job's own keys
    override its templates')."""

    def resolved(name: str) -> dict:
        job = doc[name]
        parents = job.get("extends", [])
        merged: dict = {}
        for parent in [parents] if isinstance(parents, str) else parents:
            merged.update(resolved(parent))
        merged.update(job)
        return merged

    jobs = [
        resolved(name)
        for name, job in doc.items()
        if isinstance(job, dict) and not name.startswith(".") and _runs_validate(job.get("script", []))
    ]
    assert len(jobs) == 1, "expected exactly one job running rsqgen validate"
    job = jobs[0]
    commands = []
    for command in [*job.get("before_script", []), *job.get("script", [])]:
        if _runs_validate([command]):
            break
        if _is_install(command):
            commands.append(command)
    variables = {k: v for k, v in {**doc.get("variables", {}), **job.get("variables", {})}.items() if isinstance(v, str)}
    return variables, commands


def _install_commands(path: Path) -> tuple[dict[str, str], list[str]]:
    """(the variables the recipe sets, its install scripts: one per GitHub step, one for GitLab)."""
    doc = yaml.safe_load(path.read_text())
    if path == GITHUB:
        env, steps = _github_install_steps(doc)
        for step in steps:
            env = {**env, **step.get("env", {})}
        scripts = [step["run"] for step in steps]
    else:
        env, commands = _gitlab_install_script(doc)
        scripts = ["\n".join(commands)]
    assert scripts and all(s.strip() for s in scripts), f"{path.name}: no install commands found"
    assert not any("${{" in str(v) for v in env.values()), env
    return {k: str(v) for k, v in env.items()}, scripts


def _checkov_install_lines(path: Path) -> list[str]:
    """The lines that install checkov, with the recipe's folder variable written as one placeholder:
    equal for two recipes means they build the same checkov venv under the same folder."""
    var = CHECKOV_BASE_VAR[path]
    lines = [line.strip() for s in _install_commands(path)[1] for line in s.splitlines()]
    return [
        re.sub(r"\$\{?" + var + r"\}?", "<BASE>", line)
        for line in lines
        if "checkov" in line and "RSQGEN_CHECKOV" not in line
    ]


def _clean_path() -> str:
    """PATH without any folder holding a checkov or rsqgen or being a virtual environment's bin/ (the
    test's own .venv): what the job finds must come from the recipe's commands."""
    keep = []
    for entry in os.environ.get("PATH", os.defpath).split(os.pathsep):
        d = Path(entry)
        if not entry or (d / "checkov").exists() or (d / "rsqgen").exists() or (d.parent / "pyvenv.cfg").exists():
            continue
        keep.append(entry)
    return os.pathsep.join(keep)


def _run(cmd: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, input=stdin, env=env, cwd=cwd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
    )


def _ok(result: subprocess.CompletedProcess[str], what: str) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{what} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def checkov_base(tmp_path_factory):
    """The folder each recipe's checkov venv goes under. When both recipes' checkov install lines are
    the same once their folder variable is substituted, both get one shared folder: the second run
    still executes its own commands, which find the venv made and checkov installed (one checkov
    install for the module)."""
    shared = _checkov_install_lines(GITHUB) == _checkov_install_lines(GITLAB)
    one = tmp_path_factory.mktemp("checkov-base")
    return lambda path: one if shared else tmp_path_factory.mktemp(f"checkov-base-{path.stem}")


def _parse_github_env(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if not line.strip():
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for more in lines:
                if more == delimiter:
                    break
                value.append(more)
            out[name] = "\n".join(value)
        else:
            name, sep, value = line.partition("=")
            assert sep, f"not NAME=VALUE in GITHUB_ENV: {line!r}"
            out[name] = value
    return out


@pytest.mark.checkov
@pytest.mark.parametrize("path", [GITHUB, GITLAB], ids=["github-actions", "gitlab-ci"])
def test_the_install_commands_put_checkov_apart(tmp_path, checkov_base, path):
    """The recipe's own install commands: rsqgen runs from the job's Python, which cannot import
    checkov; RSQGEN_CHECKOV names a checkov that runs, and rsqgen validate runs it."""
    clean_path = _clean_path()
    python3 = shutil.which("python3", path=clean_path)
    assert python3, f"python3 not on PATH ({clean_path})"
    job_python = tmp_path / "job-python"
    _ok(_run([python3, "-m", "venv", str(job_python)], dict(os.environ), tmp_path), "python3 -m venv (the job's Python)")
    job_bin = job_python / "bin"

    env = {k: v for k, v in os.environ.items() if k not in {"RSQGEN_CHECKOV", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}}
    env["PATH"] = os.pathsep.join([str(job_bin), clean_path])
    variables, scripts = _install_commands(path)
    env.update(variables)
    env["RSQGEN"] = str(REPO)  # `pip install "$RSQGEN"` installs this checkout
    base = checkov_base(path)
    env[CHECKOV_BASE_VAR[path]] = str(base)

    if path == GITHUB:
        workspace = tmp_path / "workspace"
        workspace.mkdir()
        github_env = tmp_path / "github_env"
        github_env.touch()
        env.update({"GITHUB_ENV": str(github_env), "GITHUB_WORKSPACE": str(workspace), "CI": "true"})
        for script in scripts:  # one bash per step; each later step sees what earlier ones put in GITHUB_ENV
            step_env = {**env, **_parse_github_env(github_env.read_text())}
            _ok(_run(BASH, step_env, workspace, stdin=script), f"the step\n{script}\n")
        job_env = {**env, **_parse_github_env(github_env.read_text())}
    else:
        dump = tmp_path / "job.env"
        env.update({"CI": "true", "GITLAB_CI": "true", "CI_BUILDS_DIR": str(base.parent)})
        script = scripts[0] + f'\nenv -0 > "{dump}"\n'  # what the job's later commands see
        _ok(_run(BASH, env, base, stdin=script), f"the script\n{scripts[0]}\n")
        job_env = dict(item.split("=", 1) for item in dump.read_text().split("\0") if item)

    # rsqgen runs from the job's Python.
    assert shutil.which("rsqgen", path=job_env["PATH"]) == str(job_bin / "rsqgen")
    version = _ok(_run(["rsqgen", "--version"], job_env, tmp_path), "rsqgen --version")
    assert version.stdout.strip()

    # RSQGEN_CHECKOV names a checkov outside the job's Python, and it runs.
    checkov = job_env.get("RSQGEN_CHECKOV")
    assert checkov, f"the install commands set no RSQGEN_CHECKOV for the later steps:\n{scripts}"
    assert Path(checkov).is_file() and not Path(checkov).is_relative_to(job_python), checkov
    _ok(_run([checkov, "--version"], job_env, tmp_path), f"{checkov} --version")

    # The job's Python cannot import checkov (nor has it on PATH); it imports python-hcl2's hcl2.
    probe = "import importlib.util as u, sys; sys.exit(0 if u.find_spec('checkov') is None and u.find_spec('hcl2') else 1)"
    assert _run(["python", "-c", probe], job_env, tmp_path).returncode == 0, "checkov is importable in the job's Python"
    assert shutil.which("checkov", path=job_env["PATH"]) is None

    # rsqgen validate runs checkov through RSQGEN_CHECKOV; without it, checkov cannot run.
    def validate(env: dict[str, str]) -> tuple[int, str | None, str]:
        result = _run(["rsqgen", "validate", "examples/seed/spec.yaml", "--no-terraform"], env, REPO)
        status = next((w[0] for w in map(str.split, result.stdout.splitlines()) if w[1:2] == ["checkov"]), None)
        return result.returncode, status, result.stdout + result.stderr

    code, status, output = validate(job_env)
    assert (code, status) == (0, "PASSED"), output
    code, status, output = validate({k: v for k, v in job_env.items() if k != "RSQGEN_CHECKOV"})
    assert (code, status) == (3, "NOT_RUN"), output
