"""The Redshift Data API stand-in behaves as AWS documents (tests/helpers/redshift_data.py names the
source of each behaviour). `rsqgen history` and `rsqgen run` are checked against it, so each test here
fails if the stand-in is made more lenient than AWS. Callers are real identities: sessions and users
issued by a moto server, which the stand-in asks who holds a key (as the Data API asks IAM)."""

from __future__ import annotations

import time
import uuid

import pytest
from botocore.exceptions import ClientError
from helpers.motoserver import running_moto
from helpers.redshift_data import RETENTION_SECONDS, RedshiftDataStandIn

REGION = "eu-west-1"
ACCOUNT = "111122223333"
TARGET = {"Database": "dev", "WorkgroupName": "wg-one"}
BROKEN = 'ERROR: relation "missing" does not exist'


class Clock:
    """The stand-in's clock, moved by hand."""

    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    with running_moto(tmp_path_factory.mktemp("moto") / "moto_server.log", account_id=ACCOUNT) as server:
        yield server


@pytest.fixture(scope="module")
def stand_in(moto):
    server = RedshiftDataStandIn(sts_url=moto.url)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def data(stand_in, moto):
    """The stand-in, emptied, on a clock the test moves; failing SQL mentions "missing"."""
    moto.reset()
    stand_in.reset(sts_url=moto.url)
    stand_in.now = Clock()
    stand_in.outcome = lambda sql: BROKEN if "missing" in sql else None
    return stand_in


def _client(stand_in, creds: dict | None = None, region: str = REGION):
    if creds is None:
        return stand_in.client(region)
    return stand_in.client(region, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def _session(moto, role: str, name: str) -> dict:
    sts = moto.client("sts", REGION)
    return sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role}", RoleSessionName=name)["Credentials"]


def _user(moto, name: str) -> dict:
    iam = moto.client("iam", REGION)
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"], "SessionToken": None}


def _ids(page: dict) -> list[str]:
    return [s["Id"] for s in page["Statements"]]


def _code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


def _later(stand_in, seconds: float = 1.0) -> None:
    stand_in.now.t += seconds


# -- the life of a statement --------------------------------------------------------------


