"""The bad-spec corpus: every file in tests/bad_specs/ is rejected with the message and position
its first line promises, exit code 2, and nothing written."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from rsqgen import spec
from rsqgen.cli import app
from rsqgen.errors import SpecError
from typer.testing import CliRunner

CORPUS = Path(__file__).resolve().parent / "bad_specs"
CASES = sorted(CORPUS.glob("*.yaml"))
EXPECT = re.compile(rb"# expect: (?:(\d+):(\d+)|any) (.+)\n")


def expectation(path: Path) -> tuple[int | None, int | None, str]:
    m = EXPECT.match(path.read_bytes())
    assert m, f"{path.name}: first line must be '# expect: LINE:COL message'"
    line, col, text = m.groups()
    return (int(line) if line else None, int(col) if col else None, text.decode())


def test_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_bad_spec_is_rejected_where_it_says(path):
    line, col, text = expectation(path)
    start = time.perf_counter()
    with pytest.raises(SpecError) as exc:
        spec.load_spec(path)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"{path.name} took {elapsed:.2f}s to reject"  # safety bound (alias bombs), not a benchmark
    issues = exc.value.issues
    matching = [i for i in issues if text in str(i)]
    assert matching, f"{path.name}: no issue says {text!r}; got:\n" + "\n".join(map(str, issues))
    if line is not None:
        assert any((i.location.line, i.location.col) == (line, col) for i in matching), (
            f"{path.name}: expected at {line}:{col}; got " + ", ".join(f"{i.location.line}:{i.location.col}" for i in matching)
        )
    for issue in issues:
        assert str(issue).startswith(f"{path}:"), "every message starts with the file name"
        assert "; " in str(issue) or issue.allowed == "", "what is wrong; what is allowed"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_cli_exits_2_and_writes_nothing(path, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["render", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder either


def test_oversize_file_is_rejected(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"version: 1\n" + b"# padding\n" * 420_000)
    with pytest.raises(SpecError, match="the limit is 4 MiB"):
        spec.load_spec(big)


def test_sql_over_the_limit_is_rejected(tmp_path):
    base = (CORPUS.parent / "bad_specs" / "rate-zero.yaml").read_text().split("\n", 2)[2]
    text = base.replace("rate(0 minutes)", "rate(5 minutes)").replace("sql: SELECT 1;", "sql_file: big.sql")
    (tmp_path / "spec.yaml").write_text(text)
    (tmp_path / "big.sql").write_text("SELECT '" + "x" * 100_000 + "';")
    with pytest.raises(SpecError, match="holds 100,010 characters; at most 100,000"):
        spec.load_spec(tmp_path / "spec.yaml")


def test_tag_that_looks_like_a_password_is_rejected(write_spec):
    from helpers import MINIMAL

    with pytest.raises(SpecError, match="a spec never holds a password or secret value"):
        spec.load_spec(write_spec(MINIMAL + "tags:\n  db_password: hunter2\n"))
