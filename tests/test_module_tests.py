"""`terraform test` for every hand-written module (modules/<module>/tests/*.tftest.hcl), offline.

Each module is copied out of the source tree (terraform init would write .terraform/ and a lock file
into it), initialised once per worker from the provider mirror, and tested against a mocked AWS
provider. The counts are held to the test files: terraform must report every `run` block passed.
Every variable validation is named by an `expect_failures` run. And each module's tests are shown to
catch a fault planted in a copy of the module (a table below: the fault and the run that must catch
it, which is run on its own), so a test that cannot fail is noticed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import hcl2
import pytest
from helpers import REPO


MODULES_DIR = REPO / "modules"
MODULES = sorted(p.name for p in MODULES_DIR.iterdir() if p.is_dir())

SUMMARY = re.compile(r"^(Success|Failure)! (\d+) passed, (\d+) failed(?:, (\d+) skipped)?\.", re.M)


def _test_files(module: str) -> list[Path]:
    return sorted((MODULES_DIR / module / "tests").glob("*.tftest.hcl"))


def _runs(module: str) -> list[dict]:
    """Every `run` block of the module's test files, as python-hcl2 reads it ({name: body})."""
    runs = []
    for path in _test_files(module):
        runs += hcl2.loads(path.read_text("utf-8")).get("run", [])
    return runs


def _run_names(module: str) -> list[str]:
    return [name.strip('"') for run in _runs(module) for name in run]


def _expected_failures(module: str) -> list[str]:
    """The checkable objects each run expects to fail, one entry per run that names it: var.x, ..."""
    named = []
    for run in _runs(module):
        for body in run.values():
            named += [re.fullmatch(r"\$\{(.+)\}", ref).group(1) for ref in body.get("expect_failures", [])]
    return named


def _validations(module: str) -> dict[str, int]:
    """{variable: number of validation blocks} for the module's validated variables."""
    doc = hcl2.loads((MODULES_DIR / module / "variables.tf").read_text("utf-8"))
    out = {}
    for block in doc.get("variable", []):
        for name, body in block.items():
            if body.get("validation"):
                out[name.strip('"')] = len(body["validation"])
    return out


def _only_run(text: str, keep: str) -> str:
    """A test file without its run blocks but `keep` (mock providers, overrides, variables stay).
    The files are in `terraform fmt` layout (held by the suite), so a top-level block ends at the
    first line that is a lone `}`."""
    return re.sub(r'(?ms)^run "([^"]+)" \{\n.*?^\}\n', lambda m: m.group(0) if m.group(1) == keep else "", text)


def _summary(output: str) -> tuple[str, int, int, int]:
    found = SUMMARY.findall(output)
    assert len(found) == 1, f"terraform test printed no single summary line:\n{output}"
    verdict, passed, failed, skipped = found[0]
    return verdict, int(passed), int(failed), int(skipped or 0)


