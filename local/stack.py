"""Deploys infra/template.yaml (SAM-translated) into an in-process moto server as a CloudFormation stack."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import boto3

from local.events import ACCOUNT_ID
from local.template import (
    FAKE_CREDENTIALS,
    PSEUDO_NAMES,
    TEMPLATE_PATH,
    FunctionSpec,
    Resolver,
    function_specs,
    load_template,
    parameter_values,
    pseudo_values,
    references,
    resources_of,
    translate_template,
)

LOCAL_SIGNING_SECRET = "local-signing-secret-0123456789abcdef"  # noqa: S105 - fake, local only
LOCAL_BOT_TOKEN = "xoxb-local-0000000000-0000000000000-localbottoken"  # noqa: S105 - fake, local only
LOCAL_UNSUBSCRIBE_KEY = "local-unsubscribe-key-0123456789abcdef0123456789"  # fake, local only
# What a Function URL resolves to locally: the HTTP endpoint (local.http_endpoint) that serves every function URL,
# routed by path. `arrears serve` listens there; tests call the runner directly.
LOCAL_FUNCTION_URL = "http://127.0.0.1:8791"
# Resource types deployed into moto's CloudFormation; functions, URLs, permissions, event source
# mappings and schedules are played by local.runner instead. Bucket policies are applied by API.
MOTO_TYPES = frozenset({"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::IAM::Role"})
ARN_FORMATS = {
    "AWS::SQS::Queue": "arn:{partition}:sqs:{region}:{account}:{name}",
    "AWS::DynamoDB::Table": "arn:{partition}:dynamodb:{region}:{account}:table/{name}",
    "AWS::S3::Bucket": "arn:{partition}:s3:::{name}",
    "AWS::Lambda::Function": "arn:{partition}:lambda:{region}:{account}:function:{name}",
    "AWS::IAM::Role": "arn:{partition}:iam::{account}:role/{name}",
    "AWS::Scheduler::Schedule": "arn:{partition}:scheduler:{region}:{account}:schedule/default/{name}",
}


def moto_template(cfn: dict[str, Any]) -> dict[str, Any]:
    """The translated template cut down to what moto's CloudFormation creates faithfully.

    Lambda-side resources are dropped, then (to a fixed point) whatever still refers to a dropped one,
    e.g. the Scheduler roles that name function ARNs.
    """
    kept = {lid: json.loads(json.dumps(res)) for lid, res in cfn["Resources"].items() if res["Type"] in MOTO_TYPES}
    for resource in kept.values():
        resource["Properties"].pop("NotificationConfiguration", None)  # its targets are local functions
    known = set(cfn.get("Parameters", {})) | set(PSEUDO_NAMES)
    while dangling := {lid for lid, res in kept.items() if not set(references(res)) <= set(kept) | known}:
        kept = {lid: res for lid, res in kept.items() if lid not in dangling}
    for resource in kept.values():
        depends = resource.pop("DependsOn", [])
        if still := [name for name in ([depends] if isinstance(depends, str) else depends) if name in kept]:
            resource["DependsOn"] = still
    outputs = {key: out for key, out in cfn.get("Outputs", {}).items() if set(references(out)) <= set(kept) | known}
    return {**cfn, "Resources": kept, "Outputs": outputs}


@dataclass(frozen=True)
class LocalStack:
    """What the embedded AWS deployed, with everything a runner needs to play the functions."""

    endpoint_url: str
    region: str
    account_id: str
    stack_name: str
    table_name: str
    bucket_name: str
    intake_queue_url: str
    failure_queue_url: str
    signing_secret: str
    bot_token: str
    parameters: dict[str, str]
    outputs: dict[str, str]
    functions: dict[str, FunctionSpec] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        """A boto3 client for `service` on the moto server."""
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=self.region, **FAKE_CREDENTIALS)  # type: ignore[call-overload]


def wait_for_stack(cloudformation: Any, stack_name: str, timeout_s: float = 30.0) -> dict[str, Any]:
    """Polls until the stack leaves *_IN_PROGRESS; raises unless it reached CREATE_COMPLETE."""
    deadline = time.monotonic() + timeout_s
    while True:
        stack: dict[str, Any] = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if stack["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {stack_name} ended {stack['StackStatus']}: {stack.get('StackStatusReason')}")
    return stack


def _bucket_lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule shape -> the S3 API's."""
    api: dict[str, Any] = {
        "ID": rule.get("Id", ""),
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    for key in ("NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload", "Transitions"):
        if key in rule:
            api[key] = rule[key]
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if "NoncurrentVersionExpirationInDays" in rule:
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]}
    return api


