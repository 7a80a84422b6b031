"""examples/environments against two emulator accounts, with real terraform and the S3 backend:

- dev and prod rendered from one spec (`--env all`), each applied into its own account (a moto
  server per account), its state in that account's bucket under its own key, each re-planned empty;
- prod's tree with dev's credentials stops at plan (allowed_account_ids) before any change;
- state locking with `use_lockfile`: while one apply holds the lock, a second plan fails on it,
  and succeeds once the lock is released (moto's S3 honours conditional writes, as S3 does).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from helpers import EXAMPLES_DIR
from helpers.motoserver import (
    FAKE_KEY,
    OVERRIDE_FILE,
    MotoServer,
    fake_aws_env,
    provider_override,
    required_moto_server,
)
from helpers.tfrun import TfRun, tail
from rsqgen import core

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]

SPEC = EXAMPLES_DIR / "environments" / "analytics.yaml"
REGION = "eu-west-1"
ACCOUNTS = {"dev": "111122223333", "prod": "444455556666"}
BUCKETS = {"dev": "acme-dev-tfstate", "prod": "acme-prod-tfstate"}


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    """One moto server per account, as two AWS accounts would be."""
    binary = required_moto_server()
    servers = {}
    try:
        for env, account in ACCOUNTS.items():
            servers[env] = MotoServer(binary, tmp_path_factory.mktemp(f"moto-{env}") / "moto.log", account_id=account)
            servers[env].start()
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def _backend_config(server: MotoServer, path: Path) -> Path:
    """The emulator's endpoint and fake keys, merged into backend.tf's settings at init (-backend-config)."""
    path.write_text(
        f'endpoints = {{\n  s3  = "{server.url}"\n  sts = "{server.url}"\n  iam = "{server.url}"\n}}\n'
        f'access_key                  = "{FAKE_KEY}"\nsecret_key                  = "{FAKE_KEY}"\n'
        "use_path_style              = true\nskip_credentials_validation = true\n"
        "skip_requesting_account_id  = true\nskip_metadata_api_check     = true\nskip_region_validation      = true\n"
    )
    return path


def _tree(tmp_path: Path, terraform, env: str, out: Path, provider_server: MotoServer, state_server: MotoServer) -> TfRun:
    (out / OVERRIDE_FILE).write_text(provider_override(provider_server.url))
    config = tmp_path / f"tf-cli-{env}"
    config.mkdir(exist_ok=True)
    tf = TfRun(terraform.binary, out, fake_aws_env(terraform.env(config)))
    tf.run("init", "-input=false", f"-backend-config={_backend_config(state_server, tmp_path / f'backend-{env}.hcl')}")
    return tf


def test_dev_and_prod_in_their_own_accounts_with_locked_remote_state(tmp_path, terraform, accounts):
    out = tmp_path / "terraform"
    renders = core.render_trees(SPEC, env=core.ALL_ENVIRONMENTS)
    assert sorted(renders) == ["dev", "prod"]
    for env, r in renders.items():
        core.write(r, out / env)
        accounts[env].client("s3", REGION).create_bucket(Bucket=BUCKETS[env], CreateBucketConfiguration={"LocationConstraint": REGION})
    trees = {env: _tree(tmp_path, terraform, env, out / env, accounts[env], accounts[env]) for env in renders}

    # 1. Each environment into its own account; its state in its own bucket and key.
    for env, tf in trees.items():
        d = renders[env].deployment
        tf.plan(f"{env}.tfplan")
        tf.apply(f"{env}.tfplan")
        iam, s3 = accounts[env].client("iam", REGION), accounts[env].client("s3", REGION)
        role = iam.get_role(RoleName=d.role.name)["Role"]
        assert role["Arn"] == f"arn:aws:iam::{ACCOUNTS[env]}:role/{d.role.name}"
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKETS[env]).get("Contents", [])]
        assert keys == [f"rsqgen/analytics/{env}.tfstate"], keys  # and no lock file left behind
        rules = {r["Name"]: r for r in accounts[env].client("events", REGION).list_rules()["Rules"]}
        assert rules["QS2-hourly-sessions"]["ScheduleExpression"] == ("rate(1 hour)" if env == "dev" else "rate(15 minutes)")
        assert rules["QS2-weekly-cleanup"]["State"] == ("DISABLED" if env == "dev" else "ENABLED")
        (target,) = [t for t in accounts[env].client("events", REGION).list_targets_by_rule(Rule="QS2-hourly-sessions")["Targets"] if t["Id"] == "redshift-data"]
        cluster = "analytics-dwh" if env == "dev" else "analytics-prod"  # prod's identifier override
        assert target["Arn"] == f"arn:aws:redshift:{REGION}:{ACCOUNTS[env]}:cluster:{cluster}"
        assert tf.plan_exit_code() == 0, tf.plan_changes_text()

    # 2. prod's tree with dev's credentials (dev's account): refused before any change.
    wrong = TfRun(terraform.binary, out / "prod", trees["prod"].env)
    (out / "prod" / OVERRIDE_FILE).write_text(provider_override(accounts["dev"].url))
    refused = wrong.run("plan", "-input=false", ok=(1,))
    assert "111122223333" in refused.stderr and "not allowed" in refused.stderr, tail(refused.stderr)
    (out / "prod" / OVERRIDE_FILE).write_text(provider_override(accounts["prod"].url))

    # 3. Locking: a slow apply holds dev's lock file; a second plan fails on it, then succeeds.
    dev, s3 = trees["dev"], accounts["dev"].client("s3", REGION)
    slow = out / "dev" / "zz_test_slow.tf"
    slow.write_text('resource "terraform_data" "slow" {\n  provisioner "local-exec" {\n    command = "sleep 15"\n  }\n}\n')
    holder = subprocess.Popen(
        [terraform.binary, "apply", "-no-color", "-input=false", "-auto-approve"],
        cwd=out / "dev", env=dev.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lock = "rsqgen/analytics/dev.tfstate.tflock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and lock not in [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKETS["dev"]).get("Contents", [])]:
        time.sleep(0.5)
    assert holder.poll() is None, f"the first apply ended before its lock was seen: {holder.communicate()}"
    second = dev.run("plan", "-input=false", "-lock-timeout=0s", ok=(1,))
    assert "Error acquiring the state lock" in second.stderr, tail(second.stderr)
    stdout, stderr = holder.communicate(timeout=120)
    assert holder.returncode == 0, tail(stderr)
    slow.unlink()
    assert dev.run("plan", "-input=false", "-detailed-exitcode", ok=(2,)).returncode == 2  # lock free: plans (removing the slow resource)
    assert lock not in [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKETS["dev"]).get("Contents", [])]

    # 4. Both destroyed.
    for env, tf in trees.items():
        tf.destroy()
        assert accounts[env].client("events", REGION).list_rules()["Rules"] == []