def test_a_polled_statement_is_submitted_then_started_then_finished(data):
    data.now, data.delay = time.time, 5.0  # real time: a client polling really sees it progress (1 s submitted: room on a busy machine)
    client = _client(data)
    sid = client.execute_statement(Sql="select 1", **TARGET)["Id"]
    seen: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not seen or seen[-1] not in ("FINISHED", "FAILED", "ABORTED")):
        status = client.describe_statement(Id=sid)["Status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.02)
    assert seen == ["SUBMITTED", "STARTED", "FINISHED"]


def test_duration_is_in_nanoseconds_and_minus_one_until_the_statement_ends(data):
    data.delay = 10.0  # submitted for 2 s, then runs 8 s
    client = _client(data)
    sid = client.execute_statement(Sql="select 1", **TARGET)["Id"]
    got = client.describe_statement(Id=sid)
    assert (got["Status"], got["Duration"], got["ResultRows"], got["ResultSize"], got["RedshiftPid"]) == ("SUBMITTED", -1, -1, -1, 0)
    _later(data, 5)
    got = client.describe_statement(Id=sid)
    assert (got["Status"], got["Duration"]) == ("STARTED", -1)
    _later(data, 5)
    got = client.describe_statement(Id=sid)
    assert (got["Status"], got["Duration"], got["HasResultSet"], got["ResultRows"]) == ("FINISHED", 8_000_000_000, True, 1)
    assert "Error" not in got


def test_a_failing_statement_ends_failed_with_its_error(data):
    client = _client(data)
    sid = client.execute_statement(Sql="select * from missing", **TARGET)["Id"]
    assert "Error" not in client.describe_statement(Id=sid)
    _later(data)
    got = client.describe_statement(Id=sid)
    assert (got["Status"], got["Error"], got["ResultRows"]) == ("FAILED", BROKEN, -1)


def test_execute_returns_the_target_it_ran_on_and_only_that(data):
    client = _client(data)
    on_workgroup = client.execute_statement(Sql="select 1", **TARGET)
    assert (on_workgroup["WorkgroupName"], on_workgroup["Database"]) == ("wg-one", "dev")
    assert "ClusterIdentifier" not in on_workgroup
    on_cluster = client.execute_statement(Sql="select 1", Database="dev", ClusterIdentifier="c1", DbUser="rsadmin")
    assert (on_cluster["ClusterIdentifier"], on_cluster["DbUser"]) == ("c1", "rsadmin")
    assert "WorkgroupName" not in on_cluster
    assert str(uuid.UUID(on_cluster["Id"])) == on_cluster["Id"]


def test_a_statement_runs_on_one_cluster_or_one_workgroup(data):
    client = _client(data)
    for target in ({"Database": "dev"}, {"Database": "dev", "ClusterIdentifier": "c1", "WorkgroupName": "wg-one"}):
        with pytest.raises(ClientError) as exc:
            client.execute_statement(Sql="select 1", **target)
        assert _code(exc) == "ValidationException"
    secret = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rs-AbCdEf"  # the cluster can come from the secret
    assert client.execute_statement(Sql="select 1", Database="dev", SecretArn=secret)["SecretArn"] == secret
    assert len(data.statements()) == 1


def test_a_client_token_makes_a_run_idempotent_for_8_hours(data):
    client = _client(data)
    first = client.execute_statement(Sql="select 1", ClientToken="run-once", **TARGET)["Id"]
    assert client.execute_statement(Sql="select 1", ClientToken="run-once", **TARGET)["Id"] == first
    _later(data, 8 * 3600 + 1)
    assert client.execute_statement(Sql="select 1", ClientToken="run-once", **TARGET)["Id"] != first


def test_cancel_aborts_a_running_statement_and_only_a_running_one(data):
    client = _client(data)
    running = client.execute_statement(Sql="select 1", **TARGET)["Id"]
    _later(data, 0.3)
    assert client.describe_statement(Id=running)["Status"] == "STARTED"
    assert client.cancel_statement(Id=running)["Status"] is True
    _later(data)
    assert client.describe_statement(Id=running)["Status"] == "ABORTED"
    finished = client.execute_statement(Sql="select 1", **TARGET)["Id"]
    _later(data)
    with pytest.raises(ClientError) as exc:
        client.cancel_statement(Id=finished)
    assert _code(exc) == "ValidationException"
    assert exc.value.response["Error"]["Message"] == f"Could not cancel a query that is already in FINISHED state with ID: {finished}"


def test_an_unknown_id_is_not_found_and_a_malformed_one_invalid(data):
    client = _client(data)
    with pytest.raises(ClientError) as exc:
        client.describe_statement(Id=str(uuid.uuid4()))
    assert _code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        client.describe_statement(Id="not-a-statement")
    assert _code(exc) == "ValidationException"


def test_statements_belong_to_their_region(data):
    sid = _client(data).execute_statement(Sql="select 1", **TARGET)["Id"]
    _later(data)
    elsewhere = _client(data, region="us-east-1")
    assert _ids(elsewhere.list_statements(Status="ALL")) == []
    with pytest.raises(ClientError) as exc:
        elsewhere.describe_statement(Id=sid)
    assert _code(exc) == "ResourceNotFoundException"


# -- batches -------------------------------------------------------------------------------


def test_a_batch_runs_in_order_and_stops_at_its_first_failure(data):
    client = _client(data)
    sqls = ["create table t (a int)", "insert into t select a from missing", "select * from t"]
    bid = client.batch_execute_statement(Sqls=sqls, **TARGET)["Id"]
    _later(data)
    got = client.describe_statement(Id=bid)
    assert (got["Status"], got["Error"]) == ("FAILED", BROKEN)
    subs = got["SubStatements"]
    assert [(s["Id"], s["Status"], s["QueryString"]) for s in subs] == [
        (f"{bid}:1", "FINISHED", sqls[0]),
        (f"{bid}:2", "FAILED", sqls[1]),
        (f"{bid}:3", "ABORTED", sqls[2]),  # rolled back with the transaction, never run
    ]
    assert subs[0]["Duration"] > 0 and subs[2]["Duration"] == -1
    sub = client.describe_statement(Id=f"{bid}:2")
    assert (sub["Status"], sub["Error"], sub["Database"]) == ("FAILED", BROKEN, "dev")


def test_an_auto_commit_batch_runs_past_a_failure(data):
    client = _client(data)
    bid = client.batch_execute_statement(Sqls=["select * from missing", "select 1"], ExecutionMode="AUTO_COMMIT", **TARGET)["Id"]
    _later(data)
    got = client.describe_statement(Id=bid)
    assert [s["Status"] for s in got["SubStatements"]] == ["FAILED", "FINISHED"]
    assert got["Status"] == "FAILED"


def test_a_batch_has_a_result_set_if_any_sub_statement_has_one(data):
    client = _client(data)
    bid = client.batch_execute_statement(Sqls=["create table t (a int)", "select 1", "select 2"], **TARGET)["Id"]
    _later(data)
    got = client.describe_statement(Id=bid)
    assert [s["HasResultSet"] for s in got["SubStatements"]] == [False, True, True]
    assert (got["HasResultSet"], got["ResultRows"], got["ResultSize"]) == (True, 2, 22)  # the sub-statements' sums


def test_a_batch_holds_1_to_40_statements_and_lists_as_one(data):
    client = _client(data)
    with pytest.raises(ClientError) as exc:
        client.batch_execute_statement(Sqls=["select 1"] * 41, **TARGET)
    assert _code(exc) == "ValidationException"
    bid = client.batch_execute_statement(Sqls=["select 1", "select 2"], StatementName="QS1", **TARGET)["Id"]
    _later(data)
    [listed] = client.list_statements()["Statements"]
    assert (listed["Id"], listed["IsBatchStatement"], listed["QueryStrings"], listed["StatementName"]) == (bid, True, ["select 1", "select 2"], "QS1")
    assert "QueryString" not in listed


# -- ListStatements ------------------------------------------------------------------------


def test_by_default_only_finished_statements_are_listed(data):
    client = _client(data)
    ok = client.execute_statement(Sql="select 1", **TARGET)["Id"]
    bad = client.execute_statement(Sql="select * from missing", **TARGET)["Id"]
    _later(data)
    running = client.execute_statement(Sql="select 2", **TARGET)["Id"]
    assert _ids(client.list_statements()) == [ok]
    assert set(_ids(client.list_statements(Status="ALL"))) == {ok, bad, running}
    assert _ids(client.list_statements(Status="FAILED")) == [bad]
    assert _ids(client.list_statements(Status="SUBMITTED")) == [running]


def test_statement_name_is_a_case_sensitive_prefix(data):
    client = _client(data)
    for name in ("QS2-a", "QS2-ab", "qs2-a", "QS3"):
        client.execute_statement(Sql="select 1", StatementName=name, **TARGET)
    client.execute_statement(Sql="select 1", **TARGET)  # unnamed
    _later(data)
    names = {s["StatementName"] for s in client.list_statements(StatementName="QS2-a")["Statements"]}
    assert names == {"QS2-a", "QS2-ab"}


def test_statements_are_listed_newest_first_a_page_at_a_time(data):
    client = _client(data)
    made = []
    for _ in range(5):
        made.append(client.execute_statement(Sql="select 1", **TARGET)["Id"])
        _later(data)
    pages, token = [], None
    while True:
        page = client.list_statements(MaxResults=2, **({"NextToken": token} if token else {}))
        pages.append(_ids(page))
        token = page.get("NextToken")
        if not token:
            break
    assert pages == [made[4:2:-1], made[2:0:-1], made[:1]]
    data.newest_first = False  # the order is not documented: a client can be checked not to rely on it
    assert _ids(client.list_statements()) == made


def test_list_limits_are_checked(data):
    client = _client(data)
    for bad in ({"MaxResults": 101}, {"ClusterIdentifier": "c1", "WorkgroupName": "wg-one"}):
        with pytest.raises(ClientError) as exc:
            client.list_statements(**bad)
        assert _code(exc) == "ValidationException"


def test_list_filters_by_target_and_database(data):
    client = _client(data)
    on_wg = client.execute_statement(Sql="select 1", **TARGET)["Id"]
    on_cluster = client.execute_statement(Sql="select 1", Database="sales", ClusterIdentifier="c1", DbUser="rsadmin")["Id"]
    _later(data)
    assert _ids(client.list_statements(WorkgroupName="wg-one")) == [on_wg]
    assert _ids(client.list_statements(ClusterIdentifier="c1", Database="sales")) == [on_cluster]
    assert _ids(client.list_statements(ClusterIdentifier="c1", Database="dev")) == []


def test_statements_are_kept_24_hours(data, moto):
    now = data.now.t
    by_schedule = f"arn:aws:sts::{ACCOUNT}:assumed-role/reporter/scheduler-session"
    old = data.seed(by_schedule, now - RETENTION_SECONDS - 60, region=REGION, Sql="select 1", StatementName="QS1", **TARGET)
    recent = data.seed(by_schedule, now - RETENTION_SECONDS + 3600, region=REGION, Sql="select 1", StatementName="QS1", **TARGET)
    client = _client(data)
    assert _ids(client.list_statements(Status="ALL", RoleLevel=True)) == []  # another identity: not its statements
    reporter = _client(data, _session(moto, "reporter", "alice"))
    assert _ids(reporter.list_statements(StatementName="QS1")) == [recent]
    with pytest.raises(ClientError) as exc:
        reporter.describe_statement(Id=old)
    assert _code(exc) == "ResourceNotFoundException"
    _later(data, 3600)
    assert _ids(reporter.list_statements(StatementName="QS1", Status="ALL")) == []


# -- who ran it (RoleLevel) ----------------------------------------------------------------


def test_sessions_of_one_role_see_each_others_statements_unless_role_level_is_false(data, moto):
    alice, bob = _session(moto, "reporter", "alice"), _session(moto, "reporter", "bob")
    sid = _client(data, alice).execute_statement(Sql="select 1", StatementName="QS1", **TARGET)["Id"]
    _later(data)
    assert _ids(_client(data, bob).list_statements()) == [sid]  # RoleLevel defaults to true
    assert _ids(_client(data, bob).list_statements(RoleLevel=False)) == []
    assert _ids(_client(data, alice).list_statements(RoleLevel=False)) == [sid]
    [recorded] = data.statements()
    assert recorded["caller"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/reporter/alice"
    assert (recorded["Sql"], recorded["StatementName"], recorded["WorkgroupName"]) == ("select 1", "QS1", "wg-one")


def test_another_role_or_a_user_does_not_see_a_roles_statements(data, moto):
    sid = _client(data, _session(moto, "reporter", "alice")).execute_statement(Sql="select 1", **TARGET)["Id"]
    _later(data)
    assert _ids(_client(data, _session(moto, "auditor", "alice")).list_statements(Status="ALL")) == []
    dana = _user(moto, "dana")
    assert _ids(_client(data, dana).list_statements(Status="ALL")) == []
    own = _client(data, dana).execute_statement(Sql="select 1", **TARGET)["Id"]
    _later(data)
    assert _ids(_client(data, dana).list_statements()) == [own]
    assert _ids(_client(data, _user(moto, "erin")).list_statements(Status="ALL")) == []
    assert {s["Id"]: s["caller"] for s in data.statements()}[own] == f"arn:aws:iam::{ACCOUNT}:user/dana"
    assert sid != own
