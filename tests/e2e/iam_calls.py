"""Records the AWS calls each function makes while the local runner invokes it, as the IAM actions they need."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from aws_lambda_powertools.utilities import parameters
from botocore.client import BaseClient

from local.runner import LocalLambdaClient, LocalRunner, invoking_function
from shared.db import creditors

# botocore service name -> IAM service prefix, where they differ.
PREFIXES = {"sesv2": "ses"}
# Operations whose IAM action is not `<prefix>:<OperationName>`.
RENAMED = {
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("lambda", "Invoke"): "lambda:InvokeFunction",
}
# TransactWriteItems is no IAM action: each item is authorised by its own action.
TRANSACT_ITEMS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def iam_actions(service: str, operation: str, params: dict[str, Any]) -> set[str]:
    """The IAM actions one API call is authorised by (see the Service Authorization Reference)."""
    if (service, operation) == ("dynamodb", "TransactWriteItems"):
        return {TRANSACT_ITEMS[kind] for item in params["TransactItems"] for kind in item}
    if (service, operation) == ("dynamodb", "TransactGetItems"):
        return {"dynamodb:GetItem"}
    if (service, operation) == ("s3", "GetObject"):
        return {"s3:GetObjectVersion" if params.get("VersionId") else "s3:GetObject"}
    if (service, operation) == ("s3", "DeleteObject"):
        return {"s3:DeleteObjectVersion" if params.get("VersionId") else "s3:DeleteObject"}
    if (service, operation) == ("s3", "CopyObject"):
        source = params["CopySource"]
        versioned = (isinstance(source, dict) and source.get("VersionId")) or "versionId=" in str(source)
        return {"s3:GetObjectVersion" if versioned else "s3:GetObject", "s3:PutObject"}
    if service == "ssm" and operation in ("GetParameter", "GetParameters") and params.get("WithDecryption"):
        # A SecureString is decrypted by KMS on the caller's behalf (kms:ViaService ssm).
        return {f"ssm:{operation}", "kms:Decrypt"}
    if (service, operation) in RENAMED:
        return {RENAMED[(service, operation)]}
    return {f"{PREFIXES.get(service, service)}:{operation}"}


class CallLog:
    """(service, operation) calls and the IAM actions they need, per function logical id."""

    def __init__(self) -> None:
        self.operations: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.actions: dict[str, set[str]] = defaultdict(set)

    def add(self, service: str, operation: str, params: dict[str, Any]) -> None:
        function = invoking_function()
        if function is None:  # the runner's or the test's own calls (put_object, queue polling, assertions)
            return
        self.operations[function].add((service, operation))
        self.actions[function] |= iam_actions(service, operation, params)


@contextmanager
def recording_calls() -> Iterator[CallLog]:
    """Inside the block every botocore API call (boto3 clients, pynamodb, Powertools parameters) and every Lambda
    self-invocation through the runner's stand-in client is recorded against the function being invoked.

    botocore is hooked where every client's call passes (`BaseClient._make_api_call`), because the clients are
    cached per process (shared.adapters.aws, pynamodb's connection) and may predate the recorder, so an event
    handler registered on a session now would miss them.
    """
    log = CallLog()
    make_api_call = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped in the stubs
    local_invoke = LocalLambdaClient.invoke
    runner_invoke = LocalRunner.invoke

    def recorded_call(client: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        log.add(client.meta.service_model.service_name, operation_name, api_params)
        return make_api_call(client, operation_name, api_params)

    def recorded_invoke(stand_in: LocalLambdaClient, FunctionName: str, **kwargs: Any) -> dict[str, Any]:
        log.add("lambda", "Invoke", {"FunctionName": FunctionName, **kwargs})
        return local_invoke(stand_in, FunctionName, **kwargs)

    def own_sandbox(runner: LocalRunner, logical_id: str, event: dict[str, Any]) -> Any:
        # Each function has its own sandbox in Lambda: what another function (or an earlier stack) cached in this
        # process, a secret or a creditor's policy, is still read by this one.
        parameters.clear_caches()
        creditors.clear_cache()
        return runner_invoke(runner, logical_id, event)

    with (
        mock.patch.object(BaseClient, "_make_api_call", recorded_call),
        mock.patch.object(LocalLambdaClient, "invoke", recorded_invoke),
        mock.patch.object(LocalRunner, "invoke", own_sandbox),
    ):
        yield log


def granted_actions(cfn: dict[str, Any], function_id: str) -> dict[str, set[str]]:
    """Allowed actions of the function's role, by policy name (SAM names the template's `Policies`
    `<Function>RolePolicy<n>` and its own, e.g. the OnFailure destination's, otherwise)."""
    role = cfn["Resources"][function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    granted: dict[str, set[str]] = defaultdict(set)
    for policy in cfn["Resources"][role]["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow":
                actions = statement["Action"]
                granted[policy["PolicyName"]] |= set([actions] if isinstance(actions, str) else actions)
    return granted
