"""EventBridge Scheduler takes a schedule's Input up to 256 KB (botocore's scheduler model, the
documentation of Target.Input). rsqgen's Input is the whole Data API request, written by Terraform's
jsonencode: it is measured in bytes as jsonencode writes it, and refused at the query's SQL."""

from __future__ import annotations

import json

import pytest
from helpers.offline_plan import by_type, offline_plan

from rsqgen import core
from rsqgen.aws import SCHEDULER_INPUT_MAX
from rsqgen.deploy.quotas import jsonencode_bytes
from rsqgen.errors import SpecError

HEAD = """version: 1
name: big
region: eu-west-1
account_id: "111122223333"
schedule_group: default
warehouses:
  dwh: {}
queries:
  load:
    warehouse: dwh
    database: dev
    auth: {db_user: etl}
    scheduler: scheduler
    schedule: daily at 01:00
"""


def batch(*statements: str) -> str:
    return HEAD + "    sql:\n" + "".join(f"      - {json.dumps(s)}\n" for s in statements)


def test_three_statements_of_98000_characters_are_refused_at_the_query(write_spec):
    """The issue's case: each statement under the 100,000-character SQL limit, 294 KB together."""
    sql = "SELECT '" + "x" * 97_990 + "';"
    path = write_spec(batch(sql, sql, sql))
    with pytest.raises(SpecError) as exc:
        core.render_spec(path)
    (issue,) = exc.value.issues
    assert issue.path == "queries.load.sql" and (issue.location.file, issue.location.line) == (str(path), 15)
    assert f"takes at most {SCHEDULER_INPUT_MAX:,}" in issue.message and "bytes" in issue.message


def test_escapes_count_as_jsonencode_writes_them(write_spec):
    """45,000 '<' are 45,000 characters but 270,000 bytes in the input (each is \\u003c)."""
    with pytest.raises(SpecError):
        core.render_spec(write_spec(batch("SELECT '" + "<" * 45_000 + "';")))
    core.render_spec(write_spec(batch("SELECT '" + "a" * 45_000 + "';", "SELECT '" + "a" * 45_000 + "';")))


def test_the_limit_is_counted_in_bytes_not_characters(write_spec):
    """86,000 characters of 3-byte Japanese ("ア") are 258,000 bytes: over, though under in characters."""
    with pytest.raises(SpecError):
        core.render_spec(write_spec(batch("SELECT '" + "ア" * 86_000 + "';")))


@pytest.mark.terraform
def test_the_measure_is_the_length_terraform_writes(terraform, tmp_path):
    """Every escape jsonencode makes, measured against the plan's own input."""
    sql = "SELECT '<a> & \u2028 \u2029 \" \\ \t \x08 \x0c é e\u0301 ア 😀',\n 1;"
    spec = tmp_path / "spec.yaml"
    spec.write_text(batch(sql, "SELECT 2;"), encoding="utf-8")
    rendered = core.render_spec(spec)
    out = tmp_path / "out"
    core.write(rendered, out)
    (schedule,) = by_type(offline_plan(terraform, out), "aws_scheduler_schedule")
    planned = schedule["target"][0]["input"]
    (query,) = rendered.deployment.queries
    assert len(planned.encode("utf-8")) == jsonencode_bytes(query.scheduler_request())
    assert json.loads(planned) == json.loads(json.dumps(query.scheduler_request()).replace("e\\u0301", "\\u00e9"))
