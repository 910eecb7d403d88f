"""Deploys infra/template.yaml (SAM-translated) into an in-process moto server as a CloudFormation stack."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import boto3
import yaml

from local.events import ACCOUNT_ID

PSEUDO_NAMES = ("AWS::StackName", "AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::URLSuffix")
TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "infra" / "template.yaml"
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
LOCAL_SIGNING_SECRET = "local-signing-secret-0123456789abcdef"  # noqa: S105 - fake, local only
LOCAL_BOT_TOKEN = "xoxb-local-0000000000-0000000000000-localbottoken"  # noqa: S105 - fake, local only
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


class _TemplateLoader(yaml.SafeLoader):
    """YAML loader that reads CloudFormation short-form tags (`!Ref`, `!GetAtt`, `!Sub`, ...)."""


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The SAM template as plain data, short-form intrinsics expanded to their long form."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_TemplateLoader)  # noqa: S506


class _NoManagedPolicies:
    """Offline policy loader: the template only names managed policies by ARN."""

    def load(self) -> dict[str, str]:
        return {}


def translate_template(sam: dict[str, Any], region: str) -> dict[str, Any]:
    """SAM -> CloudFormation, offline. CodeUri is replaced by a dummy S3 URI as `sam package` would."""
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    sam = json.loads(json.dumps(sam))
    sam.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = "s3://local-code/arrears.zip"
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"].pop("CodeUri", None)
    session = boto3.Session(
        region_name=region,
        aws_access_key_id=FAKE_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=FAKE_CREDENTIALS["aws_secret_access_key"],
    )
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(None, Parser(), boto_session=session, metrics=metrics)
    policies = _NoManagedPolicies()
    try:
        return translator.translate(sam, parameter_values={}, get_managed_policy_map=policies.load)
    finally:
        metrics.publish()  # to the dummy publisher: silences the "unpublished metrics" warning


def references(value: Any) -> Iterator[str]:
    """Logical ids (and parameters) that a template fragment refers to."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                yield inner
            elif key == "Fn::GetAtt":
                yield inner[0] if isinstance(inner, list) else inner.split(".", 1)[0]
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                yield from (name.split(".", 1)[0] for name in re.findall(r"\$\{([^!}]+)\}", text))
            yield from references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner)


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


@dataclass
class Resolver:
    """Resolves Ref / Fn::GetAtt / Fn::Sub / Fn::Join / Fn::Select to values of the local deployment."""

    values: dict[str, str]
    physical_ids: dict[str, str]
    attribute: Callable[[str, str], str]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(inner) for inner in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1 or not next(iter(value)).startswith(("Ref", "Fn::")):
            return {key: self.resolve(inner) for key, inner in value.items()}
        ((name, arg),) = value.items()
        return self._intrinsic(name, arg)

    def _intrinsic(self, name: str, arg: Any) -> Any:
        if name == "Ref":
            return self.values[arg] if arg in self.values else self.physical_ids[arg]
        if name == "Fn::GetAtt":
            logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.attribute(logical, attr)
        if name == "Fn::Sub":
            text, extra = (arg[0], self.resolve(arg[1])) if isinstance(arg, list) else (arg, {})
            return re.sub(r"\$\{([^!}]+)\}", lambda match: self._sub_var(match.group(1), extra), text)
        if name == "Fn::Join":
            return str(arg[0]).join(str(part) for part in self.resolve(arg[1]))
        if name == "Fn::Select":
            return self.resolve(arg[1])[int(self.resolve(arg[0]))]
        raise ValueError(f"intrinsic {name} is not supported locally")

    def _sub_var(self, name: str, extra: dict[str, Any]) -> str:
        if name in extra:
            return str(extra[name])
        if "." in name:
            logical, attr = name.split(".", 1)
            return self.attribute(logical, attr)
        return str(self._intrinsic("Ref", name))


