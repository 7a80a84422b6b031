"""SQL pre-flight: what rsqgen can tell at render time about a scheduled query's SQL.

Certain failures are errors: several statements in one text (the Data API's ExecuteStatement,
which both a rule's Redshift target and a single `sql:` on the Scheduler call, takes exactly one
statement), and credentials written into the SQL (they would sit in the rule, the plan and the
state). What a SQL parser rejects is a warning: sqlglot's Redshift dialect is good but not
Redshift itself, so it advises and `--strict-sql` decides. Statements it cannot judge (CALL,
VACUUM, UNLOAD, COPY, GRANT, ...) are counted as "not checked", never as wrong.

Statements are found with sqlglot's tokenizer, so semicolons inside strings, quoted identifiers,
comments and `$$` bodies do not split, and a final semicolon ends the last statement.

Each verdict is kept in rsqgen's cache (`cache.py`), keyed by the text and by the code that judged
it (this file's bytes and sqlglot's version): a spec rendered again reads its verdicts back, and
sqlglot (about 0.1 s to import) is imported only when some text has no verdict yet.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .. import cache

if TYPE_CHECKING:
    from sqlglot.tokens import Token

__all__ = ["NOT_CHECKED", "Finding", "Report", "preflight"]

DIALECT = "redshift"
logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to Command" notes are ours to report

# Statements whose syntax the parser does not know well enough to judge: reported, not checked.
NOT_CHECKED = frozenset(
    {"ALTER", "ANALYZE", "CALL", "CANCEL", "COMMENT", "COPY", "DEALLOCATE", "EXECUTE", "GRANT", "LOCK",
     "PREPARE", "REFRESH", "RESET", "REVOKE", "SET", "SHOW", "TRUNCATE", "UNLOAD", "VACUUM"}
)  # fmt: skip

# Credentials written into SQL. Each pattern names what to use instead.
_SECRETS = (
    (re.compile(r"\bPASSWORD\s+'", re.I), "a password literal (CREATE/ALTER USER ... PASSWORD '...')",
     "create users with PASSWORD DISABLE and connect through IAM, or keep the password in Secrets Manager and set it outside the schedule"),
    (re.compile(r"\bCREDENTIALS\s+'[^']*aws_(secret_)?access_key", re.I), "AWS keys in CREDENTIALS '...'",
     "use IAM_ROLE 'arn:aws:iam::<account>:role/<role>' (or IAM_ROLE default) in COPY and UNLOAD"),
    (re.compile(r"\b(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)\s+'", re.I), "AWS keys in ACCESS_KEY_ID/SECRET_ACCESS_KEY",
     "use IAM_ROLE 'arn:aws:iam::<account>:role/<role>' (or IAM_ROLE default) in COPY and UNLOAD"),
    (re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b"), "an AWS access key id",
     "use IAM_ROLE in COPY and UNLOAD; never put keys in SQL"),
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    severity: Literal["error", "warning"]
    line: int  # 1-based, in the SQL text
    col: int
    message: str
    allowed: str = ""


@dataclass
class Report:
    statements: int = 0
    not_checked: list[str] = field(default_factory=list)  # leading keyword of each statement not judged
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class _Statement:
    tokens: tuple[Token, ...]
    text: str  # the statement's own text, from its first token to its last


def _split(sql: str, tokens: list[Token]) -> list[_Statement]:
    from sqlglot.tokens import TokenType  # with the tokenizer: only for a text not judged before

    out: list[_Statement] = []
    current: list[Token] = []
    for token in tokens + [None]:  # type: ignore[list-item]
        if token is None or token.token_type == TokenType.SEMICOLON:
            if current:
                out.append(_Statement(tuple(current), sql[current[0].start : current[-1].end + 1]))
            current = []
        else:
            current.append(token)
    return out


def _line_col(sql: str, offset: int) -> tuple[int, int]:
    line = sql.count("\n", 0, offset) + 1
    return line, offset - (sql.rfind("\n", 0, offset) + 1) + 1


def _code() -> str:
    """What a verdict depends on besides its text: this file and sqlglot's version (read from its
    files, so that sqlglot is not imported for it)."""
    parts: list[str | bytes] = [Path(__file__).read_bytes()]
    found = importlib.util.find_spec("sqlglot")
    version = Path(found.origin).with_name("_version.py") if found and found.origin else None
    parts.append(version.read_bytes() if version and version.is_file() else b"?")
    return cache.fingerprint(*parts)


@functools.lru_cache(maxsize=1)
def _verdicts() -> cache.Store:
    return cache.Store("sql-preflight", _code())


def _as_json(report: Report) -> dict[str, Any]:
    return dataclasses.asdict(report)


def _from_json(doc: dict[str, Any]) -> Report:
    return Report(doc["statements"], list(doc["not_checked"]), [Finding(**f) for f in doc["findings"]])


def preflight(sql: str, *, batch_item: bool = False) -> Report:
    """Check one SQL text (a `sql:` value, a `sql_file`, or one item of a batch list)."""
    store = _verdicts()
    key = cache.fingerprint("batch" if batch_item else "one", sql)
    kept = store.get(key)
    if kept is not None:
        try:
            return _from_json(kept)
        except (KeyError, TypeError):
            pass  # not a verdict this code wrote: judge again
    report = _judge_text(sql, batch_item)
    store.put(key, _as_json(report))
    return report


def _judge_text(sql: str, batch_item: bool) -> Report:
    import sqlglot  # ~0.1 s: only when a text has no verdict in the cache
    from sqlglot.errors import TokenError  # likewise

    report = Report()
    for pattern, what, instead in _SECRETS:
        for m in pattern.finditer(sql):
            line, col = _line_col(sql, m.start())
            report.findings.append(Finding("error", line, col, f"the SQL holds {what}: it would be stored in the rule, the plan and the state", instead))
    try:
        tokens = sqlglot.tokenize(sql, read=DIALECT)
    except TokenError as exc:
        report.findings.append(Finding("warning", 1, 1, f"the SQL cannot be read: {str(exc).splitlines()[0]}", "check quotes and $$ bodies"))
        return report
    except Exception:  # noqa: BLE001 - the tokenizer is advice, never a reason to stop: judge nothing
        report.not_checked.append("(unreadable)")
        return report
    statements = _split(sql, tokens)
    report.statements = len(statements)
    if len(statements) > 1:
        second = statements[1].tokens[0]
        line, col = _line_col(sql, second.start)
        where = "a batch item" if batch_item else "one SQL text"
        report.findings.append(
            Finding(
                "error",
                line,
                col,
                f"{where} holds {len(statements)} statements; the Data API runs exactly one statement per text (ExecuteStatement), so this fails at every run",
                "give a list of statements with scheduler: scheduler (BatchExecuteStatement, one transaction), or CALL a stored procedure",
            )
        )
    for statement in statements:
        _judge(sql, statement, report)
    return report


@functools.lru_cache(maxsize=1)
def _dialect() -> Any:
    from sqlglot.dialects.dialect import Dialect  # likewise

    return Dialect.get_or_raise(DIALECT)


def _judge(sql: str, statement: _Statement, report: Report) -> None:
    from sqlglot import exp  # likewise
    from sqlglot.errors import ParseError  # likewise

    first = statement.tokens[0].text.upper()
    if first in NOT_CHECKED:
        report.not_checked.append(first)
        return
    try:
        # The statement's own tokens (from the whole text, so their lines and columns are the
        # text's): tokenizing it again, as parse_one would, doubles the pre-flight's cost.
        parsed = _dialect().parser().parse(list(statement.tokens), sql)[0]
    except ParseError as exc:
        error = exc.errors[0] if exc.errors else {}
        line, col = error.get("line") or 0, error.get("col") or 0
        if not line:
            line, col = _line_col(sql, statement.tokens[0].start)
        description = (error.get("description") or str(exc)).splitlines()[0]
        description = re.sub(r" for <class '[^']+'>", "", description)  # sqlglot's class names mean nothing to a user
        report.findings.append(
            Finding("warning", line, col, f"the SQL parser (sqlglot, Redshift dialect) rejects this statement: {description}", "fix the SQL, or check it in the query editor if you are sure it is valid")
        )
        return
    except Exception:  # noqa: BLE001 - a crash inside the parser says nothing about the SQL
        report.not_checked.append(first)
        return
    if isinstance(parsed, exp.Command):
        report.not_checked.append(first)
