"""The rsqgen command line: parse flags, call core, print. Nothing else.

Errors become exit codes in one place (`_errors_to_exit`): an RsqgenError carries its exit code and
location, an OSError is bad input, anything else is a bug (exit 70). `core` pulls in pydantic and
jinja2, so each command imports it when it runs: `rsqgen --help` starts without them.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import typer

from . import __version__
from .errors import ExitCode, RsqgenError
from .text import terminal_safe

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Amazon Redshift scheduled queries as code: a YAML spec in, a validated Terraform root module out.",
)


def say(text: str = "") -> None:
    typer.echo(terminal_safe(text))


def warn(text: str) -> None:
    typer.echo(terminal_safe(text), err=True)


@contextlib.contextmanager
def _errors_to_exit() -> Iterator[None]:
    """The one place where errors become messages and exit codes."""
    try:
        yield
    except RsqgenError as exc:
        for line in exc.lines():
            warn(line)
        raise typer.Exit(int(exc.exit_code)) from None
    except OSError as exc:  # a path the user gave: missing, a folder, not readable
        reason = exc.strerror or str(exc)
        warn(f"error: {exc.filename}: {reason}" if exc.filename else f"error: {reason}")
        raise typer.Exit(int(ExitCode.BAD_INPUT)) from None


def _core():
    # core loads pydantic and jinja2: only the commands that use them pay for it, not --help.
    from . import core  # lazy for start-up time

    return core


@app.command()
def render(
    spec: Path = typer.Argument(..., metavar="SPEC", help="The spec file (YAML).", show_default=False),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder. Default: terraform/<name> inside the current folder."),
    force: bool = typer.Option(False, "--force", help="Write into a folder holding files rsqgen did not write, or that were edited by hand."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 with a diff when the output folder is not what SPEC renders to."),
    strict_sql: bool = typer.Option(False, "--strict-sql", help="Treat SQL warnings (statements the SQL parser rejects) as errors."),
    env: Optional[str] = typer.Option(None, "--env", help="The environment to render (environments.<NAME>), or all: each into OUT/<NAME>."),
    split: Optional[str] = typer.Option(None, "--split", help="warehouse: a base stack into OUT/base and each existing warehouse's queries into OUT/<warehouse>, each with its own state."),
) -> None:
    """Render SPEC into a Terraform root module (plus the modules it calls)."""
    core = _core()
    with _errors_to_exit():
        renders = core.render_trees(spec, display_name=str(spec), strict_sql=strict_sql, env=env, split=split)
        # -o OUT: OUT/<folder>; else terraform/<name>[/<env>][/<stack>]
        targets = {folder: (out / folder if folder else out) if out is not None else core.default_out(r) for folder, r in renders.items()}
        if check:
            checked = {name: core.check_current(r, targets[name]) for name, r in renders.items()}
        else:
            written = core.write_all({targets[name]: r for name, r in renders.items()}, force=force)
            results = {name: written[targets[name]] for name in renders}
    again = f"rsqgen render {spec}" + (f" --env {env}" if env else "") + (f" --split {split}" if split else "") + (f" -o {out}" if out is not None else "")
    if check:
        stale = False
        for name, target in targets.items():
            diff, refusal = checked[name]
            if not target.exists():  # a diff of every file from /dev/null says less than this
                warn(f"{target} does not exist: run `{again}` and commit the result")
                stale = True
            elif diff:
                say(diff.rstrip("\n"))
                if refusal:
                    warn(f"{target} is not current, and a render would refuse to write it: {refusal}")
                else:
                    warn(f"{target} is not current: run `{again}` and commit the result")
                stale = True
            else:
                say(f"{target} is current.")
        if stale:
            raise typer.Exit(int(ExitCode.FINDINGS))
        return
    for name, rendered in renders.items():
        _report_render(rendered, targets[name], results[name])


def _report_render(rendered, target: Path, result) -> None:
    d = rendered.deployment
    for w in d.warnings:  # each says "warning:", after its file:line:col where it has one
        warn(w)
    queries = f"{len(d.queries)} scheduled quer{'y' if len(d.queries) == 1 else 'ies'}"
    say(f"Wrote {len(result.written)} files to {target} ({queries}, modules: {', '.join(d.modules)}).")
    if result.removed:
        say(f"Removed {len(result.removed)} file(s) the spec no longer needs: {', '.join(result.removed)}")
    say("Next:")
    say(f"  cd {target}")
    say("  terraform init")
    say("  terraform plan -out=tfplan")


@app.command()
def validate(
    target: Path = typer.Argument(..., metavar="DIR|SPEC", help="A rendered folder, or a spec file (rendered to a temporary folder first)."),
    terraform: bool = typer.Option(True, "--terraform/--no-terraform", help="Run terraform fmt -check, init and validate."),
    checkov: bool = typer.Option(True, "--checkov/--no-checkov", help="Run checkov."),
    strict_sql: bool = typer.Option(False, "--strict-sql", help="Treat SQL warnings as errors (with a spec)."),
    full: bool = typer.Option(False, "--full", help="Run checkov on every query, not once per shape of query."),
    env: Optional[str] = typer.Option(None, "--env", help="The environment (environments.<NAME>) of a spec that has them."),
) -> None:
    """Run every check on rendered output: HCL parse, terraform fmt/validate, checkov.

    Exit 0: all checks ran and passed. 1: findings. 2: bad input. 3: a check could not run.
    """
    core = _core()
    with _errors_to_exit():
        report = core.validate(target, terraform=terraform, checkov=checkov, strict_sql=strict_sql, full=full, env=env)
    for w in report.warnings:
        warn(w)
    for r in report.results:
        detail = f" ({r.detail})" if r.detail else ""
        say(f"{r.status:8} {r.name:22} {r.seconds:6.2f}s{detail}")
        for f in r.findings:
            say(f"         {f}")
    code = report.exit_code
    skipped = [r.name for r in report.results if r.status == "SKIPPED" and r.detail.startswith("turned off")]
    if code == ExitCode.OK and skipped:
        say(f"All checks that ran passed; turned off: {', '.join(skipped)}.")
        raise typer.Exit(int(code))
    say({ExitCode.OK: "All checks passed.", ExitCode.FINDINGS: "Findings above.", ExitCode.INCOMPLETE: "Some checks did not run: nothing is claimed for them."}[code])
    raise typer.Exit(int(code))


@app.command()
def names(
    specs: list[Path] = typer.Argument(..., metavar="SPEC...", help="Two or more spec files that may share an account (one, with --live)."),
    env: Optional[str] = typer.Option(None, "--env", help="The environment to compare, for specs that have environments."),
    live_account: bool = typer.Option(False, "--live", help="Also look each name up in the live account (boto3's standard chain): a name that exists and is not the spec's own clashes."),
) -> None:
    """Find names that several specs would share in one account and region (apply would fail or
    overwrite), and operators whose rights reach another spec's rules; with --live, names that the
    account already holds. Exit 1 on a clash, 3 when the account could not be read."""
    core = _core()
    with _errors_to_exit():
        found = core.names(specs, env=env, live_account=live_account)
    for clash in found:
        say(f"{'clash  ' if clash.kind == 'name' else 'overlap'} {clash.message}")
    if any(c.kind == "name" for c in found):
        warn("names clash: give the specs different `name`s and query names, or query_prefix values")
        raise typer.Exit(int(ExitCode.FINDINGS))
    say("No name is shared." + (" Operators' rights overlap (above)." if found else ""))


@app.command()
def schema(
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Write the schema to this file instead of standard output."),
) -> None:
    """Print the spec's JSON Schema (for editors: # yaml-language-server: $schema=...)."""
    core = _core()
    text = core.schema()
    if out is None:
        typer.echo(text, nl=False)
        return
    with _errors_to_exit():
        out.write_text(text, encoding="utf-8")
    say(f"Wrote {out}")


