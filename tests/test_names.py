"""Several specs in one account: names they would share are found before apply, and a per-spec
query_prefix keeps one team's operators off another team's rules."""

from __future__ import annotations

import pytest
from helpers import MINIMAL
from rsqgen import core
from rsqgen.cli import app
from rsqgen.errors import SpecError
from typer.testing import CliRunner

runner = CliRunner()


def two(write_spec, a: str, b: str):
    return write_spec(a, name="a.yaml"), write_spec(b, name="b.yaml")


def test_same_query_and_user_names_clash_in_one_account(write_spec):
    a, b = two(write_spec, MINIMAL, MINIMAL.replace("name: demo", "name: other"))
    result = runner.invoke(app, ["names", str(a), str(b)])
    assert result.exit_code == 1
    assert "both make 'QS2-top5-sales'" in result.output and "both make 'test-user'" in result.output


def test_other_account_or_region_does_not_clash(write_spec):
    other_account = MINIMAL.replace('"111122223333"', '"444455556666"')
    a, b = two(write_spec, MINIMAL, other_account)
    assert core.names([a, b]) == []
    other_region = MINIMAL.replace("name: demo", "name: other").replace("ap-northeast-1", "eu-west-1").replace("test-user", "user-2")
    a, b = two(write_spec, MINIMAL, other_region)
    assert core.names([a, b]) == []  # rules are regional; IAM names differ


def test_iam_names_clash_across_regions(write_spec):
    a, b = two(write_spec, MINIMAL, MINIMAL.replace("ap-northeast-1", "eu-west-1").replace("top5-sales", "other-q"))
    messages = [c.message for c in core.names([a, b]) if c.kind == "name"]
    assert any("'demo-redshift-scheduler'" in m for m in messages)  # a role name is account-wide


def test_query_prefix_scopes_rule_names_and_operator_rights(write_spec, decided):
    d = decided(MINIMAL.replace("name: demo", "name: demo\nquery_prefix: sales-"))
    (q,) = d.queries
    assert q.rule_name == "QS2-sales-top5-sales"
    manage = next(s for s in d.operators.statements if s.sid == "ManageConsoleScheduledQueries")
    assert manage.resources == ("arn:aws:events:ap-northeast-1:111122223333:rule/QS2-sales-*",)
    a, b = two(write_spec, MINIMAL.replace("test-user", "u1"), MINIMAL.replace("name: demo", "name: b\nquery_prefix: sales-").replace("test-user", "u2"))
    clashes = core.names([a, b])
    assert [c.kind for c in clashes] == ["scope"] and "operators of" in clashes[0].message and str(a) in clashes[0].message


def test_prefix_that_makes_a_rule_name_too_long_is_an_error(write_spec):
    from rsqgen import spec

    text = MINIMAL.replace("name: demo", "name: demo\nquery_prefix: a-very-long-prefix-").replace("top5-sales", "q" * 50)
    with pytest.raises(SpecError) as exc:
        spec.load_spec(write_spec(text))
    assert "would be 73 characters" in str(exc.value)
