"""A small IAM policy evaluator for identity policies in one account.

What it does, following the IAM User Guide:

- Decision: an explicit Deny in any statement wins; otherwise any matching Allow allows; otherwise
  the request is implicitly denied.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- Action / NotAction, case-insensitive, with the wildcards * and ?.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
- Resource / NotResource, with * and ? matched within each of the six colon-separated ARN segments
  (the resource segment may itself contain colons); "*" alone matches everything.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- Condition: the String*, Arn*, Bool, Null and Numeric* operators, the IfExists suffix and the
  ForAnyValue: / ForAllValues: set operators. Several keys in an operator, and several operators,
  must all match (AND); several values for one key match if any does (OR). A key missing from the
  request context makes a condition false, except that negated operators (StringNotEquals, ...)
  are then true, ...IfExists is true, ForAllValues is true and Null tests presence.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
- Policy variables ${key} in Resource and in condition values (not in keys), with defaults
  ${key, 'default'} and the specials ${*}, ${?}, ${$}. A variable whose key is missing and has no
  default makes that resource or value match nothing.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
- Principal (only for trust-policy style checks): {"AWS": ...} / {"Service": ...} matched exactly
  against the request's principal.

What it does not do: resource-based policies across accounts, permissions boundaries, SCPs/RCPs,
session policies, Date* and IpAddress operators (they raise NotImplementedError), and service
specific quirks. Condition key names are case-insensitive; values are case-sensitive except for
the IgnoreCase operators.

Imports only the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["Decision", "Request", "evaluate", "statement_applies"]

Value = str | bool | int | float | list


@dataclass(frozen=True)
class Request:
    """One authorization request: an action on a resource, with its request context."""

    action: str
    resource: str = "*"
    context: Mapping[str, Value] = field(default_factory=dict)
    principal: Mapping[str, str] | None = None  # e.g. {"Service": "events.amazonaws.com"}; trust policies only

    def get(self, key: str) -> list[str] | None:
        """The context values of a key (case-insensitive name), as strings; None when absent."""
        for k, v in self.context.items():
            if k.lower() == key.lower():
                values = v if isinstance(v, list) else [v]
                return [_to_str(x) for x in values]
        return None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # "allow" | "explicit-deny" | "implicit-deny"
    statements: tuple[str, ...] = ()  # Sids (or statement indexes) that decided

    def __str__(self) -> str:
        return f"{self.reason}" + (f" ({', '.join(self.statements)})" if self.statements else "")


def _to_str(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def evaluate(policies: Iterable[Mapping], request: Request) -> Decision:
    """Evaluate identity policy documents (each {"Statement": [...]}) for one request."""
    allows: list[str] = []
    denies: list[str] = []
    for p, policy in enumerate(policies):
        for i, statement in enumerate(_as_list(policy.get("Statement"))):
            if statement_applies(statement, request):
                name = statement.get("Sid") or f"policy {p} statement {i}"
                (denies if statement.get("Effect") == "Deny" else allows).append(name)
    if denies:
        return Decision(False, "explicit-deny", tuple(denies))
    if allows:
        return Decision(True, "allow", tuple(allows))
    return Decision(False, "implicit-deny")


def statement_applies(statement: Mapping, request: Request) -> bool:
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise ValueError(f"Effect must be Allow or Deny, not {statement.get('Effect')!r}")
    if "Principal" in statement and not _principal_matches(statement["Principal"], request.principal):
        return False
    if "Action" in statement:
        if not any(_action_matches(a, request.action) for a in _as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(_action_matches(a, request.action) for a in _as_list(statement["NotAction"])):
            return False
    else:
        raise ValueError("a statement needs Action or NotAction")
    if "Resource" in statement:
        if not any(_resource_matches(r, request) for r in _as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(_resource_matches(r, request) for r in _as_list(statement["NotResource"])):
            return False
    elif "Principal" not in statement:
        raise ValueError("an identity policy statement needs Resource or NotResource")
    return all(
        _condition(operator, key, values, request)
        for operator, block in (statement.get("Condition") or {}).items()
        for key, values in block.items()
    )


# ---------------------------------------------------------------------------------------------
# Principal, Action and Resource


def _principal_matches(principal, request_principal: Mapping[str, str] | None) -> bool:
    if principal == "*" or principal == {"AWS": "*"}:
        return True
    if not request_principal:
        return False
    return any(
        request_principal.get(kind) in _as_list(values)
        for kind, values in principal.items()
    )


def _glob_regex(pattern: str, *, ignore_case: bool = False) -> re.Pattern:
    out = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("^" + out + "$", re.S | (re.I if ignore_case else 0))


def _action_matches(pattern: str, action: str) -> bool:
    return bool(_glob_regex(pattern, ignore_case=True).match(action))


def _resource_matches(pattern: str, request: Request) -> bool:
    if pattern == "*":
        return True
    regex = _substitute(pattern, request, like=True)
    if regex is None:
        return False
    return _arn_like(regex, request.resource)


def _split_arn(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 else None


def _arn_like(pattern_parts: list[tuple[str, bool]], arn: str) -> bool:
    """Segment-wise match: pattern_parts is the substituted pattern as (text, is_literal) pieces."""
    # Split the pattern into its six segments on the colons of its literal pieces only.
    segments: list[list[tuple[str, bool]]] = [[]]
    for t, literal in pattern_parts:
        if literal:
            segments[-1].append((t, True))
            continue
        pieces = t.split(":") if len(segments) < 6 else [t]
        for j, piece in enumerate(pieces):
            if j:
                if len(segments) < 6:
                    segments.append([])
                else:
                    segments[-1].append((":", True))
            segments[-1].append((piece, False))
    target = _split_arn(arn)
    if target is None:
        return bool(_piece_regex(pattern_parts).match(arn))  # not an ARN: a plain glob
    if len(segments) != 6:
        return False  # a pattern of fewer segments names no ARN
    return all(_piece_regex(seg).match(value) for seg, value in zip(segments, target))


def _piece_regex(pieces: list[tuple[str, bool]], *, ignore_case: bool = False) -> re.Pattern:
    out = []
    for text, literal in pieces:
        if literal:
            out.append(re.escape(text))
        else:
            out.append("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text))
    return re.compile("^" + "".join(out) + "$", re.S | (re.I if ignore_case else 0))


# ---------------------------------------------------------------------------------------------
# Policy variables

_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _substitute(value: str, request: Request, *, like: bool) -> list[tuple[str, bool]] | None:
    """The value with its policy variables replaced, as (text, is_literal) pieces: a piece that
    came from a variable (or ${*}, ${?}, ${$}) is literal, wildcards in the rest stay wildcards.
    None when a variable has no value and no default."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for m in _VARIABLE.finditer(value):
        pieces.append((value[pos : m.start()], False))
        pos = m.end()
        inner = m.group(1).strip()
        if inner in ("*", "?", "$"):
            pieces.append((inner, True))
            continue
        key, _, default = inner.partition(",")
        found = request.get(key.strip())
        if found:
            if len(found) != 1:
                return None  # a multivalued key cannot stand in a variable
            pieces.append((found[0], True))
        elif default.strip():
            pieces.append((default.strip().strip("'"), True))
        else:
            return None
    pieces.append((value[pos:], False))
    if not like:  # outside *Like operators, * and ? are ordinary characters
        pieces = [(t, True) for t, _ in pieces]
    return [(t, lit) for t, lit in pieces if t]


