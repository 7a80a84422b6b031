"""An independent reading of HCL string literals, for tests: python-hcl2 8 returns a quoted
string or a heredoc with HCL's escapes still in place, so the tests undo them per the HCL spec
(hclsyntax: quoted template escapes, and `$${` / `%%{` for literal `${` / `%{`)."""

from __future__ import annotations

import re

_ESC = re.compile(r'\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt"\\])|\$\$\{|%%\{')
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _template_escapes(body: str) -> str:
    return body.replace("$${", "${").replace("%%{", "%{")


def decode(expr: str, heredoc: bool = False) -> str:
    """The string value of a quoted HCL string (or, with heredoc=True, of a heredoc), as
    Terraform would see it. python-hcl2 returns both wrapped in double quotes, so the caller says
    which form it wrote."""
    if heredoc:
        assert expr.startswith('"<<') and expr.endswith('"'), expr
        expr = expr[1:-1]
        first, _, rest = expr.partition("\n")
        marker = first[2:].lstrip("-").strip()
        end = rest.rfind("\n" + marker)
        assert end >= 0 and rest[end + 1 :].strip() == marker, expr
        return _template_escapes(rest[: end + 1])  # the body ends with the newline before the marker
    assert expr.startswith('"') and expr.endswith('"'), expr

    def sub(m: re.Match) -> str:
        token = m.group(0)
        if token == "$${":
            return "${"
        if token == "%%{":
            return "%{"
        code = m.group(1)
        if code[0] in "uU":
            return chr(int(code[1:], 16))
        return _SIMPLE[code]

    return _ESC.sub(sub, expr[1:-1])
