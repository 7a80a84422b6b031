"""Environments and remote state (issue 15): one spec, several deployments, each in its own account
with its own state key, and overrides limited to what may differ between environments. The deploy
suite applies both environments of examples/environments into two emulator accounts."""

from __future__ import annotations

import hcl2
import pytest
from helpers import EXAMPLES_DIR
from rsqgen import core
from rsqgen.cli import app
from rsqgen.errors import SpecError
from rsqgen.spec import load_spec_text
from typer.testing import CliRunner

EXAMPLE = EXAMPLES_DIR / "environments" / "analytics.yaml"
BASE = """\
version: 1
name: demo
region: eu-west-1
backend:
  s3: {bucket: acme-tfstate, key: rsqgen/demo.tfstate, region: eu-west-1}
environments:
  dev: {account_id: "111122223333"}
  prod:
    account_id: "444455556666"
    overrides:
      queries:
        nightly: {schedule: daily at 03:00}
warehouses:
  dwh: {}
operators:
  - user: alice
queries:
  nightly:
    warehouse: dwh
    database: sales
    auth: {db_user: etl}
    sql: SELECT 1;
    schedule: daily at 02:00
"""


def _errors(text: str, env: str | None) -> list[str]:
    with pytest.raises(SpecError) as exc:
        load_spec_text(text, "spec.yaml", env=env)
    return [str(i) for i in exc.value.issues]


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.fixture(scope="module")
def trees():
    return {env: core.render_spec(EXAMPLE, "examples/environments/analytics.yaml", env=env) for env in ("dev", "prod")}


def test_each_environment_is_its_own_account_state_and_tags(trees):
    for env, account, bucket in (("dev", "111122223333", "acme-dev-tfstate"), ("prod", "444455556666", "acme-prod-tfstate")):
        d, files = trees[env].deployment, trees[env].files
        assert (d.environment, d.account_id) == (env, account)
        assert d.role.arn == f"arn:aws:iam::{account}:role/analytics-redshift-scheduler"
        # Read as Terraform reads it: a commented-out line is not a setting.
        (provider,) = [b.get('"aws"') or b.get("aws") for b in hcl2.loads(files["providers.tf"].decode())["provider"]]
        assert [a.strip('"') for a in provider.get("allowed_account_ids", [])] == [account], provider
        assert d.tags["RsqgenEnvironment"] == env
        backend = files["backend.tf"].decode()
        assert f'bucket       = "{bucket}"' in backend and f'key          = "rsqgen/analytics/{env}.tfstate"' in backend
        assert "use_lockfile = true" in backend and "encrypt      = true" in backend and "dynamodb" not in backend
        assert 'required_version = ">= 1.10"' in files["versions.tf"].decode()


def test_overrides_change_what_they_name_and_nothing_else(trees):
    dev, prod = trees["dev"].deployment, trees["prod"].deployment
    q = {d.environment: {x.key: x for x in d.queries} for d in (dev, prod)}
    assert q["dev"]["hourly-sessions"].schedule_expression == "rate(1 hour)"
    assert q["prod"]["hourly-sessions"].schedule_expression == "rate(15 minutes)"
    assert (q["dev"]["weekly-cleanup"].enabled, q["prod"]["weekly-cleanup"].enabled) == (False, True)
    assert [t.emails for t in dev.topics] == [("data-dev@example.com",)] and [t.emails for t in prod.topics] == [("data-oncall@example.com",)]
    assert (dev.tags["cost-center"], prod.tags["cost-center"]) == ("data-dev", "data-prod")
    # prod's cluster has its own identifier: the target, the credentials' ARNs and the key stay apart
    assert [(w.key, w.identifier) for w in prod.warehouses] == [("analytics-dwh", "analytics-prod")]
    assert q["prod"]["hourly-sessions"].target_arn == "arn:aws:redshift:eu-west-1:444455556666:cluster:analytics-prod"
    creds = next(s for s in prod.role.statements if s.sid == "DatabaseUserCredentials")
    assert creds.resources == ("arn:aws:redshift:eu-west-1:444455556666:dbname:analytics-prod/analytics", "arn:aws:redshift:eu-west-1:444455556666:dbuser:analytics-prod/etl")
    assert dev.role.operator_arns == ("arn:aws:iam::111122223333:user/dev-analyst",)
    assert prod.role.operator_arns == ("arn:aws:iam::444455556666:role/DataOnCall",)
    for key in q["dev"]:  # the same SQL, database and connection everywhere
        a, b = q["dev"][key], q["prod"][key]
        assert (a.sql, a.database, a.db_user, a.rule_name) == (b.sql, b.database, b.db_user, b.rule_name)


