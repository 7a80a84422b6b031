"""AWS quotas are enforced at render time: policies split into managed policies while they fit,
clear errors where they cannot, a warning past the rules-per-bus quota."""

from __future__ import annotations

import pytest
from helpers import MINIMAL
from rsqgen import aws, core, deploy, spec
from rsqgen.deploy import quotas
from rsqgen.errors import SpecError
from rsqgen.tools import checks
from rsqgen.values import policy_document


def many_queries(n: int, users: int, databases: int = 1, extra: str = "") -> str:
    head = MINIMAL.split("queries:")[0]
    body = "".join(
        f"  q{i}:\n    warehouse: test-cluster\n    database: db{i % databases}\n"
        f"    auth: {{db_user: user_with_a_rather_long_name_{i % users:04d}}}\n    sql: SELECT {i};\n    schedule: rate(1 day)\n"
        for i in range(n)
    )
    return head + extra + "queries:\n" + body


def resources(statements) -> set:
    return {(a, r) for s in statements for a in s.actions for r in s.resources}


def test_small_specs_keep_one_inline_policy(decided):
    d = decided(MINIMAL)
    assert d.role.managed_policies == ()


def test_overflow_goes_to_managed_policies_without_losing_a_grant(decided):
    d = decided(many_queries(300, users=300))
    role = d.role
    assert role.managed_policies, "300 database users do not fit a 10,240-character inline policy"
    assert quotas.policy_chars(role.permissions_policy()) <= quotas.INLINE_ROLE_POLICY_MAX
    for policy in role.managed_policies:
        assert quotas.policy_chars(policy_document(policy)) <= quotas.MANAGED_POLICY_MAX
    assert len(role.managed_policies) <= 10
    dbusers = {r for a, r in resources(role.all_statements) if ":dbuser:" in r}
    assert len(dbusers) == 300  # every grant kept, and still scoped to exact ARNs
    assert all("*" not in r for policy in role.managed_policies for s in policy for r in s.resources)
    sids = [s.sid for s in role.all_statements]
    assert len(sids) == len(set(sids))


def test_too_many_grants_is_an_error_that_says_what_to_do(write_spec):
    with pytest.raises(SpecError) as exc:
        deploy.decide(spec.load_spec(write_spec(many_queries(1200, users=1200))))
    (issue,) = exc.value.issues
    assert issue.path == "queries" and issue.location.line == 9
    assert "a role may have 10 attached" in issue.message
    assert "fewer distinct database users" in issue.allowed


def test_quota_increase_is_honoured(decided):
    d = decided(many_queries(1200, users=1200, extra="quotas:\n  managed_policies_per_role: 20\n"))
    assert 10 < len(d.role.managed_policies) <= 20


def test_trust_policy_over_the_default_quota(write_spec, decided):
    operators = "".join(f"  - user: operator-with-a-long-name-{i:03d}\n" for i in range(40))
    text = MINIMAL.replace("  - user: test-user\n", operators)
    with pytest.raises(SpecError) as exc:
        deploy.decide(spec.load_spec(write_spec(text)))
    (issue,) = exc.value.issues
    assert issue.path == "operators" and "40 operators make the schedule role's trust policy" in issue.message
    assert "the limit is 2,048" in issue.message and "share a role" in issue.allowed
    d = decided(text + "quotas:\n  trust_policy_size: 4096\n")
    assert len(d.role.operator_arns) == 40


def test_rules_per_bus_warning_points_at_the_scheduler(decided):
    d = decided(many_queries(301, users=1))
    assert any("301 EventBridge rules" in w and "scheduler: scheduler" in w for w in d.warnings)
    assert not any("EventBridge rules" in w for w in decided(many_queries(300, users=1)).warnings)


def test_at_most_two_targets_per_rule(rendered):
    text = (rendered["seed"] / "modules" / "scheduled-query" / "main.tf").read_text()
    assert text.count('resource "aws_cloudwatch_event_target"') == 2 <= aws.TARGETS_PER_RULE


@pytest.mark.terraform
@pytest.mark.checkov
def test_overflow_output_validates_and_passes_checkov(write_spec, tmp_path, terraform, checkov_bin):
    rendered = core.render_spec(write_spec(many_queries(130, users=130)))  # just past the inline quota: checkov is slow per module instance
    assert rendered.deployment.role.managed_policies
    core.write(rendered, tmp_path / "out")
    fmt, validate = checks.check_terraform(tmp_path / "out")
    assert fmt.status == validate.status == "PASSED", [str(f) for f in fmt.findings + validate.findings]
    result = checks.check_checkov(tmp_path / "out")
    assert result.status == "PASSED", [str(f) for f in result.findings]
