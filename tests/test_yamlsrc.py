"""Tests for rsqgen.yamlsrc: positions, YAML 1.2 scalars, key checks, merges and safety limits."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rsqgen.errors import Location, SpecError
from rsqgen.spec.yamlsrc import (
    MAX_ALIAS_NODES,
    MAX_NODES,
    MAX_SPEC_BYTES,
    Document,
    format_path,
    load_yaml_file,
    load_yaml_text,
)

F = "spec.yaml"


def load(text: str | bytes) -> Document:
    return load_yaml_text(text, F)


def only_issue(text: str | bytes):
    """The single issue a bad document raises."""
    with pytest.raises(SpecError) as caught:
        load(text)
    assert len(caught.value.issues) == 1, caught.value.issues
    return caught.value.issues[0]


def at(line: int, col: int) -> Location:
    return Location(F, line, col)


# --- positions --------------------------------------------------------------------------------

NESTED = """\
version: 1
queries:
  top5-sales:
    schedule: rate(5 minutes)
    notify:
      on: [trigger, failed]
    sql:
      - SELECT 1;
      -   SELECT 2;
"""


def test_positions_of_nested_keys_and_values():
    doc = load(NESTED)
    assert doc.key_location(("queries", "top5-sales", "schedule")) == at(4, 5)
    assert doc.location(("queries", "top5-sales", "schedule")) == at(4, 15)
    assert doc.key_location(("queries", "top5-sales")) == at(3, 3)
    assert doc.location(("queries", "top5-sales")) == at(4, 5)  # a block mapping starts at its first key
    assert doc.location(()) == at(1, 1)


def test_positions_of_list_items_flow_and_block():
    doc = load(NESTED)
    assert doc.location(("queries", "top5-sales", "notify", "on", 1)) == at(6, 21)
    assert doc.key_location(("queries", "top5-sales", "notify", "on", 1)) == at(6, 21)
    assert doc.location(("queries", "top5-sales", "sql", 0)) == at(8, 9)
    assert doc.location(("queries", "top5-sales", "sql", 1)) == at(9, 11)


def test_positions_of_mappings_inside_lists():
    doc = load("ops:\n  - user: alice\n    existing: true\n  - role: x\n")
    assert doc.location(("ops", 0)) == at(2, 5)
    assert doc.key_location(("ops", 0, "existing")) == at(3, 5)
    assert doc.location(("ops", 0, "existing")) == at(3, 15)
    assert doc.location(("ops", 1, "role")) == at(4, 11)


def test_missing_path_and_nearest_location():
    doc = load(NESTED)
    with pytest.raises(KeyError):
        doc.location(("queries", "top5-sales", "warehouse"))
    assert doc.nearest_location(("queries", "top5-sales", "warehouse", "x")) == at(4, 5)
    assert doc.nearest_location(("nothing",)) == at(1, 1)


def test_empty_value_is_null_and_located_after_the_colon():
    doc = load("a:\nb: 1\n")
    assert doc.data == {"a": None, "b": 1}
    assert doc.location(("a",)) == at(1, 3)


def test_format_path():
    assert format_path(("queries", "a", 0)) == "queries.a[0]"
    assert format_path(("queries", "a.b")) == 'queries."a.b"'
    assert format_path(("x", "a b", 2, "c")) == 'x."a b"[2].c'
    assert format_path(()) == ""
    assert format_path((0,)) == "[0]"


# --- YAML 1.2 scalars ------------------------------------------------------------------------


def test_on_is_a_string_key_not_a_boolean():
    assert load("on: [a]\n").data == {"on": ["a"]}


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "NO"])
def test_yaml11_booleans_stay_strings(word):
    assert load(f"v: {word}\n").data == {"v": word}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False),
        ("~", None), ("null", None), ("Null", None), ("NULL", None), ("", None),
        ("42", 42), ("-7", -7), ("+3", 3), ("012345678901", 12345678901), ("0o17", 15), ("0x1f", 31),
        ("1.5", 1.5), ("-2.", -2.0), (".5", 0.5), ("1e3", 1000.0), ("6.02E+23", 6.02e23),
        (".inf", math.inf), ("-.Inf", -math.inf),
    ],
)
def test_core_schema_scalars(text, value):
    got = load(f"v: {text}\n").data["v"]
    assert got == value and type(got) is type(value)


def test_nan():
    assert math.isnan(load("v: .nan\n").data["v"])


@pytest.mark.parametrize(
    "text",
    ["2024-01-01", "1_000", "0b101", "-0x1f", "1:30", "0o8", "nul", "tru", "12:00:00", "+.nan", "1.2.3"],
)
def test_not_core_forms_stay_strings(text):
    assert load(f"v: {text}\n").data == {"v": text}


def test_quoted_scalars_are_strings():
    doc = load("a: '5'\nb: \"true\"\nc: '~'\nd: \"012\"\ne: ''\n")
    assert doc.data == {"a": "5", "b": "true", "c": "~", "d": "012", "e": ""}


def test_standard_tags():
    doc = load(
        "a: !!str 12\nb: !!int '12'\nc: !!float 1\nd: !!bool 'true'\ne: !!null ''\nf: !!seq [1]\n"
    )
    assert doc.data == {"a": "12", "b": 12, "c": 1.0, "d": True, "e": None, "f": [1]}
    assert type(doc.data["c"]) is float


def test_unsupported_tag():
    issue = only_issue("a: 1\nb: !foo x\n")
    assert issue.message == "tag '!foo' is not supported"
    assert (issue.location, issue.path) == (at(2, 4), "b")


def test_python_tag_is_rejected():
    issue = only_issue("a: !!python/object:os.system x\n")
    assert issue.message == "tag '!!python/object:os.system' is not supported"


def test_escaped_surrogate_pairs_are_joined_and_lone_ones_rejected():
    assert load('a: "\\ud83d\\ude00"\n').data == {"a": "\U0001f600"}
    issue = only_issue('a: "x\\ud800"\n')
    assert "unpaired surrogate" in issue.message
    assert (issue.location, issue.path) == (at(1, 4), "a")


def test_standard_tag_with_bad_value():
    issue = only_issue("a: !!int twelve\n")
    assert "'twelve' is not a valid !!int value" in issue.message
    assert issue.location == at(1, 4)


# --- keys ------------------------------------------------------------------------------------


def test_integer_key_rejected():
    issue = only_issue("queries:\n  5: x\n")
    assert issue.message == "keys must be strings, got integer 5"
    assert issue.allowed == "quote the key"
    assert (issue.location, issue.path) == (at(2, 3), "queries")


@pytest.mark.parametrize(
    ("text", "got"),
    [
        ("true: 1\n", "boolean true"),
        ("~: 1\n", "null"),
        ("[a, b]: 1\n", "a list"),
        ("1.5: x\n", "number 1.5"),
    ],
)
def test_other_non_string_keys_rejected(text, got):
    assert only_issue(text).message == f"keys must be strings, got {got}"


def test_quoted_number_key_is_fine():
    assert load("'5': x\n").data == {"5": "x"}


def test_duplicate_key():
    text = "queries:\n  q:\n    schedule: a\n    sql: x\n    schedule: b\n"
    issue = only_issue(text)
    assert issue.message == "duplicate key 'schedule' (first at line 3)"
    assert issue.allowed == "each key may appear once"
    assert (issue.location, issue.path) == (at(5, 5), "queries.q.schedule")


def test_several_key_problems_are_reported_together():
    with pytest.raises(SpecError) as caught:
        load("a: 1\na: 2\n5: x\n")
    assert [i.location.line for i in caught.value.issues] == [2, 3]


# --- merge keys ------------------------------------------------------------------------------

MERGE = """\
base: &base
  x: 1
  y: 2
