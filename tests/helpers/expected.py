"""What the deploy tests expect, computed from rsqgen's own plan (a Deployment), never hard-coded.

- `classify`: can an example be applied against moto, or only planned (and why)?
- `inventory`: the Terraform resources a Deployment manages, by address, with what would force a
  replacement and what is updated in place; `expected_changes` diffs two inventories, so an edit's
  exact plan (creates, updates, replacements) follows from the two Deployments.
- `spec_edits`: copies of an example's spec with one query added, one schedule changed, one query
  disabled, written with the yaml module.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rsqgen.deploy import Deployment, ScheduledQuery
from rsqgen.spec.yamlsrc import load_yaml_file
from rsqgen.values import policy_document

APPLY = "apply"
PLAN_ONLY = "plan-only"


@dataclass(frozen=True)
class Case:
    example: str
    mode: str  # APPLY or PLAN_ONLY
    note: str = ""  # why plan-only, or what stands in for AWS

    @property
    def id(self) -> str:
        return f"{self.example}[{self.mode}{': ' + self.note if self.note else ''}]"


def classify(example: str, d: Deployment) -> Case:
    if any(w.created and w.type == "cluster" for w in d.warehouses):
        return Case(example, PLAN_ONLY, "creates a cluster, which moto cannot run")
    if any(w.type == "serverless" for w in d.warehouses):
        return Case(example, APPLY, "Redshift Serverless served by the stand-in (tests/helpers/serverless.py)")
    return Case(example, APPLY)


# ---------------------------------------------------------------------------------------------
# Resource inventory of a Deployment
#
# This mirrors the layout of templates/main.tf.j2 and modules/ (module and resource addresses): when
# the generated layout changes, the first-apply check names every address that is new or gone, and
# this inventory is updated with it, as golden files are.


@dataclass(frozen=True)
class Planned:
    replace_on: tuple  # a change here replaces the resource (names, ForceNew arguments)
    update_on: tuple  # a change here updates it in place


def _doc(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


# Modules instantiated once per query (for_each keyed by the query key).
QUERY_MODULES = ("scheduled_query", "scheduler_query", "query_status")


def belongs_to(address: str, key: str) -> bool:
    return any(address.startswith(f'module.{m}["{key}"].') for m in QUERY_MODULES)


def query_addresses(q: ScheduledQuery, d: Deployment) -> dict[str, Planned]:
    """Resources of one query: its rule and targets, or its schedule; its status rule and target."""
    out = {}
    invocation = (q.retry, q.dead_letter_arn)
    if q.backend == "rule":
        m = f'module.scheduled_query["{q.key}"]'
        out[f"{m}.aws_cloudwatch_event_rule.this"] = Planned((q.rule_name,), (q.description, q.schedule_expression, q.enabled))
        out[f"{m}.aws_cloudwatch_event_target.redshift"] = Planned(
            (q.rule_name, q.target_id), (q.target_arn, q.database, q.db_user, q.secret_arn, q.sql, q.with_event, invocation)
        )
        for target_id, topic in q.triggers:
            out[f'{m}.aws_cloudwatch_event_target.trigger["{target_id}"]'] = Planned((q.rule_name, target_id), (topic,))
    else:
        m = f'module.scheduler_query["{q.key}"]'
        out[f"{m}.aws_scheduler_schedule.this"] = Planned(
            (q.rule_name, d.schedule_group),
            (
                q.description, q.schedule_expression, q.timezone, q.enabled, q.flexible_window_minutes, q.start_date, q.end_date,
                q.cluster_identifier, q.workgroup_name, q.database, q.db_user, q.secret_arn, q.sql, q.with_event, invocation,
            ),
        )  # fmt: skip
    for status in q.statuses:
        m = f'module.query_status["{status.key}"]'
        out[f"{m}.aws_cloudwatch_event_rule.this"] = Planned((status.rule_name,), (q.rule_name, status.states, q.enabled))
        out[f"{m}.aws_cloudwatch_event_target.this"] = Planned((status.rule_name,), (status.topic,))
    return out


def inventory(d: Deployment) -> dict[str, Planned]:
    """Every managed resource of a Deployment without created clusters, by Terraform address."""
    ops, role = d.operators, d.role
    inv = {
        "module.schedule_role.aws_iam_role.this": Planned((role.name, role.path), (_doc(role.trust_policy()), role.permissions_boundary)),
        "module.schedule_role.aws_iam_role_policy.this": Planned((role.name, role.policy_name), (_doc(role.permissions_policy()),)),
    }
    if ops.users:  # no user operators, no group (role operators get the policy as an output)
        inv["module.operators.aws_iam_group.this[0]"] = Planned((ops.group_name,), ())
        inv["module.operators.aws_iam_group_policy.this[0]"] = Planned((ops.group_name, ops.policy_name), (_doc(ops.group_policy()),))
    # Permissions beyond the inline policy's quota: customer managed policies, attached to the role.
    for n, statements in enumerate(role.managed_policies, start=1):
        name = f"permissions-{n}"
        inv[f'module.schedule_role.aws_iam_policy.overflow["{name}"]'] = Planned((role.name, name), (_doc(policy_document(statements)),))
        inv[f'module.schedule_role.aws_iam_role_policy_attachment.overflow["{name}"]'] = Planned((role.name, name), ())
    for user, create in ops.users.items():
        if create:
            inv[f'module.operators.aws_iam_user.this["{user}"]'] = Planned((user,), ())
        inv[f'module.operators.aws_iam_user_group_membership.this["{user}"]'] = Planned((user, create), (ops.group_name,))
    for w in d.warehouses:
        if w.created and w.type == "serverless":
            m = f'module.redshift_serverless["{w.key}"]'
            inv[f"{m}.aws_redshiftserverless_namespace.this"] = Planned((w.namespace, w.database), (w.admin_user,))
            inv[f"{m}.aws_redshiftserverless_workgroup.this"] = Planned((w.key, w.namespace), (w.base_capacity,))
    if d.shared_key:
        inv["module.kms_key.aws_kms_key.this"] = Planned((), (bool(d.created_topics),))
        inv["module.kms_key.aws_kms_alias.this"] = Planned((d.name,), ())
    own_keys = d.kms_key == "per-resource"  # shared: the kms_key module's; an ARN: nobody's here
    for t in d.created_topics:
        m = f'module.notifications["{t.key}"]'
        if own_keys:
            inv[f"{m}.aws_kms_key.this[0]"] = Planned((), (t.name,))
            inv[f"{m}.aws_kms_alias.this[0]"] = Planned((t.name,), ())
        inv[f"{m}.aws_sns_topic.this"] = Planned((t.name,), ())
        if t.publisher_rule_arns:
            inv[f"{m}.aws_sns_topic_policy.this[0]"] = Planned((), (t.publisher_rule_arns,))
        for email in t.emails:
            inv[f'{m}.aws_sns_topic_subscription.email["{email}"]'] = Planned((email,), ())
    if d.schedule_group is not None and d.schedule_group_created:
        inv["module.schedule_group.aws_scheduler_schedule_group.this"] = Planned((d.schedule_group,), ())
        if own_keys:
            inv["module.schedule_group.aws_kms_key.this[0]"] = Planned((), (d.schedule_group,))
            inv["module.schedule_group.aws_kms_alias.this[0]"] = Planned((d.schedule_group,), ())
    if d.dead_letter_queue is not None:
        dlq = d.dead_letter_queue
        inv["module.dead_letter_queue.aws_sqs_queue.this"] = Planned((dlq.name,), ())
        if dlq.source_rule_arns:
            inv["module.dead_letter_queue.aws_sqs_queue_policy.this[0]"] = Planned((), (dlq.source_rule_arns,))
    if d.history is not None:
        h = d.history
        inv["module.query_history.aws_cloudwatch_log_group.this"] = Planned((h.log_group,), (h.retain_days,))
        inv["module.query_history.aws_cloudwatch_log_resource_policy.this"] = Planned((h.rule_name,), (h.log_group,))
        inv["module.query_history.aws_cloudwatch_event_rule.this"] = Planned((h.rule_name,), (d.rule_prefix, h.retain_days))
        inv["module.query_history.aws_cloudwatch_event_target.this"] = Planned((h.rule_name, h.log_group), ())
    for q in d.queries:
        inv.update(query_addresses(q, d))
    return inv


def expected_changes(before: Deployment | None, after: Deployment) -> dict[str, str]:
    """address -> create/update/delete/replace, for going from `before` (None: nothing) to `after`."""
    old = inventory(before) if before is not None else {}
    new = inventory(after)
    out = {}
    for address in sorted(old.keys() | new.keys()):
        if address not in old:
            out[address] = "create"
        elif address not in new:
            out[address] = "delete"
        elif old[address].replace_on != new[address].replace_on:
            out[address] = "replace"
        elif old[address].update_on != new[address].update_on:
            out[address] = "update"
    return out


def compare_changes(planned: dict[str, str], expected: dict[str, str]) -> list[str]:
    """Differences between terraform's planned changes and the expected ones, as readable lines."""
    problems = []
    for address, action in sorted(planned.items()):
        if expected.get(address) != action:
            problems.append(f"{address}: terraform plans {action}, expected {expected.get(address, 'no change')}")
    for address, action in sorted(expected.items()):
        if address not in planned:
            problems.append(f"{address}: expected {action}, terraform plans no change")
    return problems


