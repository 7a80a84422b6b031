"""Existing operator users are read at plan time: a user with an IAM path is trusted by its real
ARN, and a wrong path (or a typo) fails at plan with a clear message, before anything is created.
Against the local moto server, with real terraform."""

from __future__ import annotations

import pytest
from helpers.motoserver import OVERRIDE_FILE, fake_aws_env, provider_override
from helpers.tfrun import TfRun
from rsqgen import core

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]

SPEC = """\
version: 1
name: pathdemo
region: eu-west-1
account_id: "123456789012"
warehouses:
  dwh: {{}}
operators:
  - user: alice
    existing: true{path}
queries:
  nightly:
    warehouse: dwh
    database: sales
    auth: {{db_user: etl}}
    sql: SELECT 1;
    schedule: rate(1 day)
"""


def planned(tmp_path, terraform, moto, path_line: str):
    (tmp_path / "spec.yaml").write_text(SPEC.format(path=path_line))
    out = tmp_path / "out"
    core.write(core.render_spec(tmp_path / "spec.yaml"), out)
    (out / OVERRIDE_FILE).write_text(provider_override(moto.url))
    config = tmp_path / "tf-cli"
    config.mkdir()
    tf = TfRun(terraform.binary, out, fake_aws_env(terraform.env(config)))
    tf.init()
    return tf.plan("p.tfplan", allow_errors=True)


def test_existing_user_with_a_path_is_trusted_by_its_real_arn(tmp_path, terraform, moto):
    moto.client("iam", "eu-west-1").create_user(UserName="alice", Path="/team/")
    plan = planned(tmp_path, terraform, moto, "\n    path: /team/")
    assert not plan.errored, plan.errors
    assert "arn:aws:iam::123456789012:user/team/alice" in str(plan.doc["resource_changes"])


def test_a_wrong_path_fails_at_plan_with_the_fix(tmp_path, terraform, moto):
    moto.client("iam", "eu-west-1").create_user(UserName="alice", Path="/team/")
    plan = planned(tmp_path, terraform, moto, "")
    assert plan.errored
    # the postcondition on the existing user's data source; its message names the path and the fix
    assert any("postcondition failed" in e and 'data "aws_iam_user" "existing"' in e for e in plan.errors), plan.errors
