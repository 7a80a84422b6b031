"""The one way through: spec -> validated model -> decided Deployment -> rendered files -> atomic
write -> checks. The CLI calls these functions and nothing else; tests and scripts call them too.

Each function raises an `RsqgenError` (which carries its exit code and location) for anything the
user can fix; the CLI prints it and exits in one place.
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import aws, deploy, live, render, spec, writer
from .deploy import Deployment
from .errors import InputError, OutputError, SpecError, ToolError
from .render import diagram as diagrams
from .spec import LoadedSpec
from .spec.model import SPEC_NAME, SPEC_NAME_ALLOWED
from .spec.schema import schema_json
from .tools import checks, shapes
from .tools import explain as explaining
from .tools import names as naming
from .tools import review as reviewing
from .values import parse_rfc3339

__all__ = [
    "Adopted",
    "InputError",
    "Loaded",
    "Rendered",
    "adopt",
    "check_current",
    "default_out",
    "diagram",
    "doctor",
    "explain",
    "history",
    "load",
    "names",
    "render_spec",
    "review",
    "review_file",
    "review_markdown",
    "run",
    "schema",
    "validate",
    "write",
]

DIAGRAM_FORMATS = ("mermaid", "dot", "svg", "png")


@dataclass(frozen=True)
class Loaded:
    spec: LoadedSpec
    deployment: Deployment


@dataclass(frozen=True)
class Rendered:
    deployment: Deployment
    files: dict[str, bytes]
    spec: LoadedSpec | None = None


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The pipeline builds many small objects and no garbage cycles worth collecting; the cyclic
    collector's full passes grow with the heap and made 5,000 queries 7x slower than 1,000."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load(spec_path: str | Path, display_name: str | None = None, *, strict_sql: bool = False, env: str | None = None) -> Loaded:
    """Load, validate and decide a spec (for environment `env`, when it has environments). Raises
    SpecError on a bad spec (with strict_sql, also on SQL the parser rejects)."""
    with _gc_paused():
        loaded = spec.load_spec(spec_path, display_name, strict_sql=strict_sql, env=env)
        return Loaded(loaded, deploy.decide(loaded))


def render_spec(spec_path: str | Path, display_name: str | None = None, *, strict_sql: bool = False, env: str | None = None) -> Rendered:
    """Load, validate, decide and render a spec, in memory. Raises SpecError on a bad spec."""
    with _gc_paused():
        loaded = load(spec_path, display_name, strict_sql=strict_sql, env=env)
        return Rendered(loaded.deployment, render.render(loaded.deployment), loaded.spec)


ALL_ENVIRONMENTS = "all"


def render_trees(
    spec_path: str | Path, display_name: str | None = None, *, strict_sql: bool = False, env: str | None = None, split: str | None = None
) -> dict[str, Rendered]:
    """Every tree a render writes, by its folder under the output ("" for a single tree): with env
    "all", each environment into <env>; with `split`, the base stack into base and each
    warehouse's queries into <warehouse> (under <env>/ with both). All are rendered before anything
    is written: one bad environment writes none."""
    if env == ALL_ENVIRONMENTS:
        names = spec.environment_names(spec_path, display_name)
        if not names:  # let the loader say so, at the file's first line
            render_spec(spec_path, display_name, strict_sql=strict_sql, env=ALL_ENVIRONMENTS)
        envs: list[tuple[str, str | None]] = [(name, name) for name in names]
    else:
        envs = [("", env)]
    trees: dict[str, Rendered] = {}
    with _gc_paused():
        for folder, name in envs:
            loaded = load(spec_path, display_name, strict_sql=strict_sql, env=name)
            stacks = deploy.split(loaded.deployment, split) if split else {"": loaded.deployment}
            for stack, d in stacks.items():
                trees["/".join(p for p in (folder, stack) if p)] = Rendered(d, render.render(d), loaded.spec)
    return trees


def default_out(rendered: Rendered) -> Path:
    """terraform/<name>, then /<env> for an environment and /<stack> for a stack of a split."""
    d = rendered.deployment
    return Path("terraform", d.name, *(p for p in (d.environment, d.stack) if p))


def write_all(trees: dict[Path, Rendered], *, force: bool = False) -> dict[Path, writer.WriteResult]:
    """Write several trees (environments, stacks): every folder is checked first, so a folder that
    may not be written stops the render before any is written."""
    for out_dir, rendered in trees.items():
        writer.assess(Path(out_dir), rendered.files, force=force)
    return {out_dir: write(rendered, out_dir, force=force) for out_dir, rendered in trees.items()}


def write(rendered: Rendered, out_dir: str | Path, *, force: bool = False) -> writer.WriteResult:
    return writer.write_tree(Path(out_dir), rendered.files, force=force)


def check_current(rendered: Rendered, out_dir: str | Path) -> tuple[str, str]:
    """(a unified diff from `out_dir` to what `rendered` would write, "" when it is current;
    why a plain render would refuse to write it, "" when it would not)."""
    diff = writer.diff_tree(Path(out_dir), rendered.files)
    refusal = ""
    if diff:
        try:
            writer.assess(Path(out_dir), rendered.files, force=False)
        except OutputError as exc:
            refusal = exc.message
    return diff, refusal


def validate(
    target: str | Path, *, terraform: bool = True, checkov: bool = True, strict_sql: bool = False, full: bool = False, env: str | None = None
) -> checks.Report:
    """Every check on a rendered folder, or on a spec rendered into a scratch folder first (then
    its SQL is checked too). checkov runs once per shape of query unless `full`: a spec's shapes
    come from its Deployment, a folder's from its own main.tf."""
    target = Path(target)
    if target.is_dir():
        report = checks.validate_dir(target, terraform=terraform, checkov=checkov, reduce=not full)
        report.results.insert(0, checks.CheckResult("sql", "SKIPPED", detail="give validate the spec to check its SQL"))
        return report
    if not target.exists():
        raise InputError(f"{target} does not exist: give a folder that `rsqgen render` wrote, or a spec file")
    if target.suffix in (".tf", ".json") or target.name.endswith(".tf.json"):
        raise InputError(f"{target} is a Terraform file: give the folder that holds it, or the spec")
    if not target.is_file():
        raise InputError(f"{target} is neither a folder nor a spec file")
    with _gc_paused():
        loaded = load(target, display_name=str(target), strict_sql=strict_sql, env=env)
        rendered = Rendered(loaded.deployment, render.render(loaded.deployment), loaded.spec)
        reduction = None if full else shapes.reduce(loaded.deployment)
        reduced_files = render.render(reduction.deployment) if reduction else None
    scratch = Path(tempfile.mkdtemp(prefix="rsqgen-validate-"))
    try:
        root = scratch / rendered.deployment.name
        write(rendered, root)
        checkov_root = None
        if reduction is not None and reduced_files is not None:
            checkov_root = scratch / "shapes" / rendered.deployment.name
            writer.write_tree(checkov_root, reduced_files)
        report = checks.validate_dir(
            root, terraform=terraform, checkov=checkov, checkov_root=checkov_root, instances=reduction.instances if reduction else None
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report.results.insert(0, checks.sql_result(loaded.spec))
    report.warnings = list(loaded.deployment.warnings)
    return report


def _live(spec_path: str | Path, env: str | None, region: str | None) -> tuple[Deployment, object]:
    """The spec's Deployment and a boto3 session (standard credentials and endpoint variables)."""
    import boto3  # only the live-account commands need it (start-up time)

    d = load(spec_path, display_name=str(spec_path), env=env).deployment
    if region is not None and region != d.region:
        raise InputError(f"--region {region}: the spec (or environment) deploys to {d.region}; leave out --region or use {d.region}")
    return d, boto3.session.Session()


def doctor(spec_path: str | Path, env: str | None = None, region: str | None = None) -> live.Report:
    """The live account against the spec."""
    return live.doctor(*_live(spec_path, env, region))


def history(spec_path: str | Path, query: str | None = None, *, last: int = 10, failed_only: bool = False, env: str | None = None, region: str | None = None) -> live.History:
    """The recent runs of the spec's queries (or of one), as the schedule role sees them."""
    return live.history(*_live(spec_path, env, region), query, last=last, failed_only=failed_only)


def run(spec_path: str | Path, query: str, *, wait: bool = True, env: str | None = None, region: str | None = None) -> live.RunResult:
    """Run one query once now, exactly as its deployed schedule would."""
    return live.run(*_live(spec_path, env, region), query, wait=wait, spec=str(spec_path))


@dataclass
class Adopted:
    result: live.Adoption
    out: Path | None = None  # None: nothing was written
    rendered: Rendered | None = None


DEFAULT_ADOPTED_NAME = "adopted"


def adopt(
    out_dir: str | Path, region: str, *, name: str | None = None, prefix: str | None = None, warehouse: str | None = None,
    only: str | None = None, schedules_in: str | None = None,
) -> Adopted:
    """Read the account's hand-made scheduled queries (both consoles' unless `prefix`) and write
    DIR/spec.yaml, the rendered tree and DIR/imports.tf (nothing written when nothing could be
    adopted, or the account could not be read). The names the spec creates are checked against the
    account first: a `name` given that is taken is refused; the default picks a free one."""
    import boto3  # only the live-account commands need it (start-up time)

    if prefix is not None and prefix not in live.PREFIXES:
        raise InputError(f"--prefix {prefix!r}: use QS2- (query editor v2) or QS- (query editor v1), or leave it out for both")
    if name is not None and not SPEC_NAME.fullmatch(name):
        raise InputError(f"--name {name!r}: {SPEC_NAME_ALLOWED}")
    if region not in aws.REGIONS:
        raise InputError(f"--region {region!r} is not an AWS region; use a region code such as eu-west-1")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file: adopt writes a new folder")
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out} is not empty: adopt writes a new (or empty) folder")
    session = boto3.session.Session(region_name=region)
    result = live.adopt(session, region, prefix, warehouse, only, schedules_in)
    if result.not_run or not result.found:
        return Adopted(result)
    candidates = [name] if name is not None else [DEFAULT_ADOPTED_NAME] + [f"{DEFAULT_ADOPTED_NAME}-{n}" for n in range(2, 10)]
    with tempfile.TemporaryDirectory(prefix="rsqgen-adopt-") as scratch:
        for candidate in candidates:
            text, rendered = _adopted_spec(result, candidate, Path(scratch), out)
            if rendered is None:
                return Adopted(result)
            imported = frozenset(f.name for f in result.found)
            taken = live.taken_names(rendered.deployment, session, imported, new=True)
            if taken.not_run:
                result.not_run += taken.not_run
                return Adopted(result)
            if not taken.taken:
                break
            clash = ", ".join(f"{t.kind} {t.name}" + (f" (spec {t.owner})" if t.owner else "") for t in taken.taken)
            if name is not None:
                raise InputError(f"--name {name}: the account already has {clash}: applying would fail (EntityAlreadyExists); give another --name")
            result.notes.append(f"the name {candidate} is taken in this account ({clash})")
        else:
            raise InputError(f"the names {candidates[0]} to {candidates[-1]} are all taken in this account: give --name")
        if candidate != candidates[0]:
            result.notes.append(f"the spec is named {candidate}: its role, group and rules are free in this account")
    # The folder is swapped in whole: a shell (and this process) inside it would see the old one,
    # so it is written by its absolute path, and named so when it is where we stand.
    absolute, here = out.resolve(), Path.cwd().resolve()
    writer.write_tree(absolute, rendered.files, beside={"spec.yaml": text.encode(), "imports.tf": render.imports_tf(result.imports)})
    return Adopted(result, absolute if absolute == here else out, rendered)


