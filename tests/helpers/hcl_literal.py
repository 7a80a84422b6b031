"""An independent reader of HCL string literals, written as a test oracle.

It follows the HCL native syntax (hashicorp/hcl, hclsyntax/spec.md) and, where the spec is
silent or loose, what terraform's parser actually does (hclsyntax/scan_tokens.rl,
scan_string_lit.rl, parser.go ParseStringLiteralToken, parser_template.go):

* quoted strings: escapes \\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN; any other escape, a raw
  line break, or a code point UTF-8 cannot encode (a surrogate, > U+10FFFF) is an error;
* `$${` is a literal `${` and `%%{` a literal `%{`, read left to right (`$$${` is `$` + `${`);
  `$` or `%` not followed by `{` is literal, so `$$` and `%%` stay doubled;
* heredocs `<<MARKER` / `<<-MARKER`: the body ends at the first line that equals the marker once
  stripped of Unicode whitespace at both ends (Go's bytes.TrimSpace, so NBSP and U+3000 count
  too, and for `<<` as well as `<<-`); backslashes are literal; CRLF line ends are kept;
* `<<-` removes from every non-blank line the same *number* of leading whitespace characters:
  the smallest count over those lines (not a common prefix: a tab and a space are one each).
  Lines that are only whitespace are neither counted nor trimmed;
* the value is NFC-normalised, as every cty string is (the spec promises "special handling" of
  normalisation in string literals and never specifies it). `normalize=False` gives the
  code points the literal spells, before that step.

An unescaped `${` or `%{` is a template sequence terraform would evaluate: the reader raises
`Interpolation` for it instead of decoding anything.

`find_attribute` / `read_attribute` locate one attribute in a whole .tf file by a path of block
types, block labels, attribute names, object keys and tuple indexes, using a small lexer
(comments, quoted strings with nested `${...}`, heredocs, brackets). It is not an HCL parser.
No dependency beyond the standard library.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "HCLLiteralError",
    "Interpolation",
    "decode_quoted",
    "decode_heredoc",
    "decode_literal",
    "find_attribute",
    "read_attribute",
]


class HCLLiteralError(ValueError):
    """The text is not a string literal that terraform would accept."""


class Interpolation(HCLLiteralError):
    """The literal holds an unescaped `${` or `%{`: terraform would evaluate it, not keep it."""


# Go's unicode.IsSpace: what bytes.TrimSpace strips around a heredoc's closing marker and what
# the `<<-` rule counts as indentation.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_HEX = frozenset("0123456789abcdefABCDEF")
_IDENT = re.compile(r"[^\W\d][\w-]*")  # HCL Ident: ID_Start (ID_Continue | '-')*
_HEREDOC_OPEN = re.compile(r"<<(-?)([^\W\d][\w-]*)\r?\n")


def _nfc(text: str, normalize: bool) -> str:
    return unicodedata.normalize("NFC", text) if normalize else text


def _where(src: str, pos: int) -> str:
    return f"at offset {pos} ({src[max(0, pos - 10) : pos + 10]!r})"


# ---------------------------------------------------------------------------------------------
# Literals


def _template_sequence(src: str, i: int) -> tuple[str, int] | None:
    """At src[i] in a template literal: (`${` or `%{`, next index) for the escapes `$${` / `%%{`,
    None when src[i] is no template sequence. Raises for an unescaped `${` / `%{`."""
    c = src[i]
    if c not in "$%":
        return None
    if src.startswith(c + c + "{", i):
        return c + "{", i + 3
    if src.startswith(c + "{", i):
        raise Interpolation(f"unescaped {c}{{ {_where(src, i)}: terraform would evaluate it")
    return None


def _unicode_escape(src: str, i: int, digits: int) -> str:
    hex_ = src[i + 2 : i + 2 + digits]
    if len(hex_) != digits or not set(hex_) <= _HEX:
        raise HCLLiteralError(f"\\{src[i + 1]} needs {digits} hex digits {_where(src, i)}")
    code = int(hex_, 16)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        raise HCLLiteralError(f"U+{code:04X} cannot be encoded in UTF-8 {_where(src, i)}")
    return chr(code)


def decode_quoted(src: str, *, normalize: bool = True) -> str:
    """The value of a quoted HCL string literal `src` (quotes included), as terraform reads it."""
    if len(src) < 2 or src[0] != '"' or src[-1] != '"':
        raise HCLLiteralError(f"not a quoted string: {src[:40]!r}")
    out: list[str] = []
    i, end = 1, len(src) - 1
    while i < end:
        c = src[i]
        if c == "\\":
            sel = src[i + 1] if i + 1 < end else ""
            if sel in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[sel])
                i += 2
            elif sel in ("u", "U"):
                digits = 4 if sel == "u" else 8
                out.append(_unicode_escape(src[: end], i, digits))
                i += 2 + digits
            else:
                raise HCLLiteralError(f"invalid escape sequence {_where(src, i)}")
        elif c == '"':
            raise HCLLiteralError(f"unescaped quote inside the string {_where(src, i)}")
        elif c in "\r\n":
            raise HCLLiteralError(f"line break in a quoted string {_where(src, i)}")
        elif (seq := _template_sequence(src, i)) is not None:
            out.append(seq[0])
            i = seq[1]
        else:
            out.append(c)
            i += 1
    return _nfc("".join(out), normalize)


def _heredoc_extent(src: str, pos: int) -> tuple[int, int, str, bool]:
    """Scan the heredoc starting at src[pos] ('<<'): (body start, body end, marker, flush).

    The body ends before the closing marker's line; that line ends at the next newline (or end
    of text). Template sequences `${...}` in the body are skipped as a unit (they may hold
    braces, strings and newlines), and the rest of their line can never close the heredoc."""
    m = _HEREDOC_OPEN.match(src, pos)
    if not m:
        raise HCLLiteralError(f"not a heredoc opener {_where(src, pos)}")
    flush, marker = m.group(1) == "-", m.group(2)
    i = line_start = m.end()
    start_of_line = True
    while i <= len(src):
        if i == len(src) or src[i] == "\n":
            if start_of_line and src[line_start:i].strip(_GO_SPACE) == marker:
                return m.end(), line_start, marker, flush
            if i == len(src):
                break
            i += 1
            line_start, start_of_line = i, True
            continue
        c = src[i]
        if c in "$%" and src.startswith(c + c + "{", i):
            i += 3
        elif c in "$%" and src.startswith(c + "{", i):
            i = _Lexer(src).skip_template(i + 2)
            start_of_line = False
        else:
            i += 1
    raise HCLLiteralError(f"heredoc <<{marker} has no closing {marker} line")


def _is_grapheme_extender(ch: str) -> bool:
    """Approximately Grapheme_Cluster_Break Extend | ZWJ | SpacingMark (UAX #29)."""
    o = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or ch in "\u200c\u200d\uff9e\uff9f"
        or 0x1F3FB <= o <= 0x1F3FF
        or 0xE0020 <= o <= 0xE007F
    )


