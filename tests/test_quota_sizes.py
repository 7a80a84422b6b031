"""Policy sizes measured independently of `rsqgen.deploy.quotas`: the policies are read back from the
rendered main.tf (python-hcl2) and encoded as the schedule-role module does (Terraform's
jsonencode: keys sorted, no whitespace), then counted as IAM counts them (characters, whitespace
not counted). AWS's limits are written here again on purpose, from the IAM quotas page: an
inline role policy 10,240 characters, a managed policy 6,144."""

from __future__ import annotations

import json
import re

import hcl2
import pytest
from helpers import MINIMAL
from rsqgen import core

IAM_INLINE_ROLE_POLICY = 10_240
IAM_MANAGED_POLICY = 6_144
ACCOUNT = "111122223333"


def many_queries(n: int) -> str:
    head = MINIMAL.split("queries:")[0].replace('account_id: "111122223333"\n', "")  # placeholder ARNs
    body = "".join(
        f"  q{i}:\n    warehouse: test-cluster\n    database: db{i % 7}\n"
        f"    auth: {{db_user: user_{'x' * (i % 23)}_{i:04d}}}\n    sql: SELECT {i};\n    schedule: rate(1 day)\n"
        for i in range(n)
    )
    return head + "queries:\n" + body


def _text(value):
    """An HCL string as Terraform sees it, with the account as 12 digits."""
    assert isinstance(value, str)
    return value.strip('"').replace("${local.account_id}", ACCOUNT)


def _document(statements: list[dict]) -> dict:
    out = []
    for s in statements:
        doc = {"Sid": _text(s["sid"]), "Effect": "Allow", "Action": [_text(a) for a in s["actions"]], "Resource": [_text(r) for r in s["resources"]]}
        if s.get("conditions"):
            doc["Condition"] = {_text(k): {_text(kk): [_text(v) for v in vv] for kk, vv in c.items()} for k, c in s["conditions"].items()}
        out.append(doc)
    return {"Version": "2012-10-17", "Statement": out}


def iam_size(document: dict) -> int:
    return len(re.sub(r"\s", "", json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)))


@pytest.fixture(scope="module")
def policies(tmp_path_factory):
    path = tmp_path_factory.mktemp("quota") / "spec.yaml"
    path.write_text(many_queries(420))
    main = hcl2.loads(core.render_spec(path).files["main.tf"].decode())
    (role,) = [m['"schedule_role"'] for m in main["module"] if '"schedule_role"' in m]
    inline = _document(role["statements"])
    managed = {k.strip('"'): _document(v) for k, v in role.get("managed_policies", {}).items()}
    return inline, managed


def test_inline_policy_fits_as_iam_counts_it(policies):
    inline, _ = policies
    assert iam_size(inline) <= IAM_INLINE_ROLE_POLICY


def test_every_managed_policy_fits_as_iam_counts_it(policies):
    _, managed = policies
    assert len(managed) >= 3, "the spec is meant to need several managed policies"
    sizes = {name: iam_size(doc) for name, doc in managed.items()}
    assert all(size <= IAM_MANAGED_POLICY for size in sizes.values()), sizes
    # and the packing is not wastefully loose: all but the last are filled close to the limit
    assert all(size > IAM_MANAGED_POLICY - 200 for size in list(sizes.values())[:-1]), sizes


def test_no_grant_is_lost_in_the_split(policies):
    inline, managed = policies
    granted = {(a, r) for doc in [inline, *managed.values()] for s in doc["Statement"] for a in s["Action"] for r in s["Resource"]}
    users = {r for a, r in granted if a == "redshift:GetClusterCredentials" and ":dbuser:" in r}
    assert len(users) == 420


def _sizes(d) -> tuple[int, list[int]]:
    """(inline, [managed...]) sizes of a Deployment's role policies, measured here, not by quotas."""
    def doc(statements):
        return {"Version": "2012-10-17", "Statement": [s.to_iam() for s in statements]}

    return iam_size(doc(d.role.statements)), [iam_size(doc(p)) for p in d.role.managed_policies]


def _secrets_spec(count: int, pad: int, padded: int) -> str:
    head = MINIMAL.split("queries:")[0]
    body = "".join(
        f"  q{i}:\n    warehouse: test-cluster\n    database: dev\n"
        f"    auth: {{secret_arn: arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:rs/s{i:03d}{'x' * (pad if i == padded else 0)}-AbCdEf}}\n"
        f"    sql: SELECT {i};\n    schedule: rate(1 day)\n"
        for i in range(count)
    )
    return head + "queries:\n" + body


@pytest.mark.parametrize("pad", range(0, 400, 7))
def test_inline_policy_at_the_edge_of_its_limit(decided, pad):
    """One secret's name grows a few characters at a time, so the inline policy passes 10,240
    somewhere in this range: it must spill into a managed policy then, never exceed the limit."""
    inline, managed = _sizes(decided(_secrets_spec(125, pad, 0)))
    assert inline <= IAM_INLINE_ROLE_POLICY and all(m <= IAM_MANAGED_POLICY for m in managed), (inline, managed)


@pytest.mark.parametrize("pad", range(0, 120, 5))
def test_managed_policy_pieces_at_the_edge_of_their_limit(decided, pad):
    """Many secrets: the statement is split across managed policies, each filled close to 6,144;
    a growing name moves every piece's fill through the last few dozen characters below it."""
    inline, managed = _sizes(decided(_secrets_spec(260, pad, 150)))
    assert managed, "the spec is meant to overflow into managed policies"
    assert inline <= IAM_INLINE_ROLE_POLICY and all(m <= IAM_MANAGED_POLICY for m in managed), (inline, managed)
