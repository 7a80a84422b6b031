"""Render a Deployment into the files of a Terraform root module, in memory.

The templates only place values that the plan decided; the `hcl` filter escapes them. The result
is a mapping of relative path -> bytes, the root module's files plus a copy of the hand-written
modules it calls, so the same Deployment always gives the same bytes.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__, diagram, hcl, markdown
from .plan import Deployment

ROOT_TEMPLATES = ("versions.tf", "providers.tf", "main.tf", "outputs.tf", "README.md")


def _asset_dir(name: str) -> Path:
    """`templates/` or `modules/`: inside the installed package, else next to the source tree."""
    packaged = resources.files("rsqgen") / name
    if packaged.is_dir():
        return Path(str(packaged))
    source = Path(__file__).resolve().parent.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"rsqgen's {name}/ folder is missing from the installation")


def modules_used(d: Deployment) -> list[str]:
    used = ["operators", "schedule-role"]
    if any(w.created and w.type == "cluster" for w in d.warehouses):
        used.append("redshift-cluster")
    if any(w.created and w.type == "serverless" for w in d.warehouses):
        used.append("redshift-serverless")
    if d.topics:
        used.append("notifications")
    if any(q.backend == "rule" for q in d.queries):
        used.append("scheduled-query")
    if any(q.backend == "scheduler" for q in d.queries):
        used += ["scheduler-query", "schedule-group"]
    if any(q.status for q in d.queries):
        used.append("query-status")
    if d.dead_letter_queue:
        used.append("dead-letter-queue")
    return sorted(used)


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_asset_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["hcl"] = hcl.value
    env.filters["hcl_text"] = hcl.text
    env.filters["hcl_string"] = hcl.string
    env.filters.update(markdown.FILTERS)
    return env


def render(d: Deployment) -> dict[str, bytes]:
    env = _environment()
    context: dict[str, Any] = {
        "d": d,
        "version": __version__,
        "modules": modules_used(d),
        "diagram": diagram.to_mermaid(diagram.build(d)),
    }
    files: dict[str, bytes] = {}
    for name in ROOT_TEMPLATES:
        text = env.get_template(name + ".j2").render(context)
        text = hcl.layout(text) if name.endswith(".tf") else text.rstrip("\n") + "\n"
        files[name] = text.encode("utf-8")
    modules_root = _asset_dir("modules")
    for module in context["modules"]:
        base = modules_root / module
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base)
            if path.is_file() and not _ignored(rel):
                files[f"modules/{module}/{rel.as_posix()}"] = path.read_bytes()
    return dict(sorted(files.items()))


def _ignored(path: Path) -> bool:
    return any(part.startswith(".") for part in path.parts) or path.suffix in (".tfstate", ".backup")