def configure_bucket(s3: Any, name: str, properties: dict[str, Any]) -> None:
    """Applies the bucket settings moto's CloudFormation ignores (it only applies encryption and tags)."""
    if "VersioningConfiguration" in properties:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=properties["VersioningConfiguration"])
    if "PublicAccessBlockConfiguration" in properties:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
        )
    if "LifecycleConfiguration" in properties:
        rules = [_bucket_lifecycle_rule(rule) for rule in properties["LifecycleConfiguration"]["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})


def configure_table(dynamodb: Any, name: str, properties: dict[str, Any]) -> None:
    """Applies TTL and PITR, which moto's CloudFormation ignores, then checks keys and GSIs."""
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    pitr = properties.get("PointInTimeRecoverySpecification")
    if pitr:
        dynamodb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=pitr)
    table = dynamodb.describe_table(TableName=name)["Table"]
    kinds = ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
    wanted = {index["IndexName"]: index["KeySchema"] for kind in kinds for index in properties.get(kind, [])}
    found = {index["IndexName"]: index["KeySchema"] for kind in kinds for index in table.get(kind, [])}
    if table["KeySchema"] != properties["KeySchema"] or found != wanted:
        raise RuntimeError(f"table {name} does not match the template: {table['KeySchema']} {found}")


def put_bucket_policy(s3: Any, bucket: str, document: dict[str, Any]) -> None:
    """Applies the statements moto evaluates correctly.

    moto 5.2 treats a statement whose Condition does not match as an explicit Deny (iam/access_control.py
    `is_action_permitted`), and its server speaks plain HTTP, so the TLS-only Deny would block every object
    operation. Conditional statements stay in the template (checked by tests) but are not applied here.
    """
    statements = [statement for statement in document["Statement"] if "Condition" not in statement]
    if statements:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({**document, "Statement": statements}))


def configure_resources(stack: LocalStack, cfn: dict[str, Any], resolver: Resolver) -> None:
    """Settings and resources moto's CloudFormation skips, applied by API from the same template."""
    s3, dynamodb = stack.client("s3"), stack.client("dynamodb")
    for logical_id, resource in cfn["Resources"].items():
        if resource["Type"] not in ("AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::DynamoDB::Table"):
            continue
        properties = resolver.resolve(resource.get("Properties", {}))
        if resource["Type"] == "AWS::S3::Bucket":
            configure_bucket(s3, resolver.physical_ids[logical_id], properties)
        elif resource["Type"] == "AWS::S3::BucketPolicy":
            put_bucket_policy(s3, properties["Bucket"], properties["PolicyDocument"])
        elif resource["Type"] == "AWS::DynamoDB::Table":
            configure_table(dynamodb, resolver.physical_ids[logical_id], properties)


def _attribute_reader(
    cfn: dict[str, Any], physical_ids: dict[str, str], values: dict[str, str], function_url: str
) -> Callable[[str, str], str]:
    def attribute(logical_id: str, attr: str) -> str:
        resource_type = cfn["Resources"][logical_id]["Type"]
        if (resource_type, attr) == ("AWS::Lambda::Url", "FunctionUrl"):
            return f"{function_url.rstrip('/')}/"  # like AWS's, with its trailing slash
        physical = physical_ids[logical_id]
        name = physical.rsplit("/", 1)[-1]
        if attr in ("QueueUrl", "Name", "Id"):
            return physical if attr == "QueueUrl" else name
        if attr in ("Arn", "QueueArn") and resource_type in ARN_FORMATS:
            return ARN_FORMATS[resource_type].format(
                partition=values["AWS::Partition"],
                region=values["AWS::Region"],
                account=values["AWS::AccountId"],
                name=name,
            )
        raise KeyError(f"{logical_id}.{attr} has no local value")

    return attribute