# ---------------------------------------------------------------------------------------------
# Spec edits

ADDED_KEY = "deploy-test-added"
ADDED_SQL = "SELECT 1 AS rsqgen_deploy_test;\n"
NEW_SCHEDULES = ("cron(17 4 * * ? *)", "rate(7 hours)")
# Fields that belong to one query only; the added copy does not take them.
NOT_COPIED = ("sql", "sql_file", "description", "enabled", "start_date", "end_date")


@dataclass(frozen=True)
class Edit:
    name: str  # add-query, change-schedule, disable-query
    key: str  # the query it touches
    what: str  # in words, for messages and the figures
    spec: dict[str, Any]


def load_spec_data(path: Path) -> dict[str, Any]:
    """The spec as plain data, read as rsqgen reads it (YAML 1.2 core: `on` is a string, dates stay text)."""
    return load_yaml_file(path).data


def write_spec_data(data: dict[str, Any], path: Path) -> Path:
    # safe_dump quotes every string that YAML 1.1 would read as something else ('on', dates).
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096), encoding="utf-8")
    return path


def _new_query(data: dict[str, Any], d: Deployment) -> dict[str, Any]:
    """A copy of the first query on an EventBridge rule (else the first query): same warehouse,
    database, auth, retries and notifications, so it needs no new grant; its own SQL and schedule."""
    rule_keys = [q.key for q in d.queries if q.backend == "rule"]
    base = rule_keys[0] if rule_keys else d.queries[0].key
    query = {k: copy.deepcopy(v) for k, v in data["queries"][base].items() if k not in NOT_COPIED}
    query["sql"] = ADDED_SQL
    query["schedule"] = "rate(1 hour)"
    return query


