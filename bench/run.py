"""rsqgen benchmark: prints a table of figures; asserts nothing (targets are read from the table).

    .venv/bin/python bench/run.py                      # 10, 100, 1,000 and 5,000 queries; terraform up to 1,000
    .venv/bin/python bench/run.py --sizes 10,100 --terraform-sizes 10

Per size: render wall time and peak memory (a fresh `rsqgen render` process, start-up and write
included), resources per query and IAM roles/policies (from `terraform plan`), `terraform validate`
and `terraform plan -refresh=false` of the output, and the same for a hand-written baseline
(bench/baseline: plain for_each over the same resources), as a ratio. Also `rsqgen --help`
start-up time. terraform runs offline with fake credentials; the specs use existing clusters
only, so nothing is read from AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import specgen  # noqa: E402
from rsqgen import deploy, spec  # noqa: E402
from rsqgen.tools.external import find_terraform  # noqa: E402
from rsqgen.values import Ref, policy_document, resolve  # noqa: E402

BIN = Path(sys.executable).parent
FAKE_PROVIDER = """provider "aws" {
  access_key                  = "bench"
  secret_key                  = "bench"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
"""


RENDER_RUNS = 7  # this machine's wall times vary by a third between runs: medians of several


def render_peak(spec_path: Path, out: Path, cache_dir: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak MB of `rsqgen render` in a fresh process (measured inside it), with
    rsqgen's cache in `cache_dir` (None: the cache off)."""
    code = (
        "import resource,sys,time\n"
        "t=time.perf_counter()\n"
        "from rsqgen import core\n"
        f"r=core.render_spec({str(spec_path)!r})\n"
        f"core.write(r,{str(out)!r},force=True)\n"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    env = {**os.environ, "RSQGEN_CACHE_DIR": str(cache_dir)} if cache_dir else {**os.environ, "RSQGEN_CACHE": "off"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    seconds, kb = proc.stdout.split()
    return float(seconds), int(kb) / 1024


def help_startup(runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(BIN / "rsqgen"), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def baseline_json(d: deploy.Deployment, account: str) -> dict:
    """The Deployment as plain data for bench/baseline/main.tf."""
    def r(value):
        """Resolved for plain JSON: the account filled in, apply-time references as fixed ARNs."""
        if isinstance(value, Ref):
            return f"arn:aws:kms:{d.region}:{account}:key/00000000-0000-0000-0000-000000000000"
        if isinstance(value, list | tuple):
            return [r(v) for v in value]
        if isinstance(value, dict):
            return {k: r(v) for k, v in value.items()}
        return resolve(value, account)

    root = f"arn:aws:iam::{account}:root"
    key_policy = {"Version": "2012-10-17", "Statement": [{"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"}]}
    queries = []
    for q in d.queries:
        request = {k: v for k, v in {
            "ClusterIdentifier": q.cluster_identifier, "Database": q.database, "DbUser": q.db_user,
            "SecretArn": q.secret_arn, "StatementName": q.rule_name, "WithEvent": q.with_event,
        }.items() if v is not None}  # fmt: skip
        request["Sql" if len(q.sql) == 1 else "Sqls"] = q.sql[0] if len(q.sql) == 1 else list(q.sql)
        queries.append(
            {
                "key": q.key, "name": q.rule_name, "description": q.description, "backend": q.backend,
                "schedule_expression": q.schedule_expression, "timezone": q.timezone or "UTC", "enabled": q.enabled,
                "target_arn": r(q.target_arn), "database": q.database, "db_user": q.db_user, "secret_arn": q.secret_arn,
                "sql": list(q.sql), "with_event": q.with_event, "trigger_topic": q.trigger_topic, "request": request,
                "status": {"rule_name": q.status.rule_name, "states": list(q.status.states), "topic": q.status.topic} if q.status else None,
            }
        )  # fmt: skip
    return {
        "region": d.region,
        "role": {
            "name": d.role.name,
            "trust": r(d.role.trust_policy()),
            "permissions": r(d.role.permissions_policy()),
            "managed": {f"permissions-{i}": r(policy_document(p)) for i, p in enumerate(d.role.managed_policies, 1)},
        },
        "operators": {
            "group": d.operators.group_name,
            "policy": r(d.operators.group_policy()),
            "created": [u for u, c in d.operators.users.items() if c],
            "users": list(d.operators.users),
        },
        "topics": {t.key: {"name": t.name, "emails": list(t.emails), "publishers": r(list(t.publisher_rule_arns)), "key_policy": key_policy} for t in d.topics},
        "schedule_group": d.schedule_group or "none",
        "schedule_key_policy": key_policy,
        "queries": queries,
    }


class Terraform:
    def __init__(self) -> None:
        tf = find_terraform()
        if tf is None or tf.mirror is None:
            raise SystemExit("terraform and the provider mirror are needed (see README)")
        self.tf = tf

    def prepare(self, folder: Path) -> dict:
        (folder / "zz_bench_override.tf").write_text(FAKE_PROVIDER)
        env = self.tf.env(folder.parent)
        env.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_EC2_METADATA_DISABLED": "true"})
        proc = self.tf.run(["init", "-backend=false", "-input=false", "-no-color"], folder, env)
        if proc.returncode:
            raise SystemExit(f"terraform init failed in {folder}: {proc.stderr[-500:]}")
        return env

    def time(self, folder: Path, env: dict, args: list[str]) -> float:
        start = time.perf_counter()
        proc = self.tf.run(args, folder, env, timeout=3600)
        if proc.returncode not in (0, 2):
            raise SystemExit(f"terraform {' '.join(args)} failed in {folder}: {proc.stderr[-800:]}")
        return time.perf_counter() - start

    def planned(self, folder: Path, env: dict) -> tuple[float, dict]:
        seconds = self.time(folder, env, ["plan", "-refresh=false", "-input=false", "-lock=false", "-no-color", "-out=bench.tfplan"])
        show = self.tf.run(["show", "-json", "bench.tfplan"], folder, env, timeout=600)
        return seconds, json.loads(show.stdout)


def count(plan_json: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for rc in plan_json.get("resource_changes", []):
        if rc["change"]["actions"] == ["create"]:
            out[rc["type"]] = out.get(rc["type"], 0) + 1
    return out


def rsqgen_validate(spec_path: Path) -> dict:
    """`rsqgen validate SPEC` in a fresh process, all checks: wall seconds, the rsqgen process's
    peak memory and the largest child's (the terraform provider, or checkov), and each check's time."""
    code = (
        "import json,resource,time\n"
        "from rsqgen import core\n"
        "t=time.perf_counter()\n"
        f"r=core.validate({str(spec_path)!r})\n"
        "wall=time.perf_counter()-t\n"
        "print(json.dumps({'wall':wall,'exit':int(r.exit_code),'self_mb':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024,"
        "'child_mb':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024,"
        "'checks':{x.name:[round(x.seconds,2),x.status,x.detail] for x in r.results}}))\n"
    )
    env = dict(os.environ)
    env.setdefault("RSQGEN_CHECKOV", str(HERE.parent / ".venv-checkov" / "bin" / "checkov"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000,5000")
    parser.add_argument("--terraform-sizes", default="10,100,1000", help="sizes for which terraform validate/plan run (slow)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--validate-sizes", default="", help="sizes for which the whole `rsqgen validate SPEC` runs (checkov per shape), e.g. 100,300,1000,3000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tf_sizes = {int(s) for s in args.terraform_sizes.split(",") if s}
    tf = Terraform() if tf_sizes else None
    work = Path(tempfile.mkdtemp(prefix="rsqgen-bench-"))
    rows = []
    try:
        startup = help_startup()
        for n in sizes:
            spec_path = work / f"spec-{n}.yaml"
            spec_path.write_text(specgen.spec_yaml(n))
            out = work / f"out-{n}"
            # cold: an empty cache each run (the first render of a spec); warm: the spec rendered
            # before (after an edit elsewhere, or `render --check` in CI), the cache kept.
            cold = [render_peak(spec_path, out, Path(tempfile.mkdtemp(dir=work))) for _ in range(RENDER_RUNS)]
            kept = Path(tempfile.mkdtemp(dir=work))
            render_peak(spec_path, out, kept)
            warm = [render_peak(spec_path, out, kept) for _ in range(RENDER_RUNS)]
            row = {
                "queries": n,
                "render_s": round(statistics.median(s for s, _ in warm), 3),
                "render_cold_s": round(statistics.median(s for s, _ in cold), 3),
                "render_peak_mb": round(max(p for _, p in cold + warm), 1),
            }
            d = deploy.decide(spec.load_spec(spec_path))
            row["warnings"] = len(d.warnings)
            if tf and n in tf_sizes:
                env = tf.prepare(out)
                row["validate_s"] = round(tf.time(out, env, ["validate", "-no-color"]), 2)
                row["plan_s"], plan_json = tf.planned(out, env)
                row["plan_s"] = round(row["plan_s"], 2)
                counts = count(plan_json)
                fixed = count_fixed(counts)
                row["resources"] = sum(counts.values())
                row["resources_per_query"] = round((row["resources"] - fixed) / n, 2)
                row["iam_roles"] = counts.get("aws_iam_role", 0)
                row["iam_policies"] = sum(counts.get(t, 0) for t in ("aws_iam_role_policy", "aws_iam_policy", "aws_iam_group_policy"))
                base = work / f"baseline-{n}"
                shutil.copytree(HERE / "baseline", base)
                (base / "terraform.tfvars.json").write_text(json.dumps({"d": baseline_json(d, d.account_id or "111122223333")}))
                benv = tf.prepare(base)
                row["baseline_validate_s"] = round(tf.time(base, benv, ["validate", "-no-color"]), 2)
                row["baseline_plan_s"], bplan = tf.planned(base, benv)
                row["baseline_plan_s"] = round(row["baseline_plan_s"], 2)
                row["baseline_resources"] = sum(count(bplan).values())
                row["validate_ratio"] = round(row["validate_s"] / row["baseline_validate_s"], 2)
                row["plan_ratio"] = round(row["plan_s"] / row["baseline_plan_s"], 2)
            if n in {int(s) for s in args.validate_sizes.split(",") if s}:
                v = rsqgen_validate(spec_path)
                row["rsqgen_validate_s"] = round(v["wall"], 1)
                row["rsqgen_validate_exit"] = v["exit"]
                row["rsqgen_validate_peak_mb"] = round(v["self_mb"])
                row["largest_child_peak_mb"] = round(v["child_mb"])
                row["checkov"] = v["checks"]["checkov"]
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(rows, startup)
    if args.json:
        args.json.write_text(json.dumps({"help_startup_s": startup, "rows": rows, "machine": machine()}, indent=2) + "\n")


def count_fixed(counts: dict[str, int]) -> int:
    """Resources that exist once per spec or per topic, not per query."""
    per_spec = ("aws_iam_role", "aws_iam_role_policy", "aws_iam_policy", "aws_iam_role_policy_attachment", "aws_iam_group",
                "aws_iam_group_policy", "aws_iam_user", "aws_iam_user_group_membership", "aws_kms_key", "aws_kms_alias",
                "aws_sns_topic", "aws_sns_topic_policy", "aws_sns_topic_subscription", "aws_scheduler_schedule_group",
                "aws_sqs_queue", "aws_sqs_queue_policy")  # fmt: skip
    return sum(counts.get(t, 0) for t in per_spec)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def print_table(rows: list[dict], startup: float) -> None:
    cols = [
        ("queries", "queries"), ("render_s", "render s"), ("render_cold_s", "first render s"), ("render_peak_mb", "peak MB"),
        ("validate_s", "validate s"), ("baseline_validate_s", "baseline"), ("validate_ratio", "ratio"),
        ("plan_s", "plan s"), ("baseline_plan_s", "baseline"), ("plan_ratio", "ratio"),
        ("resources", "resources"), ("resources_per_query", "per query"), ("iam_roles", "roles"), ("iam_policies", "policies"),
    ]  # fmt: skip
    print(f"\nrsqgen benchmark on {machine()}")
    print(f"rsqgen --help start-up: {startup:.3f} s (median of 7)")
    print(f"render s: median of {RENDER_RUNS} fresh processes with rsqgen's cache kept (the spec rendered before); first render s: the same with an empty cache\n")
    print("| " + " | ".join(title for _, title in cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join(str(row.get(key, "-")) for key, _ in cols) + " |")


if __name__ == "__main__":
    main()
