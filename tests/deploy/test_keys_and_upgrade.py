"""Keys a team already has, and upgrading rsqgen under a deployed tree. Against the local moto server,
with real terraform.

- `kms_key: <ARN>`: the topics and the schedule group rsqgen creates use the existing key, the role
  may decrypt schedule payloads with it, nothing else is made, and destroy leaves the key alone.
- Upgrade: a tree rendered and applied by the previous rsqgen (the commit before several
  notifications and shared keys changed resource addresses) is rendered again by this one into the
  same folder; the plan moves resources (`moved` blocks) and changes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest
from helpers import REPO
from helpers.motoserver import OVERRIDE_FILE, fake_aws_env, provider_override
from helpers.tfrun import TfRun
from rsqgen import core

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's account
SPEC = f"""\
version: 1
name: keydemo
region: {REGION}
account_id: "{ACCOUNT}"
warehouses:
  dwh: {{}}
operators:
  - user: alice
notifications:
  oncall:
    emails: [oncall@example.com]
queries:
  nightly:
    warehouse: dwh
    database: sales
    auth: {{db_user: etl}}
    sql: SELECT 1;
    schedule: rate(1 day)
    notify: {{topic: oncall, on: [trigger, failed]}}
  tokyo-morning:
    warehouse: dwh
    database: sales
    auth: {{db_user: etl}}
    sql: SELECT 2;
    scheduler: scheduler
    timezone: Asia/Tokyo
    schedule: daily at 07:00
    notify: {{topic: oncall, on: [failed]}}
"""
# The last commit whose output had count-less topic and group keys and a count-based trigger target.
PREVIOUS = "9b02e70"


def _terraform(tmp_path: Path, terraform, moto, out: Path) -> TfRun:
    (out / OVERRIDE_FILE).write_text(provider_override(moto.url))
    config = tmp_path / "tf-cli"
    config.mkdir(exist_ok=True)
    tf = TfRun(terraform.binary, out, fake_aws_env(terraform.env(config)))
    tf.init()
    return tf


def test_an_existing_key_encrypts_what_rsqgen_creates_and_is_kept(tmp_path, terraform, moto):
    kms = moto.client("kms", REGION)
    owner_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "EventBridge", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"},
        ],
    }
    key = kms.create_key(Policy=json.dumps(owner_policy), Description="the platform team's key")["KeyMetadata"]["Arn"]
    (tmp_path / "spec.yaml").write_text(SPEC + f"kms_key: {key}\n")
    out = tmp_path / "out"
    rendered = core.render_spec(tmp_path / "spec.yaml")
    core.write(rendered, out)
    tf = _terraform(tmp_path, terraform, moto, out)
    plan = tf.plan("apply.tfplan")
    created_keys = [a for a in plan.changes() if ".aws_kms_key." in a or ".aws_kms_alias." in a]
    assert created_keys == [], f"an existing key was given, yet the plan makes keys: {created_keys}"
    tf.apply("apply.tfplan")

    sns, scheduler, iam = moto.client("sns", REGION), moto.client("scheduler", REGION), moto.client("iam", REGION)
    (topic,) = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"] == key
    schedule = scheduler.get_schedule(GroupName="keydemo-redshift-queries", Name="QS2-tokyo-morning")
    assert schedule["KmsKeyArn"] == key
    policy = iam.get_role_policy(RoleName="keydemo-redshift-scheduler", PolicyName="scheduled-query-permissions")["PolicyDocument"]
    decrypt = [s for s in policy["Statement"] if "kms:Decrypt" in s["Action"]]
    assert [s["Resource"] for s in decrypt] == [[key]] or [s["Resource"] for s in decrypt] == [key], decrypt
    assert tf.plan_exit_code() == 0, tf.plan_changes_text()

    tf.destroy()
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled", "destroy must leave the owner's key alone"


def _previous_rsqgen(tmp_path: Path) -> Path:
    """The previous commit's package, unpacked so that `import rsqgen` finds it first."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", PREVIOUS, "generator", "templates", "modules"],
            capture_output=True, check=True,
        ).stdout
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"the upgrade test needs commit {PREVIOUS} in git history (a full clone): {exc.stderr.decode()[-300:]}", pytrace=False)
    src = tmp_path / "previous"
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(src, filter="data")
    (src / "path").mkdir()
    (src / "path" / "rsqgen").symlink_to(src / "generator")
    return src / "path"


def test_upgrading_rsqgen_moves_resources_and_changes_nothing(tmp_path, terraform, moto):
    (tmp_path / "spec.yaml").write_text(SPEC)
    out = tmp_path / "out"
    previous = _previous_rsqgen(tmp_path)
    script = "import sys; sys.path.insert(0, sys.argv[1]); from rsqgen import core; core.write(core.render_spec(sys.argv[2]), sys.argv[3])"
    old = subprocess.run([sys.executable, "-c", script, str(previous), str(tmp_path / "spec.yaml"), str(out)], capture_output=True, text=True)
    assert old.returncode == 0, old.stderr[-2000:]
    assert "aws_kms_key.this[0]" not in "".join(p.read_text() for p in (out / "modules").rglob("*.tf")), "the old tree is not the old layout"
    tf = _terraform(tmp_path, terraform, moto, out)
    tf.plan("old.tfplan")
    tf.apply("old.tfplan")

    core.write(core.render_spec(tmp_path / "spec.yaml"), out)
    tf.init()
    plan = tf.plan("upgrade.tfplan")
    changes = plan.doc.get("resource_changes", [])
    acting = {c["address"]: c["change"]["actions"] for c in changes if c["change"]["actions"] != ["no-op"]}
    assert acting == {}, f"the upgrade changes resources: {acting}"
    moved = sorted((c["previous_address"], c["address"]) for c in changes if c.get("previous_address"))
    assert moved == [
        ('module.notifications["oncall"].aws_kms_alias.this', 'module.notifications["oncall"].aws_kms_alias.this[0]'),
        ('module.notifications["oncall"].aws_kms_key.this', 'module.notifications["oncall"].aws_kms_key.this[0]'),
        ("module.schedule_group.aws_kms_alias.this", "module.schedule_group.aws_kms_alias.this[0]"),
        ("module.schedule_group.aws_kms_key.this", "module.schedule_group.aws_kms_key.this[0]"),
        ('module.scheduled_query["nightly"].aws_cloudwatch_event_target.trigger[0]', 'module.scheduled_query["nightly"].aws_cloudwatch_event_target.trigger["notify-trigger"]'),
    ], moved
    tf.apply("upgrade.tfplan")
    assert tf.plan_exit_code() == 0, tf.plan_changes_text()
    tf.destroy()
