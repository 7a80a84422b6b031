"""Every example's output passes every check with the real tools: python-hcl2, terraform fmt and
validate against the hashicorp/aws provider, checkov with 0 failures and reasoned skips."""

from __future__ import annotations

import pytest
from helpers import EXAMPLES
from rsqgen.tools import checks


@pytest.mark.parametrize("example", EXAMPLES)
def test_hcl2_parses_every_file(example, rendered):
    result = checks.check_hcl_parse(rendered[example])
    assert result.status == "PASSED", [str(f) for f in result.findings]
    assert int(result.detail.split()[0]) >= 5  # the root files and the modules' files were all read


@pytest.mark.terraform
@pytest.mark.parametrize("example", EXAMPLES)
def test_terraform_fmt_and_validate(example, rendered, terraform):
    fmt, validate = checks.check_terraform(rendered[example])
    assert fmt.status == "PASSED", [str(f) for f in fmt.findings]
    assert validate.status == "PASSED", [str(f) for f in validate.findings] or validate.detail


@pytest.mark.checkov
@pytest.mark.parametrize("example", EXAMPLES)
def test_checkov_has_no_failures(example, rendered, checkov_bin):
    result = checks.check_checkov(rendered[example])
    assert result.status == "PASSED", [str(f) for f in result.findings] or result.detail
    passed = int(result.detail.split()[0])
    assert passed >= 20, result.detail  # checkov really evaluated the resources


@pytest.mark.checkov
def test_checkov_really_reads_the_policies(rendered, checkov_bin):
    """checkov passes what it cannot evaluate silently: make sure it evaluated the role's trust
    and permission policies, the operators' policy and the topic policy (a literal account id:
    checkov cannot see through the aws_caller_identity data source)."""
    passed = set(checks.check_checkov(rendered["existing-cluster"]).passed)
    for check, resource in [
        ("CKV_AWS_61", "module.schedule_role.aws_iam_role.this"),
        ("CKV_AWS_60", "module.schedule_role.aws_iam_role.this"),
        ("CKV_AWS_290", "module.schedule_role.aws_iam_role_policy.this"),
        ("CKV_AWS_355", "module.schedule_role.aws_iam_role_policy.this"),
        ("CKV_AWS_287", "module.schedule_role.aws_iam_role_policy.this"),
        ("CKV_AWS_288", "module.schedule_role.aws_iam_role_policy.this"),
        ("CKV_AWS_290", "module.operators.aws_iam_group_policy.this[0]"),
        ("CKV_AWS_385", 'module.notifications["oncall"].aws_sns_topic_policy.this[0]'),
    ]:
        assert (check, resource) in passed, f"checkov did not evaluate {check} on {resource}"


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_checkov_skip_has_a_reason(example, rendered):
    skips = checks.checkov_skips(rendered[example])
    for file, check_id, reason in skips:
        assert len(reason) >= 40, f"{file}: {check_id} is skipped without a reason a reviewer could judge"
    assert checks.check_skip_reasons(rendered[example]).status == "PASSED"


@pytest.mark.terraform
def test_validate_reports_a_broken_configuration(rendered, terraform, tmp_path):
    """The terraform check can fail: an unknown argument in a copy of the seed output."""
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(rendered["seed"], broken)
    main = broken / "main.tf"
    main.write_text(main.read_text().replace('  source = "./modules/operators"\n', '  source = "./modules/operators"\n  no_such_argument = 1\n'))
    fmt, validate = checks.check_terraform(broken)
    assert validate.status == "FAILED"
    assert any(f.file == "main.tf" and "no_such_argument" in f.message for f in validate.findings)
    assert fmt.status == "FAILED"  # the inserted line is not aligned as fmt would


@pytest.mark.checkov
def test_checkov_reports_an_account_root_operator(rendered, checkov_bin, tmp_path):
    """The checkov check can fail: trusting an account root is CKV_AWS_61. (The example with a
    literal account id: checkov cannot evaluate an account looked up by a data source.)"""
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(rendered["existing-cluster"], broken)
    main = broken / "main.tf"
    text = main.read_text()
    assert text.count('iam::111122223333:user/alice"') == 1
    main.write_text(text.replace('iam::111122223333:user/alice"', 'iam::111122223333:root"'))
    result = checks.check_checkov(broken)
    assert result.status == "FAILED"
    assert any("CKV_AWS_61" in f.message for f in result.findings)
