"""A versioned module source (`modules: {source, ref, commit}`): the tree calls every module at
<source>/<module>?ref=<commit> and copies none; terraform init fetches them from a git repository
(here a local one, tagged as a release would be) and the tree validates, checkov included; a ref
the repository does not have fails init. Bad values are refused at their line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import EXAMPLES_DIR, REPO
from rsqgen import __version__, core
from rsqgen.errors import SpecError

TAG = f"v{__version__}"
SPEC = EXAMPLES_DIR / "team" / "spec.yaml"  # rules, Scheduler, statuses, topics, a key: most modules


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> tuple[Path, str]:
    """A git repository holding this checkout's modules/ (without their tests), tagged as the
    release: (its folder, the tag's commit)."""
    assert shutil.which("git"), "git is required"
    repo = tmp_path_factory.mktemp("rsqgen-release")
    shutil.copytree(REPO / "modules", repo / "modules", ignore=shutil.ignore_patterns("tests", ".*"))
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "release", cwd=repo)
    git("tag", TAG, cwd=repo)
    return repo, git("rev-parse", f"{TAG}^{{commit}}", cwd=repo)


def with_modules(tmp_path: Path, block: str) -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.read_text("utf-8").rstrip("\n") + "\n" + block, encoding="utf-8")
    return spec


def render(spec: Path, out: Path) -> core.Rendered:
    r = core.render_spec(spec)
    core.write(r, out)
    return r


def test_the_tree_calls_each_module_at_the_commit_and_copies_none(tmp_path, release):
    repo, commit = release
    base = f"git::file://{repo}//modules"
    r = render(with_modules(tmp_path, f"modules:\n  source: {base}\n  ref: {TAG}\n  commit: {commit}\n"), tmp_path / "out")
    assert not [f for f in r.files if f.startswith("modules/")]
    sources = re.findall(r'^\s*source\s*=\s*"([^"]+)"', r.files["main.tf"].decode(), re.M)
    called = sorted(r.deployment.modules)
    assert sorted(s.rsplit("/", 1)[1].split("?")[0] for s in sources) == sorted(m for m in called for _ in range(sources_per(r, m)))
    assert {s.split("//modules/")[0] for s in sources} == {f"git::file://{repo}"}
    assert all(s.endswith(f"?ref={commit}") for s in sources), sources
    assert not [w for w in r.deployment.warnings if "modules" in w], r.deployment.warnings
    vendored = core.render_spec(SPEC)
    assert sorted(f for f in vendored.files if f.startswith("modules/"))  # the default still copies


def sources_per(r: core.Rendered, module: str) -> int:
    """How many module blocks call `module` (the kms-key module may be called more than once)."""
    return len(re.findall(rf'source\s*=\s*"[^"]*/{re.escape(module)}\?ref=', r.files["main.tf"].decode()))


def test_a_tag_without_its_commit_and_another_release_are_warnings(tmp_path, release):
    repo, _ = release
    r = core.render_spec(with_modules(tmp_path, f"modules:\n  source: git::file://{repo}//modules\n  ref: v0.0.9\n"))
    joined = "\n".join(r.deployment.warnings)
    assert f"modules.ref 'v0.0.9' is not this rsqgen's release ({TAG})" in joined
    assert "can be moved" in joined and "CKV_TF_1" in joined
    assert re.search(r"spec\.yaml:\d+:\d+: warning: modules\.ref", joined), joined
    assert all(s.endswith("?ref=v0.0.9") for s in re.findall(r'source\s*=\s*"([^"]+)"', r.files["main.tf"].decode()))


@pytest.mark.parametrize(
    "source, ref, commit, wrong",
    [
        ("git::https://github.com/acme/rsqgen.git", "v0.1.0", None, "module source"),  # no //folder
        ("git::https://github.com/acme/rsqgen.git//modules?ref=v1", "v0.1.0", None, "module source"),
        ("https://github.com/acme/rsqgen.git//modules", "v0.1.0", None, "module source"),  # not git::
        ("./modules", "v0.1.0", None, "module source"),
        ("git::https://github.com/acme/rsqgen.git//modules", "-v1", None, "module ref"),
        ("git::https://github.com/acme/rsqgen.git//modules", "v0.1.0", "abc123", "git commit"),
    ],
)
def test_bad_values_are_refused_at_their_line(tmp_path, source, ref, commit, wrong):
    block = f"modules:\n  source: {source!r}\n  ref: {ref!r}\n" + (f"  commit: {commit!r}\n" if commit else "")
    spec = with_modules(tmp_path, block)
    with pytest.raises(SpecError) as err:
        core.render_spec(spec)
    text = str(err.value)
    line = len(SPEC.read_text("utf-8").rstrip("\n").splitlines()) + 1 + (1 if wrong == "module source" else 2 if wrong == "module ref" else 3)
    assert f"spec.yaml:{line}:" in text and f"is not a valid {wrong}" in text, text


def validate(out: Path) -> subprocess.CompletedProcess[str]:
    rsqgen = Path(sys.executable).with_name("rsqgen")
    return subprocess.run([str(rsqgen), "validate", str(out)], capture_output=True, text=True, check=False, timeout=900)


@pytest.mark.terraform
@pytest.mark.checkov
def test_the_tree_initialises_from_the_release_and_validates(tmp_path, release, terraform, checkov_bin):
    repo, commit = release
    out = tmp_path / "out"
    render(with_modules(tmp_path, f"modules:\n  source: git::file://{repo}//modules\n  ref: {TAG}\n  commit: {commit}\n"), out)
    result = validate(out)
    assert result.returncode == 0, result.stdout + result.stderr
    for check in ("terraform-validate", "checkov"):
        assert re.search(rf"^PASSED\s+{check}\b", result.stdout, re.M), result.stdout
    # checkov read the modules too (it fetches them): more checks than the module calls alone give
    passed = int(re.search(r"checkov\s+[\d.]+s \((\d+) passed, 0 failed", result.stdout)[1])
    assert passed > 40, result.stdout


@pytest.mark.terraform
@pytest.mark.checkov
def test_a_commit_the_release_does_not_have_fails_init_and_checkov_claims_nothing(tmp_path, release, terraform, checkov_bin):
    repo, _ = release
    out = tmp_path / "out"
    render(with_modules(tmp_path, f"modules:\n  source: git::file://{repo}//modules\n  ref: {TAG}\n  commit: {'f' * 40}\n"), out)
    result = validate(out)
    assert result.returncode != 0
    assert re.search(r"^NOT_RUN\s+terraform-validate\s.*terraform init failed: Error: Failed to download module", result.stdout, re.M), result.stdout
    assert re.search(r"^NOT_RUN\s+checkov\s.*could not fetch the modules", result.stdout, re.M), result.stdout
