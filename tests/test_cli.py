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


def test_checks_turned_off_on_purpose_are_skipped_not_failed(tmp_path):
    proc = rsqgen("validate", str(EXAMPLES_DIR / "seed" / "spec.yaml"), "--no-terraform", "--no-checkov")
    assert proc.returncode == 0, proc.stdout  # the user chose it: not "could not run" (3)
    assert "PASSED   hcl2-parse" in proc.stdout
    assert "SKIPPED  terraform-validate" in proc.stdout and "SKIPPED  checkov" in proc.stdout
    assert "All checks that ran passed; turned off: terraform-fmt, terraform-validate, checkov." in proc.stdout
    assert "All checks passed." not in proc.stdout  # nothing is claimed for what did not run


def test_validate_an_empty_folder_is_bad_input(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = rsqgen("validate", str(tmp_path / "empty"))
    assert proc.returncode == 2 and "holds no .tf files" in proc.stderr


def test_version_and_short_help():
    assert rsqgen("--version").stdout.strip() == rsqgen("version").stdout.strip() != ""
    short = rsqgen("render", "-h")
    assert short.returncode == 0 and "{SPEC}" in short.stdout and "inside the current folder" in " ".join(short.stdout.split())


def test_missing_or_binary_plan_file_is_a_clear_error(tmp_path):
    missing = rsqgen("review", str(tmp_path / "plan.json"))
    assert missing.returncode == 2 and missing.stderr.strip() == f"error: {tmp_path / 'plan.json'}: No such file or directory"
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    binary = rsqgen("review", str(tmp_path / "bin.json"))
    assert binary.returncode == 2 and "is not UTF-8 text" in binary.stderr


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
    assert proc.returncode == 2 and "does not exist" in proc.stderr


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


def test_validate_says_what_is_wrong_with_the_target(tmp_path):
    missing = rsqgen("validate", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    (tmp_path / "main.tf").write_text('resource "x" "y" {}\n')
    tf = rsqgen("validate", str(tmp_path / "main.tf"))
    assert tf.returncode == 2 and "is a Terraform file" in tf.stderr


def test_validate_and_explain_show_the_spec_warnings(write_spec):
    spec = write_spec(MINIMAL.replace("operators:\n  - user: test-user\n", ""))  # no operators: a warning
    validate = rsqgen("validate", str(spec), "--no-terraform", "--no-checkov")
    assert validate.returncode == 0 and "warning: no operators" in validate.stderr
    explain = rsqgen("explain", str(spec), "--now", "2026-11-28T00:00:00Z")
    assert "Warnings:" in explain.stdout and "no operators" in explain.stdout


def test_names_refuses_the_same_spec_twice(write_spec):
    spec = write_spec(MINIMAL)
    proc = rsqgen("names", str(spec), str(spec))
    assert proc.returncode == 2 and "given twice" in proc.stderr
