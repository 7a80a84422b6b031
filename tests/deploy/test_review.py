"""`rsqgen review` on plan JSON that real terraform produced against moto: a create, an edit
(schedule, SQL, disable), and a trust-widening edit (a new operator)."""

from __future__ import annotations

import json

import pytest
from helpers.motoserver import required_moto_server
from helpers.review_plans import make_plans
from rsqgen.cli import app
from rsqgen.tools import review
from typer.testing import CliRunner

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]


@pytest.fixture(scope="module")
def plans(tmp_path_factory, terraform):
    """Plan JSON documents made now by real terraform against moto (the same plans as the fast
    tests' fixtures, from tests/helpers/review_plans.py): review holds on today's output too."""
    binary = required_moto_server()
    work = tmp_path_factory.mktemp("review")
    docs = make_plans(terraform, binary, work)
    (work / "widen.json").write_text(json.dumps(docs["widen"]))
    return {**docs, "widen_path": work / "widen.json"}


def test_create_lists_every_trusted_principal_and_grant_first(plans):
    r = review.review(plans["create"])
    text = review.to_markdown(r)
    assert r.counts["add"] > 10 and r.counts["destroy"] == 0
    assert text.index("## Security-relevant changes") < text.index("## Scheduled queries")
    trust = next(s for s in r.security if "aws_iam_role.this" in s)
    assert "AWS: arn:aws:iam::111122223333:user/alice" in trust and "Service: events.amazonaws.com" in trust
    assert any("aws_iam_role_policy.this" in s and "redshift:GetClusterCredentials" in s for s in r.security)
    assert any("aws_sns_topic_policy" in s and "topic policy" in s for s in r.security)
    assert "`QS2-refresh-daily-sales` added (rule): `cron(30 2 * * ? *)`, enabled" in r.queries


def test_edit_shows_schedule_sql_and_state_changes_and_nothing_security_relevant(plans):
    r = review.review(plans["edit"])
    assert "`QS2-refresh-daily-sales` schedule changed: `cron(30 2 * * ? *)` → `cron(0 4 * * ? *)`" in r.queries
    assert "`QS2-vacuum-events` disabled" in r.queries
    assert "`QS2-refresh-daily-sales` SQL changed" in r.queries
    (name, diff), = r.sql_diffs
    assert name == "QS2-refresh-daily-sales" and "+-- one statement: the Data API runs one per rule" in diff
    assert r.security == [], r.security  # same grants, same principals


def test_trust_widening_is_flagged_and_fails_ci(plans):
    r = review.review(plans["widen"])
    assert any("newly trusts" in s and "user/mallory" in s for s in r.security), r.security
    assert any("new IAM user `mallory`" in s for s in r.security)
    assert any("joins group" in s and "mallory" in s for s in r.security)
    result = CliRunner().invoke(app, ["review", str(plans["widen_path"]), "--fail-on", "security"])
    assert result.exit_code == 1
    assert result.output.index("Security-relevant changes") < result.output.index("Scheduled queries")
    ok = CliRunner().invoke(app, ["review", str(plans["widen_path"])])
    assert ok.exit_code == 0


def test_review_rejects_what_is_not_a_plan(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"not": "a plan"}')
    result = CliRunner().invoke(app, ["review", str(bad)])
    assert result.exit_code == 2 and "not a Terraform plan" in result.output
