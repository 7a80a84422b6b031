"""The hand-written modules' READMEs carry a reference block in terraform-docs' layout, generated here.

`python -m rsqgen.tools.moddocs [--check] [modules_dir]` writes (or, with --check, only checks) the
block between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` in each `<module>/README.md`, from
that module's own .tf files: what terraform-docs' default `markdown table` formatter with its default
settings writes (anchors, escaping, HTML, sorted by name, the Required column, empty sections shown),
so the READMEs read like any registry module's, and terraform-docs run on them changes nothing.
terraform-docs itself (Go) cannot be installed here, so this is a port of the parts the default
output uses, read from terraform-docs' sources:

- format/templates/markdown_table_*.tmpl: the sections, their order and table columns;
- template/sanitizer.go, template/anchor.go, format/util.go: the escaping of `_` and `|`, line
  breaks as `<br/>`, multi-line code as `<pre>`, anchors, trailing-space and blank-line clean-up;
- terraform/load.go, terraform/resource.go, internal/types: what each column holds (the type as
  written in the source, the default as indented JSON, `n/a` for a required input, resource links to
  registry.terraform.io, the sort orders);
- terraform-config-inspect (tfconfig/load.go, load_hcl.go): which files are read (*.tf of the folder
  itself, not dot-files, overrides last) and how each block is read.

Left out on purpose, as terraform-docs' options to turn them off would: .terraform.lock.hcl (it is
not committed: versions come from required_providers, `--lockfile=false`) and the footer (off by
default). `*.tf.json` files are not read (none here). A default or description that is not a
constant (a reference, a function call) is an error, as it is to Terraform and to terraform-docs.

Only the text between the markers is ours: the hand-written README above it is kept byte for byte.
A README without the markers gets the block appended under a heading of its own.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

__all__ = ["BEGIN", "END", "HEADING", "ModuleDocsError", "main", "module_dirs", "render_block", "update"]

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
HEADING = "## Reference"
INTRO = (
    "Generated from the module's `.tf` files in terraform-docs' `markdown table` layout by\n"
    "`python -m rsqgen.tools.moddocs`; a test fails when it is out of date. Edit the `.tf` files,\n"
    "not the text between the markers."
)


class ModuleDocsError(Exception):
    """A module whose files this port cannot read as terraform-docs would (or that is invalid)."""


# --- reading the module ----------------------------------------------------------------------------


class _Unknown(Exception):
    """An expression whose value needs an evaluation context (a reference, a function call)."""


@dataclass
class _Variable:
    name: str
    file: str
    line: int
    type: str = ""
    description: str = ""
    required: bool = True
    default: object = None
    sensitive: bool = False


@dataclass
class _Output:
    name: str
    file: str
    line: int
    description: str = ""
    sensitive: bool = False


@dataclass
class _Resource:
    mode: str  # managed | data
    type: str  # the resource type as written: aws_iam_role
    name: str
    provider: str
    alias: str
    file: str
    line: int


@dataclass
class _ModuleCall:
    name: str
    source: str
    version: str
    file: str
    line: int


@dataclass
class _Module:
    header: str = ""
    required_core: list[str] = field(default_factory=list)
    required_providers: dict[str, dict] = field(default_factory=dict)  # name -> {source, versions}
    variables: dict[str, _Variable] = field(default_factory=dict)
    outputs: dict[str, _Output] = field(default_factory=dict)
    resources: dict[tuple[str, str, str], _Resource] = field(default_factory=dict)
    module_calls: dict[str, _ModuleCall] = field(default_factory=dict)


def _tf_files(module_dir: Path) -> list[Path]:
    """The folder's own *.tf files as terraform-config-inspect takes them: alphabetical, no dot- or
    editor files, override files last; subfolders (tests/, .terraform/) are not read."""
    primary, override = [], []
    for path in sorted(module_dir.iterdir(), key=lambda p: p.name):
        name = path.name
        if not path.is_file() or not name.endswith(".tf"):
            continue
        if name.startswith(".") or name.endswith("~") or (name.startswith("#") and name.endswith("#")):
            continue
        base = name[: -len(".tf")]
        (override if base == "override" or base.endswith("_override") else primary).append(path)
    return primary + override


def _parse(text: str, where: str):
    """The Lark tree of one file, with positions (python-hcl2's grammar and parser)."""
    import hcl2  # python-hcl2 (~0.3 s to import) only when a module's docs are rendered

    try:
        return hcl2.parses_to_tree(text)
    except Exception as exc:  # the parser raises lark errors of several kinds
        raise ModuleDocsError(f"{where}: HCL parse error: {str(exc).splitlines()[0]}") from exc


def _is_tree(node) -> bool:
    return hasattr(node, "data") and hasattr(node, "children")


def _trees(node) -> list:
    return [c for c in node.children if _is_tree(c) and c.data != "new_line_or_comment"]


def _block_parts(block):
    """(type, labels, body) of a block tree."""
    kind, labels, body = None, [], None
    for child in block.children:
        if _is_tree(child):
            if child.data == "body":
                body = child
            elif child.data == "new_line_or_comment":
                continue
            elif kind is None:
                kind = str(child.children[0])
            elif child.data == "string":
                labels.append(_string(child))
            else:
                labels.append(str(child.children[0]))
    return kind, labels, body


def _attributes(body) -> dict:
    """name -> expression tree of a body's attributes."""
    found = {}
    for child in _trees(body):
        if child.data == "attribute":
            name = str(child.children[0].children[0])
            found[name] = child.children[-1]
    return found


def _blocks(body) -> list:
    return [c for c in _trees(body) if c.data == "block"]


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(chars: str) -> str:
    """HCL's escapes in a quoted string: \\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN."""
    out, i = [], 0
    while i < len(chars):
        c = chars[i]
        if c == "\\" and i + 1 < len(chars):
            nxt = chars[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            width = {"u": 4, "U": 8}.get(nxt, 0)
            digits = chars[i + 2 : i + 2 + width]
            if width and re.fullmatch(rf"[0-9A-Fa-f]{{{width}}}", digits):
                out.append(chr(int(digits, 16)))
                i += 2 + width
                continue
            raise ModuleDocsError(f"invalid escape sequence \\{nxt} in a string")
        out.append(c)
        i += 1
    return "".join(out)


def _string(tree) -> str:
    """The value of a quoted string; interpolations of constants are evaluated, others are unknown."""
    out = []
    for part in tree.children:
        if not _is_tree(part):  # the quotes
            continue
        piece = part.children[0]
        if _is_tree(piece):
            if piece.data != "interpolation":
                raise _Unknown("a template directive")
            out.append(_as_string(_value(_trees(piece)[0])))
        elif piece.type == "ESCAPED_INTERPOLATION":
            out.append(str(piece)[1:])  # $${ is a literal ${
        elif piece.type == "ESCAPED_DIRECTIVE":
            out.append(str(piece)[1:])  # %%{ is a literal %{
        else:
            out.append(_unescape(str(piece)))
    return "".join(out)


_HEREDOC = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n(.*?)[ \t]*\2\r?\n\Z", re.S)


def _heredoc(token: str) -> str:
    """A heredoc's value: its lines, each with its newline; <<- takes off the smallest indentation."""
    match = _HEREDOC.match(token)
    if not match:
        raise ModuleDocsError("unreadable heredoc")
    flush, body = match.group(1) == "-", match.group(3)
    if re.search(r"(?<!\$)\$\{|(?<!%)%\{", body):
        raise _Unknown("a template in a heredoc")
    body = body.replace("$${", "${").replace("%%{", "%{")
    if flush:
        lines = body.split("\n")
        indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
        cut = min(indents, default=0)
        body = "\n".join(line[cut:] for line in lines)
    return body


def _value(expr):
    """The constant value of an expression, as cty's JSON would give it (object keys as strings,
    numbers as float64 once terraform-docs has read the JSON back); _Unknown if it is not constant."""
    if not _is_tree(expr):
        raise _Unknown(str(expr))
    kind = expr.data
    if kind == "expr_term":
        first = expr.children[0]
        if not _is_tree(first) and first.type == "LPAR":
            return _value(_trees(expr)[0])
        return _value(_trees(expr)[0] if _trees(expr) else first)
    if kind == "literal_value":
        return {"true": True, "false": False, "null": None}[str(expr.children[0])]
    if kind in ("int_lit", "float_lit"):
        return float(str(expr.children[0]))  # a float64 once terraform-docs reads cty's JSON back
    if kind == "string":
        return _string(expr)
    if kind in ("heredoc_template", "heredoc_template_trim"):
        return _heredoc(str(expr.children[0]))
    if kind == "tuple":
        return [_value(e) for e in _trees(expr)]
    if kind == "object":
        obj = {}
        for elem in _trees(expr):
            key_tree = elem.children[0]
            obj[_object_key(key_tree)] = _value(elem.children[-1])
        return obj
    if kind == "unary_op":
        op, operand = str(expr.children[0]), _value(expr.children[1])
        if op == "-" and isinstance(operand, float):
            return -operand
        if op == "!" and isinstance(operand, bool):
            return not operand
        raise ModuleDocsError(f"unsupported operand of {op}")
    if kind in ("identifier", "function_call", "get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term", "for_tuple_expr", "for_object_expr"):
        raise _Unknown(kind)
    # Operators and conditionals on constants: Terraform would evaluate them; this port does not.
    raise ModuleDocsError(f"unsupported constant expression ({kind}): write the value itself")


def _object_key(key_tree) -> str:
    inner = key_tree.children[0]
    if inner.data == "keyword":
        return str(inner.children[0])
    # A bare name is the key itself; anything else (a string, a parenthesized expression) is evaluated.
    term = inner
    if term.data == "expr_term" and len(_trees(term)) == 1 and _trees(term)[0].data == "identifier" and _is_tree(term.children[0]):
        return str(_trees(term)[0].children[0])
    return _as_string(_value(term))


def _as_string(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_number(value)
    raise _Unknown("not a string")


def _constant(expr, where: str, what: str):
    try:
        return _value(expr)
    except _Unknown as exc:
        raise ModuleDocsError(f"{where}: {what} is not a constant ({exc}): Terraform does not allow that") from None


def _comments_above(lines: list[str], line: int) -> str:
    """terraform-docs' loadComments: the run of # or // lines right above line `line` (1-based),
    each trimmed, joined with spaces."""
    found: list[str] = []
    for text in lines[: max(line - 1, 0)]:
        if text.startswith("#") or text.startswith("//"):
            text = text.strip()
            text = text[1:] if text.startswith("#") else text
            text = text[2:] if text.startswith("//") else text
            found.append(text.strip())
        else:
            found = []
    return " ".join(found)


def _header(text: str) -> str:
    """terraform-docs' header: the /* ... */ comment lines that open main.tf."""
    found = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not (line.startswith("/*") or line.startswith("*") or line.startswith("*/")):
            break
        if line.startswith("/*") or line.startswith("*/"):
            continue
        if line == "*":
            found.append("")
            continue
        kept = raw.lstrip(" ").rstrip("\r\n")
        found.append(kept[2:] if kept.startswith("* ") else kept)
    return "\n".join(found)


def _load(module_dir: Path) -> _Module:
    module = _Module()
    for path in _tf_files(module_dir):
        text = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
        name = path.name
        lines = text.split("\n")
        if name == "main.tf":
            module.header = _header(text)
        tree = _parse(text, name)
        for block in _blocks(tree.children[0]):
            kind, labels, body = _block_parts(block)
            line = block.meta.line
            where = f"{name}:{line}"
            attrs = _attributes(body)
            ignored = "terraform-docs-ignore" in _comments_above(lines, line)
            if kind == "terraform":
                if "required_version" in attrs:
                    module.required_core.append(_as_string(_constant(attrs["required_version"], where, "required_version")))
                for inner in _blocks(body):
                    if _block_parts(inner)[0] != "required_providers":
                        continue
                    for provider, expr in _attributes(_block_parts(inner)[2]).items():
                        value = _constant(expr, where, f"required_providers.{provider}")
                        req = module.required_providers.setdefault(provider, {"source": "", "versions": []})
                        if isinstance(value, str):  # the legacy form: a version string
                            req["versions"].append(value)
                            continue
                        if value.get("source"):
                            req["source"] = value["source"]
                        if value.get("version"):
                            req["versions"].append(value["version"])
            elif kind == "provider":
                req = module.required_providers.setdefault(labels[0], {"source": "", "versions": []})
                if "version" in attrs:
                    req["versions"].append(_as_string(_constant(attrs["version"], where, "version")))
            elif kind == "variable" and not ignored:
                var = _Variable(labels[0], name, line)
                if "type" in attrs:
                    expr = attrs["type"]
                    try:
                        typed = _value(expr)  # the legacy form: type = "string"
                        var.type = typed if isinstance(typed, str) else ""
                    except (_Unknown, ModuleDocsError):
                        var.type = ""
                    if not var.type:  # as written, taken from the source by position
                        var.type = text[expr.meta.start_pos : expr.meta.end_pos].rstrip()
                if "description" in attrs:
                    var.description = _as_string(_constant(attrs["description"], where, "description"))
                if "default" in attrs:
                    var.required = False
                    var.default = _constant(attrs["default"], where, "default")
                if "sensitive" in attrs:
                    var.sensitive = _constant(attrs["sensitive"], where, "sensitive") is True
                if not var.description:
                    var.description = _comments_above(lines, line)
                module.variables[var.name] = var
            elif kind == "output" and not ignored:
                out = _Output(labels[0], name, line)
                if "description" in attrs:
                    out.description = _as_string(_constant(attrs["description"], where, "description"))
                if "sensitive" in attrs:
                    out.sensitive = _constant(attrs["sensitive"], where, "sensitive") is True
                if not out.description:
                    out.description = _comments_above(lines, line)
                module.outputs[out.name] = out
            elif kind in ("resource", "data") and not ignored:
                rtype, rname = labels[0], labels[1]
                provider, alias = rtype.split("_", 1)[0], ""
                if "provider" in attrs:
                    ref = text[attrs["provider"].meta.start_pos : attrs["provider"].meta.end_pos].strip().strip('"')
                    provider, _, alias = ref.partition(".")
                mode = "managed" if kind == "resource" else "data"
                module.resources[(mode, rtype, rname)] = _Resource(mode, rtype, rname, provider, alias, name, line)
            elif kind == "module" and not ignored:
                source = _as_string(_constant(attrs["source"], where, "source")) if "source" in attrs else ""
                if not source and labels[0] in module.module_calls:
                    source = module.module_calls[labels[0]].source
                version = _as_string(_constant(attrs["version"], where, "version")) if "version" in attrs else ""
                module.module_calls[labels[0]] = _ModuleCall(labels[0], source, version, name, line)
    # Providers that resources imply are required too (without a version: no row of their own).
    for res in module.resources.values():
        module.required_providers.setdefault(res.provider, {"source": "", "versions": []})
    return module


# --- terraform-docs' text functions (template/sanitizer.go, template/anchor.go, format/util.go) ------


def _segments(s: str, prefix: str, normal, code) -> str:
    """processSegments: text outside and inside `prefix` fences, each through its function (an empty
    piece is dropped without switching sides, as terraform-docs does)."""
    in_code = s.startswith(prefix)
    parts = s.split(prefix)
    out = []
    for i, part in enumerate(parts):
        if not part:
            continue
        first = i == 0 or not parts[i - 1].strip()
        last = i == len(parts) - 1 or not parts[i + 1].strip()
        out.append(code(part, first, last) if in_code else normal(part, first, last))
        in_code = not in_code
    return "".join(out)


_WS = "\\t\\n\\f\\r "  # Go's \s (RE2: ASCII only)
_LEAD = re.compile(rf"^([{_WS}]*)(_+)([{_WS}]+)(.*)".encode())
_EMPHASIS = re.compile(rf"([{_WS}]+)(_+)([^{_WS}_])(.*)([^{_WS}_])(_+)([{_WS}]+)".encode())
_KEEP = "‡‡‡DONTESCAPE‡‡‡".encode()


def _escape_underscores(line: str) -> str:
    """EscapeCharacters' escape("_") on one line: every _ becomes \\_, but a leading `_ ` bullet and
    the _ of ` _emphasis_ ` stay (byte offsets, as Go's regexp gives them)."""
    data = line.encode("utf-8")
    for pattern, groups in ((_LEAD, (2,)), (_EMPHASIS, (6, 2))):
        for match in list(pattern.finditer(data)):
            for g in groups:
                data = data[: match.start(g)] + match.group(g).replace(b"_", _KEEP) + data[match.end(g) :]
    return data.replace(b"_", b"\\_").replace(_KEEP, b"_").decode("utf-8")


def _escape_characters(s: str, escape: bool, pipe: bool) -> str:
    if pipe:
        s = _segments(s, "`", lambda seg, f, l: seg.replace("|", "\\|"), lambda seg, f, l: f"`{seg}`")
    if escape:
        s = _segments(
            s, "`", lambda seg, f, l: "\n".join(_escape_underscores(x) for x in seg.split("\n")), lambda seg, f, l: f"`{seg}`"
        )
    return s


_GO_SPACE = " \t\n\v\f\r\x85\xa0"
_BREAK = re.compile(rf"([^{_WS}]*)(\r?\n)([{_WS}]*)([0-9A-Za-z_]+)")


def _multiline(s: str, table: bool, header: bool) -> str:
    """ConvertMultiLineText with html: a line break becomes <br/> in a table cell."""
    if table:
        s = s.strip(_GO_SPACE)
    if not header:
        s = _BREAK.sub(r"\1  \2\3\4", s)
        s = s.replace("    \n", "  \n").replace("  \n\n", "\n\n").replace("\n  \n", "\n\n")
    if not table:
        return s
    return s.replace("  \n", "<br/>").replace("\n", "<br/>")


# xurls.Strict, near enough for descriptions: a scheme://... run (NormalizeURLs takes the
# backslashes that escaping put into it back out).
_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s<>\"'`]+")


def _normalize_urls(s: str) -> str:
    return _URL.sub(lambda m: m.group(0).replace("\\", ""), s)


def _cell(s: str) -> str:
    """sanitizeMarkdownTbl (escape and html on)."""
    if s == "":
        return "n/a"

    def code(seg: str, first: bool, last: bool) -> str:
        seg = seg.strip(_GO_SPACE).replace("\n", "<br/>").replace("\r", "")
        return f"<pre>{seg}</pre>"

    return _segments(s, "```", lambda seg, f, l: _normalize_urls(_multiline(_escape_characters(seg, True, True), True, False)), code)


def _section_text(s: str) -> str:
    """sanitizeSection (escape and html on): the header."""

    def code(seg: str, first: bool, last: bool) -> str:
        lastbreak = "" if seg.endswith("\n") else "\n"
        if not seg.split("\n")[-1].strip():
            lastbreak = ""
        return f"```{seg}{lastbreak}```"

    return _segments(s, "```", lambda seg, f, l: _normalize_urls(_multiline(_escape_characters(seg, True, False), False, True)), code)


def _fenced(code: str) -> str:
    """PrintFencedCodeBlock: `code` on one line, a ``` block when it spans lines."""
    return f"\n\n```\n{code}\n```\n" if "\n" in code else f"`{code}`"


def _name(name: str) -> str:
    return name.replace("_", "\\_")


def _anchor(prefix: str, name: str) -> str:
    """CreateAnchorMarkdown with anchors and escaping on (the <a name> itself is not escaped)."""
    return f'<a name="{prefix}_{name}"></a> [{_name(name)}](#{_name(f"{prefix}_{name}")})'


def _go_number(f: float) -> str:
    """encoding/json's float64: shortest digits, 'e' form below 1e-6 and from 1e21."""
    if f != f or f in (float("inf"), float("-inf")):
        raise ModuleDocsError("a number JSON cannot hold")
    a = abs(f)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        s = repr(f)
        if len(s) >= 4 and s[-4] == "e" and s[-3] == "-" and s[-2] == "0":
            s = s[:-2] + s[-1]
        return s
    return format(Decimal(repr(f)).normalize(), "f")


def _go_json(value, indent: str = "") -> str:
    """encoding/json with SetIndent("", "  ") and SetEscapeHTML(false); map keys sorted."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return _go_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    inner = indent + "  "
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _go_json(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-8"))
        return "{\n" + ",\n".join(f"{inner}{_go_json(k)}: {_go_json(v, inner)}" for k, v in items) + "\n" + indent + "}"
    raise ModuleDocsError(f"unexpected value {value!r}")


def _type_of(var: _Variable) -> str:
    """types.TypeOf: the type as written, else one guessed from the default, else any."""
    if var.type:
        return var.type
    d = var.default
    if isinstance(d, str):
        return "string"
    if isinstance(d, bool):
        return "bool"
    if isinstance(d, float):
        return "number"
    if isinstance(d, list):
        return "list"
    if isinstance(d, dict):
        return "map"
    return "any"


def _default_of(var: _Variable) -> str:
    """Input.GetValue, then the `value` function: n/a for a required input."""
    if var.default is None:
        return "n/a" if var.required else _fenced("null")
    return _fenced(_go_json(var.default))


def _clean(markdown: str) -> str:
    """format/util.go's sanitize, and no trailing spaces at all (terraform-docs keeps a two-space
    hard break; no block here has one, and this repository's files have none)."""
    s = re.sub(r"[ \t]+(?=\n)", "", markdown)
    s = re.sub(r"[ \t]+\Z", "", s)
    s = re.sub(r"\n{3,}", "\n\n", s)
    return s.rstrip("\n")


# --- the block -------------------------------------------------------------------------------------


def _table(title: str, empty: str, head: str, rows: list[str]) -> str:
    if not rows:
        return f"## {title}\n\n{empty}"
    return f"## {title}\n\n{head}\n" + "\n".join(rows)


def _resource_version(constraints: list[str]) -> str:
    """terraform/load.go's resourceVersion: a pinned version for the docs link, else latest."""
    if not constraints:
        return "latest"
    parts = constraints[-1].split(" ")
    if len(parts) == 1:
        if not parts[0][:1].isdigit():
            return parts[0][1:] if parts[0][:1] == "=" else "latest"
        return parts[0]
    if len(parts) == 2 and parts[0] == "=":
        return parts[1]
    return "latest"


def _content(module: _Module) -> str:
    sections = []
    if module.header:
        sections.append(_section_text(module.header))

    requirements = [f"| {_anchor('requirement', 'terraform')} | {v or 'n/a'} |" for v in module.required_core]
    for name in sorted(module.required_providers):
        requirements += [f"| {_anchor('requirement', name)} | {v or 'n/a'} |" for v in module.required_providers[name]["versions"]]
    sections.append(_table("Requirements", "No requirements.", "| Name | Version |\n| ---- | ------- |", requirements))

    providers: dict[tuple[str, str], str] = {}
    for res in module.resources.values():
        versions = module.required_providers.get(res.provider, {}).get("versions", [])
        providers.setdefault((res.provider, res.alias), " ".join(versions))
    rows = []
    for (name, alias), version in sorted(providers.items()):
        rows.append(f"| {_anchor('provider', f'{name}.{alias}' if alias else name)} | {version or 'n/a'} |")
    sections.append(_table("Providers", "No providers.", "| Name | Version |\n| ---- | ------- |", rows))

    rows = []
    for call in sorted(module.module_calls.values(), key=lambda c: c.name):
        source, version = call.source, call.version
        if not version and "?ref=" in source and not source.endswith("?ref="):
            source, version = source[: source.rindex("?ref=")], source[source.rindex("?ref=") + len("?ref=") :]
        rows.append(f"| {_anchor('module', call.name)} | {source} | {version or 'n/a'} |")
    sections.append(_table("Modules", "No modules.", "| Name | Source | Version |\n| ---- | ------ | ------- |", rows))

    listed = []
    for res in module.resources.values():
        req = module.required_providers.get(res.provider, {})
        source = req.get("source") or f"hashicorp/{res.provider}"
        short = res.type[len(res.provider) + 1 :] if res.type.startswith(res.provider + "_") else res.type
        spec = f"{res.provider}_{short}.{res.name}"
        url = ""
        if source.count("/") <= 1:
            kind = "resources" if res.mode == "managed" else "data-sources"
            url = f"https://registry.terraform.io/providers/{source}/{_resource_version(req.get('versions', []))}/docs/{kind}/{short}"
        label = f"[{spec}]({url})" if url else spec
        # sortResourcesByType: resources before data sources, then by address
        listed.append(((0 if res.mode == "managed" else 1, spec, res.name), f"| {label} | {'resource' if res.mode == 'managed' else 'data source'} |"))
    rows = [row for _, row in sorted(listed)]
    sections.append(_table("Resources", "No resources.", "| Name | Type |\n| ---- | ---- |", rows))

    rows = []
    for var in sorted(module.variables.values(), key=lambda v: v.name.encode("utf-8")):
        cells = [_anchor("input", var.name), _cell(var.description), _cell(_fenced(_type_of(var))), _cell(_default_of(var)), "yes" if var.required else "no"]
        rows.append("| " + " | ".join(cells) + " |")
    head = "| Name | Description | Type | Default | Required |\n| ---- | ----------- | ---- | ------- | :------: |"
    sections.append(_table("Inputs", "No inputs.", head, rows))

    rows = [f"| {_anchor('output', o.name)} | {_cell(o.description)} |" for o in sorted(module.outputs.values(), key=lambda o: o.name.encode("utf-8"))]
    sections.append(_table("Outputs", "No outputs.", "| Name | Description |\n| ---- | ----------- |", rows))
    return _clean("\n\n".join(sections))


def render_block(module_dir: Path) -> str:
    """The block terraform-docs would inject: the BEGIN marker, the `markdown table` content, the END
    marker (no newline after it). Only the module's own .tf files are read."""
    module_dir = Path(module_dir)
    try:
        content = _content(_load(module_dir))
    except ModuleDocsError as exc:
        raise ModuleDocsError(f"{module_dir.name}/{exc}") from None
    return f"{BEGIN}\n{content}\n{END}"


def _injected(current: str, block: str) -> str:
    """The README with `block` in place of the old one (terraform-docs' inject mode), or appended
    under HEADING when the README has no markers yet."""
    before, after = current.find(BEGIN), current.find(END)
    if before < 0 and after < 0:
        head = current if not current or current.endswith("\n") else current + "\n"
        return f"{head}{chr(10) if head else ''}{HEADING}\n\n{INTRO}\n\n{block}\n"
    if before < 0:
        raise ModuleDocsError(f"{END} without {BEGIN}")
    if after < 0:
        raise ModuleDocsError(f"{BEGIN} without {END}")
    if after < before:
        raise ModuleDocsError(f"{END} before {BEGIN}")
    return current[:before] + block + current[after + len(END) :]


def update(module_dir: Path, check: bool) -> bool:
    """Write the block into module_dir/README.md; with check=True write nothing. True when the
    README was already current (check), or was left as it was (write)."""
    readme = Path(module_dir) / "README.md"
    current = readme.read_bytes().decode("utf-8") if readme.exists() else ""
    try:
        wanted = _injected(current, render_block(module_dir))
    except ModuleDocsError as exc:
        raise ModuleDocsError(f"{readme}: {exc}") from None
    if wanted == current:
        return True
    if not check:
        readme.write_bytes(wanted.encode("utf-8"))
    return False


def module_dirs(modules_dir: Path) -> list[Path]:
    """The modules: folders (not dot-folders) with a .tf file of their own, by name."""
    return sorted(
        (p for p in Path(modules_dir).iterdir() if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.tf"))),
        key=lambda p: p.name,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rsqgen.tools.moddocs",
        description="Write each module's README reference block (terraform-docs' markdown table layout) from its .tf files.",
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 and name each README that is out of date")
    parser.add_argument("modules_dir", nargs="?", default="modules", type=Path, help="the folder of modules (default: ./modules)")
    args = parser.parse_args(argv)
    if not args.modules_dir.is_dir():
        print(f"moddocs: {args.modules_dir} is not a folder", file=sys.stderr)
        return 2
    stale = []
    try:
        for module_dir in module_dirs(args.modules_dir):
            if not update(module_dir, check=args.check):
                stale.append(module_dir / "README.md")
    except ModuleDocsError as exc:
        print(f"moddocs: {exc}", file=sys.stderr)
        return 2
    for path in stale:
        print(f"{path} is out of date" if args.check else f"{path} updated")
    if args.check and stale:
        print("moddocs: run `python -m rsqgen.tools.moddocs` to update them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
