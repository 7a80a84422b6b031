"""checkov once per shape of scheduled query, not once per query.

Hundreds of queries differ only in names, SQL and schedule times; checkov evaluates every module
instance, which made `validate` of 1,000 queries take minutes. A query's *shape* keeps everything a
check can depend on (which values are present or null, booleans, numbers, enum-like strings, the
kind of each ARN or reference, the backend, auth mode, notifications) and sets aside what cannot
change a verdict about configuration (names, SQL, descriptions, schedule times, database names).
checkov runs on a tree that keeps one query per shape (everything else, the role and its policies
included, stays whole), and each verdict on that query's resources is copied to every query of its
shape. tests/test_validate_shapes.py proves the two runs agree, check by check and resource by
resource, on a tree with every variant, and that a failure planted in one instance is reported.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..deploy import Deployment, ScheduledQuery
from ..values import Ref

__all__ = ["QUERY_MODULES", "Reduction", "TreeReduction", "expand", "reduce", "reduce_tree", "shape"]

_ARN = re.compile(r"arn:[a-z-]+:([a-z0-9-]+):[^:]*:[^:]*:([a-z-]+)")


def _kind(value: Any) -> Any:
    """What a value is, as far as a configuration check can care."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Ref):
        return ("ref", re.sub(r'\["[^"]*"\]', "[*]", value.expr))  # module.x["key"].arn -> module.x[*].arn
    if isinstance(value, str):
        m = _ARN.match(value)
        return ("arn", m.group(1), m.group(2)) if m else "text"
    if isinstance(value, tuple | list):
        return ("list", tuple(sorted({repr(_kind(v)) for v in value})))
    return type(value).__name__


def shape(q: ScheduledQuery) -> tuple:
    """The shape of a query: every field, with names, text and times reduced to their kind."""
    return (
        ("backend", q.backend),
        ("enabled", q.enabled),
        ("auth", q.auth),
        ("schedule", q.schedule_expression.split("(")[0]),
        ("timezone", q.timezone is not None),
        ("target", _kind(q.target_arn)),
        ("db_user", q.db_user is not None),
        ("secret", _kind(q.secret_arn)),
        ("batch", len(q.sql) > 1),
        ("with_event", q.with_event),
        ("trigger", len(q.trigger_topics)),
        ("status", tuple(s.states for s in q.statuses)),
        ("cluster", q.cluster_identifier is not None),
        ("workgroup", q.workgroup_name is not None),
        ("retry", q.retry),
        ("dead_letter", _kind(q.dead_letter_arn)),
        ("window", q.flexible_window_minutes),
        ("start", q.start_date is not None),
        ("end", q.end_date is not None),
    )


@dataclass(frozen=True)
class Reduction:
    deployment: Deployment  # one query per shape; everything else whole
    instances: dict[str, tuple[str, ...]]  # representative key -> every key of its shape (itself first)

    @property
    def shapes(self) -> int:
        return len(self.instances)

    @property
    def covered(self) -> int:
        return sum(len(keys) for keys in self.instances.values())


def reduce(d: Deployment) -> Reduction:
    by_shape: dict[tuple, list[ScheduledQuery]] = defaultdict(list)
    for q in d.queries:
        by_shape[shape(q)].append(q)
    reps = [queries[0] for queries in by_shape.values()]
    instances = {queries[0].key: tuple(q.key for q in queries) for queries in by_shape.values()}
    return Reduction(replace(d, queries=tuple(sorted(reps, key=lambda q: q.key))), instances)


_QUERY_MODULE = re.compile(r'^module\.(scheduled_query|scheduler_query|query_status)\["([^"]+)"\]')


def expand(resource: str, instances: dict[str, tuple[str, ...]]) -> list[str]:
    """A checkov resource address of a representative, for every query of its shape (addresses
    outside the per-query modules are whole in the reduced tree and stay as they are)."""
    m = _QUERY_MODULE.match(resource)
    if m is None or m.group(2) not in instances:
        return [resource]
    return [resource[: m.start(2)] + key + resource[m.end(2) :] for key in instances[m.group(2)]]


# ---- The same reduction found from a rendered tree (`rsqgen validate DIR`) ----------------------
#
# The per-query modules' for_each maps in the root main.tf hold everything that differs between
# queries; everything else in an instance comes from expressions all instances share. So the shape
# of a query is read from its entries (each value reduced to its kind, as above), the reduced tree
# is the tree with the other queries' entries cut out of those maps, and the cut is proved by
# parsing the reduced main.tf: it must equal the full parse with only those entries gone. A tree
# whose layout is not rsqgen's (edited by hand, say) fails that proof and checkov sees it whole.

QUERY_MODULES = ("scheduled_query", "scheduler_query", "query_status")
_INDEX = re.compile(r'\["[^"]*"\]')


