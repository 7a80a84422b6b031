"""The spec additions of issue 12: defaults.queries, several notifications per query, existing SNS
topics, the role's path and permissions boundary, and a shared or existing KMS key. Each test
states what a team relies on; the deploy suite applies examples/team (all of them at once)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from helpers import EXAMPLES_DIR, MINIMAL, spec_text
from helpers.iam_eval import Request, evaluate
from helpers.offline_plan import offline_plan, planned_resources
from rsqgen import core, spec
from rsqgen.errors import SpecError
from rsqgen.render.terraform import render
from rsqgen.spec import load_spec_text
from rsqgen.spec.yamlsrc import load_yaml_file
from rsqgen.tools.explain import explain

ACCOUNT = "111122223333"
TOPICS = spec_text(
    """
    notifications:
      oncall: {emails: [oncall@example.com]}
      chat: {topic_arn: "arn:aws:sns:ap-northeast-1:111122223333:chatbot-alerts"}
    """
)


def _errors(text: str) -> list[str]:
    with pytest.raises(SpecError) as exc:
        load_spec_text(text, "spec.yaml")
    return [str(i) for i in exc.value.issues]


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[nth - 1]


# ---------------------------------------------------------------------------------------------
# defaults.queries

DEFAULTS = spec_text(
    """
    version: 1
    name: demo
    region: ap-northeast-1
    account_id: "111122223333"
    warehouses:
      test-cluster: {}
      wg-one: {type: serverless}
    operators:
      - user: test-user
    defaults:
      queries:
        warehouse: test-cluster
        database: sales
        auth: {db_user: etl}
        enabled: false
    queries:
      a:
        sql: SELECT 1;
        schedule: rate(5 minutes)
      b:
        auth: {iam: true}
        enabled: true
        sql: SELECT 2;
        schedule: rate(5 minutes)
    """
)


def test_queries_start_from_the_defaults_and_their_own_keys_win_whole(decided):
    d = decided(DEFAULTS)
    a, b = d.queries
    assert (a.warehouse, a.database, a.auth, a.db_user, a.enabled) == ("test-cluster", "sales", "db_user", "etl", False)
    # b's own auth replaces the default one as a whole: not db_user and iam at once (an error).
    assert (b.database, b.auth, b.db_user, b.enabled) == ("sales", "iam", None, True)


def test_a_default_that_makes_a_query_invalid_names_both_lines():
    text = DEFAULTS.replace("  a:\n", "  a:\n    warehouse: wg-one\n")
    (message,) = _errors(text)
    default_line = _line_of(text, "auth: {db_user: etl}")
    query_line = _line_of(text, "  a:")
    assert message.startswith(f"spec.yaml:{default_line}:")  # where the value was written
    assert f"taken by query 'a' (at spec.yaml:{query_line}:3)" in message  # and the query it broke
    assert "Redshift Serverless does not take a database user" in message


def test_a_bad_default_is_reported_once_where_it_is_written():
    text = DEFAULTS.replace("database: sales", "database: Sales-DB")
    errors = _errors(text)
    assert len(errors) == 1, errors  # not once more for each query that took it
    assert errors[0].startswith(f"spec.yaml:{_line_of(text, 'Sales-DB')}:") and "defaults.queries.database" in errors[0]


def test_a_semantic_error_in_a_default_is_one_issue_naming_every_query():
    text = DEFAULTS.replace("warehouse: test-cluster\n    database", "warehouse: test-clustr\n    database")
    (message,) = _errors(text)
    assert message.startswith(f"spec.yaml:{_line_of(text, 'test-clustr')}:")
    assert f"'a' (at spec.yaml:{_line_of(text, '  a:')}:3)" in message and f"'b' (at spec.yaml:{_line_of(text, '  b:')}:3)" in message


def test_an_error_of_the_query_itself_says_which_keys_came_from_the_defaults():
    text = DEFAULTS.replace("SELECT 1;\n    schedule: rate(5 minutes)", "SELECT 1;\n    schedule: rate(5 minutez)")
    (message,) = _errors(text)
    assert message.startswith(f"spec.yaml:{_line_of(text, '5 minutez')}:")
    assert f"takes warehouse from defaults.queries, at spec.yaml:{_line_of(text, 'warehouse: test-cluster')}:5" in message


def test_defaults_cannot_set_what_belongs_to_one_query():
    text = DEFAULTS.replace("    enabled: false\n", "    enabled: false\n    schedule: rate(1 hour)\n", 1)
    (message,) = _errors(text)
    assert "defaults.queries.schedule: unknown key 'schedule'" in message


def test_defaults_take_yaml_anchors_and_merge_keys(decided):
    text = DEFAULTS.replace("defaults:\n", "x-wg: &wg {warehouse: wg-one, auth: {iam: true}}\ndefaults:\n")
    text = text.replace("  a:\n", "  a:\n    <<: *wg\n")
    a = decided(text).queries[0]
    assert (a.warehouse, a.auth, a.database) == ("wg-one", "iam", "sales")


# ---------------------------------------------------------------------------------------------
# Several notifications per query

NOTIFY = MINIMAL + TOPICS


def _with_notify(notify: str, base: str = NOTIFY) -> str:
    return base.replace("schedule: rate(5 minutes)", f"schedule: rate(5 minutes)\n    notify: {notify}")


def test_failures_to_oncall_and_every_trigger_to_chat(decided):
    d = decided(_with_notify("[{topic: oncall, on: [failed]}, {topic: chat, on: [trigger, finished]}]"))
    (q,) = d.queries
    assert q.triggers == (("notify-trigger", "chat"),)
    assert [(s.rule_name, s.key, s.topic, s.states) for s in q.statuses] == [
        ("demo-top5-sales-status-chat", "top5-sales:chat", "chat", ("FINISHED",)),
        ("demo-top5-sales-status-oncall", "top5-sales:oncall", "oncall", ("FAILED", "ABORTED")),
    ]
    topics = {t.key: t for t in d.topics}
    assert topics["chat"].publisher_rule_arns == tuple(sorted([q.rule_arn, q.statuses[0].rule_arn]))
    assert topics["oncall"].publisher_rule_arns == (q.statuses[1].rule_arn,)


def test_one_notification_keeps_the_names_it_always_had(decided):
    """Upgrading rsqgen must not rename a deployed status rule or trigger target."""
    single, listed = decided(_with_notify("{topic: oncall, on: [failed, trigger]}")), decided(_with_notify("[{topic: oncall, on: [failed, trigger]}]"))
    for d in (single, listed):
        (q,) = d.queries
        assert q.triggers == (("notify-trigger", "oncall"),)
        assert [(s.rule_name, s.key) for s in q.statuses] == [("demo-top5-sales-status", "top5-sales")]


def test_several_trigger_topics_get_one_target_each(decided):
    text = NOTIFY.replace("  chat:", "  chat2: {emails: [b@example.com]}\n  chat:")
    (q,) = decided(_with_notify("[{topic: chat, on: [trigger]}, {topic: chat2, on: [trigger]}]", text)).queries
    assert q.triggers == (("notify-chat", "chat"), ("notify-chat2", "chat2"))
    assert not q.statuses and not q.with_event


# ---------------------------------------------------------------------------------------------
# Existing topics


def test_an_existing_topic_is_published_to_and_never_created(tmp_path):
    only_chat = MINIMAL + "notifications:\n  chat: {topic_arn: \"arn:aws:sns:ap-northeast-1:111122223333:chatbot-alerts\"}\n"
    text = _with_notify("[{topic: chat, on: [failed, trigger]}]", only_chat)
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    r = core.render_spec(path)
    d = r.deployment
    assert [t.key for t in d.created_topics] == [] and [t.key for t in d.existing_topics] == ["chat"]
    assert "notifications" not in d.modules  # nothing to create: no SNS module at all
    main = r.files["main.tf"].decode()
    assert '"chat" = "arn:aws:sns:ap-northeast-1:111122223333:chatbot-alerts"' in main
    assert 'module "notifications"' not in main
    # The owner is told exactly which rules to let in, in README and explain.
    (chat,) = d.existing_topics
    statement = chat.owner_statement()
    (q,) = d.queries
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == sorted([q.rule_arn, q.statuses[0].rule_arn])
    assert json.dumps(statement, indent=2) in r.files["README.md"].decode()
    loaded = spec.load_spec(path)
    assert json.dumps(statement, indent=2).splitlines()[1].strip() in explain(d, loaded.queries, datetime.now(timezone.utc))


def test_the_owner_statement_lets_exactly_these_rules_publish(decided):
    d = decided(_with_notify("[{topic: chat, on: [failed, trigger]}]"))
    (chat,) = d.existing_topics
    policy = {"Version": "2012-10-17", "Statement": [chat.owner_statement()]}
    events = {"Service": "events.amazonaws.com"}
    for rule in chat.publisher_rule_arns:
        assert evaluate([policy], Request("sns:Publish", chat.existing_arn, {"aws:SourceArn": rule}, principal=events)).allowed
    other = f"arn:aws:events:ap-northeast-1:{ACCOUNT}:rule/someone-elses"
    assert not evaluate([policy], Request("sns:Publish", chat.existing_arn, {"aws:SourceArn": other}, principal=events)).allowed


def test_a_topic_of_another_account_is_a_warning_not_an_error(decided):
    text = _with_notify("{topic: chat, on: [failed]}").replace(":111122223333:chatbot-alerts", ":444455556666:chatbot-alerts")
    d = decided(text)
    assert any("belongs to account 444455556666" in w for w in d.warnings)


# ---------------------------------------------------------------------------------------------
# Role placement

PLACED = MINIMAL + spec_text(
    """
    role:
      path: /data-platform/
      permissions_boundary: arn:aws:iam::111122223333:policy/OrgBoundary
    """
)


def test_the_role_path_is_in_every_arn_that_names_the_role(decided):
    d = decided(PLACED)
    arn = f"arn:aws:iam::{ACCOUNT}:role/data-platform/demo-redshift-scheduler"
    assert d.role.arn == arn and d.role.path == "/data-platform/"
    ops = d.operators.group_policy()
    context = {"aws:userid": "AIDAEXAMPLE", "iam:PassedToService": "events.amazonaws.com"}
    assert evaluate([ops], Request("sts:AssumeRole", arn, context)).allowed
    assert evaluate([ops], Request("iam:PassRole", arn, context)).allowed
    unplaced = f"arn:aws:iam::{ACCOUNT}:role/demo-redshift-scheduler"
    assert not evaluate([ops], Request("iam:PassRole", unplaced, context)).allowed


def test_the_boundary_and_path_reach_the_planned_role(terraform, tmp_path, write_spec):
    out = tmp_path / "out"
    core.write(core.render_spec(write_spec(PLACED)), out)
    (role,) = [r["values"] for r in planned_resources(offline_plan(terraform, out)) if r["type"] == "aws_iam_role"]
    assert role["path"] == "/data-platform/"
    assert role["permissions_boundary"] == "arn:aws:iam::111122223333:policy/OrgBoundary"


def test_without_role_settings_nothing_changes(decided):
    d = decided(MINIMAL)
    assert (d.role.path, d.role.permissions_boundary) == ("/", None)
    assert "permissions_boundary" not in render(d)["main.tf"].decode()


# ---------------------------------------------------------------------------------------------
# KMS keys

SCHEDULED = _with_notify("{topic: oncall, on: [failed]}").replace("    notify:", "    scheduler: scheduler\n    notify:")


def _keys(terraform, tmp_path, write_spec, text: str) -> tuple[list[str], dict[str, str]]:
    """(addresses of the planned KMS keys, what encrypts the topic and the schedule payloads)."""
    out = tmp_path / "out"
    core.write(core.render_spec(write_spec(text)), out)
    plan = offline_plan(terraform, out)
    resources = planned_resources(plan)
    keys = sorted(r["address"] for r in resources if r["type"] == "aws_kms_key")
    outputs = plan["planned_values"].get("outputs", {})
    return keys, {k: v.get("value") for k, v in outputs.items()}


@pytest.mark.parametrize(
    "choice, expected",
    [
        ("per-resource", ['module.notifications["oncall"].aws_kms_key.this[0]', "module.schedule_group.aws_kms_key.this[0]"]),
        ("shared", ["module.kms_key.aws_kms_key.this"]),
        ("arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", []),
    ],
)
def test_one_key_per_resource_one_for_the_spec_or_an_existing_one(terraform, tmp_path, write_spec, choice, expected):
    keys, _ = _keys(terraform, tmp_path, write_spec, SCHEDULED + f"kms_key: {choice}\n")
    assert keys == expected


def test_an_existing_key_encrypts_both_and_the_role_may_decrypt_with_it(decided):
    arn = "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    d = decided(SCHEDULED + f"kms_key: {arn}\n")
    main = render(d)["main.tf"].decode()
    assert main.count(f'kms_key             = {{ arn = "{arn}" }}') == 1  # the topic
    assert main.count(f'kms_key    = {{ arn = "{arn}" }}') == 1  # the schedule group
    readme = render(d)["README.md"].decode()
    assert f"**KMS key `{arn}`** is not managed here" in readme


def test_a_key_choice_with_nothing_to_encrypt_is_a_warning(decided):
    d = decided(MINIMAL + "kms_key: shared\n")
    assert any("creates no topic or schedule group to encrypt" in w for w in d.warnings)
    assert "kms-key" not in d.modules


def test_the_json_schema_takes_each_new_field():
    import jsonschema

    schema = json.loads(core.schema())
    team = load_yaml_file(EXAMPLES_DIR / "team" / "spec.yaml").data
    jsonschema.validate(team, schema)  # defaults, notify lists, topic_arn, role, kms_key, x- keys
    for key, value in (("kms_key", "alias/mine"), ("role", {"arn": "arn:aws:iam::123456789012:role/x"})):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(team | {key: value}, schema)


def test_review_flags_a_rule_that_publishes_to_a_topic_it_does_not_manage(terraform, rendered, tmp_path):
    import shutil

    from rsqgen.tools.review import review

    shutil.copytree(rendered["team"], tmp_path / "team")  # the shared rendering stays untouched
    plan = offline_plan(terraform, tmp_path / "team")
    flagged = [s for s in review(plan).security if "a topic this configuration does not manage" in s]
    external = "arn:aws:sns:eu-west-1:123456789012:chatbot-data-alerts"
    # the trigger target of daily-revenue and the status rules that tell chatops
    assert len(flagged) == 3 and all(external in s for s in flagged), flagged
    assert not [s for s in review(plan).security if "does not manage" in s and "oncall" in s]


def test_a_broken_defaults_block_is_one_error_not_one_per_query():
    text = DEFAULTS.replace("defaults:\n  queries:\n", "defaults:\n  querys:\n")
    errors = _errors(text)
    assert len(errors) == 1 and "defaults.querys: unknown key 'querys'" in errors[0], errors


def test_a_created_topic_without_subscribers_is_a_warning(decided):
    d = decided(_with_notify("{topic: oncall, on: [failed]}", MINIMAL + "notifications:\n  oncall: {}\n"))
    assert any("has no email subscribers" in w for w in d.warnings)
