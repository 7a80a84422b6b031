"""No injection: every string from a spec reaches Terraform as exactly that string (up to the
Unicode NFC normalisation Terraform applies to every string, which rsqgen warns about).

The oracle is tests/helpers/hcl_literal.py, an independent reader of HCL literals (not python-hcl2,
which cannot read `"$${"` and was a flaky oracle). It is itself checked: hand cases, malformed and
interpolating literals, and agreement with real terraform on every sample. Then rsqgen's
renderings read back exactly (hypothesis, seeded), and the whole way from a YAML spec to main.tf."""

from __future__ import annotations

import json
import unicodedata

import pytest
import yaml
from helpers import GOLDEN_DIR, MINIMAL
from helpers.hcl_literal import (
    HCLLiteralError,
    Interpolation,
    decode_heredoc,
    decode_literal,
    decode_quoted,
    find_attribute,
    read_attribute,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rsqgen import core
from rsqgen.render import hcl
from rsqgen.spec.sql import preflight
from rsqgen.tools import checks
from rsqgen.values import ACCOUNT


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


# ---------------------------------------------------------------------------------------------
# (a) hand cases: literal source -> value terraform reads (all of them also go through terraform
# in test_decoder_agrees_with_terraform below).

QUOTED = [
    ('"plain"', "plain"),
    ('""', ""),
    ('"$${x}"', "${x}"),
    ('"%%{x}"', "%{x}"),
    ('"$${"', "${"),  # no closing brace: python-hcl2 fails here, terraform does not
    ('"%%{"', "%{"),
    ('"a $${ b %%{ c"', "a ${ b %{ c"),
    ('"$$"', "$$"),  # doubling only escapes before `{`
    ('"%%"', "%%"),
    ('"$"', "$"),
    ('"%"', "%"),
    ('"$}"', "$}"),
    ('"$$${x}"', "$${x}"),  # left to right: `$` then `$${`
    ('"$$$${x}"', "$$${x}"),
    ('"%%%{x}"', "%%{x}"),
    ('"$%%{"', "$%{"),
    ('"%$${"', "%${"),
    ('"$${~ x ~}"', "${~ x ~}"),
    ('"a\\"b"', 'a"b'),
    ('"\\\\"', "\\"),
    ('"\\\\\\""', '\\"'),
    ('"\\\\$${"', "\\${"),
    ('"\\n\\r\\t"', "\n\r\t"),
    ('"\\u00e9\\u00E9"', "éé"),
    ('"\\u0041\\u00e9f"', "Aéf"),  # exactly four digits
    ('"\\U0001F600"', "\U0001f600"),
    ('"\\u2028\\u0007\\u009f"', "\u2028\x07\x9f"),
    ('"e\\u0301"', "\u00e9"),  # terraform stores NFC
    ('"\u212b"', "\u00c5"),
    ('"# not a comment // /* */"', "# not a comment // /* */"),
]

HEREDOC = [
    ("<<SQL\nSELECT 1;\nSQL", "SELECT 1;\n"),
    ("<<SQL\nSELECT 1;\nSQL\n", "SELECT 1;\n"),
    ("<<SQL\nSQL", ""),
    ("<<SQL\nx\n    SQL", "x\n"),  # indented closing marker
    ("<<SQL\nx\n\tSQL", "x\n"),  # tab-indented closing marker
    ("<<SQL\nx\n\u00a0SQL\u3000", "x\n"),  # any Unicode space around the marker (Go TrimSpace)
    ("<<SQL\n  SQL_1\nSQL  x\nSQL", "  SQL_1\nSQL  x\n"),
    ("<<SQL\n$${a} %%{b} $$ %% $ %\nSQL", "${a} %{b} $$ %% $ %\n"),
    ("<<SQL\n$${\nSQL", "${\n"),
    ("<<SQL\n\\n \\\" \\u0041\nSQL", '\\n \\" \\u0041\n'),  # no backslash escapes in a heredoc
    ('<<SQL\n"quoted"\n  }\nSQL', '"quoted"\n  }\n'),
    ("<<SQL\r\na\r\nb\r\nSQL", "a\r\nb\r\n"),  # CRLF kept
    ("<<SQL\ne\u0301\nSQL", "\u00e9\n"),
    ("<<-EOT\n    a\n      b\n    EOT", "a\n  b\n"),
    ("<<-EOT\n    a\n      b\nEOT", "a\n  b\n"),
    ("<<-EOT\n\ta\n\t\tb\n\tEOT", "a\n\tb\n"),
    ("<<-EOT\n\ta\n  b\nEOT", "a\n b\n"),  # a count of characters, not a common prefix
    ("<<-EOT\n    a\n  \n\n    b\n  EOT", "a\n  \n\nb\n"),  # blank lines: not counted, not trimmed
    ("<<-EOT\n  $${x}\n    %%{y}\nEOT", "${x}\n  %{y}\n"),
    ("<<-EOT\n\u3000a\n\u3000\u3000b\nEOT", "a\n\u3000b\n"),
    ("<<-EOT\n \u0301a\n  b\nEOT", "a\n b\n"),  # the space and its combining mark are one character
    ("<<-EOT\n\t\u0301a\n\t\tb\nEOT", "\u0301a\n\tb\n"),  # but a tab never combines
]


@pytest.mark.parametrize(("src", "value"), QUOTED)
def test_quoted(src, value):
    assert decode_quoted(src) == value
    assert decode_literal(src) == value


@pytest.mark.parametrize(("src", "value"), HEREDOC)
def test_heredoc(src, value):
    assert decode_heredoc(src) == value
    assert decode_literal(src) == value


def test_normalize_false_keeps_the_code_points():
    assert decode_quoted('"e\\u0301"', normalize=False) == "e\u0301"
    assert decode_heredoc("<<X\n\u212b\nX", normalize=False) == "\u212b\n"


# ---------------------------------------------------------------------------------------------
# (c) template sequences terraform would evaluate raise Interpolation; malformed literals raise
# HCLLiteralError (both are ValueErrors).

INTERPOLATED = [
    '"${x}"',
    '"a ${var.secret} b"',
    '"%{ if true }x%{ endif }"',
    '"$${x}${y}"',
    '"$$$${x}${y}"',
    '"\\\\${x}"',
    '"${"',
    "<<SQL\n${x}\nSQL",
    "<<SQL\nok $${a}\n%{ for x in y }\nSQL",
    "<<-SQL\n  ${\n  x }\n  SQL",
]

MALFORMED = [
    '"\\q"',  # not an escape
    '"\\$${x}"',
    '"\\ud800"',  # a surrogate cannot be encoded in UTF-8
    '"\\U00110000"',
    '"\\u12"',
    '"\\u12g4"',
    '"trailing \\"',
    '"a\nb"',  # raw line break
    '"a"b"',
    '"unterminated',
    "plain",
    "<<SQL\nno closing marker\n",
    "<<SQL\na\rb\nSQL",  # carriage return without a newline
    "<<SQL\nx\nSQL\nmore",
    "<< SQL\nx\nSQL",
]


@pytest.mark.parametrize("src", INTERPOLATED)
def test_interpolation_raises(src):
    with pytest.raises(Interpolation):
        decode_literal(src)


@pytest.mark.parametrize("src", MALFORMED)
def test_malformed_raises(src):
    with pytest.raises(HCLLiteralError) as info:
        decode_literal(src)
    assert not isinstance(info.value, Interpolation)


# ---------------------------------------------------------------------------------------------
# find_attribute on whole files.

FILE = r'''# comment with "quotes" and { braces
locals {
  a = "x" // trailing
  /* block
     comment { */
  list = [1, "two", { k = "v" }]
}

module "scheduled_query" {
  source = "./modules/scheduled-query"
  for_each = {
    "top5-sales" = {
      name = "a${lookup({ "k" = "}" }, "k")}b"
      sql  = <<SQL
}
SQL_1
  "not a string
SQL
      d : "colon"
    }
    plain_key = { sql = "other" }
  }
  rules = { for k, v in x : k => v }
}
output "one" { value = "line" }
'''


def test_find_attribute():
    assert find_attribute(FILE, "module", "scheduled_query", "for_each", "top5-sales", "sql") == (
        '<<SQL\n}\nSQL_1\n  "not a string\nSQL'
    )
    assert read_attribute(FILE, "module", "scheduled_query", "for_each", "top5-sales", "sql") == '}\nSQL_1\n  "not a string\n'
    assert read_attribute(FILE, "module", "scheduled_query", "for_each", "top5-sales", "d") == "colon"
    assert read_attribute(FILE, "module", "scheduled_query", "for_each", "plain_key", "sql") == "other"
    assert read_attribute(FILE, "module", "scheduled_query", "source") == "./modules/scheduled-query"
    assert read_attribute(FILE, "locals", "a") == "x"
    assert read_attribute(FILE, "locals", "list", 1) == "two"
    assert read_attribute(FILE, "locals", "list", 2, "k") == "v"
    assert read_attribute(FILE, "output", "one", "value") == "line"
    assert find_attribute(FILE, "module", "scheduled_query", "rules") == "{ for k, v in x : k => v }"
    with pytest.raises(Interpolation):
        read_attribute(FILE, "module", "scheduled_query", "for_each", "top5-sales", "name")
    with pytest.raises(LookupError):
        find_attribute(FILE, "module", "scheduled_query", "for_each", "missing")


def test_find_attribute_in_golden_files():
    main = (GOLDEN_DIR / "seed" / "main.tf").read_text(encoding="utf-8")
    q = ("module", "scheduled_query", "for_each", "top5-sales")
    assert read_attribute(main, *q, "sql") == "SELECT * FROM tickit.sales LIMIT 5;\n"
    assert read_attribute(main, *q, "name") == "QS2-top5-sales"
    role = (GOLDEN_DIR / "scheduler" / "main.tf").read_text(encoding="utf-8")
    arn = read_attribute(role, "module", "schedule_role", "trust_statements", 1, "Condition", "ArnLike", "aws:SourceArn", 0)
    assert arn == "arn:aws:events:ap-northeast-1:111122223333:rule/QS2-*"


# ---------------------------------------------------------------------------------------------
# (b) real terraform: every sample rendered quoted (string) and as text (heredoc when possible),
# plus the hand cases above; the decoder must give exactly what terraform gives.

SAMPLES = [
    # tests/test_injection.py HOSTILE
    "SELECT '${var.secret}' AS x;",
    "SELECT '%{ for x in y }${x}%{ endfor }';",
    'SELECT "quoted", \'single\', `back`;',
    "SELECT 'back\\\\slash\\n not a newline';",
    "line one\nline two\r\nwindows line\rbare CR\n",
    "SQL\nEOT\n  SQL\nEOF\n",
    "<<EOT\nSELECT 1;\nEOT\n",
    "SELECT '$${already escaped}', '$$', '%%{', '$';",
    "SELECT 'タブ\tと改行', '✓', '\U0001f600', '\u2028', '\u00a0';\n",
    "SELECT '\x07\x1b[31m' -- control characters\n",
    "}\n]\n\"\n# not a comment\n/* nor this */\n",
    "   leading and trailing spaces   \n\n\n",
    # template sequences and their escapes, with and without a closing brace
    "${",
    "%{\n",
    "$${",
    "%%{\n",
    "$$${x}",
    "$$$${x}\n",
    "%%%{x}",
    "$ % $$ %% $} %}\n",
    "${~ x ~}\n",
    "{${}}\n",
    "a\\${b}\\%{c}\n",
    # backslashes and quotes
    "\\",
    "\\\\\"\\u0041 \\n\n",
    '"\n',
    # heredoc markers in the text (rsqgen must pick another marker)
    "SQL\n",
    "\tSQL \nSQL_1\n",
    "\u00a0SQL\u3000\n",
    "x\n  SQL_1\n SQL\n",
    "<<-EOT\n  x\n  EOT\n",
    # characters a heredoc cannot hold, and odd Unicode
    "\u2028\u2029\x85\n",
    "\x7f\x9f\x0b\x0c",
    "\r\n\r\n",
    "👨‍👩‍👧 \U0010fffd \ufdd0\n",
    "no trailing newline",
    "   \n",
    "\t\n",
    # not NFC: terraform stores the NFC form
    "e\u0301\n",
    "\u212b \u2126 \uf900",
    "q\u0323\u0307 \u0307\u0323\n",
]

TF_CASES = [src for src, _ in QUOTED + HEREDOC]


@pytest.fixture(scope="module")
def terraform_outputs(terraform, tmp_path_factory):
    """main.tf with one output per rendering, and the values terraform gives them."""
    tmp = tmp_path_factory.mktemp("tf")
    blocks = ['locals {\n  account_id = "111122223333"\n}\n']
    for i, sample in enumerate(SAMPLES):
        blocks.append(f'output "q{i}" {{\n  value = {hcl.string(sample)}\n}}\n')
        blocks.append(f'output "t{i}" {{\n  value = {hcl.text(sample)}\n}}\n')
    for i, src in enumerate(TF_CASES):
        blocks.append(f'output "h{i}" {{\n  value = {src}\n}}\n')
    for i, sample in enumerate(ACCOUNT_SAMPLES):
        blocks.append(f'output "a{i}" {{\n  value = {hcl.string(sample)}\n}}\n')
    main_tf = "\n".join(blocks)
    (tmp / "main.tf").write_text(main_tf, encoding="utf-8", newline="")  # keep CRLF cases exact
    env = terraform.env(tmp_path_factory.mktemp("tfrc"))
    for args in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"], ["output", "-json"]):
        proc = terraform.run([*args, "-no-color"], tmp, env, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
    values = {k: v["value"] for k, v in json.loads(proc.stdout).items()}
    return main_tf, values


# The account placeholder becomes an interpolation of local.account_id wherever it stands, even
# right after `$` characters (a `$` before `${` would otherwise make the escape `$${`).
ACCOUNT_SAMPLES = [f"arn:aws:iam::{ACCOUNT}:root", f"${ACCOUNT}", f"$${ACCOUNT}x", f"a$$$${ACCOUNT}", f"%{ACCOUNT}", f"{ACCOUNT}{ACCOUNT}"]


@pytest.mark.terraform
def test_account_placeholder_is_the_only_interpolation_wherever_it_stands(terraform_outputs):
    _, values = terraform_outputs
    for i, sample in enumerate(ACCOUNT_SAMPLES):
        assert values[f"a{i}"] == sample.replace(ACCOUNT, "111122223333"), sample


@pytest.mark.terraform
def test_decoder_agrees_with_terraform(terraform_outputs):
    main_tf, values = terraform_outputs
    assert len(values) == 2 * len(SAMPLES) + len(TF_CASES) + len(ACCOUNT_SAMPLES)
    wrong = []
    for name, tf_value in values.items():
        if name.startswith("a"):  # interpolations of local.account_id: checked above
            continue
        expr = find_attribute(main_tf, "output", name, "value")
        got = decode_literal(expr)
        if got != tf_value:
            wrong.append(f"{name}: {expr!r} -> oracle {got!r}, terraform {tf_value!r}")
    assert not wrong, "\n".join(wrong)
    for i, (_, value) in enumerate(QUOTED + HEREDOC):
        assert values[f"h{i}"] == value  # the hand cases' expected values are terraform's too


@pytest.mark.terraform
def test_terraform_keeps_rsqgen_strings_up_to_nfc(terraform_outputs):
    """rsqgen's renderings reach terraform exactly, except that terraform NFC-normalises."""
    _, values = terraform_outputs
    changed = []
    for i, sample in enumerate(SAMPLES):
        for form in "qt":
            assert values[f"{form}{i}"] == nfc(sample), f"{form}{i}: {sample!r}"
            if values[f"{form}{i}"] != sample:
                changed.append(i)
    not_nfc = [i for i, s in enumerate(SAMPLES) if nfc(s) != s]
    assert sorted(set(changed)) == not_nfc and not_nfc  # only, and all of, the non-NFC samples


# ---------------------------------------------------------------------------------------------
# (d) rsqgen's string()/text() read back exactly, over arbitrary text.

# The strategy of tests/test_injection.py (text a YAML spec can carry), copied verbatim.
SQL_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff\ufffe\uffff"),
    min_size=1,
    max_size=200,
).filter(lambda s: s.strip() and all(c == "\t" or c in "\n\r" or ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in s))


def _assert_reads_back(s: str) -> None:
    for expr in (hcl.string(s), hcl.text(s)):
        assert decode_literal(expr, normalize=False) == s  # the escaping is exact
        assert decode_literal(expr) == nfc(s)  # terraform's value (see the NFC test above)


@given(SQL_TEXT)
@settings(max_examples=2000, deadline=None)
def test_rsqgen_literals_read_back_exactly(s):
    _assert_reads_back(s)


# SQL_TEXT rarely hits the interesting cases (in 2000 examples: ~4 with `${` or `%{`, ~4 heredocs,
# ~2 not NFC), so also draw text densely from the pieces that matter.
TRICKY_TEXT = st.builds(
    lambda parts, newline: "".join(parts) + ("\n" if newline else ""),
    st.lists(
        st.sampled_from(["$", "%", "{", "}", "$$", "%%", "${", "%{", "$${", "%%{", "\\", '"', "\\n", "\\u0041",
                         "\n", "\r", "\r\n", "\t", " ", "SQL", "SQL_1", "\u00a0", "\u3000", "\u2028", "\x85", "\x07",
                         "e", "\u0301", "\u212b", "\u00e9", "<<", "<<-", "#", "//", "/*"]),
        min_size=1, max_size=40,
    ),
    st.booleans(),
)  # fmt: skip


@given(TRICKY_TEXT)
@settings(max_examples=2000, deadline=None)
def test_rsqgen_literals_read_back_exactly_dense(s):
    _assert_reads_back(s)




@given(sql=SQL_TEXT)
@settings(max_examples=100, deadline=None)
def test_sql_from_a_spec_reaches_main_tf_exactly(sql, tmp_path_factory):
    """The whole way, YAML spec -> main.tf, read back with find_attribute (no python-hcl2).
    Text the SQL pre-flight refuses (several statements, a key-like string) is left out: it never
    reaches main.tf, and `;` is not special to HCL."""
    assume(not any(f.severity == "error" for f in preflight(sql).findings))
    doc = yaml.safe_load(MINIMAL)
    doc["queries"]["top5-sales"]["sql"] = sql
    doc["queries"]["top5-sales"]["description"] = sql[:512]
    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, default_style='"'), encoding="utf-8")
    main = core.render_spec(path).files["main.tf"].decode("utf-8")
    query = ("module", "scheduled_query", "for_each", "top5-sales")
    assert read_attribute(main, *query, "sql", normalize=False) == sql
    assert read_attribute(main, *query, "description", normalize=False) == sql[:512]


