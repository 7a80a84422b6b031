"""A stand-in for the Amazon Redshift Data API, on 127.0.0.1, for the deploy suite.

moto (5.2.5) has no usable Data API ListStatements. This server answers Execute/BatchExecute/
Describe/List/CancelStatement as AWS documents them. Sources: API, the operation's page of
https://docs.aws.amazon.com/redshift-data/latest/APIReference/ (API_ListStatements.html...); GUIDE,
https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html ("Considerations when calling ..."):

- ListStatements: "By default, only finished statements are shown" (Status ALL shows all).
  RoleLevel, default true: true lists the statements "run by the caller's IAM role", false those
  "run by the caller's IAM role in the current IAM session"; an IAM user sees its own. StatementName
  is a case-sensitive prefix. MaxResults is 0..100 (its default is not documented: 0 or absent is
  100 here), NextToken pages; ClusterIdentifier and WorkgroupName exclude each other. API.
- The order of ListStatements is not documented (the guide's example is unsorted,
  https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-calling.html): newest first here, and
  `newest_first = False` lists oldest first, to check that a client sorts for itself.
- DescribeStatement: Duration is in nanoseconds (API). Until the statement ends Duration, ResultRows
  and ResultSize are -1 ("A -1 indicates the value is null") and RedshiftPid/RedshiftQueryId are 0
  until it starts, as in a real response (https://github.com/awslabs/amazon-redshift-utils/issues/515).
  An unknown Id is ResourceNotFoundException, an Id off the documented pattern ValidationException.
- Batches (API_BatchExecuteStatement): sub-statements <Id>:1, <Id>:2... (DescribeStatement takes
  them) run serially as one transaction; after a failure "all work is rolled back" and the rest never
  run (ABORTED here: the status AWS shows for them is not documented). With ExecutionMode AUTO_COMMIT
  "a failure of one statement does not affect the others". 1 to 40 Sqls. HasResultSet "is true if
  any substatement returns a result set"; ResultRows/ResultSize add up (the guide's batch example).
- CancelStatement: "To be canceled, a query must be running" (API); else ValidationException "Could
  not cancel a query that is already in <STATUS> state with ID: <Id>" (AWS's words in
  https://github.com/aws/aws-sdk-js-v3/issues/3056).
- "The maximum retention time for query results is 24 hours" (GUIDE): older statements are neither
  listed nor described (the guide speaks of results; their statements are taken to go with them). "The maximum query statement size is 100 KB" (GUIDE). A ClientToken makes a
  run idempotent and "expires after 8 hours" (GUIDE, idempotency).
- ExecuteStatement returns ClusterIdentifier "not ... when connecting to a serverless workgroup",
  WorkgroupName "not ... when connecting to a provisioned cluster" (API). Both are refused; neither
  too, unless SecretArn is given (the secret can name the cluster, GUIDE "Choosing database
  authentication credentials"). Statements stay in their Region (Regional endpoints, GUIDE).

Who called is learnt as AWS would, from the credentials: the SigV4 access key id is handed to the moto
server at `sts_url` (sts:GetCallerIdentity maps the keys moto issued to their assumed-role session or
IAM user). Tests decide outcomes: `outcome(sql)` returns None or the error message. A statement is
SUBMITTED for the first fifth of `delay` seconds, then runs; its state is computed from `now()` on read.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from typing import Any

from helpers.jsonapi import ApiError, JsonApiServer

__all__ = ["RETENTION_SECONDS", "RedshiftDataError", "RedshiftDataStandIn"]

RETENTION_SECONDS = 24 * 3600
CLIENT_TOKEN_SECONDS = 8 * 3600
MAX_SQL_BYTES = 100 * 1024
STATUSES = ("SUBMITTED", "PICKED", "STARTED", "FINISHED", "ABORTED", "FAILED")
DONE = ("FINISHED", "FAILED", "ABORTED")
REQUEST_FIELDS = ("Sql", "Sqls", "Database", "ClusterIdentifier", "WorkgroupName", "DbUser", "SecretArn", "StatementName",
                  "WithEvent", "Parameters", "ClientToken", "ExecutionMode")
TARGET_FIELDS = ("ClusterIdentifier", "WorkgroupName", "Database", "DbUser", "SecretArn")
STATEMENT_ID = re.compile(r"^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d+)?$")
ASSUMED_ROLE = re.compile(r"^arn:aws[a-z-]*:sts::(\d{12}):assumed-role/([^/]+)/")
RESULT_SET = re.compile(r"^\s*(select|with|show|values|explain)\b", re.IGNORECASE)


class RedshiftDataError(ApiError):
    pass


class RedshiftDataStandIn(JsonApiServer):
    """The server. Hooks a test may set (reset() restores them): `now` (epoch seconds), `outcome`,
    `delay`, `result_rows` (rows of a statement with a result set), `newest_first`."""

    name = "redshift-data-stand-in"

    def __init__(self, sts_url: str | None = None) -> None:
        self.sts_url = sts_url
        self._statements: dict[str, dict[str, Any]] = {}
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._callers: dict[str, str] = {}  # access key id -> caller ARN
        self._defaults()
        super().__init__()

    def handle(self, operation: str, body: dict, region: str, access_key: str | None) -> dict[str, Any]:
        caller = self.caller_of(access_key) if operation in ("ExecuteStatement", "BatchExecuteStatement", "ListStatements") else ""
        with self.lock:
            self.count(operation)
            return self.serve(operation, body, region, caller)

    # -- lifecycle and test hooks ---------------------------------------------------------

    def _defaults(self) -> None:
        self.now: Callable[[], float] = time.time
        self.outcome: Callable[[str], str | None] = lambda sql: None
        self.delay = 0.5
        self.result_rows = 1
        self.newest_first = True

    def reset(self, sts_url: str | None = None) -> None:
        with self.lock:
            for state in (self._statements, self._tokens, self._callers, self.calls):
                state.clear()
            self._defaults()
            if sts_url:
                self.sts_url = sts_url

    def client(self, region: str, access_key: str = "testing", secret_key: str = "testing", session_token: str | None = None):
        """A boto3 redshift-data client for this server (fake or moto-issued keys, never the machine's)."""
        import boto3

        return boto3.client("redshift-data", endpoint_url=self.url, region_name=region, aws_access_key_id=access_key,
                            aws_secret_access_key=secret_key, aws_session_token=session_token)

    def seed(self, caller_arn: str, created_at: float | datetime, region: str = "us-east-1", **fields: Any) -> str:
        """A statement `caller_arn` ran at `created_at` (e.g. EventBridge, as the schedule role);
        `fields` are request fields (Sql or Sqls, Database, StatementName...). Returns its Id."""
        at = created_at.timestamp() if isinstance(created_at, datetime) else float(created_at)
        sqls = list(fields["Sqls"]) if "Sqls" in fields else [fields["Sql"]]
        with self.lock:
            return self._add(caller_arn, region, at, fields, sqls, "Sqls" in fields)["Id"]

    def statements(self) -> list[dict[str, Any]]:
        """Every statement (expired ones too), oldest first: request fields, caller, region, status."""
        with self.lock:
            t = self.now()
            rows = sorted(self._statements.values(), key=lambda s: s["created_at"])
            return [{"Id": s["Id"], "caller": s["caller"], "region": s["region"], "created_at": s["created_at"],
                     "Status": self._view(s, t)["Status"], **s["request"]} for s in rows]

    def caller_of(self, access_key: str | None) -> str:
        """The ARN of the identity owning `access_key`, asked of moto's sts:GetCallerIdentity."""
        if not access_key:
            raise RedshiftDataError("MissingAuthenticationTokenException", "the request is not signed", 403)
        if access_key in self._callers:
            return self._callers[access_key]
        if not self.sts_url:
            raise RedshiftDataError("InternalServerException", "the stand-in has no sts_url: it cannot tell who calls", 500)
        auth = f"AWS4-HMAC-SHA256 Credential={access_key}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0"
        request = urllib.request.Request(f"{self.sts_url.rstrip('/')}/", data=b"Action=GetCallerIdentity&Version=2011-06-15", method="POST",
                                         headers={"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                root = ET.fromstring(response.read())
        except (OSError, ET.ParseError) as exc:
            raise RedshiftDataError("InternalServerException", f"GetCallerIdentity at {self.sts_url} failed: {exc}", 500) from exc
        arn = next((el.text for el in root.iter() if el.tag.rpartition("}")[2] == "Arn" and el.text), None)
        if not arn:
            raise RedshiftDataError("InternalServerException", f"GetCallerIdentity at {self.sts_url} returned no Arn", 500)
        self._callers[access_key] = arn
        return arn

    # -- operations ------------------------------------------------------------------------

    def serve(self, operation: str, body: dict, region: str, caller: str) -> dict:
        handler = getattr(self, f"_op_{operation}", None)
        if handler is None:
            raise RedshiftDataError("UnknownOperationException", f"the Data API stand-in does not serve {operation}")
        return handler(body, region, caller)

    def _op_ExecuteStatement(self, body: dict, region: str, caller: str) -> dict:
        return self._execute(body, region, caller, [body["Sql"]], batch=False)

    def _op_BatchExecuteStatement(self, body: dict, region: str, caller: str) -> dict:
        if not 1 <= len(body["Sqls"]) <= 40:
            raise RedshiftDataError("ValidationException", "Sqls must hold 1 to 40 SQL statements")
        return self._execute(body, region, caller, list(body["Sqls"]), batch=True)

    def _op_DescribeStatement(self, body: dict, region: str, caller: str) -> dict:
        st, n = self._find(body["Id"], region)
        view = self._view(st, self.now())
        if n is None:
            return view
        sub = dict(view["SubStatements"][n - 1])
        return {**{k: view[k] for k in (*TARGET_FIELDS, "RedshiftPid") if k in view}, **sub}

    def _op_CancelStatement(self, body: dict, region: str, caller: str) -> dict:
        st, _ = self._find(body["Id"], region)
        t = self.now()
        status = self._view(st, t)["Status"]
        if status in DONE:
            raise RedshiftDataError("ValidationException", f"Could not cancel a query that is already in {status} state with ID: {body['Id']}")
        st["cancelled_at"] = t
        return {"Status": True}

    def _op_ListStatements(self, body: dict, region: str, caller: str) -> dict:
        limit = body.get("MaxResults") or 100
        if not 0 < limit <= 100:
            raise RedshiftDataError("ValidationException", f"MaxResults {limit}: must be between 0 and 100")
        if body.get("ClusterIdentifier") and body.get("WorkgroupName"):
            raise RedshiftDataError("ValidationException", "When providing ClusterIdentifier, WorkgroupName can't be specified")
        status = body.get("Status", "FINISHED")
        if status not in (*STATUSES, "ALL"):
            raise RedshiftDataError("ValidationException", f"Status {status!r} is not one of {', '.join((*STATUSES, 'ALL'))}")
        role_level, t, rows = body.get("RoleLevel", True), self.now(), []
        for st in self._statements.values():
            req = st["request"]
            if not (self._visible(st, region, t) and _sees(caller, st["caller"], role_level)
                    and req.get("StatementName", "").startswith(body.get("StatementName", ""))
                    and all(req.get(key) == body[key] for key in ("ClusterIdentifier", "WorkgroupName", "Database") if key in body)):
                continue
            view = self._view(st, t)
            if status in ("ALL", view["Status"]):
                rows.append((st, view))
        rows.sort(key=lambda r: (r[0]["created_at"], r[0]["Id"]), reverse=self.newest_first)
        start = 0
        if body.get("NextToken"):
            try:
                cursor = tuple(json.loads(base64.urlsafe_b64decode(body["NextToken"])))
            except ValueError as exc:
                raise RedshiftDataError("ValidationException", "NextToken is not one this service issued") from exc
            after = (lambda k: k < cursor) if self.newest_first else (lambda k: k > cursor)
            start = next((i for i, (st, _) in enumerate(rows) if after((st["created_at"], st["Id"]))), len(rows))
        page = rows[start : start + limit]
        out: dict[str, Any] = {"Statements": [_statement_data(st, view) for st, view in page]}
        if start + limit < len(rows):
            last = page[-1][0]
            out["NextToken"] = base64.urlsafe_b64encode(json.dumps([last["created_at"], last["Id"]]).encode()).decode()
        return out

    # -- state -----------------------------------------------------------------------------

    def _execute(self, body: dict, region: str, caller: str, sqls: list[str], batch: bool) -> dict:
        if body.get("ClusterIdentifier") and body.get("WorkgroupName"):
            raise RedshiftDataError("ValidationException", "ClusterIdentifier and WorkgroupName can't both be specified")
        if not (body.get("ClusterIdentifier") or body.get("WorkgroupName") or body.get("SecretArn")):
            raise RedshiftDataError("ValidationException", "Either ClusterIdentifier or WorkgroupName (or a SecretArn) must be specified")
        if not body.get("Database"):
            raise RedshiftDataError("ValidationException", "Database is required")
        if any(len(sql.encode()) > MAX_SQL_BYTES for sql in sqls):
            raise RedshiftDataError("ValidationException", "The maximum query statement size is 100 KB")
        t, token = self.now(), body.get("ClientToken")
        earlier = self._tokens.get((caller, token)) if token else None
        if earlier and t - earlier[1] < CLIENT_TOKEN_SECONDS and earlier[0] in self._statements:
            st = self._statements[earlier[0]]
        else:
            st = self._add(caller, region, t, body, sqls, batch)
            if token:
                self._tokens[(caller, token)] = (st["Id"], t)
        req = st["request"]
        return {"Id": st["Id"], "CreatedAt": st["created_at"], **{k: req[k] for k in TARGET_FIELDS if k in req}}

    def _add(self, caller: str, region: str, at: float, fields: dict, sqls: list[str], batch: bool) -> dict[str, Any]:
        number = len(self._statements) + 1
        st = {"Id": str(uuid.uuid4()), "caller": caller, "region": region, "created_at": at, "batch": batch, "sqls": sqls,
              "request": {k: fields[k] for k in REQUEST_FIELDS if k in fields}, "errors": [self.outcome(s) for s in sqls],
              "delay": self.delay, "rows": self.result_rows, "cancelled_at": None, "pid": 1000 + number, "query": 5000 + 10 * number}
        self._statements[st["Id"]] = st
        return st

    def _visible(self, st: dict, region: str, t: float) -> bool:
        return st["region"] == region and t - st["created_at"] < RETENTION_SECONDS

    def _find(self, statement_id: str, region: str) -> tuple[dict, int | None]:
        if not STATEMENT_ID.match(statement_id):
            raise RedshiftDataError("ValidationException", f"Id {statement_id!r} is not a statement id")
        parent, _, n = statement_id.partition(":")
        st = self._statements.get(parent)
        if st is None or not self._visible(st, region, self.now()) or (n and (not st["batch"] or not 1 <= int(n) <= len(st["sqls"]))):
            raise RedshiftDataError("ResourceNotFoundException", f"Query {statement_id} does not exist", ResourceId=statement_id)
        return st, int(n) if n else None

    def _plan(self, st: dict) -> list[dict[str, Any]]:
        """Each statement's run: start (None: never ran), end, final status, error."""
        begin, cancel = st["created_at"] + 0.2 * st["delay"], st["cancelled_at"]
        slot = 0.8 * st["delay"] / len(st["sqls"])
        stop: float | None = None  # when the run stopped: a failure in the transaction, or a cancel
        plan: list[dict[str, Any]] = []
        for i, error in enumerate(st["errors"]):
            start, end = begin + i * slot, begin + (i + 1) * slot
            if stop is not None:
                plan.append({"start": None, "end": stop, "status": "ABORTED", "error": None})
            elif cancel is not None and cancel < end:
                stop = cancel
                plan.append({"start": start if cancel >= start else None, "end": cancel, "status": "ABORTED", "error": None})
            else:
                plan.append({"start": start, "end": end, "status": "FAILED" if error else "FINISHED", "error": error})
                if error and st["request"].get("ExecutionMode", "TRANSACTION") != "AUTO_COMMIT":
                    stop = end
        return plan

    def _view(self, st: dict, t: float) -> dict[str, Any]:
        """DescribeStatement's answer at time t."""
        subs = [_sub_view(st, i, run, t) for i, run in enumerate(self._plan(st), start=1)]
        begin = st["created_at"] + 0.2 * st["delay"]
        end = max(s["UpdatedAt"] for s in subs) if all(s["Status"] in DONE for s in subs) else None
        if end is None:
            status = "STARTED" if t >= begin else "SUBMITTED"
        else:
            status = "ABORTED" if st["cancelled_at"] is not None else "FAILED" if any(s["Status"] == "FAILED" for s in subs) else "FINISHED"
        view = {"Id": st["Id"], "Status": status, "CreatedAt": st["created_at"],
                "UpdatedAt": end if end is not None else begin if status == "STARTED" else st["created_at"],
                "Duration": int((end - begin) * 1e9) if end is not None and end >= begin else -1,
                "HasResultSet": any(s["HasResultSet"] for s in subs),
                "ResultRows": sum(s["ResultRows"] for s in subs) if status == "FINISHED" else -1,
                "ResultSize": sum(s["ResultSize"] for s in subs) if status == "FINISHED" else -1,
                "RedshiftPid": st["pid"] if t >= begin else 0, "RedshiftQueryId": st["query"] if t >= begin else 0,
                **{k: v for k, v in st["request"].items() if k in TARGET_FIELDS}}
        if st["request"].get("Parameters"):
            view["QueryParameters"] = st["request"]["Parameters"]
        if status == "FAILED":
            view["Error"] = next(s["Error"] for s in subs if "Error" in s)
        if st["batch"]:
            view["SubStatements"] = subs
        else:
            view["QueryString"] = st["sqls"][0]
        return view


def _sub_view(st: dict, i: int, run: dict, t: float) -> dict[str, Any]:
    """One statement of a batch (or the only one) at time t."""
    done, started = t >= run["end"], run["start"] is not None and t >= run["start"]
    status = run["status"] if done else "STARTED" if started else "SUBMITTED"
    sql = st["sqls"][i - 1]
    result_set = status == "FINISHED" and bool(RESULT_SET.match(sql))
    rows = (st["rows"] if result_set else 0) if status == "FINISHED" else -1
    sub = {"Id": f"{st['Id']}:{i}", "Status": status, "QueryString": sql, "CreatedAt": st["created_at"],
           "UpdatedAt": run["end"] if done else run["start"] if started else st["created_at"],
           "Duration": int((run["end"] - run["start"]) * 1e9) if done and run["start"] is not None else -1,
           "HasResultSet": result_set, "ResultRows": rows, "ResultSize": 11 * rows if rows > 0 else rows,
           "RedshiftQueryId": st["query"] + i if started else 0}
    if done and run["error"]:
        sub["Error"] = run["error"]
    return sub


def _sees(caller: str, owner: str, role_level: bool) -> bool:
    """RoleLevel: true, every session of the caller's role; false, the caller's own session only."""
    role, owner_role = ASSUMED_ROLE.match(caller), ASSUMED_ROLE.match(owner)
    return caller == owner or bool(role_level and role and owner_role and role.groups() == owner_role.groups())


def _statement_data(st: dict, view: dict) -> dict[str, Any]:
    req = st["request"]
    out = {"Id": st["Id"], "Status": view["Status"], "CreatedAt": view["CreatedAt"], "UpdatedAt": view["UpdatedAt"], "IsBatchStatement": st["batch"],
           **({"QueryStrings": st["sqls"]} if st["batch"] else {"QueryString": st["sqls"][0]})}
    for key, name in (("StatementName", "StatementName"), ("SecretArn", "SecretArn"), ("Parameters", "QueryParameters")):
        if req.get(key):
            out[name] = req[key]
    return out
