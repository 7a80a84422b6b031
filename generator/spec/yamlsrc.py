"""Load a YAML spec safely and remember where every key and value came from.

Every later check reports ``file:line:col``, so this loader keeps a position for each node.
It is also the first thing that touches input from CI, so it is defensive: a size cap,
strict UTF-8, bounded nesting and a bounded alias expansion (no "billion laughs").

Scalars follow the YAML 1.2 core schema, not PyYAML's YAML 1.1 default: ``on``, ``yes``
and ``no`` stay strings (the spec has a key named ``on``), and ``2024-01-01`` is not a date.

Only the PyYAML *composer* is used; nodes are converted here, so mapping keys can be checked
(strings only, no duplicates) and positions kept.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.error import Mark, MarkedYAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Location, SpecError, SpecIssue

__all__ = [
    "MAX_DEPTH",
    "MAX_ALIAS_NODES",
    "MAX_NODES",
    "MAX_SPEC_BYTES",
    "Document",
    "format_path",
    "load_yaml_file",
    "load_yaml_text",
]

# A spec of 5,000 queries in block style is about 1.1 MB and 90,000 nodes; the caps leave room
# for that and stop hostile input early (alias expansion is counted before it is materialised).
MAX_SPEC_BYTES = 4 * 1_048_576  # 4 MiB cap
MAX_NODES = 400_000  # cap on nodes after alias expansion
MAX_ALIAS_NODES = 100_000  # of which aliases may add at most this many (an alias bomb stops early)
MAX_DEPTH = 64  # cap on nesting; a real spec needs about 6, and deep input would exhaust the stack

Path = tuple[str | int, ...]

_TOO_MANY_NODES = f"too many nodes (limit {MAX_NODES})"
_TOO_MANY_NODES_HINT = "a spec this large is not supported; split it into several specs"
_SPEC_SHAPE = (
    "a spec is a YAML mapping with at least 'version', 'name', 'region', 'warehouses' and 'queries'"
)
_BOM = b"\xef\xbb\xbf"

# ---------------------------------------------------------------------------------------------
# YAML 1.2 core schema
# ---------------------------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
SEQ, MAP, MERGE = _TAG + "seq", _TAG + "map", _TAG + "merge"

_NULL_RE = re.compile(r"(?:~|null|Null|NULL|)\Z")
_BOOL_RE = re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")
_INT_RE = re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
_FLOAT_RE = re.compile(
    r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)
_MERGE_RE = re.compile(r"<<\Z")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _parse_null(text: str) -> None:
    if not _NULL_RE.match(text):
        raise ValueError(text)
    return None


def _parse_bool(text: str) -> bool:
    if not _BOOL_RE.match(text):
        raise ValueError(text)
    return text.lower() == "true"


def _parse_int(text: str) -> int:
    if not _INT_RE.match(text):
        raise ValueError(text)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)  # leading zeros are decimal in 1.2: "012" is 12


def _parse_float(text: str) -> float:
    """A 1.2 core float; an integer form is accepted too, for an explicit ``!!float 1``."""
    if _INT_RE.match(text):
        return float(_parse_int(text))
    if not _FLOAT_RE.match(text):
        raise ValueError(text)
    lowered = text.lower()
    if lowered.endswith(".nan"):
        return math.nan
    if lowered.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    return float(text)


_SCALAR_PARSERS: dict[str, Callable[[str], Any]] = {
    NULL: _parse_null,
    BOOL: _parse_bool,
    INT: _parse_int,
    FLOAT: _parse_float,
}

# Words for messages: "got a list", "keys must be strings, got integer 5".
_KIND_WITH_ARTICLE = {
    STR: "a string", INT: "an integer", FLOAT: "a number", BOOL: "a boolean", NULL: "null",
}
_KIND_BARE = {INT: "integer", FLOAT: "number", BOOL: "boolean", NULL: "null"}


def _short_tag(tag: str) -> str:
    """``tag:yaml.org,2002:foo`` -> ``!!foo``, the way the user wrote it."""
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _describe(node: Node) -> str:
    """What a node is, with an article, for "got ..." messages."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return _KIND_WITH_ARTICLE.get(node.tag, f"a value tagged '{_short_tag(node.tag)}'")


# ---------------------------------------------------------------------------------------------
# The composer
# ---------------------------------------------------------------------------------------------