def test_the_same_spec_renders_the_same_bytes():
    again = core.render_spec(EXAMPLE, "examples/environments/analytics.yaml", env="prod")
    assert again.files == core.render_spec(EXAMPLE, "examples/environments/analytics.yaml", env="prod").files


@pytest.mark.parametrize(
    "change, env, needle, message",
    [
        (("", ""), None, "environments:", "this spec has environments (dev, prod): say which one"),
        (("", ""), "stage", "environments:", "--env stage: no such environment; one of: dev, prod, or all"),
        (("nightly: {schedule: daily at 03:00}", "nightly: {sql: SELECT 2;}"), "prod", "sql: SELECT 2", "'sql' of a query cannot differ between environments"),
        (("queries:\n        nightly", "warehouses: {dwh: {type: serverless}}\n      queries:\n        nightly"), "prod", "warehouses: {dwh", "'type' of a warehouse cannot differ between environments"),
        (("queries:\n        nightly", "defaults: {queries: {database: crm}}\n      queries:\n        nightly"), "prod", "defaults: {queries", "'defaults' cannot differ between environments"),
        (("queries:\n        nightly", "warehouses: {dwh: {identifier: Bad_Name}}\n      queries:\n        nightly"), "prod", "Bad_Name", "'Bad_Name' is not a valid cluster identifier"),
        (("nightly: {schedule: daily at 03:00}", "nightlly: {schedule: daily at 03:00}"), "prod", "nightlly", "unknown query 'nightlly'"),
        (("daily at 03:00", "daily at 25:00"), "prod", "daily at 25:00", "25:00"),
        (('prod:\n    account_id: "444455556666"', 'prod:\n    account_id: "111122223333"'), "dev", "  prod:", "dev and prod deploy to the same account (111122223333) and region (eu-west-1)"),
        (("region: eu-west-1}", "region: eu-west-1, dynamodb_table: locks}"), "dev", "dynamodb_table", "DynamoDB state locking is deprecated"),
        (("key: rsqgen/demo.tfstate", "key: /rsqgen/demo"), "dev", "/rsqgen/demo", "is not a valid state key"),
    ],
)
def test_every_misuse_is_located(change, env, needle, message):
    text = BASE.replace(*change) if change[0] else BASE
    errors = _errors(text, env)
    matching = [e for e in errors if message in e]
    assert matching, errors
    assert any(e.startswith(f"spec.yaml:{_line(text, needle)}:") for e in matching), (matching, _line(text, needle))


def test_env_on_a_spec_without_environments_is_an_error():
    text = BASE.split("environments:")[0] + "warehouses:" + BASE.split("warehouses:")[1]
    (message,) = _errors(text, "prod")
    assert "--env prod: this spec has no environments" in message