@pytest.fixture(scope="session")
def initialised(terraform, tmp_path_factory):
    """module -> a copy of it with `terraform init -backend=false` done, once per worker and module,
    and the environment to run terraform in it (the offline CLI config from the mirror)."""
    root = tmp_path_factory.mktemp("module-tests")
    env = terraform.env(root)
    ready: dict[str, Path] = {}

    def get(module: str) -> tuple[Path, dict[str, str]]:
        if module not in ready:
            work = root / module
            shutil.copytree(MODULES_DIR / module, work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
            init = terraform.run(["init", "-backend=false", "-input=false", "-no-color"], work, env)
            assert init.returncode == 0, f"terraform init failed in a copy of modules/{module}:\n{init.stdout}\n{init.stderr}"
            ready[module] = work
        return ready[module], env

    return get


def _terraform_test(terraform, work: Path, env: dict[str, str]):
    result = terraform.run(["test", "-no-color"], work, env)
    return result, result.stdout + result.stderr


def test_every_module_has_terraform_tests():
    missing = [m for m in MODULES if not _test_files(m)]
    assert not missing, f"modules without tests/*.tftest.hcl: {', '.join(missing)}"
    empty = [m for m in MODULES if not _runs(m)]
    assert not empty, f"modules whose tests have no run block: {', '.join(empty)}"


@pytest.mark.parametrize("module", MODULES)
def test_every_validation_is_expected_to_fail_somewhere(module):
    """Each validated variable is named in expect_failures by at least as many runs as it has
    validation blocks (one bad value per validation)."""
    named = _expected_failures(module)
    short = {
        var: (count, named.count(f"var.{var}"))
        for var, count in _validations(module).items()
        if named.count(f"var.{var}") < count
    }
    assert not short, f"modules/{module}: validations without enough expect_failures runs {{var: (validations, runs)}}: {short}"


@pytest.mark.terraform
@pytest.mark.parametrize("module", MODULES)
def test_module_tests_pass(module, terraform, initialised):
    work, env = initialised(module)
    result, output = _terraform_test(terraform, work, env)
    runs = len(_runs(module))
    assert result.returncode == 0, f"terraform test failed for modules/{module}:\n{output}"
    assert _summary(output) == ("Success", runs, 0, 0), f"expected {runs} passed, 0 failed for modules/{module}:\n{output}"
    for name in _run_names(module):
        assert f'run "{name}"... pass' in output, f"modules/{module}: run {name} did not report pass:\n{output}"


# One realistic fault per module: (file, text as it is, text with the fault, run that must catch it).
FAULTS = {
    "dead-letter-queue": (
        "main.tf",
        "Resource  = aws_sqs_queue.this.arn",
        'Resource  = "*"',
        "rule_queue_policy_names_the_rules_exactly",
    ),
    "kms-key": (
        "main.tf",
        'Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]',
        'Action    = "kms:*"',
        "shared_key_lets_the_account_and_eventbridge_use_it",
    ),
    "notifications": (
        "main.tf",
        '        Condition = { ArnEquals = { "aws:SourceArn" = var.publisher_rule_arns } }\n',
        "",
        "own_key_topic_policy_and_subscriptions",
    ),
    "operators": (
        "variables.tf",
        'a != "*" && !endswith(a, ":*")',
        'a != "*"',
        "service_wildcard_action_is_refused",
    ),
    "query-history": (
        "variables.tf",
        'condition     = !startswith(var.log_group_name, "/aws/events/") && can(',
        "condition     = can(",
        "log_group_under_aws_events_is_refused",
    ),
    "query-status": (
        "main.tf",
        "      state         = var.states\n",
        "",
        "rule_forwards_the_statement_end_states_to_the_topic",
    ),
    "redshift-cluster": (
        "main.tf",
        'name  = "require_ssl"\n    value = "true"',
        'name  = "require_ssl"\n    value = "false"',
        "single_node_cluster_is_private_encrypted_and_logged",
    ),
    "redshift-serverless": (
        "main.tf",
        "publicly_accessible  = false",
        "publicly_accessible  = true",
        "workgroup_is_private_and_logged",
    ),
    "schedule-group": (
        "main.tf",
        'Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }',
        'Principal = { AWS = "*" }',
        "group_with_its_own_payload_key",
    ),
    "schedule-role": (
        "variables.tf",
        '!contains(["events.amazonaws.com", "scheduler.amazonaws.com"], svc)',
        '!contains(["events.amazonaws.com"], svc)',
        "scheduler_without_source_account_is_refused",
    ),
    "scheduled-query": (
        "variables.tf",
        "length(var.triggers) <= 4",
        "length(var.triggers) <= 5",
        "five_topics_are_refused",
    ),
    "scheduler-query": (
        "main.tf",
        "StatementName     = var.name",
        "StatementName     = var.group_name",
        "one_statement_on_a_cluster",
    ),
}


def test_every_module_has_a_planted_fault():
    assert sorted(FAULTS) == MODULES, "a module was added or removed: give it a fault in FAULTS"


@pytest.mark.terraform
@pytest.mark.parametrize("module", MODULES)
def test_module_tests_catch_a_planted_fault(module, terraform, initialised, tmp_path):
    name, before, after, catcher = FAULTS[module]
    assert catcher in _run_names(module), f"modules/{module}: no run named {catcher}"
    pristine, env = initialised(module)
    work = tmp_path / module
    shutil.copytree(pristine, work, symlinks=True)
    path = work / name
    text = path.read_text("utf-8")
    assert text.count(before) == 1, f"modules/{module}/{name} no longer holds the fault's text once: {before!r}"
    path.write_text(text.replace(before, after), "utf-8")
    # Only the run that must catch the fault, so that this costs one plan, not the whole file's.
    for test_file in (work / "tests").glob("*.tftest.hcl"):
        test_file.write_text(_only_run(test_file.read_text("utf-8"), catcher), "utf-8")
    assert sum(f.read_text("utf-8").count(f'run "{catcher}" {{') for f in (work / "tests").glob("*.tftest.hcl")) == 1

    result, output = _terraform_test(terraform, work, env)
    assert result.returncode != 0, f"modules/{module}: the tests passed with the fault planted in {name}:\n{output}"
    verdict, _, failed, _ = _summary(output)
    assert verdict == "Failure" and failed >= 1, output
    assert f'run "{catcher}"... fail' in output, f"modules/{module}: run {catcher} did not catch the fault:\n{output}"
    # failed on the fault (an assertion, or a validation that no longer fires), not on a broken file
    assert "Error: Test assertion failed" in output or "Error: Missing expected failure" in output, output