@dataclass(frozen=True)
class S3Trigger:
    bucket: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""

    def matches(self, bucket: str, key: str, event_name: str = "s3:ObjectCreated:Put") -> bool:
        wanted = any(re.fullmatch(pattern.replace("*", ".*"), event_name) for pattern in self.events)
        return wanted and bucket == self.bucket and key.startswith(self.prefix) and key.endswith(self.suffix)


@dataclass(frozen=True)
class SqsTrigger:
    queue_arn: str
    queue_url: str
    batch_size: int


@dataclass(frozen=True)
class ScheduleTrigger:
    name: str
    arn: str
    expression: str


@dataclass(frozen=True)
class FunctionSpec:
    """One function of the template, resolved for the local deployment."""

    logical_id: str
    function_name: str
    arn: str
    handler: str
    environment: dict[str, str]
    timeout_s: int
    memory_mb: int
    s3_triggers: tuple[S3Trigger, ...] = ()
    sqs_triggers: tuple[SqsTrigger, ...] = ()
    schedules: tuple[ScheduleTrigger, ...] = ()
    max_retry_attempts: int = 2
    on_failure_queue_url: str | None = None
    url_auth_type: str | None = None

    @property
    def s3_prefixes(self) -> tuple[str, ...]:
        return tuple(trigger.prefix for trigger in self.s3_triggers)

    @property
    def schedule_expressions(self) -> tuple[str, ...]:
        return tuple(schedule.expression for schedule in self.schedules)


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


def pseudo_values(stack_name: str, region: str, account_id: str = ACCOUNT_ID) -> dict[str, str]:
    return {
        "AWS::StackName": stack_name,
        "AWS::AccountId": account_id,
        "AWS::Region": region,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }


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
    wanted = {index["IndexName"]: index["KeySchema"] for index in properties.get("GlobalSecondaryIndexes", [])}
    found = {index["IndexName"]: index["KeySchema"] for index in table.get("GlobalSecondaryIndexes", [])}
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


def _first_reference(value: Any) -> str:
    return next(references(value))


