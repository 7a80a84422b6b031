"""Apply the generated Terraform for real, against a local AWS API (moto), and prove plans are stable.

For every example that references existing warehouses only: render, `terraform apply`, check
through boto3 that what exists is exactly what rsqgen planned, re-plan (no changes), then three spec edits
(add a query, change a schedule, disable a query), each re-rendered into the same folder, planned
(the changes must be exactly the edit's, computed from the two Deployments), applied and re-planned;
finally `terraform destroy` and check that nothing is left.

Examples that create a cluster cannot be applied (moto cannot run aws_redshift_cluster, see
shared/reference/toolchain.md): they are planned against moto, and the plan is checked. moto has
no Redshift Serverless API at all: helpers/serverless.py stands in for it, as AWS documents it
(every configuration parameter read back, no-op updates refused), so Serverless examples, created
workgroups included, are applied.

The helpers live in tests/helpers: motoserver (the server, fake credentials, the provider
override), serverless (the Redshift Serverless stand-in), tfrun (terraform calls, `show -json`), expected (what the plan implies), deployed
(boto3 checks). Fixtures are defined here rather than in a conftest.py: a second conftest module
would shadow tests/conftest.py for the suite's `from helpers import ...` lines.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from helpers.deployed import (
    Aws,
    Checks,
    serverless_refs,
    verify_deployed,
    verify_destroyed,
    verify_serverless,
    verify_serverless_destroyed,
)
from helpers.expected import (
    APPLY,
    Case,
    belongs_to,
    classify,
    compare_changes,
    expected_changes,
    inventory,
    load_spec_data,
    spec_edits,
    spec_sql,
    write_spec_data,
)
from helpers.live import live_env, rsqgen_json
from helpers.motoserver import (
    OVERRIDE_FILE,
    MotoServer,
    fake_aws_env,
    provider_override,
)
from helpers.redshift_data import RedshiftDataStandIn
from helpers.serverless import DEFAULT_CONFIG_PARAMETERS, ServerlessStandIn
from helpers.tfrun import Plan, TfRun, tail
from rsqgen import core, deploy, spec
from rsqgen.errors import SpecError
from rsqgen.values import Ref, resolve

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"


def _cases() -> list[Case]:
    """One case per example folder, found on disk (examples are added while this suite exists)."""
    cases = []
    for spec_path in sorted(EXAMPLES_DIR.glob("*/spec.yaml")):
        name = spec_path.parent.name
        try:
            deployment = deploy.decide(spec.load_spec(spec_path))
        except SpecError:  # a broken example: its test renders it and fails with the spec's errors
            cases.append(Case(name, APPLY))
            continue
        cases.append(classify(name, deployment))
    return cases


CASES = _cases()


# ---------------------------------------------------------------------------------------------
# Steps


def render_into(spec_path: Path, out: Path) -> deploy.Deployment:
    rendered = core.render_spec(spec_path)
    core.write(rendered, out)
    return rendered.deployment


def prepare(case: Case, tmp_path: Path, terraform, moto: MotoServer, workgroups: ServerlessStandIn) -> tuple[TfRun, deploy.Deployment, Path]:
    """Copy the example (its SQL files too), render it, point it at moto, terraform init."""
    src = tmp_path / "spec"
    shutil.copytree(EXAMPLES_DIR / case.example, src)
    out = tmp_path / "out"
    d = render_into(src / "spec.yaml", out)
    (out / OVERRIDE_FILE).write_text(provider_override(moto.url, {"redshiftserverless": workgroups.url}))
    config_dir = tmp_path / "tf-cli"  # terraform's CLI config lives outside the rendered folder
    config_dir.mkdir()
    tf = TfRun(terraform.binary, out, fake_aws_env(terraform.env(config_dir)))
    tf.init()
    return tf, d, src


def assert_no_changes(tf: TfRun, when: str) -> str:
    code = tf.plan_exit_code()
    assert code == 0, f"{when}: terraform plans changes (the configuration is not stable):\n{tf.plan_changes_text()}"
    return "no changes"


def assert_plan_is(plan_: Plan, expected: dict[str, str], when: str) -> None:
    problems = compare_changes(plan_.changes(), expected)
    assert not problems, (
        f"{when}: the plan is not the one the two Deployments imply (if the generated layout changed on purpose, "
        "update inventory() in tests/deploy/expected.py):\n  " + "\n  ".join(problems)
    )


# ---------------------------------------------------------------------------------------------
# The test


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_example_against_moto(case: Case, tmp_path, terraform, moto, workgroups, data_api, figures):
    figures["mode"] = case.mode + (f" ({case.note})" if case.note else "")
    if case.mode == APPLY:
        # Into the spec's own account, if it names one: doctor then checks the account it is for.
        moto.use_account(deploy.decide(spec.load_spec(EXAMPLES_DIR / case.example / "spec.yaml")).account_id)
        apply_edit_destroy(case, tmp_path, terraform, moto, workgroups, data_api, figures)
    else:
        plan_only(case, tmp_path, terraform, moto, workgroups, figures)
    figures["outcome"] = "passed"


def apply_edit_destroy(case: Case, tmp_path: Path, terraform, moto: MotoServer, workgroups: ServerlessStandIn, data_api: RedshiftDataStandIn, figures: dict) -> None:
    tf, d, src = prepare(case, tmp_path, terraform, moto, workgroups)
    out = tf.workdir
    aws = Aws(moto, d.region)
    checks = Checks()

    workgroups.account = d.account_id or aws.account  # the account its ARNs name
    # What the spec references must exist before apply: create it as its owner would have.
    for user, created in d.operators.users.items():
        if not created:
            aws.iam.create_user(UserName=user)
    for t in d.existing_topics:  # e.g. the topic AWS Chatbot posts from; its owner adds what the README asks
        assert aws.sns.create_topic(Name=t.name)["TopicArn"] == t.existing_arn, f"{case.example}: the existing topic must be in moto's account"
        policy = {"Version": "2012-10-17", "Statement": [resolve(t.owner_statement(), d.account_id or aws.account)]}
        aws.sns.set_topic_attributes(TopicArn=t.existing_arn, AttributeName="Policy", AttributeValue=json.dumps(policy))
    if d.role.permissions_boundary:  # the organisation's boundary policy
        boundary = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        name = d.role.permissions_boundary.rsplit("/", 1)[1]
        assert aws.iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(boundary))["Policy"]["Arn"] == d.role.permissions_boundary
    refs = {
        w.arn: workgroups.add(w.identifier, d.region, d.account_id or aws.account)
        for w in d.warehouses
        if w.type == "serverless" and not w.created
    }

    # 1. Apply: exactly the planned inventory is created, and moto then holds exactly the plan.
    first = tf.plan("apply.tfplan")
    assert_plan_is(first, expected_changes(None, d), "first plan")
    added = tf.apply("apply.tfplan")
    assert added == first.counts()["create"], f"apply added {added} resources, the plan created {first.counts()['create']}"
    figures["resources_applied"] = added
    data = load_spec_data(src / "spec.yaml")
    serverless = workgroups.client(d.region)
    refs |= serverless_refs(serverless, d)
    verify_serverless(serverless, d, checks, all_parameters=len(DEFAULT_CONFIG_PARAMETERS))
    verify_deployed(aws, d, spec_sql(data, src), checks, refs)
    figures["boto3_checks_after_apply"] = checks.count

    # 2. Re-plan: nothing to do (AWS reads back every workgroup parameter: still nothing to do).
    figures["second_plan"] = assert_no_changes(tf, "plan right after apply")

    # 2b. rsqgen doctor, as an operator runs it: the account holds what the spec means. The existing
    #     clusters the queries run on are made first, as their owner would have.
    for w in d.warehouses:
        if w.type == "cluster" and not w.created:
            aws.redshift.create_cluster(ClusterIdentifier=w.identifier, NodeType="ra3.large", MasterUsername="owner", MasterUserPassword="Owner-password-1", ClusterType="single-node")
    #     It runs as an operator when the spec has user operators (the role trusts them: doctor
    #     then also reads the statements), else as moto's own user (a note says what was not read).
    data_api.reset(sts_url=moto.url)
    operator = next(iter(d.operators.users), None)
    key = aws.iam.create_access_key(UserName=operator)["AccessKey"] if operator else None
    keys = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]} if key else {}
    env = live_env(moto.url, d.region, serverless=workgroups.url, data_api=data_api.url, **keys)
    started = time.monotonic()
    code, report = rsqgen_json(["doctor", str(src / "spec.yaml")], env)
    wall = time.monotonic() - started
    if key:
        aws.iam.delete_access_key(UserName=operator, AccessKeyId=key["AccessKeyId"])  # the user's owner would not leave it
        assert data_api.calls.get("ListStatements"), "doctor, run by an operator, did not read the statements"
    assert (code, report["findings"], report["not_run"]) == (0, [], []), f"doctor on the applied example: {json.dumps(report, indent=2)}"
    figures["doctor"] = f"healthy: {report['checks']} checks in {report['seconds']} s ({wall:.1f} s for the whole command)"

    # 3. Edits, each re-rendered into the same folder, planned, applied and re-planned.
    override = (out / OVERRIDE_FILE).read_text()
    figures["edits"] = {}
    before = d
    for n, edit in enumerate(spec_edits(data, d), start=1):
        spec_path = write_spec_data(edit.spec, src / f"edit-{n}-{edit.name}.yaml")
        after = render_into(spec_path, out)
        assert (out / OVERRIDE_FILE).read_text() == override, f"{edit.name}: the re-render did not keep {OVERRIDE_FILE}"

        edit_plan = tf.plan(f"edit-{n}.tfplan")
        expected = expected_changes(before, after)
        assert expected, f"{edit.what}: the two Deployments do not differ; the edit tests nothing"
        assert_plan_is(edit_plan, expected, f"edit {edit.what}")
        untouched = [q.key for q in after.queries if q.key != edit.key]
        touched = {a: act for a, act in edit_plan.changes().items() if any(belongs_to(a, k) for k in untouched)}
        assert not touched, f"edit {edit.what} changes resources of untouched queries: {touched}"
        if edit.name == "add-query":
            assert set(edit_plan.changes().values()) <= {"create", "update"}, edit_plan.changes()
            assert all(act == "create" for a, act in edit_plan.changes().items() if belongs_to(a, edit.key))

        tf.apply(f"edit-{n}.tfplan")
        verify_deployed(aws, after, spec_sql(edit.spec, src), checks, refs)
        figures["edits"][edit.what] = {
            **{k: v for k, v in edit_plan.counts().items() if v},
            "updated": sorted(a for a, act in edit_plan.changes().items() if act == "update"),
            "then": assert_no_changes(tf, f"plan after applying edit {edit.what}"),
        }
        before = after

    # 3b. Someone turns SSL off on a created workgroup outside Terraform: the plan changes nothing
    #     (AWS would refuse the update) but its check says what happened and how to set it back.
    for w in (w for w in before.warehouses if w.created and w.type == "serverless"):
        serverless.update_workgroup(workgroupName=w.key, configParameters=[{"parameterKey": "require_ssl", "parameterValue": "false"}])
        result = tf.run("plan", "-input=false", "-detailed-exitcode", ok=(0,))
        said = " ".join(result.stdout.split())
        assert "Check block assertion failed" in said and f"Workgroup {w.key}: require_ssl" in said, tail(result.stdout)
        figures["ssl_turned_off"] = "no changes planned; the check warns"

    # 4. Destroy: everything created is gone (KMS keys wait out their deletion window).
    destroyed = tf.destroy()
    managed = len(inventory(before))
    assert destroyed == managed, f"destroy removed {destroyed} resources, the configuration manages {managed}"
    verify_destroyed(aws, before, checks)
    verify_serverless_destroyed(serverless, before, checks)
    if workgroups.calls:
        figures["serverless_calls"] = dict(sorted(workgroups.calls.items()))
    figures["destroy"] = f"{destroyed} destroyed, nothing left"
    figures["boto3_checks"] = checks.count
    figures["terraform_seconds"] = _seconds_by_command(tf)


def _seconds_by_command(tf: TfRun) -> dict[str, float]:
    totals: dict[str, float] = {}
    for command, seconds in tf.log:
        name = command.split()[0]
        totals[name] = round(totals.get(name, 0.0) + seconds, 1)
    return totals


def plan_only(case: Case, tmp_path: Path, terraform, moto: MotoServer, workgroups: ServerlessStandIn, figures: dict) -> None:
    """Created warehouses: plan against moto (the default-VPC lookups run there) and check the plan."""
    tf, d, _ = prepare(case, tmp_path, terraform, moto, workgroups)
    checks = Checks()
    result = tf.plan("plan.tfplan", allow_errors=True)
    account = d.account_id or Aws(moto, d.region).account

    clusters = {r["values"]["cluster_identifier"]: r for r in result.planned_of_type("aws_redshift_cluster")}
    wanted = sorted(w.key for w in d.warehouses if w.created and w.type == "cluster")
    checks.equal("planned clusters", sorted(clusters), wanted)
    config = _module_resource_config(result, "redshift_cluster", "aws_redshift_cluster") if wanted else {}
    for key in wanted:
        values = clusters[key]["values"]
        for attribute, value in (("encrypted", True), ("publicly_accessible", False), ("manage_master_password", True)):
            checks.equal(f"cluster {key}: {attribute}", values.get(attribute), value)
        checks.equal(f"cluster {key}: master_password in the plan", values.get("master_password"), None)
        checks.true(f"cluster {key}: no master_password in the configuration", "master_password" not in config, sorted(config))
    namespaces = result.planned_of_type("aws_redshiftserverless_namespace")
    ns_config = _module_resource_config(result, "redshift_serverless", "aws_redshiftserverless_namespace") if namespaces else {}
    for ns in namespaces:
        checks.equal(f"{ns['address']}: manage_admin_password", ns["values"].get("manage_admin_password"), True)
        checks.equal(f"{ns['address']}: admin_user_password in the plan", ns["values"].get("admin_user_password"), None)
        no_password = "admin_user_password" not in ns_config
        checks.true(f"{ns['address']}: no admin_user_password in the configuration", no_password, sorted(ns_config))
    for wg in result.planned_of_type("aws_redshiftserverless_workgroup"):
        checks.equal(f"{wg['address']}: publicly_accessible", wg["values"].get("publicly_accessible"), False)

    # Policies that name nothing created in the same run are known at plan time, and exactly rsqgen's.
    by_address = {r["address"]: r.get("values", {}) for r in result.planned_resources()}
    documents = (
        ("module.schedule_role.aws_iam_role.this", "assume_role_policy", d.role.trust_policy()),
        ("module.schedule_role.aws_iam_role_policy.this", "policy", d.role.permissions_policy()),
    ) + ((("module.operators.aws_iam_group_policy.this[0]", "policy", d.operators.group_policy()),) if d.operators.users else ())
    for address, attribute, planned in documents:
        if not _has_ref(planned):
            value = by_address.get(address, {}).get(attribute)
            checks.true(f"{address}: {attribute} known at plan time", value is not None)
            checks.equal(f"{address}: {attribute}", json.loads(value), resolve(planned, account))

    counts = result.counts()
    figures["planned"] = {k: v for k, v in counts.items() if v}
    figures["plan_checks"] = checks.count
    figures["plan_errors"] = result.errors
    errored = result.errored
    assert not errored, f"terraform plan of {case.example} failed:\n  " + "\n  ".join(result.errors)
    assert counts["create"] > 0 and counts["create"] == sum(counts.values()), f"a fresh account needs only creates: {counts}"


def _has_ref(value) -> bool:
    if isinstance(value, Ref):
        return True
    if isinstance(value, dict):
        return any(_has_ref(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_ref(v) for v in value)
    return False


def _module_resource_config(plan_: Plan, module: str, rtype: str) -> dict:
    """The configured arguments (`expressions`) of a resource inside a module call."""
    call = plan_.doc["configuration"]["root_module"]["module_calls"][module]
    resource = next(r for r in call["module"]["resources"] if r["type"] == rtype)
    return resource.get("expressions", {})