class _LoadProblem(Exception):
    """Raised inside the composer for problems we word ourselves; becomes a SpecIssue."""

    def __init__(self, mark: Mark, message: str, allowed: str = "") -> None:
        super().__init__(message)
        self.mark, self.message, self.allowed = mark, message, allowed


class _AliasRef:
    """An alias occurrence. PyYAML returns the anchored node itself for an alias; this wrapper
    keeps where the alias was written, so expansion limits can point at it."""

    __slots__ = ("target", "anchor", "start_mark")

    def __init__(self, target: Node, anchor: str, start_mark: Mark) -> None:
        self.target, self.anchor, self.start_mark = target, anchor, start_mark


class _Composing:
    """YAML 1.2 core implicit resolvers, alias wrappers and caps on depth and node count (a
    written node is at least one expanded node, so stopping early is safe and spares parsing the
    rest of a huge file), on top of a PyYAML loader.

    Only the composer part is used; the constructor (``construct_*``) never runs.
    """

    yaml_implicit_resolvers: dict = {}

    def _start(self) -> None:
        self.anchors: dict = {}
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise _LoadProblem(
                    event.start_mark,
                    f"alias '*{event.anchor}' has no anchor '&{event.anchor}' before it",
                    "define the anchor before using the alias",
                )
            return _AliasRef(super().compose_node(parent, index), event.anchor, event.start_mark)
        if event.anchor is not None and event.anchor in self.anchors:
            first = self.anchors[event.anchor].start_mark.line + 1
            raise _LoadProblem(
                event.start_mark,
                f"anchor '&{event.anchor}' is defined twice (first at line {first})",
                "give each anchor a different name",
            )
        self._depth += 1
        self._nodes += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _LoadProblem(event.start_mark, f"nesting is deeper than {MAX_DEPTH} levels")
            if self._nodes > MAX_NODES:
                raise _LoadProblem(event.start_mark, _TOO_MANY_NODES, _TOO_MANY_NODES_HINT)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Loader(_Composing, yaml.SafeLoader):
    """The pure-Python loader: the reference for every error message and position."""

    def __init__(self, stream: str) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self._start()


_CParser = getattr(yaml, "CSafeLoader", None)


if _CParser is not None:

    class _FastLoader(_Composing, yaml.composer.Composer, _CParser):  # type: ignore[misc, valid-type]
        """libyaml's parser for the events, the same Python composer on top: about four times
        faster on large specs. Any problem is re-read with _Loader, so messages do not change."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            self._start()


for _tag, _regexp, _first in (
    (NULL, _NULL_RE, ["~", "n", "N", ""]),
    (BOOL, _BOOL_RE, list("tTfF")),
    (INT, _INT_RE, list("-+0123456789")),
    (FLOAT, _FLOAT_RE, list("-+0123456789.")),
    (MERGE, _MERGE_RE, ["<"]),
):
    _Loader.add_implicit_resolver(_tag, _regexp, _first)
if _CParser is not None:
    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A loaded spec: plain data plus where each part of it was written.

    ``positions`` maps a path (keys and list indexes) to (key location, value location); for
    list items and the document itself both are the value's location.
    """

    file: str
    data: Any
    positions: Mapping[Path, tuple[Location, Location]] = field(
        default_factory=dict, repr=False, compare=False
    )
    text: str = field(default="", repr=False, compare=False)  # the source, for quoting it back

    def source_token(self, location: Location) -> str:
        """The plain scalar written at ``location`` as it was typed (``089012345678``, not the
        number it became), or "" when the location is not in this document's text."""
        lines = self.text.splitlines()
        if not 0 < location.line <= len(lines):
            return ""
        m = re.match(r"[^\s,#\]}]+", lines[location.line - 1][location.col - 1 :])
        return m.group() if m else ""

    def location(self, path: Path) -> Location:
        """Where the value at ``path`` starts. KeyError if there is no such node."""
        return self._entry(path)[1]

    def key_location(self, path: Path) -> Location:
        """Where the key of ``path`` is written (for "unknown key" errors); for list items and
        the document, the value's location. KeyError if there is no such node."""
        return self._entry(path)[0]

    def where(self, path: Path, *, key: bool = False) -> Location:
        """Where to point an error about ``path``: its key (``key=True``) or value, or, for a path
        that has no node (a default, a value pydantic made up), its deepest existing prefix.
        Never raises: an error message must not fail for want of a position."""
        entry = self.positions.get(tuple(path))
        if entry is not None:
            return entry[0] if key else entry[1]
        return self.nearest_location(path)

    def nearest_location(self, path: Path) -> Location:
        """The location of the deepest existing prefix of ``path``: for a missing key, the
        mapping it is missing from."""
        path = tuple(path)
        for end in range(len(path), -1, -1):
            entry = self.positions.get(path[:end])
            if entry is not None:
                return entry[1]
        return Location(self.file, 1, 1)

    def _entry(self, path: Path) -> tuple[Location, Location]:
        try:
            return self.positions[tuple(path)]
        except KeyError:
            where = format_path(tuple(path)) or "<document>"
            raise KeyError(f"no node at {where} in {self.file}") from None