def test_render_all_writes_each_environment_or_none(tmp_path):
    runner = CliRunner()
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(BASE)
    result = runner.invoke(app, ["render", str(spec_path), "--env", "all", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dev", "prod"]
    assert '"cron(0 3 * * ? *)"' in (tmp_path / "out" / "prod" / "main.tf").read_text()
    check = runner.invoke(app, ["render", str(spec_path), "--env", "all", "-o", str(tmp_path / "out"), "--check"])
    assert check.exit_code == 0 and "dev is current" in check.output and "prod is current" in check.output
    # One bad environment: nothing is written for any.
    spec_path.write_text(BASE.replace("daily at 03:00", "daily at 25:00"))
    result = runner.invoke(app, ["render", str(spec_path), "--env", "all", "-o", str(tmp_path / "again")])
    assert result.exit_code == 2 and not (tmp_path / "again").exists()


def test_without_a_backend_there_is_no_backend_file(tmp_path):
    text = BASE.replace("backend:\n  s3: {bucket: acme-tfstate, key: rsqgen/demo.tfstate, region: eu-west-1}\n", "")
    (tmp_path / "spec.yaml").write_text(text)
    files = core.render_spec(tmp_path / "spec.yaml", env="dev").files
    assert "backend.tf" not in files and 'required_version = ">= 1.5"' in files["versions.tf"].decode()


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_each_environment_passes_terraform_and_checkov(terraform, checkov_bin, monkeypatch, env):
    monkeypatch.setenv("RSQGEN_CHECKOV", checkov_bin)
    report = core.validate(EXAMPLE, env=env)
    failed = [(r.name, r.status, r.detail) for r in report.results if r.status not in ("PASSED",)]
    assert failed == [], failed


def test_one_environment_commands_say_so_for_all(tmp_path):
    (tmp_path / "spec.yaml").write_text(BASE)
    runner = CliRunner()
    for command in (["validate", "--no-terraform", "--no-checkov"], ["explain"]):
        result = runner.invoke(app, [command[0], str(tmp_path / "spec.yaml"), *command[1:], "--env", "all"])
        assert result.exit_code == 2 and "--env all: this command takes one environment; give --env with one of: dev, prod" in result.output


def test_names_compares_one_environment_of_each_spec(tmp_path):
    (tmp_path / "a.yaml").write_text(BASE)
    (tmp_path / "b.yaml").write_text(BASE.replace("name: demo", "name: other"))
    result = CliRunner().invoke(app, ["names", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "--env", "prod"])
    assert result.exit_code in (0, 1) and "say which one" not in result.output, result.output


def test_a_person_reads_the_environment_s_own_cluster_name(trees):
    readme = trees["prod"].files["README.md"].decode()
    assert "**Existing cluster** `analytics-prod`" in readme and "`analytics-dwh`" not in readme.split("## What")[1].split("## Apply")[0]
    assert "| `analytics-prod` |" in readme


def test_a_backend_given_only_by_an_environment_is_its_whole_backend(tmp_path):
    text = BASE.replace("backend:\n  s3: {bucket: acme-tfstate, key: rsqgen/demo.tfstate, region: eu-west-1}\n", "")
    text = text.replace('  dev: {account_id: "111122223333"}', '  dev:\n    account_id: "111122223333"\n    backend: {s3: {bucket: dev-state, key: demo/dev.tfstate, region: eu-west-1}}')
    (tmp_path / "spec.yaml").write_text(text)
    dev = core.render_spec(tmp_path / "spec.yaml", env="dev").files
    assert 'bucket       = "dev-state"' in dev["backend.tf"].decode() and 'key          = "demo/dev.tfstate"' in dev["backend.tf"].decode()
    assert "backend.tf" not in core.render_spec(tmp_path / "spec.yaml", env="prod").files
    (tmp_path / "spec.yaml").write_text(text.replace("bucket: dev-state, ", ""))
    errors = _errors(text.replace("bucket: dev-state, ", ""), "dev")
    assert any("required key 'bucket' is missing" in e and e.startswith(f"spec.yaml:{_line(text, 'dev-state')}:") for e in errors), errors


def test_account_specific_arns_may_differ_between_environments():
    text = BASE.replace("        nightly: {schedule: daily at 03:00}", (
        "        nightly: {auth: {secret_arn: \"arn:aws:secretsmanager:eu-west-1:444455556666:secret:etl-AbCdEf\"}}\n"
        "      role: {permissions_boundary: \"arn:aws:iam::444455556666:policy/Boundary\"}\n"
        "      kms_key: shared"
    ))
    text += 'role: {permissions_boundary: "arn:aws:iam::111122223333:policy/Boundary"}\n'
    prod = load_spec_text(text, "spec.yaml", env="prod").spec
    assert prod.role.permissions_boundary == "arn:aws:iam::444455556666:policy/Boundary" and prod.kms_key == "shared"
    assert prod.queries["nightly"].auth.secret_arn.endswith(":444455556666:secret:etl-AbCdEf")
    dev = load_spec_text(text, "spec.yaml", env="dev").spec
    assert dev.role.permissions_boundary == "arn:aws:iam::111122223333:policy/Boundary" and dev.kms_key == "per-resource"


def test_several_trees_are_checked_before_any_is_written(tmp_path):
    (tmp_path / "spec.yaml").write_text(BASE)
    (tmp_path / "out" / "prod").mkdir(parents=True)
    (tmp_path / "out" / "prod" / "notes.txt").write_text("mine")
    result = CliRunner().invoke(app, ["render", str(tmp_path / "spec.yaml"), "--env", "all", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "did not write" in result.output
    assert not (tmp_path / "out" / "dev").exists()  # dev was not written before prod was refused
