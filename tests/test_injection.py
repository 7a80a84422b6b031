"""No injection: every string from a spec reaches Terraform as exactly that string.

python-hcl2 reads generated files back (hypothesis, arbitrary text), and real terraform evaluates
hostile samples; both must return the spec's bytes unchanged."""

from __future__ import annotations

import json

import hcl2
import pytest
import yaml
from helpers import MINIMAL
from helpers.hcl_decode import decode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rsqgen import core
from rsqgen.render import hcl

HOSTILE = [
    "SELECT '${var.secret}' AS x;",
    "SELECT '%{ for x in y }${x}%{ endfor }';",
    'SELECT "quoted", \'single\', `back`;',
    "SELECT 'back\\\\slash\\n not a newline';",
    "line one\nline two\r\nwindows line\rbare CR\n",
    "SQL\nEOT\n  SQL\nEOF\n",  # heredoc markers inside the text
    "<<EOT\nSELECT 1;\nEOT\n",
    "SELECT '$${already escaped}', '$$', '%%{', '$';",
    "SELECT 'タブ\tと改行', '✓', '\U0001f600', '\u2028', '\u00a0';\n",
    "SELECT '\x07\x1b[31m' -- control characters\n",
    "}\n]\n\"\n# not a comment\n/* nor this */\n",
    "   leading and trailing spaces   \n\n\n",
]

# Text a YAML spec can carry: no NUL and none of the characters YAML forbids in a stream.
SQL_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff\ufffe\uffff"),
    min_size=1,
    max_size=200,
).filter(lambda s: s.strip() and all(c == "\t" or c in "\n\r" or ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in s))


@given(SQL_TEXT)
@settings(max_examples=1000, deadline=None)
def test_hcl_values_read_back_exactly(sql):
    for expr in (hcl.string(sql), hcl.text(sql)):
        parsed = hcl2.loads(f"x = {expr}\n")["x"]
        assert decode(parsed, heredoc=expr.startswith("<<")) == sql


@given(sql=SQL_TEXT)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_sql_from_a_spec_reaches_main_tf_exactly(sql, tmp_path):
    """The whole way: YAML spec -> loader -> plan -> template -> main.tf, read by python-hcl2."""
    doc = yaml.safe_load(MINIMAL)
    doc["queries"]["top5-sales"]["sql"] = sql
    doc["queries"]["top5-sales"]["description"] = sql[:512]
    path = tmp_path / "spec.yaml"
    # Double-quoted scalars: PyYAML writes YAML 1.1, and an unquoted 0E0 would be a number to a 1.2 reader.
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, default_style='"'), encoding="utf-8")
    rendered = core.render_spec(path)
    main = hcl2.loads(rendered.files["main.tf"].decode("utf-8"))
    (module,) = [m['"scheduled_query"'] for m in main["module"] if '"scheduled_query"' in m]
    query = module["for_each"]['"top5-sales"']
    assert decode(query["sql"], heredoc=hcl.text(sql).startswith("<<")) == sql
    assert decode(query["description"]) == sql[:512]


@pytest.mark.terraform
def test_terraform_sees_hostile_strings_exactly(terraform, tmp_path):
    """Real terraform evaluates each rendering (quoted and heredoc) of each hostile sample."""
    lines = []
    for i, sample in enumerate(HOSTILE):
        lines.append(f"output \"q{i}\" {{\n  value = {hcl.string(sample)}\n}}\n")
        lines.append(f"output \"t{i}\" {{\n  value = {hcl.text(sample)}\n}}\n")
    (tmp_path / "main.tf").write_text("".join(lines), encoding="utf-8")
    env = terraform.env(tmp_path)
    for args in (["init", "-input=false", "-no-color"], ["apply", "-auto-approve", "-input=false", "-no-color"]):
        proc = terraform.run(args, tmp_path, env)
        assert proc.returncode == 0, proc.stderr[-2000:]
    out = terraform.run(["output", "-json"], tmp_path, env)
    values = {k: v["value"] for k, v in json.loads(out.stdout).items()}
    for i, sample in enumerate(HOSTILE):
        assert values[f"q{i}"] == sample, f"quoted rendering of sample {i}"
        assert values[f"t{i}"] == sample, f"text rendering of sample {i}"


@pytest.mark.terraform
def test_rendered_spec_with_hostile_sql_validates(terraform, tmp_path, write_spec):
    """Hostile SQL in a real spec: the output still parses, formats and validates."""
    from rsqgen.tools import checks

    doc = yaml.safe_load(MINIMAL)
    doc["queries"] = {
        f"q{i}": {"warehouse": "test-cluster", "database": "dev", "auth": {"db_user": "u"}, "sql": s, "schedule": "rate(1 hour)"}
        for i, s in enumerate(HOSTILE)
    }
    spec = write_spec(yaml.safe_dump(doc, allow_unicode=True, default_style='"'))
    rendered = core.render_spec(spec)
    core.write(rendered, tmp_path / "out")
    fmt, validate = checks.check_terraform(tmp_path / "out")
    assert fmt.status == "PASSED", [str(f) for f in fmt.findings]
    assert validate.status == "PASSED", [str(f) for f in validate.findings] or validate.detail