# ---------------------------------------------------------------------------------------------
# Conditions

_SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")


def _condition(operator: str, key: str, policy_values, request: Request) -> bool:
    qualifier = ""
    for prefix in _SET_PREFIXES:
        if operator.startswith(prefix):
            qualifier, operator = prefix[:-1], operator[len(prefix) :]
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    context = request.get(key)
    values = [_to_str(v) for v in _as_list(policy_values)]

    if base == "Null":
        if qualifier or if_exists:
            raise ValueError("Null takes neither IfExists nor a set operator")
        wants_absent = [v.lower() == "true" for v in values]
        absent = context is None
        return any(absent == w for w in wants_absent)

    negated, match = _matcher(base)

    if context is None or (qualifier and not context):
        if if_exists:
            return True
        if qualifier == "ForAllValues":
            return True  # documented: true when the key is missing or its value is empty
        if qualifier == "ForAnyValue":
            return False
        return negated  # a negated operator is true when the key is missing

    def positive(c: str) -> bool:
        for v in values:
            pattern = _substitute(v, request, like=base.startswith(("StringLike", "StringNotLike", "Arn")))
            if pattern is not None and match(c, pattern):
                return True
        return False

    if qualifier == "ForAllValues":
        return all((not positive(c)) if negated else positive(c) for c in context)
    if qualifier == "ForAnyValue":
        return any((not positive(c)) if negated else positive(c) for c in context)
    # A single-valued operator on a list value: true if any element matches (no documented rule;
    # AWS advises the set operators for multivalued keys).
    hit = any(positive(c) for c in context)
    return not hit if negated else hit


def _joined(pattern: list[tuple[str, bool]]) -> str:
    return "".join(t for t, _ in pattern)


def _matcher(base: str):
    """(negated, match(context_value, substituted_pattern)) for an operator without IfExists."""
    table = {
        "StringEquals": (False, lambda c, p: c == _joined(p)),
        "StringNotEquals": (True, lambda c, p: c == _joined(p)),
        "StringEqualsIgnoreCase": (False, lambda c, p: c.lower() == _joined(p).lower()),
        "StringNotEqualsIgnoreCase": (True, lambda c, p: c.lower() == _joined(p).lower()),
        "StringLike": (False, lambda c, p: bool(_piece_regex(p).match(c))),
        "StringNotLike": (True, lambda c, p: bool(_piece_regex(p).match(c))),
        "ArnEquals": (False, lambda c, p: bool(_arn_like(p, c))),
        "ArnNotEquals": (True, lambda c, p: bool(_arn_like(p, c))),
        "ArnLike": (False, lambda c, p: bool(_arn_like(p, c))),
        "ArnNotLike": (True, lambda c, p: bool(_arn_like(p, c))),
        "Bool": (False, lambda c, p: c.lower() == _joined(p).lower()),
        "NumericEquals": (False, lambda c, p: float(c) == float(_joined(p))),
        "NumericNotEquals": (True, lambda c, p: float(c) == float(_joined(p))),
        "NumericLessThan": (False, lambda c, p: float(c) < float(_joined(p))),
        "NumericLessThanEquals": (False, lambda c, p: float(c) <= float(_joined(p))),
        "NumericGreaterThan": (False, lambda c, p: float(c) > float(_joined(p))),
        "NumericGreaterThanEquals": (False, lambda c, p: float(c) >= float(_joined(p))),
    }
    if base in table:
        return table[base]
    if base.startswith(("Date", "IpAddress", "NotIpAddress", "Binary")):
        raise NotImplementedError(f"condition operator {base} is not implemented")
    raise ValueError(f"unknown condition operator {base}")
