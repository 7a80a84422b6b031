"""The one way through: spec -> validated model -> plan -> rendered files -> atomic write.

The CLI calls these functions and nothing else; tests call them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .plan import Deployment


@dataclass(frozen=True)
class Rendered:
    deployment: Deployment
    files: dict[str, bytes]


def render_spec(spec_path: str | Path, display_name: str | None = None) -> Rendered:
    """Load, validate, plan and render a spec, in memory. Raises SpecError on a bad spec."""
    from . import plan, render, spec

    loaded = spec.load_spec(spec_path, display_name)
    deployment = plan.build(loaded)
    return Rendered(deployment, render.render(deployment))


def write(rendered: Rendered, out_dir: str | Path, *, force: bool = False):
    from .writer import write_tree

    return write_tree(Path(out_dir), rendered.files, force=force)
