"""The house by pipeline stage: imports point down the line only, no cycles, no hidden imports,
a light start-up, a public API in `__all__`.

Read from the source (ast), not from what happens to be imported, so a cycle hidden inside a
function is found too.
"""

from __future__ import annotations

import ast
import functools
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

PACKAGE = REPO / "generator"  # installed as `rsqgen`

# Each module's rank in the pipeline; a module may import only from ranks at or below its own,
# and a stage's modules may import each other. Shared leaves first.
RANKS = {
    "rsqgen": 0,  # __init__: the version only
    "rsqgen.errors": 0,
    "rsqgen.values": 0,
    "rsqgen.aws": 0,
    "rsqgen.text": 1,
    "rsqgen.spec": 2,
    "rsqgen.deploy": 3,
    "rsqgen.render": 4,
    "rsqgen.writer": 5,
    "rsqgen.tools": 6,
    "rsqgen.live": 6,
    "rsqgen.core": 7,
    "rsqgen.selftest": 8,  # proves core's output on a live account: above core
    "rsqgen.cli": 9,
    "rsqgen.__main__": 10,
}

# Imports inside a function that start-up time needs (each also carries a comment on its line).
LAZY_ALLOWED = {
    ("rsqgen.cli", "rsqgen.core"),  # --help without pydantic and jinja2
    ("rsqgen.cli", "rsqgen.selftest"),  # likewise, and without boto3
    ("rsqgen.tools.checks", "hcl2"),  # python-hcl2 only for `validate`
    ("rsqgen.tools.shapes", "hcl2"),
    ("rsqgen.tools.moddocs", "hcl2"),  # likewise: only when the module READMEs are written or checked
    ("rsqgen.spec.sql", "sqlglot"),  # only for SQL texts without a verdict in the cache  # likewise: the tree's reduction is proved by parsing it
    ("rsqgen.core", "boto3"),  # boto3 only for the live-account commands
    ("rsqgen.live.aws", "botocore"),  # likewise
    ("rsqgen.live.aws", "boto3"),  # likewise (a session of the schedule role)
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = ["rsqgen", *rel.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """The modules a `from X import a, b` reaches: X.a where that is a module of ours, else X."""
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([node.module] if node.module else []))
    known = _modules()
    return sorted({f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names})


def _imports(module: str, path: Path) -> list[tuple[str, bool, int, str]]:
    """(imported module, inside a function?, line, source line) for every import in a file."""
    tree = ast.parse(path.read_text("utf-8"))
    lines = path.read_text("utf-8").splitlines()
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                found.extend((a.name, in_function, child.lineno, lines[child.lineno - 1]) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                for target in _resolve(module, path.name == "__init__.py", child):
                    found.append((target, in_function, child.lineno, lines[child.lineno - 1]))
            visit(child, nested)

    visit(tree, False)
    return found


def _internal_edges() -> dict[str, set[str]]:
    modules = _modules()
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for m, path in modules.items():
        for target, _, _, _ in _imports(m, path):
            if target in modules and target != m:
                edges[m].add(target)
    return edges


def _rank(module: str) -> int:
    while module not in RANKS:
        module = module.rsplit(".", 1)[0]
    return RANKS[module]


def _stage(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_every_module_has_a_rank():
    assert all(_rank(m) >= 0 for m in _modules())


def test_imports_point_down_the_pipeline():
    wrong = []
    for m, targets in _internal_edges().items():
        for t in targets:
            same_stage = _stage(t) == _stage(m) and _stage(m) != "rsqgen"
            # a package's __init__ re-exports its own stage; rsqgen itself is the version only
            if t == "rsqgen" or same_stage:
                continue
            if _rank(t) > _rank(m) or (_rank(t) == _rank(m) and _stage(t) != _stage(m)):
                wrong.append(f"{m} imports {t}")
    assert not wrong, "imports that point up (or across) the pipeline:\n" + "\n".join(sorted(wrong))


def test_no_import_cycle():
    edges = _internal_edges()
    # A package's __init__ importing its own submodules is not a cycle through them.
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def walk(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                walk(nxt, stack + [nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            walk(start, [start])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_walker_finds_a_planted_upward_import(monkeypatch, tmp_path):
    """The oracle above can fail: a spec -> deploy import hidden in a function is reported."""
    planted = tmp_path / "generator"
    shutil.copytree(PACKAGE, planted)
    load = planted / "spec" / "load.py"
    load.write_text(load.read_text() + "\n\ndef _late():\n    from ..deploy import decide  # noqa\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", planted)
    _modules.cache_clear()
    monkeypatch.setattr(sys.modules[__name__], "_modules", functools.cache(_modules.__wrapped__))
    with pytest.raises(AssertionError, match="rsqgen.spec.load imports rsqgen.deploy"):
        test_imports_point_down_the_pipeline()


def test_no_import_inside_a_function_unless_start_up_needs_it():
    found = []
    for m, path in _modules().items():
        for target, in_function, line, text in _imports(m, path):
            if not in_function:
                continue
            top = target if target.startswith("rsqgen") else target.split(".")[0]
            if (m, top) in LAZY_ALLOWED and "#" in text:
                continue
            found.append(f"{path.relative_to(REPO)}:{line}: {text.strip()}")
    assert not found, "imports inside functions (move them up, or say why start-up needs them):\n" + "\n".join(found)


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(proc.stdout.split())


def test_review_tool_loads_neither_the_spec_nor_the_renderer():
    loaded = _loaded_after("import rsqgen.tools.review")
    assert not {"pydantic", "jinja2", "yaml", "sqlglot", "rsqgen.spec", "rsqgen.deploy", "rsqgen.render"} & loaded


def test_help_starts_without_heavy_modules():
    loaded = _loaded_after("import rsqgen.cli")
    assert not {"pydantic", "jinja2", "hcl2", "yaml", "sqlglot", "rsqgen.core"} & loaded


@pytest.mark.parametrize("module", sorted(m for m, p in _modules().items() if p.name == "__init__.py" or m in ("rsqgen.core", "rsqgen.cli")))
def test_public_api_is_declared(module):
    mod = importlib.import_module(module)
    if module == "rsqgen.tools":  # a namespace for its modules: it imports nothing on purpose
        return
    assert hasattr(mod, "__all__"), f"{module} declares no __all__"
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert not missing, f"{module}.__all__ names what it does not define: {missing}"
