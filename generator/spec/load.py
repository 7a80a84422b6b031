"""Load a spec file into a validated model, with every error located at file:line:col.

load_spec() is the stage's entry point: YAML (yamlsrc) -> shape (model, pydantic) -> meaning
(semantics). All issues found in one phase are reported together; a later phase runs only when
the earlier one found none, so the user never sees follow-on noise.
"""

from __future__ import annotations

import copy
import difflib
import types
import typing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Location, SpecError, SpecIssue
from .model import (
    DEFAULTABLE,
    NO_SECRETS,
    NO_SECRETS_HINT,
    NOTIFY_FORMS,
    SECRET_LIKE,
    Spec,
)
from .semantics import ResolvedQuery, check_semantics
from .yamlsrc import Document, format_path, load_yaml_file, load_yaml_text

__all__ = ["LoadedSpec", "load_spec", "load_spec_text"]


@dataclass(frozen=True)
class LoadedSpec:
    spec: Spec
    document: Document
    path: Path | None  # the spec file, None for text specs
    queries: dict[str, ResolvedQuery]
    warnings: tuple[SpecIssue, ...] = ()  # what AWS accepts but a reviewer should know, located
    environment: str | None = None  # the environment this spec was loaded for (environments.<name>)

    @property
    def file(self) -> str:
        return self.document.file


def load_spec(path: str | Path, display_name: str | None = None, *, strict_sql: bool = False, env: str | None = None) -> LoadedSpec:
    """Load and validate a spec file (for environment `env` when it has environments); `strict_sql`
    turns SQL warnings into errors."""
    path = Path(path)
    document = load_yaml_file(path, display_name)
    return _validate(document, path, strict_sql, env)


def load_spec_text(
    text: str | bytes, file: str = "<string>", base_dir: Path | None = None, *, strict_sql: bool = False, env: str | None = None
) -> LoadedSpec:
    document = load_yaml_text(text, file)
    # sql_file paths resolve against base_dir, as they would against a spec file's folder.
    return _validate(document, base_dir / "spec.yaml" if base_dir is not None else None, strict_sql, env)


def environment_names(path: str | Path, display_name: str | None = None) -> list[str]:
    """The names under `environments` (in the file's order), for `--env all`; [] when there are none."""
    data = load_yaml_file(Path(path), display_name).data
    envs = data.get("environments") if isinstance(data, dict) else None
    return [k for k in envs if isinstance(k, str) and not k.startswith("x-")] if isinstance(envs, dict) else []


# Mappings whose keys are names the user chooses: an `x-` key there is a name that will be ignored.
_NAMED = {("queries",), ("warehouses",), ("notifications",), ("tags",)}


