"""The command line: exit codes, messages, and nothing written on error."""

from __future__ import annotations

import shutil
import subprocess
import sys

from helpers import EXAMPLES_DIR, MINIMAL


def rsqgen(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("rsqgen", path=str(sys.prefix) + "/bin")
    assert exe, "the rsqgen console script is not installed"
    return subprocess.run([exe, *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_render_writes_and_prints_next_steps(tmp_path):
    out = tmp_path / "out"
    proc = rsqgen("render", str(EXAMPLES_DIR / "seed" / "spec.yaml"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "terraform init" in proc.stdout and "terraform plan" in proc.stdout
    assert (out / "main.tf").is_file() and (out / "modules" / "schedule-role" / "main.tf").is_file()


def test_bad_spec_exits_2_with_location_and_writes_nothing(write_spec, tmp_path):
    spec = write_spec(MINIMAL.replace("rate(5 minutes)", "rate(5 minute)"))
    out = tmp_path / "out"
    proc = rsqgen("render", str(spec), "-o", str(out))
    assert proc.returncode == 2
    assert f"{spec}:15:15: queries.top5-sales.schedule: 'rate(5 minute)' is not valid" in proc.stderr
    assert "rate(5 minutes)" in proc.stderr
    assert not out.exists()


def test_validate_a_spec_directly_without_tools(tmp_path):
    proc = rsqgen("validate", str(EXAMPLES_DIR / "seed" / "spec.yaml"), "--no-terraform", "--no-checkov")
    assert proc.returncode == 3, proc.stdout  # checks that did not run are not claimed as passed
    assert "PASSED   hcl2-parse" in proc.stdout
    assert "NOT_RUN  terraform-validate" in proc.stdout and "NOT_RUN  checkov" in proc.stdout


def test_validate_missing_tool_is_not_run_never_passed(tmp_path, monkeypatch):
    import os

    env = dict(os.environ, RSQGEN_CHECKOV=str(tmp_path / "no-such-checkov"), RSQGEN_TERRAFORM=str(tmp_path / "no-terraform"))
    exe = shutil.which("rsqgen", path=str(sys.prefix) + "/bin")
    proc = subprocess.run([exe, "validate", str(EXAMPLES_DIR / "seed" / "spec.yaml")], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 3
    assert "NOT_RUN  checkov" in proc.stdout and "checkov not found" in proc.stdout
    assert "NOT_RUN  terraform-validate" in proc.stdout and "terraform not found" in proc.stdout


def test_validate_nonexistent_target_is_bad_input(tmp_path):
    proc = rsqgen("validate", str(tmp_path / "nope"))
    assert proc.returncode == 2 and "neither a folder nor a spec file" in proc.stderr


def test_control_characters_never_reach_the_terminal_raw(write_spec, tmp_path):
    spec = write_spec(MINIMAL.replace("warehouse: test-cluster", 'warehouse: "evil\\e[31m"'))
    proc = rsqgen("render", str(spec), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "\x1b" not in proc.stderr and "\\x1b" in proc.stderr


def test_help_lists_commands():
    proc = rsqgen("--help")
    assert proc.returncode == 0
    for cmd in ("render", "validate"):
        assert cmd in proc.stdout
