"""Turning decided values into HCL text, and laying the text out as `terraform fmt` does.

Every string from a spec reaches Terraform as data: quotes, backslashes and control characters
are escaped, and the template sequences `${` and `%{` are doubled so Terraform never interpolates
them. The only interpolation in a generated string is the account placeholder (ACCOUNT),
which becomes `${local.account_id}`.
"""

from __future__ import annotations

import re
from typing import Any

from ..text import CONTROL_CHARS
from ..values import ACCOUNT, Ref, Statement

__all__ = ["ACCOUNT_EXPR", "comment", "heredoc_ok", "key", "layout", "statement", "string", "text", "value"]

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ACCOUNT_EXPR = "${local.account_id}"


# Characters a quoted HCL string must escape: quote, backslash, line breaks, tab, and control
# characters and the Unicode line/paragraph separators (invisible or line-breaking in a reviewer's
# diff; HCL's \u escapes keep them exact and visible).
_NEEDS_ESCAPE = re.compile(f'[\\\\"\t\n{CONTROL_CHARS}]')


def _escape_match(m: re.Match[str]) -> str:
    ch = m.group()
    return _ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def _escape_template(text: str) -> str:
    # `$${` and `%%{` are HCL's escapes for a literal `${` and `%{`.
    return text.replace("${", "$${").replace("%{", "%%{")


_TRAILING_DOLLARS = re.compile(r"\$+$")
_DOLLAR_EXPR = '${"$"}'


def string(value: str) -> str:
    """A quoted HCL string whose value is exactly `value`."""
    parts = [_escape_template(_NEEDS_ESCAPE.sub(_escape_match, part)) for part in value.split(ACCOUNT)]
    # A `$` right before the account's `${` would make the escape `$${`: such `$`s are written as
    # interpolations of the string "$" instead.
    for i in range(len(parts) - 1):
        parts[i] = _TRAILING_DOLLARS.sub(lambda m: _DOLLAR_EXPR * len(m.group()), parts[i])
    return '"' + ACCOUNT_EXPR.join(parts) + '"'


_HEREDOC_UNSAFE = re.compile(f"[{CONTROL_CHARS}]")


def heredoc_ok(value: str) -> bool:
    """Whether `value` can be written as a plain (non-indented) heredoc without changing a byte."""
    return value.endswith("\n") and not _HEREDOC_UNSAFE.search(value)


def text(value: str) -> str:
    """Long text such as SQL: a heredoc where it keeps the value exact, else a quoted string.

    The heredoc is the `<<MARKER` form (no indentation stripping), so its body starts in column 1
    and every byte stays as written; only `${` and `%{` are escaped, as in a quoted string.
    """
    if ACCOUNT in value or not heredoc_ok(value):
        return string(value)
    lines = {line.strip() for line in value.split("\n")}
    marker, n = "SQL", 0
    while marker in lines:
        n += 1
        marker = f"SQL_{n}"
    return f"<<{marker}\n{_escape_template(value)}{marker}"


_COMMENT_BREAKS = re.compile(f"[\t\n\r{CONTROL_CHARS}]")


def comment(value: object) -> str:
    """Text inside a `#` comment: one line, no control characters, the account placeholder named."""
    return _COMMENT_BREAKS.sub(" ", str(value).replace(ACCOUNT, "<account>"))


def key(name: str) -> str:
    """An object key: bare when it is an identifier, quoted otherwise."""
    return name if _IDENT.fullmatch(name) else string(name)