def _resources_of(cfn: dict[str, Any], resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in cfn["Resources"].items():
        if resource["Type"] == resource_type:
            yield logical_id, resource.get("Properties", {})


def _s3_triggers(cfn: dict[str, Any], resolver: Resolver, function_id: str) -> tuple[S3Trigger, ...]:
    triggers = []
    for bucket_id, properties in _resources_of(cfn, "AWS::S3::Bucket"):
        for config in properties.get("NotificationConfiguration", {}).get("LambdaConfigurations", []):
            if _first_reference(config["Function"]) != function_id:
                continue
            rules = {
                rule["Name"].lower(): rule["Value"]
                for rule in config.get("Filter", {}).get("S3Key", {}).get("Rules", [])
            }
            bucket = resolver.physical_ids[bucket_id]
            triggers.append(S3Trigger(bucket, (config["Event"],), rules.get("prefix", ""), rules.get("suffix", "")))
    return tuple(triggers)


def _sqs_triggers(cfn: dict[str, Any], resolver: Resolver, function_id: str) -> tuple[SqsTrigger, ...]:
    triggers = []
    for _, properties in _resources_of(cfn, "AWS::Lambda::EventSourceMapping"):
        queue_id = _first_reference(properties["EventSourceArn"])
        if _first_reference(properties["FunctionName"]) == function_id and queue_id in cfn["Resources"]:
            arn = resolver.resolve(properties["EventSourceArn"])
            triggers.append(SqsTrigger(arn, resolver.physical_ids[queue_id], int(properties.get("BatchSize", 10))))
    return tuple(triggers)


def _schedules(cfn: dict[str, Any], resolver: Resolver, function_id: str) -> tuple[ScheduleTrigger, ...]:
    schedules = []
    for schedule_id, properties in _resources_of(cfn, "AWS::Scheduler::Schedule"):
        if _first_reference(properties["Target"]["Arn"]) == function_id:
            arn = resolver.attribute(schedule_id, "Arn")
            schedules.append(
                ScheduleTrigger(
                    resolver.physical_ids[schedule_id],
                    arn,
                    resolver.resolve(properties["ScheduleExpression"]),
                )
            )
    return tuple(schedules)


def _invoke_config(cfn: dict[str, Any], resolver: Resolver, function_id: str) -> dict[str, Any]:
    for _, properties in _resources_of(cfn, "AWS::Lambda::EventInvokeConfig"):
        if _first_reference(properties["FunctionName"]) == function_id:
            destination = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            queue_url = resolver.physical_ids.get(_first_reference(destination)) if destination else None
            return {
                "max_retry_attempts": int(properties.get("MaximumRetryAttempts", 2)),
                "on_failure_queue_url": queue_url,
            }
    return {}


def _url_auth_type(cfn: dict[str, Any], function_id: str) -> str | None:
    for _, properties in _resources_of(cfn, "AWS::Lambda::Url"):
        if _first_reference(properties["TargetFunctionArn"]) == function_id:
            return str(properties["AuthType"])
    return None


def function_specs(cfn: dict[str, Any], resolver: Resolver) -> dict[str, FunctionSpec]:
    """Every AWS::Lambda::Function of the translated template, with its triggers, resolved."""
    specs = {}
    for function_id, properties in _resources_of(cfn, "AWS::Lambda::Function"):
        env = resolver.resolve(properties.get("Environment", {}).get("Variables", {}))
        specs[function_id] = FunctionSpec(
            logical_id=function_id,
            function_name=resolver.physical_ids[function_id],
            arn=resolver.attribute(function_id, "Arn"),
            handler=properties["Handler"],
            environment={key: str(value) for key, value in env.items()},
            timeout_s=int(properties.get("Timeout", 3)),
            memory_mb=int(properties.get("MemorySize", 128)),
            s3_triggers=_s3_triggers(cfn, resolver, function_id),
            sqs_triggers=_sqs_triggers(cfn, resolver, function_id),
            schedules=_schedules(cfn, resolver, function_id),
            url_auth_type=_url_auth_type(cfn, function_id),
            **_invoke_config(cfn, resolver, function_id),
        )
    return specs


def _attribute_reader(
    cfn: dict[str, Any], physical_ids: dict[str, str], values: dict[str, str]
) -> Callable[[str, str], str]:
    def attribute(logical_id: str, attr: str) -> str:
        resource_type = cfn["Resources"][logical_id]["Type"]
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
    for function_id, properties in _resources_of(cfn, "AWS::Lambda::Function"):
        names[function_id] = resolver.resolve(properties.get("FunctionName", f"{stack_name}-{function_id}"))
    for schedule_id, properties in _resources_of(cfn, "AWS::Scheduler::Schedule"):
        names[schedule_id] = resolver.resolve(properties.get("Name", f"{stack_name}-{schedule_id}"))
    return names


def parameter_values(cfn: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
    defaults = {name: str(spec["Default"]) for name, spec in cfn.get("Parameters", {}).items() if "Default" in spec}
    return {**defaults, **overrides}


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
    template_path: Path = TEMPLATE_PATH,
) -> LocalStack:
    """Deploys the template into the moto server at `endpoint_url` and resolves every function for local runs.

    `slack_api_url` (the recorder's `/api/` URL) is passed as the SlackApiUrl parameter and forced on every
    SLACK_API_URL environment variable.
    """
    cfn = translate_template(load_template(template_path), region)
    overrides = {**(parameters or {}), **({"SlackApiUrl": slack_api_url} if slack_api_url else {})}
    values = {**parameter_values(cfn, overrides), **pseudo_values(stack_name, region)}
    cloudformation = boto3.client("cloudformation", endpoint_url=endpoint_url, region_name=region, **FAKE_CREDENTIALS)  # type: ignore[call-overload]
    described = create_stack(cloudformation, stack_name, cfn, values)
    resources = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
    physical_ids = {resource["LogicalResourceId"]: resource["PhysicalResourceId"] for resource in resources}
    resolver = Resolver(values, physical_ids, _attribute_reader(cfn, physical_ids, values))
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
    return stack
