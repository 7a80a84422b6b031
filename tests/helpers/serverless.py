"""A stand-in for the Amazon Redshift Serverless API, on 127.0.0.1, for the deploy suite.

moto (5.2.5) has no Redshift Serverless at all. This server answers the calls the AWS provider and
rsqgen make (namespaces, workgroups, tags) the way AWS documents them, including the behaviours
the generated code has to survive. Each is written down with its source; docs/aws-behaviour.md
lists them with the tests that rely on them:

- GetWorkgroup returns *every* configuration parameter, not only those set at creation, with
  AWS's defaults for the rest. Defaults: a fresh workgroup read back on 2026-07-11
  (https://github.com/go-to-k/cdk-real-drift/pull/1441), plus `enable_large_strings_opt_in`, which
  AWS has returned since Redshift patch 205 and which provider 5.x rejects in configuration
  (https://github.com/hashicorp/terraform-provider-aws/pull/49941; its value is not given there,
  "false" is assumed).
- UpdateWorkgroup whose configParameters change nothing is rejected: "You didn't specify any changes
  to the configuration parameters." (ValidationException; quoted in the same provider PR).
- UpdateWorkgroup changes one kind of setting per request ("You can't update multiple workgroup
  parameters in one request", the provider's workgroup.go; the provider sends one call per kind).
- require_ssl cannot be false at creation ("You can't disable require_ssl while the workgroup is
  being created", https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/2454).
- A workgroup's ARN ends in its generated id, not its name (GetWorkgroup, API reference).
- A namespace with a workgroup cannot be deleted (ConflictException).
- With manageAdminPassword, Redshift keeps the admin password in a Secrets Manager secret and
  returns its ARN as adminPasswordSecretArn (CreateNamespace, API reference).

Requests are JSON 1.1 (X-Amz-Target: RedshiftServerless.<Operation>); the region is read from the
request's SigV4 credential scope, the account is the one `reset` was given.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from helpers.jsonapi import ApiError, JsonApiServer

__all__ = ["DEFAULT_CONFIG_PARAMETERS", "ServerlessError", "ServerlessStandIn"]

DEFAULT_CONFIG_PARAMETERS: dict[str, str] = {
    "auto_mv": "true",
    "datestyle": "ISO, MDY",
    "enable_case_sensitive_identifier": "false",
    "enable_large_strings_opt_in": "false",
    "enable_user_activity_logging": "true",
    "max_query_execution_time": "14400",
    "query_group": "default",
    "require_ssl": "true",
    "search_path": "$user, public",
    "use_fips_ssl": "false",
}

# ConfigParameter.parameterKey (API reference) and the query monitoring metrics it allows.
QUERY_MONITORING_KEYS = (
    "max_query_cpu_time",
    "max_query_blocks_read",
    "max_scan_row_count",
    "max_query_queue_time",
    "max_query_cpu_usage_percent",
    "max_query_temp_blocks_to_disk",
    "max_join_row_count",
    "max_nested_loop_join_row_count",
)
ALLOWED_CONFIG_KEYS = frozenset(DEFAULT_CONFIG_PARAMETERS) | frozenset(QUERY_MONITORING_KEYS)

# The settings UpdateWorkgroup changes, one kind per request.
WORKGROUP_SETTINGS = (
    "baseCapacity",
    "configParameters",
    "enhancedVpcRouting",
    "maxCapacity",
    "port",
    "publiclyAccessible",
    "securityGroupIds",
    "subnetIds",
)

NAME = re.compile(r"^[a-z0-9-]{3,64}$")


class ServerlessError(ApiError):
    pass


class ServerlessStandIn(JsonApiServer):
    """The server. `namespaces` and `workgroups` (by name) are its whole state; `calls` counts the
    operations served, so a test can tell that terraform really went through it."""

    name = "serverless-stand-in"

    def __init__(self, account: str = "123456789012") -> None:
        self.account = account
        self.namespaces: dict[str, dict[str, Any]] = {}
        self.workgroups: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, dict[str, str]] = {}  # resource ARN -> tags
        super().__init__()

    def handle(self, operation: str, body: dict, region: str, access_key: str | None) -> dict[str, Any]:
        with self.lock:
            self.count(operation)
            return self.serve(operation, body, region)

    # -- lifecycle -------------------------------------------------------------------------

    def reset(self, account: str | None = None) -> None:
        with self.lock:
            self.namespaces.clear()
            self.workgroups.clear()
            self.tags.clear()
            self.calls.clear()
            if account:
                self.account = account

    def client(self, region: str):
        """A boto3 redshift-serverless client for this server (fake keys, never the machine's)."""
        import boto3

        return boto3.client(
            "redshift-serverless", endpoint_url=self.url, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing"
        )

    def add(self, name: str, region: str, account: str) -> str:
        """An existing workgroup (and its namespace), as its owner made it; returns its ARN."""
        with self.lock:
            self.account = account
            namespace = f"{name}-ns"
            self._create_namespace({"namespaceName": namespace, "dbName": "dev", "adminUsername": "owner"}, region)
            workgroup = self._create_workgroup({"workgroupName": name, "namespaceName": namespace, "enhancedVpcRouting": True}, region)
        return workgroup["workgroupArn"]

    # -- operations ------------------------------------------------------------------------

    def serve(self, operation: str, body: dict, region: str) -> dict:
        handler = getattr(self, f"_op_{operation}", None)
        if handler is None:
            raise ServerlessError("UnknownOperationException", f"the Serverless stand-in does not serve {operation}")
        return handler(body, region)

    def _op_CreateNamespace(self, body: dict, region: str) -> dict:  # noqa: N802 - AWS's operation names
        return {"namespace": self._create_namespace(body, region)}

    def _op_GetNamespace(self, body: dict, region: str) -> dict:  # noqa: N802
        return {"namespace": self._namespace(body["namespaceName"])}

    def _op_ListNamespaces(self, body: dict, region: str) -> dict:  # noqa: N802
        return {"namespaces": list(self.namespaces.values())}

    def _op_UpdateNamespace(self, body: dict, region: str) -> dict:  # noqa: N802
        ns = self._namespace(body["namespaceName"])
        for key in ("adminUsername", "defaultIamRoleArn", "iamRoles", "kmsKeyId", "logExports"):
            if key in body:
                ns[key] = body[key]
        if body.get("manageAdminPassword") and "adminPasswordSecretArn" not in ns:
            ns["adminPasswordSecretArn"] = self._secret_arn(ns)
        return {"namespace": ns}

    def _op_DeleteNamespace(self, body: dict, region: str) -> dict:  # noqa: N802
        ns = self._namespace(body["namespaceName"])
        users = sorted(w["workgroupName"] for w in self.workgroups.values() if w["namespaceName"] == ns["namespaceName"])
        if users:
            raise ServerlessError("ConflictException", f"Namespace {ns['namespaceName']} has workgroups: {', '.join(users)}")
        del self.namespaces[ns["namespaceName"]]
        self.tags.pop(ns["namespaceArn"], None)
        return {"namespace": dict(ns, status="DELETING")}

    def _op_CreateWorkgroup(self, body: dict, region: str) -> dict:  # noqa: N802
        return {"workgroup": self._create_workgroup(body, region)}

    def _op_GetWorkgroup(self, body: dict, region: str) -> dict:  # noqa: N802
        return {"workgroup": self._workgroup(body["workgroupName"])}

    def _op_ListWorkgroups(self, body: dict, region: str) -> dict:  # noqa: N802
        return {"workgroups": list(self.workgroups.values())}

    def _op_UpdateWorkgroup(self, body: dict, region: str) -> dict:  # noqa: N802
        wg = self._workgroup(body["workgroupName"])
        given = [key for key in WORKGROUP_SETTINGS if key in body]
        if len(given) > 1:
            raise ServerlessError("ValidationException", "You can't update multiple workgroup parameters in one request.")
        if "configParameters" in body:
            current = {p["parameterKey"]: p["parameterValue"] for p in wg["configParameters"]}
            wanted = self._config(body["configParameters"])
            if all(current.get(k) == v for k, v in wanted.items()):
                raise ServerlessError("ValidationException", "You didn't specify any changes to the configuration parameters.")
            current.update(wanted)
            wg["configParameters"] = _parameter_list(current)
        for key in given:
            if key == "port":
                wg["endpoint"]["port"] = body["port"]
            elif key != "configParameters":
                wg[key] = body[key]
        return {"workgroup": wg}

    def _op_DeleteWorkgroup(self, body: dict, region: str) -> dict:  # noqa: N802
        wg = self._workgroup(body["workgroupName"])
        del self.workgroups[wg["workgroupName"]]
        self.tags.pop(wg["workgroupArn"], None)
        return {"workgroup": dict(wg, status="DELETING")}

    def _op_ListTagsForResource(self, body: dict, region: str) -> dict:  # noqa: N802
        tags = self._tags_of(body["resourceArn"])
        return {"tags": [{"key": k, "value": v} for k, v in sorted(tags.items())]}

    def _op_TagResource(self, body: dict, region: str) -> dict:  # noqa: N802
        self._tags_of(body["resourceArn"]).update({t["key"]: t["value"] for t in body["tags"]})
        return {}

    def _op_UntagResource(self, body: dict, region: str) -> dict:  # noqa: N802
        tags = self._tags_of(body["resourceArn"])
        for key in body["tagKeys"]:
            tags.pop(key, None)
        return {}

    # -- state -----------------------------------------------------------------------------

    def _create_namespace(self, body: dict, region: str) -> dict:
        name = body["namespaceName"]
        if not NAME.match(name):
            raise ServerlessError("ValidationException", f"namespaceName {name!r}: 3-64 lowercase letters, digits and hyphens")
        if name in self.namespaces:
            raise ServerlessError("ConflictException", f"Namespace {name} already exists")
        if body.get("manageAdminPassword") and body.get("adminUserPassword"):
            raise ServerlessError("ValidationException", "You can't use adminUserPassword if manageAdminPassword is true.")
        namespace_id = str(uuid.uuid4())
        ns: dict[str, Any] = {
            "namespaceName": name,
            "namespaceId": namespace_id,
            "namespaceArn": f"arn:aws:redshift-serverless:{region}:{self.account}:namespace/{namespace_id}",
            "adminUsername": body.get("adminUsername", "admin"),
            "dbName": body.get("dbName", "dev"),
            "kmsKeyId": body.get("kmsKeyId", "AWS_OWNED_KMS_KEY"),
            "logExports": body.get("logExports", []),
            "iamRoles": body.get("iamRoles", []),
            "status": "AVAILABLE",
            "creationDate": "2026-11-29T00:00:00Z",
        }
        if body.get("defaultIamRoleArn"):
            ns["defaultIamRoleArn"] = body["defaultIamRoleArn"]
        if body.get("manageAdminPassword"):
            ns["adminPasswordSecretArn"] = self._secret_arn(ns, region)
            ns["adminPasswordSecretKmsKeyId"] = body.get("adminPasswordSecretKmsKeyId", "AWS_OWNED_KMS_KEY")
        self.namespaces[name] = ns
        self.tags[ns["namespaceArn"]] = {t["key"]: t["value"] for t in body.get("tags", [])}
        return ns

    def _create_workgroup(self, body: dict, region: str) -> dict:
        name, namespace = body["workgroupName"], body["namespaceName"]
        if not NAME.match(name):
            raise ServerlessError("ValidationException", f"workgroupName {name!r}: 3-64 lowercase letters, digits and hyphens")
        if name in self.workgroups:
            raise ServerlessError("ConflictException", f"Workgroup {name} already exists")
        self._namespace(namespace)
        config = dict(DEFAULT_CONFIG_PARAMETERS)
        given = self._config(body.get("configParameters", []))
        if given.get("require_ssl") == "false":
            raise ServerlessError(
                "ValidationException",
                "You can't disable require_ssl while the workgroup is being created. To disable require_ssl, update the workgroup after creation.",
            )
        config.update(given)
        workgroup_id = str(uuid.uuid4())
        wg: dict[str, Any] = {
            "workgroupName": name,
            "workgroupId": workgroup_id,
            "workgroupArn": f"arn:aws:redshift-serverless:{region}:{self.account}:workgroup/{workgroup_id}",
            "namespaceName": namespace,
            "baseCapacity": body.get("baseCapacity", 128),
            "enhancedVpcRouting": body.get("enhancedVpcRouting", False),
            "publiclyAccessible": body.get("publiclyAccessible", False),
            "securityGroupIds": body.get("securityGroupIds", []),
            "subnetIds": body.get("subnetIds", []),
            "configParameters": _parameter_list(config),
            "endpoint": {
                "address": f"{name}.{self.account}.{region}.redshift-serverless.amazonaws.com",
                "port": body.get("port", 5439),
                "vpcEndpoints": [],
            },
            "status": "AVAILABLE",
            "creationDate": "2026-11-29T00:00:00Z",
        }
        if "maxCapacity" in body:
            wg["maxCapacity"] = body["maxCapacity"]
        self.workgroups[name] = wg
        self.tags[wg["workgroupArn"]] = {t["key"]: t["value"] for t in body.get("tags", [])}
        return wg

    def _config(self, parameters: list[dict]) -> dict[str, str]:
        out = {}
        for p in parameters:
            key = p.get("parameterKey")
            if key not in ALLOWED_CONFIG_KEYS:
                raise ServerlessError("ValidationException", f"Invalid configuration parameter key: {key}")
            out[key] = p.get("parameterValue")
        return out

    def _secret_arn(self, ns: dict, region: str | None = None) -> str:
        region = region or ns["namespaceArn"].split(":")[3]
        return f"arn:aws:secretsmanager:{region}:{self.account}:secret:redshift!{ns['namespaceName']}-{ns['adminUsername']}-AbCdEf"

    def _namespace(self, name: str) -> dict:
        if name not in self.namespaces:
            raise ServerlessError("ResourceNotFoundException", f"Namespace {name} not found.")
        return self.namespaces[name]

    def _workgroup(self, name: str) -> dict:
        if name not in self.workgroups:
            raise ServerlessError("ResourceNotFoundException", f"Workgroup {name} not found.")
        return self.workgroups[name]

    def _tags_of(self, arn: str) -> dict[str, str]:
        if arn not in self.tags:
            raise ServerlessError("ResourceNotFoundException", f"Resource {arn} not found.")
        return self.tags[arn]


def _parameter_list(config: dict[str, str]) -> list[dict[str, str]]:
    return [{"parameterKey": k, "parameterValue": v} for k, v in sorted(config.items())]
