"""`rsqgen names SPEC...`: names that several specs would share in one account and region.

EventBridge rule and Scheduler names are unique per account and region (and schedule group);
IAM names (roles, users, groups, policies) per account, in every region; SNS topic and SQS queue
names per account and region. Two specs that produce the same name overwrite or fail each other
at apply. And each spec's operators may manage every rule that starts with its rule prefix: with
the default `QS2-`, one team's operators can change another team's rules (`query_prefix` scopes
them).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..deploy import Deployment

__all__ = ["Clash", "clashes"]


@dataclass(frozen=True)
class Clash:
    kind: str  # "name" (an error: apply would fail or overwrite) or "scope" (a warning)
    message: str


def _names(d: Deployment) -> dict[tuple[str, str], str]:
    """(scope, name) -> what it is. The scope is "iam" (account-wide) or "regional"."""
    out: dict[tuple[str, str], str] = {
        ("iam", f"role/{d.role.name}"): "schedule role",
        ("iam", f"group/{d.operators.group_name}"): "operators group",
    }
    out.update({("iam", f"user/{u}"): "operator user (created)" for u, create in d.operators.users.items() if create})
    for q in d.queries:
        kind = "EventBridge rule" if q.backend == "rule" else "Scheduler schedule"
        scope = "rule" if q.backend == "rule" else f"schedule/{d.schedule_group}"
        out[("regional", f"{scope}/{q.rule_name}")] = f"{kind} of query {q.key}"
        for status in q.statuses:
            out[("regional", f"rule/{status.rule_name}")] = f"status rule of query {q.key}"
    out.update({("regional", f"sns/{t.name}"): f"topic {t.key}" for t in d.created_topics})
    out.update({("regional", f"{w.type}/{w.identifier}"): f"{w.type} created here" for w in d.warehouses if w.created})
    if d.schedule_group:
        out[("regional", f"schedule-group/{d.schedule_group}")] = "schedule group"
    if d.dead_letter_queue:
        out[("regional", f"sqs/{d.dead_letter_queue.name}")] = "dead-letter queue"
    return out


def clashes(deployments: dict[str, Deployment]) -> list[Clash]:
    """Name clashes between specs (by file) that share an account (and, for regional names, a
    region); a spec without account_id is taken to share the account of every other one."""
    found: list[Clash] = []
    files = sorted(deployments)
    for i, a_file in enumerate(files):
        for b_file in files[i + 1 :]:
            a, b = deployments[a_file], deployments[b_file]
            if a.account_id and b.account_id and a.account_id != b.account_id:
                continue
            same_region = a.region == b.region
            a_names, b_names = _names(a), _names(b)
            for (scope, name), what in sorted(a_names.items()):
                if (scope, name) in b_names and (scope == "iam" or same_region):
                    found.append(Clash("name", f"{a_file} and {b_file} both make {name.split('/', 1)[-1]!r} ({what} / {b_names[(scope, name)]})"))
            if not same_region:
                continue
            for x_file, x, y_file, y in ((a_file, a, b_file, b), (b_file, b, a_file, a)):
                if x.role.operator_arns:
                    theirs = [q.rule_name for q in y.queries if q.backend == "rule" and q.rule_name.startswith(x.rule_prefix)]
                    if theirs:
                        found.append(
                            Clash(
                                "scope",
                                f"the operators of {x_file} may change {len(theirs)} rule(s) of {y_file} (they manage {x.rule_prefix}*, "
                                f"e.g. {theirs[0]}); give each spec its own query_prefix",
                            )
                        )
    return sorted(found, key=lambda c: c.kind != "name")  # clashes first, then scopes