@dataclass(frozen=True)
class TreeReduction:
    root: Path | None  # the reduced tree, None: checkov must see the whole tree (why_whole says why)
    instances: dict[str, tuple[str, ...]]
    why_whole: str = ""


def _hcl_kind(value: Any) -> Any:
    """What a value parsed by python-hcl2 is, as far as a configuration check can care."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if value.startswith("${"):
            return ("ref", _INDEX.sub("[*]", value))
        text = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
        if "${" in text:
            return ("template", _INDEX.sub("[*]", text))
        m = _ARN.match(text)
        if m:
            return ("arn", m.group(1), m.group(2))
        word = re.match(r"(rate|cron|at)\(", text)
        return ("text", word.group(1)) if word else "text"
    if isinstance(value, list):
        return ("list", tuple(_hcl_kind(v) for v in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted(((k if not k.startswith('"') else '"*"'), repr(_hcl_kind(v))) for k, v in value.items())))
    return type(value).__name__


def _query_modules(doc: dict) -> dict[str, dict]:
    """{module name: its for_each map} of the per-query modules in a parsed main.tf."""
    out = {}
    for block in doc.get("module", []):
        for label, body in block.items():
            name = label.strip('"')
            if name in QUERY_MODULES:
                out[name] = body.get("for_each")
    return out


def _cut(text: str, drop: set[str]) -> str:
    """main.tf without the for_each entries of the `drop` keys in the per-query modules (rsqgen's
    layout: `module "x" {`, `  for_each = {`, entries `    "key" = {` ... `    }`)."""
    out, module, in_map, skipping = [], None, False, False
    for line in text.splitlines(keepends=True):
        if module is None:
            m = re.match(r'module "([a-z_]+)" \{$', line.rstrip("\n"))
            module = m.group(1) if m and m.group(1) in QUERY_MODULES else None
        elif not in_map and line.rstrip("\n") == "  for_each = {":
            in_map = True
        elif in_map and not skipping:
            m = re.match(r'    ("(?:[^"\\]|\\.)*") = \{$', line.rstrip("\n"))
            if m and json.loads(m.group(1)) in drop:
                skipping = True
                continue
            if line.rstrip("\n") == "  }":
                module, in_map = None, False
        elif skipping:
            if line.rstrip("\n") == "    }":
                skipping = False
            continue
        if module is not None and line.rstrip("\n") == "}":
            module, in_map = None, False
        out.append(line)
    return "".join(out)


def _without_comments(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _without_comments(v) for k, v in doc.items() if k != "__comments__"}
    if isinstance(doc, list):
        return [_without_comments(v) for v in doc]
    return doc


def reduce_tree(root: Path, main_doc: dict, work: Path) -> TreeReduction:
    """The tree at `root` (its main.tf already parsed: `main_doc`) reduced to one query per shape,
    written under `work`; or why checkov must see it whole."""
    import hcl2  # python-hcl2 costs ~0.3 s to import: only `validate DIR` needs it here

    maps = _query_modules(main_doc)
    if not maps:
        return TreeReduction(None, {}, "no per-query modules in main.tf")
    if any(not isinstance(m, dict) for m in maps.values()):
        return TreeReduction(None, {}, "a per-query module's for_each is not a literal map")
    keys = sorted({k for m in maps.values() for k in m})
    by_shape: dict[tuple, list[str]] = defaultdict(list)
    for key in keys:
        by_shape[tuple((name, repr(_hcl_kind(m.get(key)))) for name, m in sorted(maps.items()))].append(json.loads(key))
    instances = {group[0]: tuple(group) for group in by_shape.values()}
    if len(instances) == len(keys):
        return TreeReduction(None, instances, "every query has a shape of its own")
    drop = {k for group in by_shape.values() for k in group[1:]}
    text = (root / "main.tf").read_text("utf-8")
    reduced = _cut(text, drop)
    expected = _without_comments(main_doc)
    for block in expected.get("module", []):
        for label, body in block.items():
            if label.strip('"') in QUERY_MODULES:
                body["for_each"] = {k: v for k, v in body["for_each"].items() if json.loads(k) not in drop}
    try:
        proved = _without_comments(hcl2.loads(reduced)) == expected
    except Exception:  # the parser raises lark errors of several kinds
        proved = False
    if not proved:
        return TreeReduction(None, {}, "main.tf is not in rsqgen's layout (edited by hand?), so its queries could not be cut out safely")
    target = work / root.name
    shutil.copytree(root, target, ignore=shutil.ignore_patterns(".terraform", "terraform.tfstate*", "*.tfplan", ".rsqgen-*"))
    (target / "main.tf").write_text(reduced, "utf-8")
    return TreeReduction(target, instances)