def _adopted_spec(result: live.Adoption, name: str, scratch: Path, out: Path) -> tuple[str, Rendered | None]:
    """The adopted spec's text and its render; what the spec cannot hold (SQL it refuses, say) is
    refused like the rest (None: nothing is left to adopt)."""
    spec_path = scratch / "spec.yaml"
    while True:
        text = live.spec_text(result, name)
        spec_path.write_text(text, "utf-8")
        try:
            return text, render_spec(spec_path, display_name=str(out / "spec.yaml"))
        except SpecError as exc:
            if not _refuse_queries(result, exc):
                raise InputError("the account holds what a spec cannot express, outside any one query; nothing was written:\n" + str(exc)) from None
        if not result.found:
            return text, None


def _refuse_queries(result: live.Adoption, exc: SpecError) -> bool:
    """Turn the issues a found query raises in the spec into refusals; False if one is not a query's."""
    keys = sorted((f.key for f in result.found), key=len, reverse=True)
    refused = {}
    for issue in exc.issues:
        key = next((k for k in keys if issue.path == f"queries.{k}" or issue.path.startswith(f"queries.{k}.")), None)
        if key is None:
            return False
        refused.setdefault(key, f"the spec cannot hold it: {issue.path}: {issue.message}")
    for f in [f for f in result.found if f.key in refused]:
        result.found.remove(f)
        result.refused.append(live.Refused(f.name, refused[f.key]))
    used = {f.role_arn for f in result.found}
    result.old_roles = {arn: p for arn, p in result.old_roles.items() if arn in used}
    return True


