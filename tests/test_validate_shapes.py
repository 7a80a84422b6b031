"""checkov once per shape of query gives the same verdicts as checkov on every query: proved on a
tree with every variant, check by check and resource by resource, and with a failure planted in a
single instance (a custom check that depends on one query's `enabled`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from helpers import MINIMAL
from rsqgen import core, render, writer
from rsqgen.tools import checks, shapes

pytestmark = pytest.mark.checkov
CUSTOM_CHECKS = Path(__file__).resolve().parent / "fixtures" / "checkov"


def variant_spec(n: int = 60) -> dict:
    """Every way a query can differ that a check could see: backend, auth, notifications, retry,
    dead letters, windows, dates, batches, enabled."""
    doc = yaml.safe_load(MINIMAL)
    doc["notifications"] = {"ops": {"emails": ["ops@example.com"]}, "chat": {"emails": ["chat@example.com"]}}
    doc["warehouses"]["other-cluster"] = {}
    queries = {}
    auths = [{"db_user": "etl"}, {"secret_arn": "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:rs/etl-AbCdEf"}, {"iam": True}]
    for i in range(n):
        scheduler = i % 3 == 0
        q: dict = {
            "warehouse": ["test-cluster", "other-cluster"][i % 2],
            "database": ["dev", "sales"][i % 2],
            "auth": auths[i % 3],
            "sql": [f"DELETE FROM t{i};", f"INSERT INTO t{i} SELECT 1;"] if scheduler and i % 6 == 0 else f"SELECT {i};",
            "schedule": f"rate({i + 2} minutes)" if i % 2 else f"cron({i % 60} 3 * * ? *)",
            "enabled": i % 7 != 0,
        }
        if scheduler:
            q.update({"scheduler": "scheduler", "timezone": "Asia/Tokyo"})
            if i % 9 == 0:
                q.update({"flexible_window_minutes": 15, "start_date": "2027-01-01T00:00:00Z"})
        if i % 4 == 1:
            q["notify"] = {"topic": ["ops", "chat"][i % 2], "on": ["failed"] if scheduler else ["trigger", "failed"]}
        if i % 5 == 2:
            q["retry"] = {"max_attempts": 3, "max_event_age_seconds": 3600}
        if i % 8 == 3:
            q["dead_letter_queue"] = True
        queries[f"q{i:03d}"] = q
    doc["queries"] = queries
    return doc


def both_runs(tmp_path: Path, doc: dict, extra_args: tuple[str, ...] = ()):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    d = core.load(path).deployment
    full_dir, fast_dir = tmp_path / "full", tmp_path / "fast"
    writer.write_tree(full_dir, render.render(d))
    reduction = shapes.reduce(d)
    writer.write_tree(fast_dir, render.render(reduction.deployment))
    full = checks.check_checkov(full_dir, extra_args=extra_args)
    fast = checks.check_checkov(fast_dir, instances=reduction.instances, extra_args=extra_args)
    return reduction, full, fast


def test_shapes_and_full_checkov_agree_on_every_check_and_resource(tmp_path):
    reduction, full, fast = both_runs(tmp_path, variant_spec())
    assert reduction.covered == 60 and 5 < reduction.shapes < 60
    assert full.status == fast.status == "PASSED", (full.findings, fast.findings)
    assert set(full.passed) == set(fast.passed)
    assert len(full.passed) == len(fast.passed)


def test_a_failure_planted_in_one_instance_is_reported_at_its_own_address(tmp_path):
    doc = variant_spec(24)
    for q in doc["queries"].values():
        q["enabled"] = True
    doc["queries"]["q013"]["enabled"] = False  # a rule query, alone in its shape now
    reduction, full, fast = both_runs(tmp_path, doc, ("--external-checks-dir", str(CUSTOM_CHECKS)))
    assert full.status == fast.status == "FAILED"
    planted = [str(f) for f in fast.findings if "CKV2_RSQGEN_1" in f.message]
    assert planted == [str(f) for f in full.findings if "CKV2_RSQGEN_1" in f.message]
    # the disabled query's rule, and its status rule (which follows it), and nothing else
    assert len(planted) == 2 and all('["q013"]' in f for f in planted), planted
    assert any(f.startswith("modules/scheduled-query/main.tf:") and 'module.scheduled_query["q013"]' in f for f in planted)
    assert set(full.passed) == set(fast.passed)  # and every other instance passed the custom check


def test_validate_says_which_run_it_made(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(variant_spec(12), sort_keys=False))
    fast = core.validate(path, terraform=False)
    full = core.validate(path, terraform=False, full=True)
    (fast_checkov,) = [r for r in fast.results if r.name == "checkov"]
    (full_checkov,) = [r for r in full.results if r.name == "checkov"]
    assert "shapes covering 12 queries" in fast_checkov.detail and "shapes" not in full_checkov.detail
    assert set(fast_checkov.passed) == set(full_checkov.passed)


# ---- `rsqgen validate DIR`: the shapes read from the tree's own main.tf ----------------------------


def dir_runs(tmp_path: Path, doc: dict, extra_args: tuple[str, ...] = (), edit=None):
    """A rendered tree (edited by `edit(main_tf_text)` first, as a person might), checked by
    checkov whole and reduced to one query per shape as read from its main.tf."""
    import hcl2

    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    tree = tmp_path / "tree"
    writer.write_tree(tree, render.render(core.load(path).deployment))
    if edit is not None:
        (tree / "main.tf").write_text(edit((tree / "main.tf").read_text()))
    reduction = shapes.reduce_tree(tree, hcl2.loads((tree / "main.tf").read_text()), tmp_path / "work")
    full = checks.check_checkov(tree, extra_args=extra_args)
    fast = checks.check_checkov(reduction.root, instances=reduction.instances, extra_args=extra_args) if reduction.root else None
    return reduction, full, fast


def test_a_trees_shapes_are_the_specs_and_checkov_agrees_on_every_check_and_resource(tmp_path):
    doc = variant_spec()
    reduction, full, fast = dir_runs(tmp_path, doc, ())
    from_spec = shapes.reduce(core.load(tmp_path / "spec.yaml").deployment)
    assert sorted(map(sorted, reduction.instances.values())) == sorted(map(sorted, from_spec.instances.values())), "the same queries share a shape"
    assert full.status == fast.status == "PASSED", (full.findings, fast.findings)
    assert set(full.passed) == set(fast.passed) and len(full.passed) == len(fast.passed)
    kept = (reduction.root / "main.tf").read_text()
    dropped = [k for keys in reduction.instances.values() for k in keys[1:]]
    assert dropped and not any(f'"{k}" = {{' in kept for k in dropped) and all(f'"{k}" = {{' in kept for k in reduction.instances)


def test_a_fault_planted_by_hand_in_one_instance_of_a_tree_is_found_at_its_own_address(tmp_path):
    doc = variant_spec(24)
    for q in doc["queries"].values():
        q["enabled"] = True

    def disable_q013(text: str) -> str:  # one entry of the for_each map, edited as a person would
        start = text.index('    "q013" = {')
        end = text.index("    }\n", start)
        return text[:start] + text[start:end].replace("enabled             = true", "enabled             = false") + text[end:]

    reduction, full, fast = dir_runs(tmp_path, doc, ("--external-checks-dir", str(CUSTOM_CHECKS)), edit=disable_q013)
    assert reduction.instances["q013"] == ("q013",), "the edit gives q013 a shape of its own"
    assert full.status == fast.status == "FAILED"
    planted = [str(f) for f in fast.findings if "CKV2_RSQGEN_1" in f.message]
    assert planted == [str(f) for f in full.findings if "CKV2_RSQGEN_1" in f.message]
    assert planted and all('["q013"]' in f for f in planted), planted
    assert set(full.passed) == set(fast.passed)


def test_a_tree_not_in_rsqgens_layout_is_checked_whole(tmp_path):
    def reindent(text: str) -> str:  # valid HCL, but not the layout the cut relies on
        return re.sub(r'^    ("q\d+") = \{$', r"    \1 =  {", text, flags=re.M)

    reduction, full, _ = dir_runs(tmp_path, variant_spec(12), edit=reindent)
    assert reduction.root is None and "layout" in reduction.why_whole
    assert full.status == "PASSED"


def test_validate_dir_says_which_run_it_made(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(variant_spec(12), sort_keys=False))
    tree = tmp_path / "tree"
    writer.write_tree(tree, render.render(core.load(path).deployment))
    fast = core.validate(tree, terraform=False)
    full = core.validate(tree, terraform=False, full=True)
    (fast_checkov,) = [r for r in fast.results if r.name == "checkov"]
    (full_checkov,) = [r for r in full.results if r.name == "checkov"]
    assert "shapes covering 12 queries" in fast_checkov.detail and "shapes" not in full_checkov.detail
    assert set(fast_checkov.passed) == set(full_checkov.passed)