_PLAIN_KEY_RE = re.compile(r'[^.\s"\[\]]+\Z')


def format_path(path: Path) -> str:
    """``("queries", "a", 0)`` -> ``queries.a[0]``; keys that would be ambiguous (dots,
    spaces, quotes, brackets, empty) are double-quoted: ``queries."a.b"``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
            continue
        text = part if _PLAIN_KEY_RE.match(part) else json.dumps(part, ensure_ascii=False)
        out.append(f".{text}" if out else text)
    return "".join(out)


def load_yaml_file(path: str | os.PathLike, display_name: str | None = None) -> Document:
    """Read and load a spec file. Errors name the file as ``display_name`` or ``str(path)``."""
    file = display_name if display_name is not None else str(path)
    return load_yaml_text(_read_capped(path, file), file)


def load_yaml_text(text: str | bytes, file: str = "<string>") -> Document:
    """Load a spec from text (bytes are decoded as strict UTF-8). Raises SpecError."""
    if isinstance(text, (bytes, bytearray)):
        _check_size(len(text), file)
        text = _decode(bytes(text), file)
    else:
        _check_size(len(text.encode("utf-8", "surrogatepass")), file)
        text = text.removeprefix("\ufeff")
    root = _compose(text, file)
    converter = _Converter(file)
    data = converter.convert_root(root)
    return Document(file, data, converter.positions, text)


# ---------------------------------------------------------------------------------------------
# Bytes -> text -> node
# ---------------------------------------------------------------------------------------------


def _fail(file: str, line: int, col: int, message: str, allowed: str = "", path: str = "") -> SpecError:
    return SpecError([SpecIssue(Location(file, line, col), path, message, allowed)])


def _read_capped(path: str | os.PathLike, file: str) -> bytes:
    """Read at most cap+1 bytes, so a huge (or endless) file is never read into memory."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(MAX_SPEC_BYTES + 1)
    except OSError as err:
        raise _fail(file, 1, 1, f"cannot read the file: {err.strerror or err}") from None
    if len(data) > MAX_SPEC_BYTES:  # st_size is 0 for pipes and the like: then we only know a bound
        _check_size(size if size > MAX_SPEC_BYTES else len(data), file, exact=size > MAX_SPEC_BYTES)
    return data


def _check_size(size: int, file: str, exact: bool = True) -> None:
    if size > MAX_SPEC_BYTES:
        amount = f"{size}" if exact else f"more than {MAX_SPEC_BYTES}"
        raise _fail(
            file, 1, 1, f"file is {amount} bytes; the limit is {MAX_SPEC_BYTES // 1_048_576} MiB",
            f"keep the spec under {MAX_SPEC_BYTES // 1_048_576} MiB; move long SQL into files with 'sql_file', or split the spec",
        )