other: &other
  y: 3
  z: 4
q:
  x: 9
  <<: [*base, *other]
  w: 0
"""


def test_merge_semantics():
    q = load(MERGE).data["q"]
    assert q == {"x": 9, "y": 2, "z": 4, "w": 0}  # explicit wins, earlier source wins
    assert list(q) == ["x", "y", "z", "w"]


def test_merge_positions_are_the_sources():
    doc = load(MERGE)
    assert doc.key_location(("q", "y")) == at(3, 3)
    assert doc.location(("q", "y")) == at(3, 6)
    assert doc.location(("q", "z")) == at(6, 6)
    assert doc.location(("q", "x")) == at(8, 6)  # explicit key keeps its own position


def test_single_merge_and_explicit_key_before_and_after():
    doc = load("d: &d {a: 1, b: 2, c: 3}\ne:\n  a: 0\n  <<: *d\n  c: 9\n")
    assert doc.data["e"] == {"a": 0, "b": 2, "c": 9}
    assert doc.location(("e", "b")) == at(1, 17)


def test_merge_of_non_mapping_is_an_error():
    issue = only_issue("s: &s hello\nq:\n  <<: *s\n")
    assert "'<<' (merge) needs a mapping or a list of mappings, got a string" in issue.message
    assert issue.location == at(3, 7)  # where the merge names it
    issue = only_issue("q:\n  <<: [{a: 1}, 5]\n")
    assert "list items must be mappings" in issue.message
    assert issue.location == at(2, 16)


def test_quoted_merge_key_is_an_ordinary_key():
    assert load("'<<': 5\n").data == {"<<": 5}


# --- aliases ---------------------------------------------------------------------------------


def test_alias_values_expand():
    doc = load("a: &a {k: v}\nb: *a\nc: [*a, *a]\n")
    assert doc.data["b"] == {"k": "v"} and doc.data["c"] == [{"k": "v"}, {"k": "v"}]
    assert doc.location(("b",)) == at(2, 4)  # where the alias is written
    assert doc.key_location(("c", 1, "k")) == at(1, 8)  # inside the alias: the source positions
    assert doc.location(("c", 1, "k")) == at(1, 11)


BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]" for i in range(8)]
) + "\n"


def test_billion_laughs_rejected_quickly():
    start = time.perf_counter()
    with pytest.raises(SpecError) as caught:
        load(BILLION_LAUGHS)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0  # a safety bound, not a benchmark
    (issue,) = caught.value.issues
    assert issue.message == (
        f"too many nodes after expanding aliases (limit {MAX_ALIAS_NODES}): possible alias bomb"
    )
    assert BILLION_LAUGHS.splitlines()[issue.location.line - 1][issue.location.col - 1] == "*"


def test_recursive_alias_is_an_error_not_a_crash():
    issue = only_issue("a: &x [1, *x]\n")
    assert "recursive alias" in issue.message
    assert issue.location == at(1, 11)
    assert "recursive alias" in only_issue("a: &x {b: {c: *x}}\n").message
    assert "recursive alias" in only_issue("a: &x {<<: *x}\n").message


def test_undefined_alias():
    issue = only_issue("a: *nope\n")
    assert issue.message == "alias '*nope' has no anchor '&nope' before it"
    assert issue.location == at(1, 4)


def test_too_many_plain_nodes():
    issue = only_issue("a: [" + "1," * (MAX_NODES + 5) + "]\n")
    assert issue.message.startswith("too many nodes")


def test_deep_nesting_is_an_error_not_a_crash():
    issue = only_issue("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nesting is deeper than" in issue.message


# --- document-level problems -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n  # and another\n", "---\n"])
def test_empty_spec(text):
    issue = only_issue(text)
    assert issue.message == "the spec is empty"
    assert issue.allowed.startswith("a spec is a YAML mapping with at least 'version'")
    assert issue.path == ""


def test_top_level_list():
    assert only_issue("- a\n- b\n").message == "the spec must be a YAML mapping, got a list"


def test_top_level_scalar():
    assert only_issue("hello\n").message == "the spec must be a YAML mapping, got a string"


def test_two_documents():
    issue = only_issue("a: 1\n---\nb: 2\n")
    assert issue.location == at(2, 1)
    assert "second YAML document" in issue.message


def test_document_end_marker_alone_is_fine():
    assert load("---\na: 1\n...\n").data == {"a": 1}


def test_tab_indentation():
    issue = only_issue("queries:\n\tq: 1\n")
    assert issue.message == "tab character used for indentation"
    assert issue.allowed == "indent with spaces"
    assert issue.location == at(2, 1)


def test_tab_elsewhere_is_reported_as_a_tab():
    issue = only_issue("a:\t1\n")
    assert issue.location == at(1, 3)
    assert "tab character" in issue.message


def test_syntax_error_location_and_clean_message():
    issue = only_issue("name: x\nregion: a: b\n")
    assert issue.location == at(2, 10)
    assert issue.message == "YAML syntax: mapping values are not allowed here"
    assert "Traceback" not in str(issue) and 'in "<unicode string>"' not in str(issue)


def test_unclosed_flow_sequence():
    issue = only_issue("a: [1, 2\nb: 3\n")
    assert issue.message.startswith("YAML syntax:")
    assert issue.location.line == 2


def test_control_character():
    issue = only_issue("a: 1\nb: x\x07y\n")
    assert issue.location == at(2, 5)
    assert "U+0007" in issue.message


# --- bytes and files -------------------------------------------------------------------------


def test_invalid_utf8_line_and_column():
    issue = only_issue("a: 1\nname: caf\u00e9 ".encode() + b"\xff\n")
    assert issue.message == "not valid UTF-8 (byte 0xff)"
    assert issue.allowed == "save the file as UTF-8"
    assert issue.location == at(2, 12)  # columns count characters: "é" is one


def test_bom_is_stripped():
    doc = load(b"\xef\xbb\xbfversion: 1\n")
    assert doc.data == {"version": 1}
    assert doc.key_location(("version",)) == at(1, 1)
    assert load("\ufeffa: 1\n").data == {"a": 1}


def test_oversize_file(tmp_path: Path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_SPEC_BYTES + 1))
    with pytest.raises(SpecError) as caught:
        load_yaml_file(path)
    (issue,) = caught.value.issues
    assert issue.message == f"file is {MAX_SPEC_BYTES + 1} bytes; the limit is 4 MiB"
    assert issue.location == Location(str(path), 1, 1)


def test_file_at_the_limit_is_read(tmp_path: Path):
    path = tmp_path / "ok.yaml"
    body = b"a: 1\n"
    path.write_bytes(body + b"#" * (MAX_SPEC_BYTES - len(body)))
    assert load_yaml_file(path).data == {"a": 1}


def test_oversize_text():
    issue = only_issue("#" * (MAX_SPEC_BYTES + 1))
    assert issue.message.startswith("file is ")


def test_file_errors_use_display_name(tmp_path: Path):
    path = tmp_path / "spec.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_yaml_file(path, display_name="specs/prod.yaml")
    assert caught.value.issues[0].location == Location("specs/prod.yaml", 2, 1)
    assert str(caught.value).startswith("specs/prod.yaml:2:1: a: duplicate key 'a'")


def test_file_document_and_locations(tmp_path: Path):
    path = tmp_path / "spec.yaml"
    path.write_text(NESTED, encoding="utf-8")
    doc = load_yaml_file(path)
    assert doc.file == str(path)
    assert doc.location(("version",)) == Location(str(path), 1, 10)


def test_missing_file(tmp_path: Path):
    with pytest.raises(SpecError) as caught:
        load_yaml_file(tmp_path / "nope.yaml", display_name="nope.yaml")
    assert caught.value.issues[0].location.file == "nope.yaml"
    assert "cannot read the file" in caught.value.issues[0].message


# --- properties ------------------------------------------------------------------------------

# YAML caps implicit keys at 1024 characters; json.dumps writes up to 12 per character.
json_keys = st.text(max_size=80)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(json_keys, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(json_keys, json_values, min_size=1, max_size=5))
def test_json_documents_load_as_json(data):
    """JSON is YAML 1.2, so a 1.2 loader must read it exactly as JSON does."""
    assert load(json.dumps(data)).data == data


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{},&*!<>'\"#\t\n ?|~.01")), max_size=60))
def test_any_text_loads_or_raises_spec_error(text):
    """Hostile input gives a SpecError with a real position, never another exception."""
    try:
        load(text)
    except SpecError as err:
        assert err.issues and all(i.location.line >= 1 and i.location.col >= 1 for i in err.issues)
