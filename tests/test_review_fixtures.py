"""`rsqgen review` on plan JSON that real terraform made against moto (tests/fixtures/plans, made
by `make plans`): fast, and independent of the deploy suite. Each test names the change a reviewer
must be shown; each would fail if review stopped showing it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rsqgen.cli import app
from rsqgen.tools import review
from typer.testing import CliRunner

PLANS = Path(__file__).resolve().parent / "fixtures" / "plans"
runner = CliRunner()


def load(name: str) -> review.Review:
    return review.review(review.load_plan((PLANS / f"{name}.json").read_text(), name))


def test_fixtures_are_real_terraform_plans():
    for name in ("create", "edit", "auth-change", "widen", "destroy"):
        doc = json.loads((PLANS / f"{name}.json").read_text())
        assert doc["format_version"] and doc["terraform_version"].startswith("1."), name
        assert doc["resource_changes"], name


def test_create_lists_trust_and_grants_first():
    r = load("create")
    text = review.to_markdown(r)
    assert text.index("## Security-relevant changes") < text.index("## Scheduled queries")
    trust = next(s for s in r.security if "aws_iam_role.this" in s)
    assert "AWS: arn:aws:iam::111122223333:user/alice" in trust and "Service: events.amazonaws.com" in trust
    assert any("permissions" not in s and "redshift:GetClusterCredentials" in s for s in r.security)


def test_trust_widened_by_an_update_is_flagged():
    r = load("widen")
    widened = [s for s in r.security if "newly trusts" in s]
    assert widened and "user/mallory" in widened[0]
    assert any("new IAM user `mallory`" in s for s in r.security)
    assert any("joins group" in s and "mallory" in s for s in r.security)


def test_fail_on_security_exits_1_and_without_it_0():
    widen = str(PLANS / "widen.json")
    failing = runner.invoke(app, ["review", widen, "--fail-on", "security"])
    assert failing.exit_code == 1, failing.output
    assert runner.invoke(app, ["review", widen]).exit_code == 0
    edit = runner.invoke(app, ["review", str(PLANS / "edit.json"), "--fail-on", "security"])
    assert edit.exit_code == 0, edit.output  # schedule, SQL and state only: nothing security-relevant


def test_edit_shows_schedule_sql_and_state():
    r = load("edit")
    assert any("`QS2-refresh-daily-sales` schedule changed" in q for q in r.queries)
    assert "`QS2-vacuum-events` disabled" in r.queries
    ((name, diff),) = r.sql_diffs
    assert name == "QS2-refresh-daily-sales" and "+-- one statement: the Data API runs one per rule" in diff
    assert r.security == []


def test_connection_changes_are_query_changes():
    r = load("auth-change")
    text = "\n".join(r.queries)
    assert "`QS2-refresh-daily-sales` connects with another database user: `etl_scheduler` → `etl_admin`" in text
    assert "`QS2-refresh-daily-sales` connects with another database: `analytics` → `warehouse`" in text
    assert "`QS2-vacuum-events` connects with another secret" in text and "redshift/admin-ZyXwVu" in text


def test_a_swapped_secret_shows_the_new_grant_and_the_removed_one():
    r = load("auth-change")
    widened = " ".join(s for s in r.security if "permissions widened" in s)
    removed = " ".join(s for s in r.security if "permissions removed" in s)
    assert "redshift/admin-ZyXwVu" in widened and "redshift/maintenance-AbCdEf" in removed
    assert "dbuser:analytics-prod/etl_admin" in widened and "dbuser:analytics-prod/etl_scheduler" in removed


def test_destroying_users_keys_and_roles_is_security_relevant():
    r = load("destroy")
    assert r.counts["destroy"] > 10 and r.counts["add"] == 0
    text = "\n".join(r.security)
    assert "destroys IAM user `mallory`" in text
    assert "destroys KMS key" in text and "aws_kms_key" in text
    assert "destroys role `analytics-redshift-scheduler`" in text
    assert "Security-relevant changes: none" not in review.to_markdown(r)


def test_sql_diff_keeps_lines_apart_without_a_final_newline():
    diff = review.sql_diff("CALL x();", "CALL y();")
    assert "-CALL x();\n" in diff and "+CALL y();\n" in diff and "-CALL x();+" not in diff


@pytest.mark.parametrize("text, where", [("{not json", "bad.json:1:2"), ('{"a": 1}', "bad.json:1:1")])
def test_not_a_plan_is_bad_input_at_its_position(tmp_path, text, where):
    path = tmp_path / "bad.json"
    path.write_text(text)
    result = runner.invoke(app, ["review", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith(str(path)[: -len("bad.json")] + where)


def test_a_principal_of_another_account_is_marked():
    doc = json.loads((PLANS / "widen.json").read_text())
    for rc in doc["resource_changes"]:
        if rc["type"] == "aws_iam_role" and rc["change"]["after"]:
            policy = json.loads(rc["change"]["after"]["assume_role_policy"])
            policy["Statement"][-1]["Principal"]["AWS"].append("arn:aws:iam::444455556666:role/CentralOps")
            rc["change"]["after"]["assume_role_policy"] = json.dumps(policy)
    r = review.review(doc)
    line = next(s for s in r.security if "newly trusts" in s)
    assert "`AWS: arn:aws:iam::444455556666:role/CentralOps` **(another account: 444455556666)**" in line
    assert "user/mallory` **(another" not in line  # the plan's own account is not marked


def test_a_resource_policy_changed_by_an_update_is_flagged():
    r = load("notify-change")
    changed = [s for s in r.security if "topic policy changed" in s]
    assert changed and "QS2-vacuum-events" in changed[0], r.security
