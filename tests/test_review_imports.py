"""`rsqgen review` on a plan that imports (what `rsqgen adopt` leads to): the imports are listed and
counted, and a target or schedule that will run as another role is a security-relevant change."""

from __future__ import annotations

from rsqgen.tools.review import review, to_markdown

OLD = "arn:aws:iam::111122223333:role/AmazonRedshift-CommandsAccessRole"
NEW = "arn:aws:iam::111122223333:role/legacy-redshift-scheduler"


def change(address, rtype, actions, before, after, *, importing=None, after_unknown=None):
    rc = {"address": address, "mode": "managed", "type": rtype, "change": {"actions": actions, "before": before, "after": after, "after_unknown": after_unknown or {}}}
    if importing:
        rc["change"]["importing"] = {"id": importing}
    return rc


def test_imports_are_listed_and_a_new_role_is_security_relevant():
    target = 'module.scheduled_query["daily"].aws_cloudwatch_event_target.redshift'
    schedule = 'module.scheduler_query["nightly"].aws_scheduler_schedule.this'
    rule = 'module.scheduled_query["daily"].aws_cloudwatch_event_rule.this'
    plan = {"resource_changes": [
        change(target, "aws_cloudwatch_event_target", ["update"], {"rule": "QS2-daily", "role_arn": OLD, "arn": "x"}, {"rule": "QS2-daily", "role_arn": NEW, "arn": "x"}, importing="QS2-daily/QS2-daily"),
        change(schedule, "aws_scheduler_schedule", ["update"], {"name": "nightly", "target": [{"role_arn": OLD}]}, {"name": "nightly", "target": [{}]},
               importing="default/nightly", after_unknown={"target": [{"role_arn": True}]}),
        change(rule, "aws_cloudwatch_event_rule", ["no-op"], {"name": "QS2-daily"}, {"name": "QS2-daily"}, importing="QS2-daily"),
    ]}  # fmt: skip
    r = review(plan)
    assert r.imports == [(target, "QS2-daily/QS2-daily"), (schedule, "default/nightly"), (rule, "QS2-daily")]
    said = "\n".join(r.security)
    assert f"runs as `{NEW}` instead of `{OLD}`" in said and "known only after apply" in said and len(r.security) == 2
    md = to_markdown(r)
    assert md.startswith("# Plan review: 3 to import, 0 to add, 2 to change") and "## Imports (3)" in md and "`default/nightly`" in md


def test_a_plan_without_imports_says_nothing_of_them():
    plan = {"resource_changes": [change("aws_cloudwatch_event_target.t", "aws_cloudwatch_event_target", ["update"], {"role_arn": OLD}, {"role_arn": OLD, "sql": "x"})]}
    r = review(plan)
    md = to_markdown(r)
    assert r.imports == [] and "import" not in md.lower() and r.security == []