def _local_names(cfn: dict[str, Any], resolver: Resolver, stack_name: str) -> dict[str, str]:
    """Physical names of what runs locally instead of in moto: functions and schedules."""
    names = {}
    for function_id, properties in resources_of(cfn, "AWS::Lambda::Function"):
        names[function_id] = resolver.resolve(properties.get("FunctionName", f"{stack_name}-{function_id}"))
    for schedule_id, properties in resources_of(cfn, "AWS::Scheduler::Schedule"):
        names[schedule_id] = resolver.resolve(properties.get("Name", f"{stack_name}-{schedule_id}"))
    for set_id, properties in resources_of(cfn, "AWS::SES::ConfigurationSet"):
        names[set_id] = resolver.resolve(properties.get("Name", f"{stack_name}-{set_id}"))
    return names


def create_stack(
    cloudformation: Any, stack_name: str, cfn: dict[str, Any], parameters: dict[str, str]
) -> dict[str, Any]:
    """Creates the moto-supported part of `cfn` as a CloudFormation stack and waits for CREATE_COMPLETE."""
    template = moto_template(cfn)
    declared = set(template.get("Parameters", {}))
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(template),
        Parameters=[
            {"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items() if key in declared
        ],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    return wait_for_stack(cloudformation, stack_name)


def create_secrets(stack: LocalStack) -> None:
    """The SSM SecureString parameters the template names, holding fake local secrets; the SES sender."""
    ssm = stack.client("ssm")
    for parameter, value in (
        ("SlackSigningSecretParam", stack.signing_secret),
        ("SlackBotTokenParam", stack.bot_token),
        ("UnsubscribeKeyParam", LOCAL_UNSUBSCRIBE_KEY),
    ):
        ssm.put_parameter(Name=stack.parameters[parameter], Value=value, Type="SecureString", Overwrite=True)
    stack.client("ses").verify_email_identity(EmailAddress=stack.parameters["SenderEmail"])


def _with_slack_api_url(specs: dict[str, FunctionSpec], url: str | None) -> dict[str, FunctionSpec]:
    if not url:
        return specs
    return {
        logical_id: replace(spec, environment={**spec.environment, "SLACK_API_URL": url})
        if "SLACK_API_URL" in spec.environment
        else spec
        for logical_id, spec in specs.items()
    }


def deploy(
    endpoint_url: str,
    *,
    stack_name: str = "arrears-local",
    region: str = "us-east-1",
    parameters: dict[str, str] | None = None,
    slack_api_url: str | None = None,
    function_url: str = LOCAL_FUNCTION_URL,
    template_path: Path = TEMPLATE_PATH,
) -> LocalStack:
    """Deploys the template into the moto server at `endpoint_url` and resolves every function for local runs.

    `slack_api_url` (the recorder's `/api/` URL) is passed as the SlackApiUrl parameter and forced on every
    SLACK_API_URL environment variable. Function URLs resolve to `function_url` (the local HTTP endpoint).
    """
    cfn = translate_template(load_template(template_path), region)
    overrides = {**(parameters or {}), **({"SlackApiUrl": slack_api_url} if slack_api_url else {})}
    values = {**parameter_values(cfn, overrides), **pseudo_values(stack_name, region)}
    cloudformation = boto3.client("cloudformation", endpoint_url=endpoint_url, region_name=region, **FAKE_CREDENTIALS)  # type: ignore[call-overload]
    described = create_stack(cloudformation, stack_name, cfn, values)
    resources = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    physical_ids = {resource["LogicalResourceId"]: resource["PhysicalResourceId"] for resource in resources}
    resolver = Resolver(values, physical_ids, _attribute_reader(cfn, physical_ids, values, function_url))
    physical_ids.update(_local_names(cfn, resolver, stack_name))
    outputs = {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}
    stack = LocalStack(
        endpoint_url, region, ACCOUNT_ID, stack_name,
        table_name=outputs["TableName"], bucket_name=outputs["BucketName"],
        intake_queue_url=outputs["IntakeQueueUrl"], failure_queue_url=outputs["FailureQueueUrl"],
        signing_secret=LOCAL_SIGNING_SECRET, bot_token=LOCAL_BOT_TOKEN, parameters=values, outputs=outputs,
        functions=_with_slack_api_url(function_specs(cfn, resolver), slack_api_url),
    )  # fmt: skip
    configure_resources(stack, cfn, resolver)
    create_secrets(stack)
    for set_id, _ in resources_of(cfn, "AWS::SES::ConfigurationSet"):  # moto's CloudFormation has no SES
        stack.client("ses").create_configuration_set(ConfigurationSet={"Name": physical_ids[set_id]})
    return stack
