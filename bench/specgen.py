"""Synthetic specs for the benchmark: N queries over several warehouses, both backends, every
auth mode of existing clusters, notifications. Deterministic: the same N gives the same spec.

The warehouses are existing clusters: `terraform plan` runs offline here, and an existing
Serverless workgroup (or a created warehouse's default VPC) would be read through the AWS API."""

from __future__ import annotations

import yaml

WAREHOUSES = {f"bench-dwh-{i}": {"type": "cluster"} for i in range(1, 6)}
CLUSTERS = list(WAREHOUSES)
DB_USERS = [f"etl_{i}" for i in range(8)]
DATABASES = ["sales", "crm", "ops"]
SECRETS = [f"arn:aws:secretsmanager:eu-west-1:111122223333:secret:redshift/bench-{i}-AbCdEf" for i in range(4)]


def spec(n: int) -> dict:
    queries = {}
    for i in range(n):
        scheduler = i % 4 == 3  # a quarter on EventBridge Scheduler
        q: dict = {"database": DATABASES[i % len(DATABASES)]}
        q["warehouse"] = CLUSTERS[i % len(CLUSTERS)]
        q["auth"] = [{"db_user": DB_USERS[i % len(DB_USERS)]}, {"secret_arn": SECRETS[i % len(SECRETS)]}, {"iam": True}][i % 3]
        q["sql"] = [f"DELETE FROM t{i} WHERE d < getdate() - 30;", f"INSERT INTO t{i} SELECT * FROM s{i};"] if scheduler and i % 8 == 7 else f"SELECT count(*) FROM t{i};\n"
        q["schedule"] = f"cron({i % 60} {i % 24} * * ? *)" if i % 2 else f"rate({5 + i % 55} minutes)"
        if scheduler:
            q["scheduler"] = "scheduler"
            q["timezone"] = "Europe/Berlin"
        if i % 10 == 0:
            q["notify"] = {"topic": "oncall", "on": ["failed"]}
        elif i % 10 == 5 and not scheduler:
            q["notify"] = {"topic": "activity", "on": ["trigger"]}
        queries[f"q{i:05d}"] = q
    return {
        "version": 1,
        "name": "bench",
        "region": "eu-west-1",
        "account_id": "111122223333",
        "warehouses": WAREHOUSES,
        "operators": [{"user": "bench-operator"}, {"role": "arn:aws:iam::111122223333:role/BenchAnalyst"}],
        "notifications": {"oncall": {"emails": ["oncall@example.com"]}, "activity": {"emails": ["activity@example.com"]}},
        "queries": queries,
    }


def spec_yaml(n: int) -> str:
    return yaml.safe_dump(spec(n), sort_keys=False, default_style=None)
