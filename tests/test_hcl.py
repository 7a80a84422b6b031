"""HCL values: every spec string reaches Terraform as data; layout as terraform fmt has it."""

from __future__ import annotations

import hcl2
import pytest
from rsqgen.render import hcl
from rsqgen.values import ACCOUNT, Ref


def read_back(expr: str) -> str:
    """What python-hcl2 reads for `x = <expr>` (its quoted-string form, unquoted)."""
    value = hcl2.loads(f"x = {expr}\n")["x"]
    return value


@pytest.mark.parametrize(
    "value, expected",
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("a\nb\r\tc", '"a\\nb\\r\\tc"'),
        ("${var.secret}", '"$${var.secret}"'),
        ("%{ if true }x%{ endif }", '"%%{ if true }x%%{ endif }"'),
        ("$${already}", '"$$${already}"'),
        ("bell\x07", '"bell\\u0007"'),
        ("line\u2028sep", '"line\\u2028sep"'),
        ("日本語 ✓", '"日本語 ✓"'),
    ],
)
def test_string_escaping(value, expected):
    assert hcl.string(value) == expected


def test_account_placeholder_is_the_only_interpolation():
    assert hcl.string(f"arn:aws:iam::{ACCOUNT}:user/${{x}}") == '"arn:aws:iam::${local.account_id}:user/$${x}"'


def test_sql_heredoc_only_when_exact():
    assert hcl.text("SELECT 1;\n") == "<<SQL\nSELECT 1;\nSQL"
    assert hcl.text("SELECT 1;") == '"SELECT 1;"'  # a heredoc would add a newline
    assert hcl.text("SELECT 1;\r\n") == '"SELECT 1;\\r\\n"'  # a heredoc would lose the \r
    assert hcl.text("SQL\nSELECT '${x}';\n") == "<<SQL_1\nSQL\nSELECT '$${x}';\nSQL_1"


@pytest.mark.parametrize(
    "sql",
    ["SELECT 1;\n", "SELECT '${a}', '%{b}', '$${c}' -- \"q\" \\ \n", "  indented\n\ttab\n\nblank\n", "SQL\n  SQL  \nEOT\n"],
)
def test_heredoc_reads_back_exactly(sql):
    """python-hcl2 returns heredoc text with HCL's template escapes still in place, so compare
    with the escaped form; terraform's own reading is checked with `terraform console`."""
    body = hcl.text(sql)
    assert body.startswith("<<SQL")
    read = hcl2.loads(f"x = {body}\n")["x"]
    assert sql.replace("${", "$${").replace("%{", "%%{") in read


def test_values():
    assert hcl.value(None) == "null"
    assert hcl.value(True) == "true"
    assert hcl.value(3) == "3"
    assert hcl.value(Ref("module.x.arn")) == "module.x.arn"
    assert hcl.value(["a", "b"]) == '["a", "b"]'
    assert hcl.value({"a": 1, "b-c": "d"}) == '{\n  a = 1\n  "b-c" = "d"\n}'
    long = ["x" * 40, "y" * 40, "z" * 40]
    assert hcl.value(long, 1) == '[\n    "' + "x" * 40 + '",\n    "' + "y" * 40 + '",\n    "' + "z" * 40 + '",\n  ]'


def test_layout_aligns_like_terraform_fmt():
    src = 'a {\n  x = 1\n  longer = 2\n  list = [\n    "v",\n  ]\n  y = 3\n\n  zz = 4\n}\n'
    assert hcl.layout(src) == 'a {\n  x      = 1\n  longer = 2\n  list = [\n    "v",\n  ]\n  y = 3\n\n  zz = 4\n}\n'


def test_layout_leaves_heredoc_bodies_alone():
    src = "a {\n  s = <<SQL\nkeep   =   this  \n\n\nSQL\n  t = 1\n}\n"
    assert hcl.layout(src) == src