def _flush(lines: list[str]) -> list[str]:
    """terraform's `<<-` rule (flushHeredocTemplateParts) on the body's lines (newlines kept)."""

    def lead(line: str) -> int:
        return len(line) - len(line.lstrip(_GO_SPACE))

    counted = [line for line in lines if line.strip(_GO_SPACE)]  # whitespace-only lines don't count
    if not counted:
        return lines
    n = min(lead(line) for line in counted)
    out = []
    for line in lines:
        if not line.strip(_GO_SPACE) or n == 0:
            out.append(line)
            continue
        # terraform removes n grapheme clusters: the last removed space takes any combining
        # marks after it along (unless it is a control character such as a tab).
        cut = n
        if unicodedata.category(line[n - 1]) not in ("Cc", "Zl", "Zp"):
            while cut < len(line) and _is_grapheme_extender(line[cut]):
                cut += 1
        out.append(line[cut:])
    return out


def decode_heredoc(src: str, *, normalize: bool = True) -> str:
    """The value of a heredoc `src`, from `<<MARKER` (or `<<-MARKER`) to the closing marker line
    (its trailing newline optional), as terraform reads it."""
    body_start, body_end, marker, flush = _heredoc_extent(src, 0)
    rest = src[body_end:].strip(_GO_SPACE)
    if rest != marker:
        raise HCLLiteralError(f"text after the closing {marker} line: {rest[len(marker):][:40]!r}")
    body = src[body_start:body_end]
    if (bad := re.search(r"\r(?!\n)", body)) is not None:
        raise HCLLiteralError(f"carriage return without a newline in a heredoc {_where(body, bad.start())}")
    lines = []
    for line in body.splitlines(keepends=True) if body else []:
        out, i = [], 0
        while i < len(line):
            if (seq := _template_sequence(line, i)) is not None:
                out.append(seq[0])
                i = seq[1]
            else:
                out.append(line[i])
                i += 1
        lines.append("".join(out))
    if flush:
        lines = _flush(lines)
    return _nfc("".join(lines), normalize)


