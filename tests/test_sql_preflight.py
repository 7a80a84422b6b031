"""SQL pre-flight: certain failures are errors at the SQL's own line in the spec, what the parser
rejects is a warning (an error with --strict-sql), what it cannot judge is "not checked".

The corpora (tests/sql_corpus/) hold realistic Redshift SQL with the expected outcome: no false
positive on the valid one, and at least three quarters of the broken one caught."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import MINIMAL
from hypothesis import given, settings
from hypothesis import strategies as st
from rsqgen import core, spec
from rsqgen.cli import app
from rsqgen.errors import SpecError
from rsqgen.spec.sql import preflight
from typer.testing import CliRunner

CORPUS = Path(__file__).resolve().parent / "sql_corpus"
VALID = yaml.safe_load((CORPUS / "valid.yaml").read_text("utf-8"))
BROKEN = yaml.safe_load((CORPUS / "broken.yaml").read_text("utf-8"))
runner = CliRunner()


def outcome(sql: str) -> str:
    report = preflight(sql)
    if any(f.severity == "error" for f in report.findings):
        return "error"
    if report.findings:
        return "warning"
    return "not_checked" if report.not_checked else "checked"


def test_corpora_are_large_enough():
    assert len(VALID) >= 40 and len(BROKEN) >= 20


@pytest.mark.parametrize("case", VALID, ids=lambda c: c["sql"].split()[0] + ":" + c["sql"][:40])
def test_valid_sql_gives_no_false_positive(case):
    assert outcome(case["sql"]) == case["expect"], preflight(case["sql"]).findings


def test_broken_sql_is_caught_as_expected():
    misses, wrong = [], []
    for case in BROKEN:
        got = outcome(case["sql"])
        if case.get("known_miss"):
            if got in ("checked", "not_checked"):
                misses.append(case["why"])
        elif got != case["expect"]:
            wrong.append(f"{case['why']}: expected {case['expect']}, got {got}")
    assert not wrong, wrong
    caught = len(BROKEN) - len(misses)
    assert caught / len(BROKEN) >= 0.75, f"caught {caught} of {len(BROKEN)}; missed: {misses}"


def test_semicolons_inside_strings_comments_identifiers_and_bodies_do_not_split():
    assert preflight("SELECT ';', \";\" FROM t /* ; */ -- ;\n;").statements == 1
    assert preflight("CREATE PROCEDURE p() AS $$ BEGIN SELECT 1; SELECT 2; END; $$ LANGUAGE plpgsql;").statements == 1
    assert preflight("SELECT 1;").statements == 1 and preflight("SELECT 1").statements == 1
    assert preflight("SELECT 1; SELECT 2").statements == 2


def _spec_with_sql(block: str) -> str:
    return MINIMAL.replace("    sql: SELECT 1;\n", block)


def test_two_statements_are_an_error_at_the_second_one(write_spec):
    block = "    sql: |\n      DELETE FROM t;\n      INSERT INTO t SELECT 1;\n"
    with pytest.raises(SpecError) as exc:
        spec.load_spec(write_spec(_spec_with_sql(block)))
    (issue,) = exc.value.issues
    assert (issue.location.line, issue.location.col) == (16, 7)  # "INSERT", in the YAML file
    assert "holds 2 statements" in issue.message and "BatchExecuteStatement" in issue.allowed


def test_a_parser_warning_points_into_the_spec_and_strict_makes_it_an_error(write_spec):
    block = "    sql: |\n      SELECT a\n      FORM t;\n"
    path = write_spec(_spec_with_sql(block))
    loaded = spec.load_spec(path)
    (warning,) = [w for w in loaded.warnings if "sqlglot" in w.message]
    assert warning.location.line == 16 and warning.path == "queries.top5-sales.sql"
    with pytest.raises(SpecError):
        spec.load_spec(path, strict_sql=True)
    proc = runner.invoke(app, ["render", str(path), "-o", str(path.parent / "out"), "--strict-sql"])
    assert proc.exit_code == 2 and not (path.parent / "out").exists()


def test_a_secret_in_a_sql_file_is_an_error_located_in_the_file(write_spec):
    path = write_spec(
        _spec_with_sql("    sql_file: load.sql\n"),
        **{"load.sql": "COPY t FROM 's3://b/k'\nCREDENTIALS 'aws_access_key_id=AKIAIOSFODNN7EXAMPLE;aws_secret_access_key=x';\n"},
    )
    with pytest.raises(SpecError) as exc:
        spec.load_spec(path)
    text = str(exc.value)
    assert "(at load.sql:2:1)" in text and "IAM_ROLE" in text


def test_validate_shows_a_sql_check_line(write_spec):
    path = write_spec(_spec_with_sql("    sql: |\n      VACUUM t;\n"))
    result = runner.invoke(app, ["validate", str(path), "--no-terraform", "--no-checkov"])
    assert result.exit_code == 0, result.output
    assert "PASSED   sql" in result.output and "1 statement, 0 parsed, 1 not checked" in result.output


def test_explain_counts_statements(write_spec):
    text = core.explain(write_spec(MINIMAL), "2026-11-28T00:00:00Z")
    assert "SELECT 1; (1 statement)" in text


SQLISH = st.lists(
    st.sampled_from(["SELECT", "FROM", "WHERE", "t", "a", "1", "'x'", '"q"', ";", "(", ")", ",", "?", "$$", "--", "/*", "*/", "\n", " ", "@>", "::", "0"]),
    max_size=20,
).map("".join)


@given(st.one_of(SQLISH, st.text(max_size=60)))
@settings(max_examples=400, deadline=None)
def test_preflight_never_raises(sql):
    """The parser is advice: whatever the text, the pre-flight reports, it never crashes (a sqlglot
    TypeError on '0?' once did, which would have been exit 70)."""
    report = preflight(sql)
    assert report.statements >= 0 and all(f.severity in ("error", "warning") for f in report.findings)
