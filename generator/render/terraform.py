"""Render a Deployment into the files of a Terraform root module, in memory.

The templates only place values that the Deployment decided. Escaping is not opt-in: each output
kind has its own jinja environment whose `finalize` escapes every `{{ }}` value for that kind (HCL
or Markdown) unless a filter already escaped it (and so marked it `Escaped`). A value without a
filter is therefore escaped too, never written raw. The result is a mapping of relative path ->
bytes, the root module's files plus a copy of the hand-written modules it calls, so the same
Deployment always gives the same bytes.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from .. import __version__, aws, cache
from ..deploy import DLQ_READ, Deployment
from ..text import md_text
from . import diagram, hcl
from .markdown import FILTERS as MARKDOWN_FILTERS

__all__ = ["ROOT_FILES", "Escaped", "render"]

# Root module files, each rendered from templates/<name>.j2.
ROOT_FILES = ("versions.tf", "providers.tf", "main.tf", "outputs.tf", "README.md")


class Escaped(str):
    """Text already escaped for the file it goes into: what every filter returns."""


def _escaping(fn: Callable[..., str]) -> Callable[..., Escaped]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Escaped:
        return Escaped(fn(*args, **kwargs))

    return wrapper


def _markdown_default(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"{value!r} has no Markdown form: say it in words in the template")
    return md_text(str(value))


HCL_FILTERS = {"hcl": hcl.value, "hcl_text": hcl.text, "hcl_string": hcl.string, "comment": hcl.comment}


def _asset_dir(name: str) -> Path:
    """`templates/` or `modules/`: inside the installed package, else next to the source tree."""
    packaged = resources.files("rsqgen") / name
    if packaged.is_dir():
        return Path(str(packaged))
    source = Path(__file__).resolve().parents[2] / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"rsqgen's {name}/ folder is missing from the installation")


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """jinja's compiled templates in rsqgen's cache (compiling them is a fifth of a large render):
    jinja checks each template's source against what was compiled, and a cache that cannot be read
    or written is no cache."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError):
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        # Written aside and then renamed: two renders at once never read half a file.
        name = self._get_cache_filename(bucket)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmpl-")
            with os.fdopen(fd, "wb") as f:
                bucket.write_bytecode(f)
            os.replace(tmp, name)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)


def _template_cache() -> jinja2.BytecodeCache | None:
    folder = cache.directory()
    if folder is None:
        return None
    templates = folder / f"templates-{__version__}"
    try:
        templates.mkdir(exist_ok=True, mode=0o700)
    except OSError:
        return None
    return _TemplateCache(str(templates))


@functools.lru_cache(maxsize=None)
def _environment(kind: str) -> jinja2.Environment:
    """The environment for one output kind ("hcl" or "markdown"): its escaper and its filters."""
    default, filters = (hcl.value, HCL_FILTERS) if kind == "hcl" else (_markdown_default, MARKDOWN_FILTERS)

    def finalize(value: Any) -> str:
        return value if isinstance(value, Escaped) else default(value)

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_asset_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # jinja's own escaping is HTML's; `finalize` escapes for HCL or Markdown
        finalize=finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_template_cache(),
    )
    env.filters.update({name: _escaping(fn) for name, fn in filters.items()})
    return env


def _refs(d: Deployment) -> dict[str, Any]:
    """How the query templates name the role, schedule group and its key: the modules of the same
    root module, or, in a query stack, what the base stack made, read by name. An existing group
    (schedule_group in the spec) is named as it is; its payloads use the shared or existing key, or
    AWS's own (null)."""
    group = Escaped(hcl.value(d.schedule_group)) if d.schedule_group else None
    existing_key = Escaped(hcl.value(d.existing_key_arn)) if d.existing_key_arn else None
    if not d.query_stack:
        if d.schedule_group_created:
            return {"role_arn": Escaped("module.schedule_role.arn"), "group_name": Escaped("module.schedule_group.name"), "group_key": Escaped("module.schedule_group.kms_key_arn")}
        key = existing_key or (Escaped("module.kms_key.arn") if d.shared_key else Escaped("null"))
        return {"role_arn": Escaped("module.schedule_role.arn"), "group_name": group, "group_key": key}
    used = {t for q in d.queries for t in q.trigger_topics} | {s.topic for s in d.statuses}
    read_key = d.schedule_group_created or d.shared_key
    return {
        "role_arn": Escaped("data.aws_iam_role.schedule.arn"),
        "group_name": group,
        "group_key": existing_key or Escaped("data.aws_kms_alias.schedules.target_key_arn" if read_key else "null"),
        "topics": [t for t in d.topics if t.key in used],
        "reads_dead_letter_queue": any(q.dead_letter_arn == DLQ_READ for q in d.queries),
    }


def render(d: Deployment) -> dict[str, bytes]:
    context: dict[str, Any] = {
        "refs": _refs(d),
        "d": d,
        "version": __version__,
        "provider_constraint": aws.PROVIDER_CONSTRAINT,
        "terraform_constraint": aws.TERRAFORM_LOCKFILE_CONSTRAINT if d.backend else aws.TERRAFORM_CONSTRAINT,
        "diagram": diagram.to_mermaid(diagram.build(d)),
        "module_source": d.module_address,
    }
    files: dict[str, bytes] = {}
    for name in ROOT_FILES + (("backend.tf",) if d.backend else ()):
        kind = "hcl" if name.endswith(".tf") else "markdown"
        text = _environment(kind).get_template(name + ".j2").render(context)
        text = hcl.layout(text) if kind == "hcl" else text.rstrip("\n") + "\n"
        files[name] = text.encode("utf-8")
    modules_root = _asset_dir("modules")
    for module in d.modules if d.module_source is None else ():  # a versioned source: terraform init fetches them
        base = modules_root / module
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base)
            if path.is_file() and not _ignored(rel):
                files[f"modules/{module}/{rel.as_posix()}"] = path.read_bytes()
    return dict(sorted(files.items()))


def _ignored(path: Path) -> bool:
    """What of a module's folder is not the module: dot-files (terraform's own), state, and its
    `terraform test` files (tests/), which prove the module where it is developed."""
    return (
        any(part.startswith(".") for part in path.parts)
        or path.suffix in (".tfstate", ".backup")
        or path.parts[0] == "tests"
    )