def decode_literal(expr: str, *, normalize: bool = True) -> str:
    """The value of a quoted string or a heredoc, whichever `expr` is."""
    if expr.startswith('"'):
        return decode_quoted(expr, normalize=normalize)
    if expr.startswith("<<"):
        return decode_heredoc(expr, normalize=normalize)
    raise HCLLiteralError(f"not a string literal: {expr[:40]!r}")


# ---------------------------------------------------------------------------------------------
# Finding an attribute in a .tf file: a token stream, then a loose tree of bodies and values.

_OPEN, _CLOSE = "{[(", "}])"


@dataclass
class _Tok:
    kind: str  # "ident", "string", "heredoc", "nl", "op", or the bracket/punctuation itself
    start: int
    end: int


class _Lexer:
    """Tokens of HCL source: enough structure to find attributes, nothing more."""

    def __init__(self, src: str):
        self.src = src

    def tokens(self, pos: int = 0) -> list[_Tok]:
        out: list[_Tok] = []
        self._scan(pos, out)
        return out

    def skip_template(self, pos: int) -> int:
        """From just after `${` / `%{`: the index after the matching `}`."""
        return self._scan(pos, None, stop_at_close=True)

    def _scan(self, i: int, out: list[_Tok] | None, stop_at_close: bool = False) -> int:
        src, n, depth = self.src, len(self.src), 0

        def emit(kind: str, start: int, end: int) -> int:
            if out is not None:
                out.append(_Tok(kind, start, end))
            return end

        while i < n:
            c = src[i]
            if c == "\n" or src.startswith("\r\n", i):
                i = emit("nl", i, i + (1 if c == "\n" else 2))
            elif c in " \t\r":
                i += 1
            elif c == "#" or src.startswith("//", i):
                while i < n and src[i] != "\n" and not src.startswith("\r\n", i):
                    i += 1
            elif src.startswith("/*", i):
                close = src.find("*/", i + 2)
                if close < 0:
                    raise HCLLiteralError(f"unterminated comment {_where(src, i)}")
                i = close + 2
            elif c == '"':
                i = emit("string", i, self._quoted_end(i))
            elif src.startswith("<<", i) and _HEREDOC_OPEN.match(src, i):
                _, body_end, _, _ = _heredoc_extent(src, i)
                nl = src.find("\n", body_end)
                line_end = n if nl < 0 else nl - (src[nl - 1] == "\r")
                i = emit("heredoc", i, line_end)
            elif m := _IDENT.match(src, i):
                i = emit("ident", i, m.end())
            elif c in _OPEN:
                depth += 1
                i = emit(c, i, i + 1)
            elif c in _CLOSE:
                if stop_at_close and depth == 0:
                    if c != "}":
                        raise HCLLiteralError(f"unbalanced {c} in a template {_where(src, i)}")
                    return i + 1
                depth -= 1
                i = emit(c, i, i + 1)
            elif src[i : i + 2] in ("==", "!=", "<=", ">=", "=>", "&&", "||"):
                i = emit("op", i, i + 2)
            elif c in "=:,":
                i = emit(c, i, i + 1)
            else:
                i = emit("op", i, i + 1)
        if stop_at_close:
            raise HCLLiteralError("unterminated template sequence")
        return i

    def _quoted_end(self, pos: int) -> int:
        """From an opening quote: the index after the closing quote."""
        src, i = self.src, pos + 1
        while i < len(src):
            c = src[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            elif c in "\r\n":
                break
            elif c in "$%" and src.startswith(c + c + "{", i):
                i += 3
            elif c in "$%" and src.startswith(c + "{", i):
                i = self.skip_template(i + 2)
            else:
                i += 1
        raise HCLLiteralError(f"unterminated string {_where(src, pos)}")


@dataclass
class _Node:
    """A value: its source span, and what it holds when it is a body, an object or a tuple."""

    start: int
    end: int
    items: list[tuple[tuple[str, ...], _Node]] | None = None  # body or object: (names, value)
    elements: list[_Node] | None = None  # tuple


class _Tree:
    def __init__(self, src: str):
        self.src = src
        self.toks = _Lexer(src).tokens()

    def _name(self, tok: _Tok) -> str | None:
        text = self.src[tok.start : tok.end]
        if tok.kind == "ident":
            return text
        if tok.kind == "string":
            try:
                return decode_quoted(text)
            except HCLLiteralError:
                return None
        return None

    def _skip(self, i: int, kinds: str | tuple[str, ...]) -> int:
        while i < len(self.toks) and self.toks[i].kind in kinds:
            i += 1
        return i

    def _matching(self, i: int) -> int:
        """Index of the bracket closing the one at token i."""
        depth = 0
        for j in range(i, len(self.toks)):
            kind = self.toks[j].kind
            if kind in _OPEN:
                depth += 1
            elif kind in _CLOSE:
                depth -= 1
                if depth == 0:
                    return j
        raise HCLLiteralError(f"unclosed {self.toks[i].kind} {_where(self.src, self.toks[i].start)}")

    def body(self, i: int, end: int) -> _Node:
        """Attributes and blocks in tokens [i, end)."""
        items: list[tuple[tuple[str, ...], _Node]] = []
        while (i := self._skip(i, ("nl",))) < end:
            tok = self.toks[i]
            name = self._name(tok) if tok.kind == "ident" else None
            if name is None:
                raise HCLLiteralError(f"expected an attribute or block {_where(self.src, tok.start)}")
            if i + 1 < end and self.toks[i + 1].kind == "=":
                value, i = self.expression(i + 2, end)
                items.append(((name,), value))
                continue
            names, j = [name], i + 1
            while j < end and self.toks[j].kind in ("ident", "string"):
                names.append(self._name(self.toks[j]) or "\x00unreadable")
                j += 1
            if j >= end or self.toks[j].kind != "{":
                raise HCLLiteralError(f"expected '{{' after block header {_where(self.src, tok.start)}")
            close = self._matching(j)
            node = self.body(j + 1, close)
            node.start, node.end = self.toks[j].start, self.toks[close].end
            items.append((tuple(names), node))
            i = close + 1
        return _Node(0, len(self.src), items=items)  # the span is set by the caller for a block

    def expression(self, i: int, end: int) -> tuple[_Node, int]:
        """The expression starting at token i: it runs to a newline, comma or closing bracket
        outside brackets. Returns it and the index of the token that ended it."""
        j = i
        while j < end and self.toks[j].kind not in ("nl", ",") + tuple(_CLOSE):
            j = self._matching(j) + 1 if self.toks[j].kind in _OPEN else j + 1
        if j == i:
            raise HCLLiteralError(f"missing expression {_where(self.src, self.toks[min(i, end - 1)].start)}")
        node = _Node(self.toks[i].start, self.toks[j - 1].end)
        first = self.toks[i].kind
        if first in "{[" and self._matching(i) == j - 1 and not self._is_for(i + 1):
            if first == "{":
                node.items = self.object(i + 1, j - 1)
            else:
                node.elements = self.tuple(i + 1, j - 1)
        return node, j

    def _is_for(self, i: int) -> bool:
        i = self._skip(i, ("nl",))
        return i < len(self.toks) and self.toks[i].kind == "ident" and self.src[self.toks[i].start : self.toks[i].end] == "for"

    def object(self, i: int, end: int) -> list[tuple[tuple[str, ...], _Node]] | None:
        items = []
        while (i := self._skip(i, ("nl", ","))) < end:
            name = self._name(self.toks[i])
            if name is None or i + 1 >= end or self.toks[i + 1].kind not in ("=", ":"):
                return None  # a computed key or something else: not navigable
            value, i = self.expression(i + 2, end)
            items.append(((name,), value))
        return items

    def tuple(self, i: int, end: int) -> list[_Node]:
        elements = []
        while (i := self._skip(i, ("nl", ","))) < end:
            value, i = self.expression(i, end)
            elements.append(value)
        return elements


def _find(node: _Node, path: tuple) -> list[_Node]:
    if not path:
        return [node]
    found: list[_Node] = []
    if isinstance(path[0], int):
        if node.elements is not None and -len(node.elements) <= path[0] < len(node.elements):
            found += _find(node.elements[path[0]], path[1:])
        return found
    want = tuple(unicodedata.normalize("NFC", p) if isinstance(p, str) else p for p in path)
    for names, value in node.items or ():
        if want[: len(names)] == names:
            found += _find(value, path[len(names) :])
    return found


def find_attribute(source: str, *path: str | int) -> str:
    """The source text of the value found in the .tf text `source` by `path`: block types and
    labels, attribute names, object keys (bare or quoted) and tuple indexes, e.g.
    `find_attribute(main_tf, "module", "scheduled_query", "for_each", "top5-sales", "sql")`.
    Raises LookupError unless exactly one value matches."""
    tree = _Tree(source)
    matches = _find(tree.body(0, len(tree.toks)), tuple(path))
    if len(matches) != 1:
        raise LookupError(f"{len(matches)} values match {path!r}, expected exactly one")
    return source[matches[0].start : matches[0].end]


def read_attribute(source: str, *path: str | int, normalize: bool = True) -> str:
    """The string value of the literal that `find_attribute` finds."""
    return decode_literal(find_attribute(source, *path), normalize=normalize)