def _without_extensions(value: Any, path: tuple[Any, ...], document: Document, dropped: list[SpecIssue]) -> Any:
    """The spec with every `x-` key left out, anywhere (a home for YAML anchors and notes)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, str) and key.startswith("x-"):
                if path in _NAMED:
                    dropped.append(
                        SpecIssue(document.where(path + (key,), key=True), format_path(path + (key,)), f"{key!r} starts with x-, so it is ignored", "rename it if it is meant to be used")
                    )
                continue
            out[key] = _without_extensions(item, path + (key,), document, dropped)
        return out
    if isinstance(value, list):
        return [_without_extensions(item, path + (i,), document, dropped) for i, item in enumerate(value)]
    return value


def _validate(document: Document, path: Path | None, strict_sql: bool, env: str | None = None) -> LoadedSpec:
    dropped: list[SpecIssue] = []
    document = replace(document, data=_without_extensions(document.data, (), document, dropped))
    document = _for_environment(document, env)
    document, inherited = _with_defaults(document)
    try:
        spec = validate_shape(document)
        queries, warnings = check_semantics(spec, document, path, strict_sql=strict_sql)
    except SpecError as exc:
        raise SpecError(_name_both_lines(exc.issues, inherited, document)) from None
    warnings = _name_both_lines(warnings, inherited, document)
    return LoadedSpec(
        spec=spec, document=document, path=path, queries=queries, warnings=tuple(dropped + warnings), environment=env if spec.environments else None
    )


# ---------------------------------------------------------------------------------------------
# environments.<name>

# What may differ between environments; anything else is one spec's meaning and stays the same.
# Account-specific ARNs (a query's secret, its dead-letter queue, the role's boundary, a key) must
# differ between accounts, so they may be overridden too.
QUERY_OVERRIDES = ("schedule", "enabled", "notify", "timezone", "flexible_window_minutes", "description", "auth", "dead_letter_queue_arn")
WAREHOUSE_OVERRIDES = ("identifier", "namespace")
OVERRIDES = ("queries", "warehouses", "notifications", "operators", "tags", "role", "kms_key")
ALLOWED_OVERRIDES = (
    f"queries.<key>.{{{', '.join(QUERY_OVERRIDES)}}}, warehouses.<key>.{{{', '.join(WAREHOUSE_OVERRIDES)}}}, "
    "notifications.<key> (a topic, replaced whole), operators (the list, replaced whole), tags.<key>, role and kms_key (replaced whole)"
)


def _for_environment(document: Document, env: str | None) -> Document:
    """The spec as environment `env` sees it: its account and region, its backend (the state key
    gets /<env>), and its overrides, each keeping its own position so errors point at it."""
    data = document.data
    envs = data.get("environments") if isinstance(data, dict) else None
    names = [k for k in envs if isinstance(k, str)] if isinstance(envs, dict) else []
    if not names:
        if env is not None:
            raise SpecError([SpecIssue(document.where(()), "", f"--env {env}: this spec has no environments", "leave out --env, or add environments: {<name>: {account_id: ...}}")])
        return document
    if "all" in names:
        where = document.where(("environments", "all"), key=True)
        raise SpecError([SpecIssue(where, "environments", "'all' is not a valid environment name", "any other name: not all (--env all means every one)")])
    if env is None:
        where = document.where(("environments",), key=True)
        raise SpecError([SpecIssue(where, "environments", f"this spec has environments ({', '.join(names)}): say which one", "give --env NAME (render also takes --env all: each into OUT/<name>)")])
    if env == "all":
        where = document.where(("environments",), key=True)
        raise SpecError([SpecIssue(where, "environments", "--env all: this command takes one environment", f"give --env with one of: {', '.join(names)}")])
    if env not in names:
        where = document.where(("environments",), key=True)
        raise SpecError([SpecIssue(where, "environments", f"--env {env}: no such environment", f"one of: {', '.join(names)}, or all")])
    e = envs[env]
    if not isinstance(e, dict):
        return document  # the shape check reports it
    base = ("environments", env)
    new = dict(data)
    positions = dict(document.positions)

    def alias(target: tuple[Any, ...], source: tuple[Any, ...]) -> None:
        for p, loc in list(document.positions.items()):
            if p[: len(source)] == source:
                positions[target + p[len(source) :]] = loc

    for key in ("account_id", "region"):
        if key in e:
            new[key] = e[key]
            alias((key,), base + (key,))
    backend = data.get("backend")
    own_backend = e.get("backend")
    if backend is None and isinstance(own_backend, dict):  # only this environment has remote state
        backend = own_backend
        alias(("backend",), base + ("backend",))
    if isinstance(backend, dict) and isinstance(backend.get("s3"), dict):
        s3 = dict(backend["s3"])
        own = e.get("backend", {}).get("s3", {}) if isinstance(e.get("backend"), dict) else {}
        own = own if isinstance(own, dict) else {}
        for key, value in own.items():
            s3[key] = value
            alias(("backend", "s3", key), base + ("backend", "s3", key))
        if "key" not in own and isinstance(s3.get("key"), str) and s3["key"].endswith(".tfstate"):
            s3["key"] = f"{s3['key'][: -len('.tfstate')]}/{env}.tfstate"  # one state per environment
        new["backend"] = {**backend, "s3": s3}
    overrides = e.get("overrides")
    if isinstance(overrides, dict):
        issues: list[SpecIssue] = []
        for key, value in overrides.items():
            opath = base + ("overrides", key)
            if key not in OVERRIDES:
                issues.append(SpecIssue(document.where(opath, key=True), format_path(opath), f"{key!r} cannot differ between environments", f"overrides may change {ALLOWED_OVERRIDES}"))
            elif key in ("operators", "role", "kms_key"):  # replaced whole
                new[key] = value
                alias((key,), opath)
            elif not isinstance(value, dict) or not isinstance(data.get(key, {}), dict):
                issues.append(SpecIssue(document.where(opath), format_path(opath), f"expected a mapping of {key} keys", f"overrides may change {ALLOWED_OVERRIDES}"))
            elif key in ("notifications", "tags"):
                new[key] = {**data.get(key, {}), **value}
                for name in value:
                    alias((key, name), opath + (name,))
            else:  # queries, warehouses: some keys of each entry
                kind, allowed = ("query", QUERY_OVERRIDES) if key == "queries" else ("warehouse", WAREHOUSE_OVERRIDES)
                entries = dict(data.get(key) or {})
                for name, fields in value.items():
                    qpath = opath + (name,)
                    if name not in entries:
                        issues.append(SpecIssue(document.where(qpath, key=True), format_path(qpath), f"unknown {kind} {name!r}", f"override a {kind} the spec defines"))
                    elif not isinstance(fields, dict):
                        issues.append(SpecIssue(document.where(qpath), format_path(qpath), f"expected a mapping of the {kind}'s keys", f"overrides may change {ALLOWED_OVERRIDES}"))
                    else:
                        for field, item in fields.items():
                            if field not in allowed:
                                where = document.where(qpath + (field,), key=True)
                                issues.append(SpecIssue(where, format_path(qpath + (field,)), f"{field!r} of a {kind} cannot differ between environments", f"overrides may change {ALLOWED_OVERRIDES}"))
                            elif isinstance(entries[name], dict):
                                entries[name] = {**entries[name], field: item}
                                alias((key, name, field), qpath + (field,))
                new[key] = entries
        if issues:
            raise SpecError(issues)
    return replace(document, data=new, positions=positions)


# ---------------------------------------------------------------------------------------------
# defaults.queries

_DEFAULTS = ("defaults", "queries")


def _with_defaults(document: Document) -> tuple[Document, dict[str, tuple[str, ...]]]:
    """Each query starts from `defaults.queries`: a key the query does not set is copied from there
    (as a whole: a query's own `auth` replaces the default one). The copied values keep the
    defaults' positions, so an error in one points at the line that set it. Returns the document
    and, per query, the keys it took from the defaults."""
    data = document.data
    defaults = data.get("defaults") if isinstance(data, dict) else None
    defaults = defaults.get("queries") if isinstance(defaults, dict) else None
    queries = data.get("queries") if isinstance(data, dict) else None
    if not isinstance(defaults, dict) or not defaults or not isinstance(queries, dict):
        return document, {}
    keys = [k for k in defaults if k in DEFAULTABLE]  # other keys: an error at defaults.queries
    under = {k: [(p, loc) for p, loc in document.positions.items() if p[:3] == (*_DEFAULTS, k)] for k in keys}
    positions = dict(document.positions)
    merged: dict[str, Any] = {}
    inherited: dict[str, tuple[str, ...]] = {}
    for name, query in queries.items():
        if not isinstance(query, dict):
            merged[name] = query
            continue
        taken = tuple(k for k in keys if k not in query)
        if taken:
            inherited[name] = taken
            query = {**query, **{k: copy.deepcopy(defaults[k]) for k in taken}}
            for k in taken:
                for p, loc in under[k]:
                    positions[("queries", name, *p[2:])] = loc
        merged[name] = query
    return replace(document, data={**data, "queries": merged}, positions=positions), inherited


def _name_both_lines(issues: list[SpecIssue], inherited: dict[str, tuple[str, ...]], document: Document) -> list[SpecIssue]:
    """An issue in a query that took values from `defaults.queries` says so, naming the query's
    line and the defaults' line. A shape error in an inherited value is reported once, where the
    defaults set it, not again for each query that took it."""
    if any(i.path.startswith("defaults") for i in issues):
        # A broken defaults.queries gave the queries nothing: their "missing" keys are its fault.
        issues = [i for i in issues if not (i.path.startswith("queries.") and i.message.startswith("required key") and any(f"'{k}'" in i.message for k in DEFAULTABLE))]
    if not inherited:
        return list(issues)
    at_defaults = {(i.location, i.message) for i in issues if i.path.startswith("defaults.queries.")}
    out = []
    # The same finding in a value many queries took: one issue, naming the queries.
    shared: dict[tuple[Location, str, str], tuple[SpecIssue, list[str]]] = {}
    for issue in issues:
        name, key = _query_and_key(issue.path)
        taken = inherited.get(name, ()) if name is not None else ()
        if not taken:
            out.append(issue)
        elif key in taken:
            if (issue.location, issue.message) in at_defaults:
                continue
            group = shared.setdefault((issue.location, issue.message, key), (issue, []))
            group[1].append(name)
        elif shaping := [k for k in taken if k in ("warehouse", "scheduler")]:
            # Only the keys that change what the query's own keys mean are worth naming here.
            there = document.where((*_DEFAULTS, shaping[0]), key=True)
            note = f" (query {name!r} takes {' and '.join(shaping)} from defaults.queries, at {there})"
            out.append(replace(issue, message=issue.message + note))
        else:
            out.append(issue)
    for (_, _, key), (issue, names) in shared.items():
        shown = ", ".join(f"{n!r} (at {document.where(('queries', n), key=True)})" for n in names[:3])
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        which = "query" if len(names) == 1 else "queries"
        note = f" (the value comes from defaults.queries.{key}, taken by {which} {shown}{more})"
        out.append(replace(issue, message=issue.message + note))
    return out


def _query_and_key(path: str) -> tuple[str | None, str | None]:
    """("top5", "auth") from "queries.top5.auth.db_user" (keys may be quoted in the path)."""
    if not path.startswith("queries."):
        return None, None
    rest = path[len("queries.") :]
    if rest.startswith('"'):
        end = rest.index('"', 1)
        name, rest = rest[1:end], rest[end + 1 :]
    else:
        name, _, rest = rest.partition(".")
        rest = "." + rest if rest else ""
        name, _, tail = name.partition("[")
        rest = ("[" + tail if tail else "") + rest
    key = rest.lstrip(".").split(".")[0].split("[")[0] or None
    return name, key


def validate_shape(document: Document) -> Spec:
    try:
        return Spec.model_validate(document.data)
    except ValidationError as exc:
        raise SpecError([_issue(document, err) for err in exc.errors(include_url=False)]) from None


# ---------------------------------------------------------------------------------------------
# pydantic error -> SpecIssue

def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


_EXPECTED = {
    "string_type": "a string",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "list_type": "a list",
    "float_type": "a number",
}


def _issue(document: Document, err: dict[str, Any]) -> SpecIssue:
    loc = tuple(part for part in err["loc"] if part not in NOTIFY_FORMS)
    kind = err["type"]
    if loc and loc[-1] == "[key]":  # pydantic's marker for a mapping key that failed validation
        return _key_issue(document, loc[:-1], err)
    ctx = err.get("ctx") or {}
    path = format_path(loc)
    if kind == "extra_forbidden" and SECRET_LIKE.search(str(loc[-1])):
        return SpecIssue(document.where(loc, key=True), path, NO_SECRETS, NO_SECRETS_HINT)
    if kind == "extra_forbidden" and str(loc[-1]) == "dynamodb_table" and loc[:1] in (("backend",), ("environments",)):
        return SpecIssue(
            document.where(loc, key=True),
            path,
            "DynamoDB state locking is deprecated by Terraform's S3 backend; rsqgen always locks with an S3 lock file (use_lockfile, Terraform >= 1.10)",
            "remove dynamodb_table (after the first init with the lock file, the table can be deleted)",
        )
    if kind == "extra_forbidden" and loc[:-1] == ("role",) and str(loc[-1]) == "name":
        return SpecIssue(
            document.where(loc, key=True),
            path,
            "the schedule role is named <name>-redshift-scheduler, from the spec's name",
            "remove it (change the spec's name to change the role's); role takes path and permissions_boundary",
        )
    if kind == "extra_forbidden" and loc[:-1] == ("role",) and str(loc[-1]) in ("arn", "existing", "role_arn"):
        return SpecIssue(
            document.where(loc, key=True),
            path,
            "an existing schedule role cannot be used: rsqgen makes its own least-privilege role and trusts it as the console needs",
            "remove it; role takes path and permissions_boundary",
        )
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _field_names(loc[:-1])
        near = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean {near[0]!r}? " if near else ""
        return SpecIssue(
            document.where(loc, key=True),
            path,
            f"unknown key {key!r}",
            f"{hint}allowed keys here: {', '.join(allowed)}",
        )
    if kind == "missing":
        parent = loc[:-1]
        where = document.where(parent, key=True)
        return SpecIssue(where, format_path(parent), f"required key {str(loc[-1])!r} is missing", _required_hint(parent))
    where = document.where(loc)
    value = err.get("input")
    if kind == "rsqgen":
        return SpecIssue(where, path, ctx["message"], ctx.get("allowed", ""))
    if kind in _EXPECTED:
        return SpecIssue(where, path, f"expected {_EXPECTED[kind]}, got {_describe(value)}", _type_hint(kind, value, document.source_token(where)))
    if kind == "literal_error":
        return SpecIssue(where, path, f"{_describe(value)} is not allowed", f"use one of: {ctx.get('expected', '')}")
    if kind == "too_short":
        return SpecIssue(where, path, "must not be empty", f"give at least {ctx.get('min_length', 1)} entry")
    if kind == "too_long" and isinstance(value, list):
        return SpecIssue(where, path, f"has {len(value)} entries", f"at most {ctx.get('max_length')}")
    if kind == "string_too_long" or kind == "too_long":
        return SpecIssue(where, path, "is too long", f"at most {ctx.get('max_length')} characters")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = {"greater_than_equal": "at least", "less_than_equal": "at most", "greater_than": "more than", "less_than": "less than"}[kind]
        limit = next(iter(ctx.values()), "")
        return SpecIssue(where, path, f"{_describe(value)} is out of range", f"{bound} {limit}")
    return SpecIssue(where, path, err["msg"], "")


def _key_issue(document: Document, loc: tuple[Any, ...], err: dict[str, Any]) -> SpecIssue:
    """A mapping key was rejected (e.g. a tag key): point at the key itself."""
    ctx = err.get("ctx") or {}
    where = document.where(loc, key=True)
    if err["type"] == "rsqgen":
        return SpecIssue(where, format_path(loc[:-1]), ctx["message"], ctx.get("allowed", ""))
    return SpecIssue(where, format_path(loc[:-1]), f"key {loc[-1]!r}: {err['msg']}", "")


def _type_hint(kind: str, value: Any, written: str) -> str:
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        return 'quote it as you wrote it, e.g. "%s"' % (written or value)
    if kind == "string_type" and isinstance(value, bool):
        return "quote it if you mean the text"
    return ""


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated wrappers down to the type that says what the value holds."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    current: Any = Spec
    for part in loc:
        current = _form(_unwrap(current), part)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) in (dict, list):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _form(_unwrap(current), None)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _form(annotation: Any, part: Any) -> Any:
    """Of a value with several forms (a mapping or a list of them), the one `part` goes into: the
    list for an index, else the mapping."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return annotation
    forms = [_unwrap(a) for a in typing.get_args(annotation) if a is not type(None)]
    lists = [f for f in forms if typing.get_origin(f) is list]
    models = [f for f in forms if isinstance(f, type) and issubclass(f, BaseModel)]
    return (lists if isinstance(part, int) else models or lists or forms)[0]


def _field_names(loc: tuple[Any, ...]) -> list[str]:
    model = _model_at(loc)
    return list(model.model_fields) if model else []


def _required_hint(loc: tuple[Any, ...]) -> str:
    model = _model_at(loc)
    if not model:
        return ""
    required = [name for name, f in model.model_fields.items() if f.is_required()]
    return f"required keys here: {', '.join(required)}"
