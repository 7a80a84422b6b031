"""`render --split warehouse` against the local emulator, with real terraform: examples/multi split
into a base stack and one stack per existing warehouse, applied in order (base first), each
re-planned empty, everything that exists checked as for the whole tree, then destroyed in reverse.
"""

from __future__ import annotations

import shutil

import pytest
from helpers import EXAMPLES_DIR
from helpers.deployed import Aws, Checks, verify_deployed, verify_destroyed
from helpers.expected import load_spec_data, spec_sql
from helpers.motoserver import OVERRIDE_FILE, fake_aws_env, provider_override
from helpers.tfrun import TfRun
from rsqgen import core

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]

EXAMPLE = "multi"


def test_split_by_warehouse_applies_in_order_and_replans_empty(tmp_path, terraform, moto, workgroups):
    src = tmp_path / "spec"
    shutil.copytree(EXAMPLES_DIR / EXAMPLE, src)
    whole = core.render_spec(src / "spec.yaml").deployment
    stacks = core.render_trees(src / "spec.yaml", split="warehouse")
    existing = sorted(w.key for w in whole.warehouses if not w.created)
    assert list(stacks) == ["base", *existing]
    # Every query is in exactly one stack; the base holds every permission.
    assert sorted(q.key for r in stacks.values() for q in r.deployment.queries) == sorted(q.key for q in whole.queries)
    assert stacks["base"].deployment.role == whole.role

    aws = Aws(moto, whole.region)
    account = whole.account_id or aws.account
    workgroups.account = account
    refs = {w.arn: workgroups.add(w.identifier, whole.region, account) for w in whole.warehouses if w.type == "serverless" and not w.created}
    for user, created in whole.operators.users.items():
        if not created:
            aws.iam.create_user(UserName=user)

    runs: dict[str, TfRun] = {}
    for name, rendered in stacks.items():  # base first: the others read what it made
        out = tmp_path / name
        core.write(rendered, out)
        (out / OVERRIDE_FILE).write_text(provider_override(moto.url, {"redshiftserverless": workgroups.url}))
        config = tmp_path / f"tf-cli-{name}"
        config.mkdir()
        tf = runs[name] = TfRun(terraform.binary, out, fake_aws_env(terraform.env(config)))
        tf.init()
        tf.plan(f"{name}.tfplan")
        tf.apply(f"{name}.tfplan")

    # What exists is exactly what the unsplit tree would have made.
    data = load_spec_data(src / "spec.yaml")
    checks = Checks()
    verify_deployed(aws, whole, spec_sql(data, src), checks, refs)
    assert checks.count > 50
    for name, tf in runs.items():
        assert tf.plan_exit_code() == 0, f"{name}: {tf.plan_changes_text()}"

    for name in reversed(list(runs)):
        runs[name].destroy()
    verify_destroyed(aws, whole, Checks())