def _decode(data: bytes, file: str) -> str:
    """Strict UTF-8 with an optional BOM; a bad byte is reported at its line and column."""
    data = data.removeprefix(_BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        before = data[: err.start].decode("utf-8")
        line, col = _line_col(before, len(before))
        raise _fail(
            file, line, col, f"not valid UTF-8 (byte 0x{data[err.start]:02x})", "save the file as UTF-8"
        ) from None


_BREAK_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # the line breaks PyYAML counts


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``, counting line breaks as PyYAML does."""
    line, start = 1, 0
    for match in _BREAK_RE.finditer(text, 0, index):
        line, start = line + 1, match.end()
    return line, index - start + 1


def _compose(text: str, file: str) -> Node | None:
    """Compose exactly one document into a node graph (None for an empty stream)."""
    # libyaml accepts some tabs that PyYAML rejects: a text with a tab takes the reference path.
    if _CParser is not None and "\t" not in text and not _NON_PRINTABLE.search(text):
        try:
            return _compose_with(_FastLoader, text, file)
        except SpecError:
            pass  # say it exactly as the reference loader says it
    return _compose_with(_Loader, text, file)


_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def _compose_with(cls: type, text: str, file: str) -> Node | None:
    loader = None
    try:
        loader = cls(text)  # the Python reader checks for unprintable characters first
        loader.get_event()  # StreamStart
        if loader.check_event(yaml.StreamEndEvent):
            return None
        root = loader.compose_document()
        if not loader.check_event(yaml.StreamEndEvent):
            mark = loader.peek_event().start_mark
            raise _fail(
                file, mark.line + 1, mark.column + 1, "a second YAML document starts here",
                "a spec is one YAML document; remove the second '---' and what follows",
            )
        return root
    except _LoadProblem as err:
        raise _fail(file, err.mark.line + 1, err.mark.column + 1, err.message, err.allowed) from None
    except yaml.reader.ReaderError as err:
        line, col = _line_col(text, err.position)
        raise _fail(
            file, line, col, f"character U+{err.character:04X} is not allowed in YAML",
            "remove control characters, or write them as escapes in a double-quoted string",
        ) from None
    except MarkedYAMLError as err:
        raise _syntax_error(err, text, file) from None
    finally:
        if loader is not None:
            loader.dispose()


def _syntax_error(err: MarkedYAMLError, text: str, file: str) -> SpecError:
    """Turn a PyYAML error into one issue at the problem mark, without traceback wording."""
    mark = err.problem_mark or err.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        line_start = text.rfind("\n", 0, mark.index) + 1
        if text[line_start : mark.index].strip(" \t-?:") == "":
            return _fail(file, line, col, "tab character used for indentation", "indent with spaces")
        return _fail(file, line, col, "tab character is not allowed here", "use spaces instead of tabs")
    message = f"YAML syntax: {err.problem or err.context}"
    if err.problem and err.context:
        message += f" ({err.context}"
        cmark = err.context_mark
        if cmark is not None and (cmark.line, cmark.column) != (line - 1, col - 1):
            message += f" at line {cmark.line + 1}, column {cmark.column + 1}"
        message += ")"
    return _fail(file, line, col, message, "check the indentation, quoting and brackets near here")


# ---------------------------------------------------------------------------------------------
# Node -> plain data, with positions
# ---------------------------------------------------------------------------------------------

Positions = dict[Path, tuple[Location, Location]]
Written = Node | _AliasRef  # a child as written: a node, or an alias to one
_MERGE_KEY = object()  # stands for a '<<' key in a mapping's entry list


class _Converter:
    """Converts a composed node graph into plain data and a position table.

    Recoverable problems (bad keys, duplicates, tags) are collected so the user sees them all;
    limits (node count, recursion, depth) stop at once.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: Positions = {}
        self.issues: list[SpecIssue] = []
        self._count = 0  # nodes produced so far
        self._aliased = 0  # of which produced by expanding aliases
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> expanded size, memoised

    # -- entry point ------------------------------------------------------------------------

    def convert_root(self, root: Node | None) -> dict[str, Any]:
        if root is None or (isinstance(root, ScalarNode) and root.tag == NULL and root.value == ""):
            line, col = (root.start_mark.line + 1, root.start_mark.column + 1) if root else (1, 1)
            raise _fail(self.file, line, col, "the spec is empty", _SPEC_SHAPE)
        if not isinstance(root, MappingNode):
            mark = root.start_mark
            raise _fail(
                self.file, mark.line + 1, mark.column + 1,
                f"the spec must be a YAML mapping, got {_describe(root)}", _SPEC_SHAPE,
            )
        data = self._value(root, (), self.positions)
        if self.issues:
            raise SpecError(self.issues)
        return data

    # -- helpers ----------------------------------------------------------------------------

    def _loc(self, mark: Mark) -> Location:
        return Location(self.file, mark.line + 1, mark.column + 1)

    def _issue(self, mark: Mark, path: Path, message: str, allowed: str = "") -> None:
        self.issues.append(SpecIssue(self._loc(mark), format_path(path), message, allowed))

    def _fatal(self, mark: Mark, path: Path, message: str, allowed: str = "") -> SpecError:
        self._issue(mark, path, message, allowed)
        return SpecError(self.issues)

    def _tick(self, node: Node, path: Path) -> None:
        """Count one produced node; a huge document stops here even without aliases."""
        self._count += 1
        if self._count > MAX_NODES:
            raise self._fatal(node.start_mark, path, _TOO_MANY_NODES, _TOO_MANY_NODES_HINT)

    # -- aliases ----------------------------------------------------------------------------

    def _admit(self, ref: _AliasRef, path: Path) -> Node:
        """Check an alias's full expansion fits in the node budget BEFORE expanding it."""
        size = self._expanded_size(ref, path)
        self._aliased += size
        if self._count + size > MAX_NODES or self._aliased > MAX_ALIAS_NODES:
            raise self._fatal(
                ref.start_mark, path,
                f"too many nodes after expanding aliases (limit {MAX_ALIAS_NODES}): possible alias bomb",
                "use fewer aliases, or write the values out",
            )
        return ref.target

    def _expanded_size(self, ref: _AliasRef, path: Path) -> int:
        """Nodes the alias expands to, memoised per node so shared subtrees cost nothing.

        Iterative, so neither long alias chains nor cycles can overflow the stack; a cycle
        (a node reached again while its own size is pending) is a recursive alias.
        """
        sizes, pending = self._sizes, set()
        stack: list[tuple[Node, bool]] = [(ref.target, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                pending.discard(id(node))
                sizes[id(node)] = 1 + sum(sizes[id(_target(c))] for c in _children(node))
                continue
            if id(node) in sizes:
                continue
            pending.add(id(node))
            stack.append((node, True))
            for child in _children(node):
                target = _target(child)
                if id(target) in pending:
                    raise self._fatal(
                        child.start_mark, path,
                        f"alias '*{child.anchor}' refers to a node that contains it (recursive alias)",
                        "an alias must not point at one of its own parents",
                    )
                if id(target) not in sizes:
                    stack.append((target, False))
        return sizes[id(ref.target)]

    # -- nodes ------------------------------------------------------------------------------

    def _value(self, node: Written, path: Path, sink: Positions,
               key_loc: Location | None = None) -> Any:
        """Convert a node found at ``path`` and record its position.

        An alias is located where it is written; what it expands to keeps its source positions.
        """
        here = self._loc(node.start_mark)
        sink[path] = (key_loc or here, here)
        if isinstance(node, _AliasRef):
            node = self._admit(node, path)
        return self._node(node, path, sink)

    def _node(self, node: Node, path: Path, sink: Positions) -> Any:
        self._tick(node, path)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise self._fatal(node.start_mark, path, f"nesting is deeper than {MAX_DEPTH} levels")
            if isinstance(node, ScalarNode):
                return self._scalar(node, path)
            if isinstance(node, SequenceNode):
                self._check_collection_tag(node, SEQ, path)
                return [self._value(item, path + (i,), sink) for i, item in enumerate(node.value)]
            self._check_collection_tag(node, MAP, path)
            return self._mapping(node, path, sink)
        finally:
            self._depth -= 1

    def _check_collection_tag(self, node: Node, expected: str, path: Path) -> None:
        if node.tag != expected:
            self._issue(node.start_mark, path, f"tag '{_short_tag(node.tag)}' is not supported here",
                        "remove the tag")

    def _text(self, node: ScalarNode, path: Path) -> str:
        """A string scalar. PyYAML decodes each ``\\uXXXX`` escape alone, so JSON-style surrogate
        pairs arrive split: join them; an unpaired one could never be written out as UTF-8."""
        text = node.value
        if not _SURROGATE_RE.search(text):
            return text
        try:
            return text.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            self._issue(node.start_mark, path,
                        "the string contains an unpaired surrogate escape (\\uD800-\\uDFFF)",
                        "escape characters outside the BMP as \\UXXXXXXXX")
            return text

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        """Scalars were resolved to a tag by the 1.2 core resolvers (or tagged explicitly)."""
        if node.tag == STR:
            return self._text(node, path)
        parse = _SCALAR_PARSERS.get(node.tag)
        if parse is None:
            self._issue(node.start_mark, path, f"tag '{_short_tag(node.tag)}' is not supported",
                        "use no tag, or one of !!str, !!int, !!float, !!bool, !!null")
            return node.value
        try:
            return parse(node.value)
        except ValueError:
            self._issue(node.start_mark, path,
                        f"'{node.value}' is not a valid {_short_tag(node.tag)} value", "remove the tag")
            return node.value

    # -- mappings ---------------------------------------------------------------------------

    def _mapping(self, node: MappingNode, path: Path, sink: Positions) -> dict[str, Any]:
        """Explicit keys win over merged ones; merged keys appear where the '<<' was written."""
        entries = self._entries(node, path)
        explicit = {key for key, _, _ in entries if key is not _MERGE_KEY}
        result: dict[str, Any] = {}
        for key, key_node, value_node in entries:
            if key is _MERGE_KEY:
                self._merge(value_node, path, sink, result, explicit)
            else:
                key_loc = self._loc(key_node.start_mark)
                result[key] = self._value(value_node, path + (key,), sink, key_loc)
        return result

    def _entries(self, node: MappingNode, path: Path) -> list[tuple[Any, Written, Written]]:
        """The mapping's usable (key, key node, value node) entries; bad keys become issues.

        Key nodes may be aliases: they are checked through the alias but located where written.
        """
        entries: list[tuple[Any, Written, Written]] = []
        first_seen: dict[Any, Written] = {}
        for key_node, value_node in node.value:
            self._tick(_target(key_node), path)
            key = self._key(key_node, path)
            if key is None:
                continue
            if key in first_seen:
                name = "<<" if key is _MERGE_KEY else key
                first_line = first_seen[key].start_mark.line + 1
                self._issue(key_node.start_mark, path + (name,),
                            f"duplicate key '{name}' (first at line {first_line})",
                            "each key may appear once")
                continue
            first_seen[key] = key_node
            entries.append((key, key_node, value_node))
        return entries

    def _key(self, written: Written, path: Path) -> Any:
        """A key's string (or the merge marker); None, with an issue, if it is not a string."""
        node = _target(written)
        if isinstance(node, ScalarNode) and node.tag == STR:
            return self._text(node, path)
        if isinstance(node, ScalarNode) and node.tag == MERGE:
            return _MERGE_KEY
        if isinstance(node, ScalarNode) and node.tag in _KIND_BARE:
            got = "null" if node.tag == NULL else f"{_KIND_BARE[node.tag]} {node.value}"
        elif isinstance(node, ScalarNode):
            self._scalar(node, path)  # reports the unsupported tag
            return None
        else:
            got = _describe(node)
        self._issue(written.start_mark, path, f"keys must be strings, got {got}", "quote the key")
        return None

    def _merge(self, value_node: Written, path: Path, sink: Positions,
               result: dict[str, Any], explicit: set[Any]) -> None:
        """Apply ``<<: *a`` or ``<<: [*a, *b]``: earlier sources win, explicit keys win over all."""
        for source in self._merge_sources(value_node, path):
            staged: Positions = {}
            merged = self._node(source, path, staged)
            by_key: dict[Any, list[tuple[Path, tuple[Location, Location]]]] = {}
            for sub_path, locs in staged.items():
                by_key.setdefault(sub_path[len(path)], []).append((sub_path, locs))
            for key, value in merged.items():
                if key in result or key in explicit:
                    continue
                result[key] = value
                sink.update(by_key.get(key, []))

    def _merge_sources(self, value_node: Written, path: Path) -> list[MappingNode]:
        """The mappings a '<<' value names; anything else is an issue."""
        merge_path = path + ("<<",)
        node = self._admit(value_node, merge_path) if isinstance(value_node, _AliasRef) else value_node
        if isinstance(node, MappingNode):
            return [node]
        allowed = "write '<<: *anchor' or '<<: [*a, *b]' with anchors on mappings"
        if not isinstance(node, SequenceNode):
            self._issue(value_node.start_mark, merge_path,
                        f"'<<' (merge) needs a mapping or a list of mappings, got {_describe(node)}",
                        allowed)
            return []
        self._tick(node, merge_path)
        sources = []
        for index, item in enumerate(node.value):
            source = self._admit(item, merge_path + (index,)) if isinstance(item, _AliasRef) else item
            if isinstance(source, MappingNode):
                sources.append(source)
            else:
                self._issue(item.start_mark, merge_path + (index,),
                            f"'<<' (merge) list items must be mappings, got {_describe(source)}",
                            allowed)
        return sources


def _target(node: Written) -> Node:
    return node.target if isinstance(node, _AliasRef) else node


def _children(node: Node) -> Iterator[Written]:
    """Direct children of a node (keys and values for a mapping), aliases not unwrapped."""
    if isinstance(node, SequenceNode):
        yield from node.value
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value
