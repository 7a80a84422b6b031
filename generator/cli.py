"""The rsqgen command line: parse flags, call core, map errors to exit codes. Nothing else.

Heavy modules (pydantic, jinja2, hcl2) are imported inside the commands, so `rsqgen --help`
starts fast.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import ExitCode, RsqgenError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Amazon Redshift scheduled queries as code: a YAML spec in, a validated Terraform root module out.",
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def safe(text: str) -> str:
    """Terminal-safe text: control characters from a spec are shown escaped, never sent raw."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def say(text: str = "") -> None:
    typer.echo(safe(text))


def warn(text: str) -> None:
    typer.echo(safe(text), err=True)


def _fail(exc: RsqgenError) -> typer.Exit:
    for line in str(exc).splitlines() or ["error"]:
        warn(f"error: {line}" if not re.match(r".+:\d+:\d+: ", line) else line)
    return typer.Exit(int(exc.exit_code))


@app.command()
def render(
    spec: Path = typer.Argument(..., help="The spec file (YAML)."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder. Default: terraform/<name> next to the current folder."),
    force: bool = typer.Option(False, "--force", help="Write into a folder holding files rsqgen did not write, or that were edited by hand."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 with a diff when the output folder is not what SPEC renders to."),
) -> None:
    """Render SPEC into a Terraform root module (plus the modules it calls)."""
    from . import core

    try:
        rendered = core.render_spec(spec, display_name=str(spec))
        target = out if out is not None else Path("terraform") / rendered.deployment.name
        if check:
            from .writer import diff_tree

            diff = diff_tree(target, rendered.files)
            if diff:
                say(diff.rstrip("\n"))
                warn(f"{target} is not current: run `rsqgen render {spec} -o {target}` and commit the result")
                raise typer.Exit(int(ExitCode.FINDINGS))
            say(f"{target} is current.")
            return
        result = core.write(rendered, target, force=force)
    except RsqgenError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        warn(f"error: {exc}")
        raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
    for w in rendered.deployment.warnings:
        warn(f"warning: {w}")
    d = rendered.deployment
    say(f"Wrote {len(result.written)} files to {target} ({len(d.queries)} scheduled quer{'y' if len(d.queries) == 1 else 'ies'}, modules: {', '.join(sorted({f.split('/')[1] for f in result.written if f.startswith('modules/')}))}).")
    if result.removed:
        say(f"Removed {len(result.removed)} file(s) the spec no longer needs: {', '.join(result.removed)}")
    say("Next:")
    say(f"  cd {target}")
    say("  terraform init")
    say("  terraform plan -out=tfplan")


@app.command()
def validate(
    target: Path = typer.Argument(..., help="A rendered folder, or a spec file (rendered to a temporary folder first)."),
    terraform: bool = typer.Option(True, "--terraform/--no-terraform", help="Run terraform fmt -check, init and validate."),
    checkov: bool = typer.Option(True, "--checkov/--no-checkov", help="Run checkov."),
) -> None:
    """Run every check on rendered output: HCL parse, terraform fmt/validate, checkov.

    Exit 0: all checks ran and passed. 1: findings. 2: bad input. 3: a check could not run.
    """
    import shutil
    import tempfile

    from . import checks, core

    scratch = None
    try:
        if target.is_dir():
            root = target
        elif target.is_file():
            rendered = core.render_spec(target, display_name=str(target))
            scratch = Path(tempfile.mkdtemp(prefix="rsqgen-validate-"))
            root = scratch / rendered.deployment.name
            core.write(rendered, root)
        else:
            warn(f"error: {target} is neither a folder nor a spec file")
            raise typer.Exit(int(ExitCode.BAD_INPUT))
        report = checks.validate_dir(root, terraform=terraform, checkov=checkov)
    except RsqgenError as exc:
        raise _fail(exc) from None
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    for r in report.results:
        detail = f" ({r.detail})" if r.detail else ""
        say(f"{r.status:8} {r.name:22} {r.seconds:6.2f}s{detail}")
        for f in r.findings:
            say(f"         {f}")
    code = report.exit_code
    say({ExitCode.OK: "All checks passed.", ExitCode.FINDINGS: "Findings above.", ExitCode.INCOMPLETE: "Some checks did not run: nothing is claimed for them."}[code])
    raise typer.Exit(int(code))


@app.command()
def schema(
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Write the schema to this file instead of standard output."),
) -> None:
    """Print the spec's JSON Schema (for editors: # yaml-language-server: $schema=...)."""
    from .schema import schema_json

    text = schema_json()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        say(f"Wrote {out}")


def _load(spec: Path):
    from . import plan
    from .spec import load_spec

    loaded = load_spec(spec, display_name=str(spec))
    return loaded, plan.build(loaded)


@app.command()
def explain(
    spec: Path = typer.Argument(..., help="The spec file (YAML)."),
    now: Optional[str] = typer.Option(None, "--now", help="Compute next runs from this time (RFC 3339), not the clock."),
) -> None:
    """Say in plain language what SPEC schedules, when it runs next, who can see it, what it may do."""
    from datetime import datetime, timezone

    from .explain import explain as explain_text

    try:
        loaded, d = _load(spec)
        start = datetime.fromisoformat(now.replace("Z", "+00:00")) if now else datetime.now(timezone.utc)
        if start.tzinfo is None:
            raise RsqgenError(f"--now {now!r} has no time zone; e.g. 2026-11-28T09:00:00Z")
    except ValueError:
        warn(f"error: --now {now!r} is not an RFC 3339 time; e.g. 2026-11-28T09:00:00Z")
        raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
    except RsqgenError as exc:
        raise _fail(exc) from None
    say(explain_text(d, {k: r.schedule for k, r in loaded.queries.items()}, start).rstrip("\n"))


@app.command()
def diagram(
    spec: Path = typer.Argument(..., help="The spec file (YAML)."),
    fmt: str = typer.Option("mermaid", "--format", "-f", help="mermaid (default), dot, svg or png (svg and png need Graphviz's dot)."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Write to this file (required for png)."),
) -> None:
    """Draw who may assume the schedule role, what runs where, and who is notified."""
    from . import diagram as dia

    if fmt not in ("mermaid", "dot", "svg", "png"):
        warn(f"error: --format {fmt!r} is not one of mermaid, dot, svg, png")
        raise typer.Exit(int(ExitCode.BAD_INPUT))
    try:
        _, d = _load(spec)
        graph = dia.build(d)
        if fmt == "mermaid":
            data = dia.to_mermaid(graph).encode()
        elif fmt == "dot":
            data = dia.to_dot(graph).encode()
        else:
            data = dia.render_image(dia.to_dot(graph), fmt)
    except RsqgenError as exc:
        raise _fail(exc) from None
    if out is not None:
        out.write_bytes(data)
        say(f"Wrote {out}")
    elif fmt == "png":
        warn("error: PNG output needs -o FILE")
        raise typer.Exit(int(ExitCode.BAD_INPUT))
    else:
        typer.echo(data.decode(), nl=False)


@app.command()
def review(
    plan_json: Path = typer.Argument(..., help="A plan in JSON: terraform show -json tfplan > plan.json ('-' reads standard input)."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help="security: exit 1 when a security-relevant change is present (for CI)."),
) -> None:
    """Summarise a Terraform plan for reviewers, security-relevant changes first (Markdown)."""
    from . import review as rv

    if fail_on not in (None, "security"):
        warn(f"error: --fail-on {fail_on!r} is not supported; use --fail-on security")
        raise typer.Exit(int(ExitCode.BAD_INPUT))
    try:
        text = sys.stdin.read() if str(plan_json) == "-" else plan_json.read_text(encoding="utf-8")
        result = rv.review(rv.load_plan(text, str(plan_json)))
    except OSError as exc:
        warn(f"error: {exc}")
        raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
    except RsqgenError as exc:
        raise _fail(exc) from None
    say(rv.to_markdown(result).rstrip("\n"))
    if fail_on == "security" and result.security:
        warn(f"{len(result.security)} security-relevant change(s): review them before applying")
        raise typer.Exit(int(ExitCode.FINDINGS))


@app.command()
def version() -> None:
    """Print rsqgen's version."""
    from . import __version__

    say(__version__)


def main() -> None:
    import os

    try:
        app()
    except KeyboardInterrupt:
        warn("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug in rsqgen: say so plainly, no traceback unless asked for
        if os.environ.get("RSQGEN_DEBUG"):
            raise
        warn(f"rsqgen: internal error: {type(exc).__name__}: {exc} (set RSQGEN_DEBUG=1 for the traceback, and please report it)")
        sys.exit(70)
