"""Additions from the contract: `console: query-editor-v1` (the original console, QS-<name>), and
`auth.secret_kms_key_arn` (a secret under a customer managed key)."""

from __future__ import annotations

import pytest
from helpers import MINIMAL
from helpers.iam_eval import Request, evaluate
from helpers.iam_tables import check_policy
from rsqgen import spec
from rsqgen.errors import SpecError

V1 = MINIMAL.replace("name: demo", "name: demo\nconsole: query-editor-v1")
KEY = "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SECRET = "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:rs/etl-AbCdEf"
WITH_KEY = MINIMAL.replace("auth: {db_user: rsadmin}", f"auth: {{secret_arn: {SECRET}, secret_kms_key_arn: {KEY}}}")


def test_query_editor_v1_names_rules_qs_and_scopes_everything_to_them(decided):
    d = decided(V1)
    (q,) = d.queries
    assert q.rule_name == "QS-top5-sales" and d.rule_prefix == "QS-"
    manage = next(s for s in d.operators.statements if s.sid == "ManageConsoleScheduledQueries")
    assert manage.resources == ("arn:aws:events:ap-northeast-1:111122223333:rule/QS-*",)
    trust = {s["Sid"]: s for s in d.role.trust_policy()["Statement"]}
    assert trust["EventBridgeRules"]["Condition"]["ArnLike"]["aws:SourceArn"] == ["arn:aws:events:ap-northeast-1:111122223333:rule/QS-*"]


@pytest.mark.parametrize(
    "change, message",
    [
        (("  test-cluster: {}", "  wg-one: {type: serverless}"), "query editor v1 schedules queries on provisioned clusters only"),
        (("    schedule: rate(5 minutes)", "    schedule: rate(5 minutes)\n    scheduler: scheduler"), "query editor v1 schedules with EventBridge rules only"),
    ],
)
def test_query_editor_v1_refuses_what_it_cannot_do(write_spec, change, message):
    text = V1.replace(*change)
    if "wg-one" in text:
        text = text.replace("warehouse: test-cluster", "warehouse: wg-one").replace("auth: {db_user: rsadmin}", "auth: {iam: true}")
    with pytest.raises(SpecError, match=message):
        spec.load_spec(write_spec(text))


def test_a_secret_under_a_customer_managed_key_can_be_decrypted_through_secrets_manager_only(decided):
    d = decided(WITH_KEY)
    (decrypt,) = [s for s in d.role.statements if s.sid == "DecryptDatabaseSecrets"]
    assert decrypt.actions == ("kms:Decrypt",) and decrypt.resources == (KEY,)
    policy = d.role.permissions_policy()
    assert check_policy(policy) == []  # kms:Decrypt takes the key resource type and these keys
    via_sm = {"kms:ViaService": "secretsmanager.ap-northeast-1.amazonaws.com", "kms:EncryptionContext:SecretARN": SECRET}
    assert evaluate([policy], Request("kms:Decrypt", KEY, via_sm)).allowed
    assert not evaluate([policy], Request("kms:Decrypt", KEY, {**via_sm, "kms:ViaService": "s3.ap-northeast-1.amazonaws.com"})).allowed
    assert not evaluate([policy], Request("kms:Decrypt", KEY, {**via_sm, "kms:EncryptionContext:SecretARN": SECRET + "x"})).allowed
    assert not [s for s in decided(MINIMAL).role.statements if s.sid == "DecryptDatabaseSecrets"]


@pytest.mark.parametrize(
    "auth, message",
    [
        (f"auth: {{db_user: rsadmin, secret_kms_key_arn: {KEY}}}", "secret_kms_key_arn goes with secret_arn"),
        (f"auth: {{secret_arn: {SECRET}, secret_kms_key_arn: {KEY.replace('ap-northeast-1', 'eu-west-1')}}}", "the key is in another region than the secret"),
        (f"auth: {{secret_arn: {SECRET}, secret_kms_key_arn: alias/mine}}", "is not a valid KMS key ARN"),
    ],
)
def test_secret_key_misuse_is_an_error(write_spec, auth, message):
    with pytest.raises(SpecError, match=message):
        spec.load_spec(write_spec(MINIMAL.replace("auth: {db_user: rsadmin}", auth)))