HOSTILE = [
    "SELECT '${var.secret}' AS x;",
    "SELECT '%{ for x in y }${x}%{ endfor }';",
    "SQL\nEOT\n  SQL\n\tSQL\nEOF\n",  # heredoc markers inside the text, indented too
    "SELECT '$${already escaped}', '$$', '%%{', '$';",
    "SELECT '\x07\x1b[31m' -- control characters\n",
    "}\n]\n\"\n# not a comment\n/* nor this */\n",
]


@pytest.mark.terraform
def test_rendered_spec_with_hostile_sql_validates(terraform, tmp_path, write_spec):
    """Hostile SQL in a real spec: the output still parses, formats and validates."""
    doc = yaml.safe_load(MINIMAL)
    doc["queries"] = {
        f"q{i}": {"warehouse": "test-cluster", "database": "dev", "auth": {"db_user": "u"}, "sql": s, "schedule": "rate(1 hour)"}
        for i, s in enumerate(HOSTILE)
    }
    spec = write_spec(yaml.safe_dump(doc, allow_unicode=True, default_style='"'))
    rendered = core.render_spec(spec)
    core.write(rendered, tmp_path / "out")
    main = rendered.files["main.tf"].decode()
    for i, sql in enumerate(HOSTILE):
        assert read_attribute(main, "module", "scheduled_query", "for_each", f"q{i}", "sql", normalize=False) == sql
    fmt, validate = checks.check_terraform(tmp_path / "out")
    assert fmt.status == "PASSED", [str(f) for f in fmt.findings]
    assert validate.status == "PASSED", [str(f) for f in validate.findings] or validate.detail