def value(v: Any, indent: int = 0, *, quote_keys: bool = False) -> str:
    """Any decided value as an HCL expression. Lists of scalars stay on one line when short."""
    pad = "  " * indent
    if v is None:
        return "null"
    if isinstance(v, Ref):
        return v.expr
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return string(v)
    if isinstance(v, list | tuple):
        if not v:
            return "[]"
        if all(not isinstance(x, dict | list | tuple) for x in v):
            inline = "[" + ", ".join(value(x) for x in v) + "]"
            if len(inline) + len(pad) <= 100:
                return inline
        inner = "".join(f"{pad}  {value(x, indent + 1, quote_keys=quote_keys)},\n" for x in v)
        return "[\n" + inner + pad + "]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        lines = []
        for k, x in v.items():
            name = string(k) if quote_keys else key(k)
            lines.append(f"{pad}  {name} = {value(x, indent + 1)}\n")
        return "{\n" + "".join(lines) + pad + "}"
    if isinstance(v, Statement):
        return statement(v, indent)
    raise TypeError(f"cannot render {type(v).__name__} as HCL")


def statement(s: Statement, indent: int = 0) -> str:
    """A statement as the modules' `statements` variable takes it: {sid, actions, resources, conditions}."""
    doc: dict[str, Any] = {"sid": s.sid, "actions": s.actions, "resources": s.resources}
    if s.conditions:
        doc["conditions"] = s.conditions
    return value(doc, indent)


# ---------------------------------------------------------------------------------------------
# Layout: the `=` alignment of terraform fmt (hclwrite's formatCells), so that generated files
# pass `terraform fmt -check` without running terraform.

_BRACKET = {"{": 1, "[": 1, "(": 1, "}": -1, "]": -1, ")": -1}


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|#|//|<<-?([A-Za-z_][A-Za-z0-9_]*)\s*$|==|!=|<=|>=|=>|[=(){}\[\]]')


# Most lines are `name = "string"` or `name = reference`: one match answers them (no bracket, no
# comment, no heredoc after the `=`); the rest take the token scan.
_SIMPLE = re.compile(r'(\s*(?:[A-Za-z_][A-Za-z0-9_-]*|"[^"\\=#]*")\s*)= ?(?:"(?:[^"\\]|\\.)*"|[\w.:-]+)?[ ]*$')


def _scan(line: str) -> tuple[int | None, int, str | None]:
    """(column of the first top-level '=', net bracket change after it, heredoc marker opened)."""
    if "=" not in line and "<<" not in line:
        return None, 0, None
    simple = _SIMPLE.match(line)
    if simple is not None and simple.end(1) > 0 and line[simple.end(1) + 1 : simple.end(1) + 2] != "=":
        return simple.end(1), 0, None
    eq = None
    net = 0
    for m in _TOKEN.finditer(line):
        tok = m.group()
        if tok in ("#", "//"):
            break
        if tok.startswith("<<"):
            return eq, net, m.group(1)
        if tok == "=":
            if eq is None and m.start() > 0:
                eq = m.start()
        elif eq is not None and tok in _BRACKET:
            net += _BRACKET[tok]
    return eq, net, None


def layout(source: str) -> str:
    """Lay out generated HCL as terraform fmt does: `=` aligned across consecutive single-line
    attributes, no trailing spaces, no runs of blank lines, one final newline. Heredoc bodies are
    data and are left exactly as they are."""
    out: list[str] = []
    chain: list[tuple[int, str, str]] = []  # (index in out, lead, assignment)
    heredoc: str | None = None

    def close() -> None:
        if chain:
            width = max(len(lead) for _, lead, _ in chain)
            for idx, lead, rest in chain:
                out[idx] = f"{lead.ljust(width)} {rest}"
            chain.clear()

    for raw in source.split("\n"):
        if heredoc is not None:
            out.append(raw)
            if raw.strip() == heredoc:
                heredoc = None
            continue
        line = raw.rstrip()
        if line == "" and (not out or out[-1] == ""):
            close()
            continue
        eq, net, opened = _scan(line)
        if eq is not None and net == 0:
            out.append(line)
            chain.append((len(out) - 1, line[:eq].rstrip(), line[eq:]))
        else:
            close()
            if eq is not None:  # opens a multi-line value: one space either side of '='
                line = f"{line[:eq].rstrip()} = {line[eq + 1 :].lstrip()}"
            out.append(line)
        if opened:
            close()
            heredoc = opened
    close()
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