def explain(spec_path: str | Path, now: str | None = None, env: str | None = None) -> str:
    """The spec in plain language; next runs counted from `now` (RFC 3339) or the clock."""
    start = datetime.now(timezone.utc)
    if now is not None:
        parsed = parse_rfc3339(now)
        if parsed is None:
            raise InputError(f"--now {now!r} is not an RFC 3339 time, or has no time zone; e.g. 2026-11-28T09:00:00Z")
        start = parsed
    loaded = load(spec_path, display_name=str(spec_path), env=env)
    return explaining.explain(loaded.deployment, loaded.spec.queries, start)


def diagram(spec_path: str | Path, fmt: str = "mermaid", env: str | None = None) -> bytes:
    """The trust and data-flow picture: Mermaid or DOT text, or SVG/PNG through Graphviz."""
    if fmt not in DIAGRAM_FORMATS:
        raise InputError(f"--format {fmt!r} is not one of {', '.join(DIAGRAM_FORMATS)}")
    graph = diagrams.build(load(spec_path, display_name=str(spec_path), env=env).deployment)
    if fmt == "mermaid":
        return diagrams.to_mermaid(graph).encode()
    if fmt == "dot":
        return diagrams.to_dot(graph).encode()
    return diagrams.render_image(diagrams.to_dot(graph), fmt)


