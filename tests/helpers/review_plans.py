"""The plans `rsqgen review` is tested on: examples/existing-cluster applied to an empty moto
account, then edited, planned by real terraform. One home for the fixture script
(tests/fixtures/plans/make_plans.py) and the deploy suite's live review test.

  create            the first plan (everything added)
  edit              a schedule, the SQL and the enabled state changed
  auth-change       a query's db_user and database, the other's secret swapped
  notify-change     a query now notifies when it fires: its rule may publish (topic policy update)
  widen             a new operator user: the trust policy widens by an update, a user and a membership
  destroy           `plan -destroy` after `widen` was applied: users, keys, policies removed
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import yaml
from rsqgen import core
from rsqgen.spec.yamlsrc import load_yaml_file

from helpers import EXAMPLES_DIR
from helpers.motoserver import (
    OVERRIDE_FILE,
    MotoServer,
    fake_aws_env,
    provider_override,
)
from helpers.tfrun import TfRun

EXAMPLE = EXAMPLES_DIR / "existing-cluster"


def _edit(data: dict) -> None:
    q = data["queries"]
    q["refresh-daily-sales"]["schedule"] = "daily at 04:00"
    q["refresh-daily-sales"]["sql"] = "-- one statement: the Data API runs one per rule\nREFRESH MATERIALIZED VIEW reporting.daily_sales;"
    q["vacuum-events"]["enabled"] = False


def _auth_change(data: dict) -> None:
    q = data["queries"]
    q["refresh-daily-sales"]["auth"] = {"db_user": "etl_admin"}
    q["refresh-daily-sales"]["database"] = "warehouse"
    q["vacuum-events"]["auth"] = {"secret_arn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:redshift/admin-ZyXwVu"}


def _notify_change(data: dict) -> None:
    data["queries"]["vacuum-events"]["notify"] = {"topic": "oncall", "on": ["trigger", "failed"]}


def _widen(data: dict) -> None:
    data["operators"].append({"user": "mallory"})


EDITS: dict[str, Callable[[dict], None]] = {"edit": _edit, "auth-change": _auth_change, "notify-change": _notify_change, "widen": _widen}


def make_plans(terraform, moto_binary: str, work: Path) -> dict[str, dict]:
    """Every plan above, as `terraform show -json` documents (moto runs in the example's account)."""
    server = MotoServer(moto_binary, work / "moto.log", account_id="111122223333")
    server.start()
    try:
        server.client("iam", "eu-west-1").create_user(UserName="alice")  # the spec's existing user
        spec_dir = work / "spec"
        shutil.copytree(EXAMPLE, spec_dir)
        out = work / "out"
        core.write(core.render_spec(spec_dir / "spec.yaml"), out)
        (out / OVERRIDE_FILE).write_text(provider_override(server.url))
        tf = TfRun(terraform.binary, out, fake_aws_env(terraform.env(work)))
        tf.init()
        plans = {"create": tf.plan("create.tfplan").doc}
        tf.apply("create.tfplan")
        for name, change in EDITS.items():
            data = load_yaml_file(EXAMPLE / "spec.yaml").data  # YAML 1.2: `on:` stays a string
            change(data)
            (spec_dir / "spec.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
            core.write(core.render_spec(spec_dir / "spec.yaml"), out)
            plans[name] = tf.plan(f"{name}.tfplan").doc
        tf.apply("widen.tfplan")
        tf.run("plan", "-input=false", "-destroy", "-out=destroy.tfplan")
        plans["destroy"] = tf.show("destroy.tfplan").doc
        return plans
    finally:
        server.stop()