def spec_edits(data: dict[str, Any], d: Deployment) -> list[Edit]:
    """Three cumulative edits: add a query; change the first query's schedule; flip another
    query's `enabled` (preferably one on the other backend, to cover both)."""
    assert ADDED_KEY not in data["queries"], f"an example already has a query named {ADDED_KEY}"

    added = copy.deepcopy(data)
    added["queries"][ADDED_KEY] = _new_query(data, d)

    rescheduled = copy.deepcopy(added)
    first = d.queries[0]
    query = rescheduled["queries"][first.key]
    new_schedule = next(s for s in NEW_SCHEDULES if s != query["schedule"])
    old_schedule, query["schedule"] = query["schedule"], new_schedule

    flipped = copy.deepcopy(rescheduled)
    others = [q for q in d.queries[1:] if q.enabled] or [q for q in d.queries[1:]]
    others.sort(key=lambda q: q.backend == first.backend)  # the other backend first, if any
    off_key = others[0].key if others else ADDED_KEY
    was_enabled = flipped["queries"][off_key].get("enabled", True)
    flipped["queries"][off_key]["enabled"] = not was_enabled

    return [
        Edit("add-query", ADDED_KEY, f"add query {ADDED_KEY}", added),
        Edit("change-schedule", first.key, f"{first.key}: {old_schedule} -> {new_schedule}", rescheduled),
        Edit(
            "disable-query" if was_enabled else "enable-query",
            off_key,
            f"{off_key}: enabled {str(was_enabled).lower()} -> {str(not was_enabled).lower()}",
            flipped,
        ),
    ]


def spec_sql(data: dict[str, Any], spec_dir: Path) -> dict[str, str | list[str]]:
    """Each query's SQL exactly as the spec gives it: inline text (or list), or the file's text."""
    out: dict[str, str | list[str]] = {}
    for key, query in data["queries"].items():
        if "sql_file" in query:
            out[key] = (spec_dir / query["sql_file"]).read_bytes().decode("utf-8")
        else:
            out[key] = query["sql"]
    return out