def review(plan_text: str, source: str) -> reviewing.Review:
    """What a Terraform plan (`terraform show -json`) changes, security-relevant changes first."""
    return reviewing.review(reviewing.load_plan(plan_text, source))


def review_file(path: str | Path) -> reviewing.Review:
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start}); give the output of `terraform show -json PLANFILE`") from None
    return review(text, str(path))


def review_markdown(result: reviewing.Review) -> str:
    return reviewing.to_markdown(result)


def names(spec_paths: list[str | Path], env: str | None = None, live_account: bool = False) -> list[naming.Clash]:
    """Names several specs would share in one account and region, and operators' rights that
    reach into another spec's rules; with `live_account`, also (or, for one spec, only) the names
    each spec creates that already exist in the account and are not its own."""
    if len(spec_paths) < (1 if live_account else 2):
        raise InputError("give at least two specs to compare (or --live to compare one with the account)")
    if len({Path(p).resolve() for p in spec_paths}) < len(spec_paths):
        raise InputError("a spec is given twice: every spec shares every name with itself")
    # With --env, each spec that has environments is read for that one (the same account, usually).
    loaded = {}
    for p in spec_paths:
        has_envs = bool(spec.environment_names(p, str(p)))
        loaded[str(p)] = load(p, display_name=str(p), env=env if has_envs else None).deployment
    found = naming.clashes(loaded) if len(loaded) > 1 else []
    if live_account:
        import boto3  # only the live-account commands need it (start-up time)

        for path, d in loaded.items():
            imports = Path(path).parent / "imports.tf"  # adopt's: those rules exist on purpose
            imported = render.imported_rules(imports.read_text("utf-8")) if imports.is_file() else frozenset()
            taken = live.taken_names(d, boto3.session.Session(region_name=d.region), imported)
            if taken.not_run:
                n = taken.not_run[0]
                raise ToolError(f"{path}: could not read the account ({n.check}: {n.error}); needs {n.permission}")
            found += [naming.Clash("name", f"{path}: {t.kind} {t.name} already exists in account {taken.account}" + (f" (made by spec {t.owner})" if t.owner else " (not made by this spec)")) for t in taken.taken]
    return found


def schema() -> str:
    return schema_json()