@app.command()
def explain(
    spec: Path = typer.Argument(..., metavar="SPEC", help="The spec file (YAML).", show_default=False),
    now: Optional[str] = typer.Option(None, "--now", help="Compute next runs from this time (RFC 3339), not the clock."),
    env: Optional[str] = typer.Option(None, "--env", help="The environment (environments.<NAME>) of a spec that has them."),
) -> None:
    """Say in plain language what SPEC schedules, when it runs next, who can see it, what it may do."""
    core = _core()
    with _errors_to_exit():
        text = core.explain(spec, now, env)
    say(text.rstrip("\n"))


@app.command()
def diagram(
    spec: Path = typer.Argument(..., metavar="SPEC", help="The spec file (YAML).", show_default=False),
    fmt: str = typer.Option("mermaid", "--format", "-f", help="mermaid (default), dot, svg or png (svg and png need Graphviz's dot)."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Write to this file (required for png)."),
    env: Optional[str] = typer.Option(None, "--env", help="The environment (environments.<NAME>) of a spec that has them."),
) -> None:
    """Draw who may assume the schedule role, what runs where, and who is notified."""
    core = _core()
    with _errors_to_exit():
        if fmt == "png" and out is None:
            raise core.InputError("PNG output needs -o FILE")
        data = core.diagram(spec, fmt, env)
        if out is not None:
            out.write_bytes(data)
    if out is not None:
        say(f"Wrote {out}")
    else:
        typer.echo(data.decode(), nl=False)


@app.command()
def review(
    plan_json: Path = typer.Argument(..., metavar="PLAN_JSON", help="A plan in JSON: terraform show -json tfplan > plan.json ('-' reads standard input)."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help="security: exit 1 when a security-relevant change is present (for CI)."),
) -> None:
    """Summarise a Terraform plan for reviewers, security-relevant changes first (Markdown)."""
    core = _core()
    with _errors_to_exit():
        if fail_on not in (None, "security"):
            raise core.InputError(f"--fail-on {fail_on!r} is not supported; use --fail-on security")
        if str(plan_json) == "-":
            result = core.review(sys.stdin.read(), "<stdin>")
        else:
            result = core.review_file(plan_json)
    say(core.review_markdown(result).rstrip("\n"))
    if fail_on == "security" and result.security:
        warn(f"{len(result.security)} security-relevant change(s): review them before applying")
        raise typer.Exit(int(ExitCode.FINDINGS))


_SPEC = typer.Argument(..., metavar="SPEC", help="The spec file (YAML).", show_default=False)
_ENV = typer.Option(None, "--env", help="The environment (environments.<NAME>) of a spec that has them.")
_FORMAT = typer.Option("text", "--format", help="text or json.")
_REGION = typer.Option(None, "--region", help="Must be the spec's region (the default).")


def _report(result, fmt: str) -> None:
    """Print a live-account result as text or JSON and exit with its code."""
    say((result.to_json() if fmt == "json" else result.to_text()).rstrip("\n"))
    raise typer.Exit(result.exit_code)


def _format(core, fmt: str) -> None:
    if fmt not in ("text", "json"):
        raise core.InputError(f"--format {fmt!r} is not one of text, json")


@app.command()
def doctor(spec: Path = _SPEC, env: Optional[str] = _ENV, fmt: str = _FORMAT, region: Optional[str] = _REGION) -> None:
    """Compare the live account with what SPEC means, and find the known pitfalls (read-only).

    Credentials and endpoints: boto3's standard chain (AWS_PROFILE, AWS_ENDPOINT_URL, ...).
    Exit 0: healthy. 1: findings. 2: bad input. 3: a check could not run.
    """
    core = _core()
    with _errors_to_exit():
        _format(core, fmt)
        report = core.doctor(spec, env=env, region=region)
    _report(report, fmt)


@app.command()
def history(
    spec: Path = _SPEC,
    query: Optional[str] = typer.Argument(None, metavar="[QUERY]", help="One query's key; all queries when left out."),
    last: int = typer.Option(10, "--last", help="At most this many runs per query, newest first."),
    status: Optional[str] = typer.Option(None, "--status", help="failed: only FAILED or ABORTED runs and failed invocations."),
    env: Optional[str] = _ENV,
    fmt: str = _FORMAT,
    region: Optional[str] = _REGION,
) -> None:
    """The recent runs of each query: status, start, duration, rows or error.

    Reads the Data API as the schedule role (as the console does; the role trusts the spec's
    operators), merged with invocations that never reached the Data API (FailedInvocations).
    The Data API keeps statements 24 hours; history.retain_days in the spec keeps them longer.
    Exit 0: no failed run shown. 1: a failed run is shown. 2: bad input. 3: could not read.
    """
    core = _core()
    with _errors_to_exit():
        _format(core, fmt)
        if status not in (None, "failed"):
            raise core.InputError(f"--status {status!r}: the only filter is --status failed")
        result = core.history(spec, query, last=last, failed_only=status == "failed", env=env, region=region)
    _report(result, fmt)


@app.command()
def run(
    spec: Path = _SPEC,
    query: str = typer.Argument(..., metavar="QUERY", help="The query's key in the spec.", show_default=False),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait for the statement's end and report it (the default)."),
    env: Optional[str] = _ENV,
    fmt: str = _FORMAT,
    region: Optional[str] = _REGION,
) -> None:
    """Run one query once now, exactly as its schedule would: the deployed target's role, database,
    auth, statement name and SQL (a batch stays a batch).

    Exit 0: FINISHED (or submitted, with --no-wait). 1: FAILED or ABORTED. 2: bad input (or the
    query is not deployed). 3: could not run (e.g. you may not assume the schedule role), or still
    running after 15 minutes (follow it with rsqgen history).
    """
    core = _core()
    with _errors_to_exit():
        _format(core, fmt)
        result = core.run(spec, query, wait=wait, env=env, region=region)
    _report(result, fmt)


@app.command()
def adopt(
    region: str = typer.Option(..., "--region", help="The region to read (the spec's region).", show_default=False),
    out: Path = typer.Option(..., "-o", "--out", help="A new (or empty) folder for spec.yaml, imports.tf and the tree.", show_default=False),
    name: Optional[str] = typer.Option(None, "--name", help="The spec's name (it prefixes the role, group and rules rsqgen creates). Default: adopted, or the first of adopted-2... free in the account."),
    prefix: Optional[str] = typer.Option(None, "--prefix", help="Only QS2- (query editor v2) or QS- (query editor v1) rules. Default: both, in one spec."),
    warehouse: Optional[str] = typer.Option(None, "--warehouse", help="Only the queries on this cluster or workgroup."),
    schedules_in: Optional[str] = typer.Option(None, "--schedules-in", help="Only the Data API schedules of this Scheduler group, no rules (a spec holds one group)."),
    fmt: str = _FORMAT,
) -> None:
    """Bring scheduled queries made by hand under a spec, without replacing them.

    Reads QS2-* and QS-* rules (both consoles') with a Redshift Data API target and Data API
    Scheduler schedules, and writes OUT/spec.yaml, the rendered tree and OUT/imports.tf: the first
    terraform plan imports them. The names the spec creates are checked against the account first.
    Exit 0: all adopted. 1: some refused or left out (each named, with why and how). 2: bad input
    (a --name that is taken). 3: the account could not be read.
    """
    core = _core()
    with _errors_to_exit():
        _format(core, fmt)
        adopted = core.adopt(out, region, name=name, prefix=prefix, warehouse=warehouse, schedules_in=schedules_in)
    written = str(adopted.out) if adopted.out else None
    say((adopted.result.to_json(written) if fmt == "json" else adopted.result.to_text(written)).rstrip("\n"))
    raise typer.Exit(adopted.result.exit_code)


@app.command()
def selftest(
    region: str = typer.Option(..., "--region", help="The sandbox account's region to run in.", show_default=False),
    warehouse: str = typer.Option(..., "--warehouse", help="An existing cluster or Serverless workgroup there (the queries only SELECT).", show_default=False),
    account: str = typer.Option(..., "--account", help="The sandbox account's id: the run refuses any other account.", show_default=False),
    database: str = typer.Option("dev", "--database", help="The database the queries run in."),
    db_user: Optional[str] = typer.Option(None, "--db-user", help="Run as this database user (clusters; default: the schedule role's IAM identity)."),
    secret_arn: Optional[str] = typer.Option(None, "--secret-arn", help="Run with this Secrets Manager secret's credentials."),
    work: Optional[Path] = typer.Option(None, "--work", help="A new folder for the spec, the tree and the report. Default: ./rsqgen-selftest-<id>."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask before creating anything (needed without a terminal)."),
    keep: bool = typer.Option(False, "--keep", help="Leave everything applied, for looking around (no destroy, no sweep)."),
    wait_minutes: float = typer.Option(10.0, "--wait-minutes", help="How long to wait for the first runs, the alert and the history log."),
    poll_seconds: float = typer.Option(10.0, "--poll-seconds", help="How often to look while waiting."),
) -> None:
    """Prove rsqgen on a sandbox account: apply a small spec, watch its schedules run, alert and log,
    adopt a console-style rule, then destroy it all and sweep by tag. Writes a report (Markdown and
    JSON) that marks each behaviour rsqgen relies on as confirmed, refuted or not settled.

    Exit 0: every check passed and nothing is left. 1: a check failed, a behaviour was refuted, or
    something is left. 2: bad input (another account, not confirmed). 3: a check could not run.
    """
    from . import selftest as proving  # lazy: boto3, core and the run itself only for this command

    with _errors_to_exit():
        if db_user and secret_arn:
            raise proving.InputError("give --db-user or --secret-arn, not both")
        options = proving.Options(region=region, warehouse=warehouse, account=account, database=database, db_user=db_user, secret_arn=secret_arn,
                                  work=work, wait_seconds=wait_minutes * 60, poll_seconds=poll_seconds, keep=keep)
        confirm = lambda lines: proving.terminal_confirm(lines, yes, sys.stdin.isatty(), say, lambda: typer.prompt("Create these? [y/N]", default="n", show_default=False))  # noqa: E731
        report = proving.selftest(options, confirm=confirm, say=say)
    say(report.to_text().rstrip("\n"))
    raise typer.Exit(report.exit_code)


def _print_version(value: bool) -> None:
    if value:
        say(__version__)
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True, help="Print rsqgen's version and exit."),
) -> None:
    """Amazon Redshift scheduled queries as code: a YAML spec in, a validated Terraform root module out."""


@app.command()
def version() -> None:
    """Print rsqgen's version."""
    say(__version__)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        warn("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug in rsqgen: say so plainly, no traceback unless asked for
        if os.environ.get("RSQGEN_DEBUG"):
            raise
        warn(f"rsqgen: internal error: {type(exc).__name__}: {exc} (set RSQGEN_DEBUG=1 for the traceback, and please report it)")
        sys.exit(int(ExitCode.INTERNAL))
