"""The Redshift Serverless stand-in behaves as AWS documents (tests/helpers/serverless.py names the
source of each behaviour). The deploy suite's verdicts on created workgroups are only as good as
this; each test here fails if the stand-in is made more lenient than AWS."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from helpers.serverless import DEFAULT_CONFIG_PARAMETERS, ServerlessStandIn

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def stand_in():
    server = ServerlessStandIn(account="111122223333")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(stand_in):
    stand_in.reset()
    return stand_in.client(REGION)


def _workgroup(client, **extra):
    client.create_namespace(namespaceName="ns-one", adminUsername="rsadmin", dbName="reports", manageAdminPassword=True)
    return client.create_workgroup(workgroupName="wg-one", namespaceName="ns-one", **extra)["workgroup"]


def _code(exc: pytest.ExceptionInfo) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def test_every_parameter_is_read_back_not_only_those_set(client):
    _workgroup(client, configParameters=[{"parameterKey": "require_ssl", "parameterValue": "true"}])
    params = client.get_workgroup(workgroupName="wg-one")["workgroup"]["configParameters"]
    assert {p["parameterKey"]: p["parameterValue"] for p in params} == DEFAULT_CONFIG_PARAMETERS
    assert "enable_large_strings_opt_in" in {p["parameterKey"] for p in params}  # a key provider 5.x refuses


def test_an_update_that_changes_no_parameter_is_refused(client):
    _workgroup(client)
    with pytest.raises(ClientError) as exc:
        client.update_workgroup(workgroupName="wg-one", configParameters=[{"parameterKey": "require_ssl", "parameterValue": "true"}])
    assert _code(exc) == ("ValidationException", "You didn't specify any changes to the configuration parameters.")
    client.update_workgroup(workgroupName="wg-one", configParameters=[{"parameterKey": "require_ssl", "parameterValue": "false"}])
    params = client.get_workgroup(workgroupName="wg-one")["workgroup"]["configParameters"]
    assert {"parameterKey": "require_ssl", "parameterValue": "false"} in params


def test_one_kind_of_setting_per_update(client):
    _workgroup(client)
    with pytest.raises(ClientError) as exc:
        client.update_workgroup(workgroupName="wg-one", baseCapacity=16, publiclyAccessible=False)
    assert _code(exc)[0] == "ValidationException"
    client.update_workgroup(workgroupName="wg-one", baseCapacity=16)
    assert client.get_workgroup(workgroupName="wg-one")["workgroup"]["baseCapacity"] == 16


def test_ssl_cannot_be_off_at_creation_and_unknown_keys_are_refused(client):
    client.create_namespace(namespaceName="ns-one")
    for key, value in (("require_ssl", "false"), ("not_a_parameter", "1")):
        with pytest.raises(ClientError) as exc:
            client.create_workgroup(workgroupName="wg-one", namespaceName="ns-one", configParameters=[{"parameterKey": key, "parameterValue": value}])
        assert _code(exc)[0] == "ValidationException"
    assert client.list_workgroups()["workgroups"] == []


def test_arn_ends_in_an_id_and_the_admin_secret_is_kept(client):
    wg = _workgroup(client)
    assert wg["workgroupArn"] == f"arn:aws:redshift-serverless:{REGION}:111122223333:workgroup/{wg['workgroupId']}"
    assert not wg["workgroupArn"].endswith("wg-one")
    ns = client.get_namespace(namespaceName="ns-one")["namespace"]
    assert ns["adminPasswordSecretArn"].startswith(f"arn:aws:secretsmanager:{REGION}:111122223333:secret:")


def test_a_namespace_with_a_workgroup_cannot_be_deleted(client):
    _workgroup(client)
    with pytest.raises(ClientError) as exc:
        client.delete_namespace(namespaceName="ns-one")
    assert _code(exc)[0] == "ConflictException"
    client.delete_workgroup(workgroupName="wg-one")
    client.delete_namespace(namespaceName="ns-one")
    with pytest.raises(ClientError) as exc:
        client.get_namespace(namespaceName="ns-one")
    assert _code(exc)[0] == "ResourceNotFoundException"


def test_tags_round_trip(client):
    wg = _workgroup(client, tags=[{"key": "team", "value": "data"}])
    arn = wg["workgroupArn"]
    client.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "dev"}])
    client.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "dev"}]
