"""Reads infra/template.yaml: short-form intrinsics, the SAM transform, intrinsic resolution, the functions."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml

from local.events import ACCOUNT_ID

PSEUDO_NAMES = ("AWS::StackName", "AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::URLSuffix")
TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "infra" / "template.yaml"
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


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
    """SAM -> CloudFormation, offline. CodeUri and ContentUri become dummy S3 URIs, as `sam package` would."""
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    sam = json.loads(json.dumps(sam))
    sam.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = "s3://local-code/arrears.zip"
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"].pop("CodeUri", None)
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://local-code/layer.zip"
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


def pseudo_values(stack_name: str, region: str, account_id: str = ACCOUNT_ID) -> dict[str, str]:
    return {
        "AWS::StackName": stack_name,
        "AWS::AccountId": account_id,
        "AWS::Region": region,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }


def parameter_values(cfn: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
    defaults = {name: str(spec["Default"]) for name, spec in cfn.get("Parameters", {}).items() if "Default" in spec}
    return {**defaults, **overrides}


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
    alias: str | None = None

    @property
    def invoked_arn(self) -> str:
        """The ARN an invocation names: the alias's where the function has one (Lambda passes it to the handler)."""
        return f"{self.arn}:{self.alias}" if self.alias else self.arn

    @property
    def s3_prefixes(self) -> tuple[str, ...]:
        return tuple(trigger.prefix for trigger in self.s3_triggers)

    @property
    def schedule_expressions(self) -> tuple[str, ...]:
        return tuple(schedule.expression for schedule in self.schedules)


def _first_reference(value: Any) -> str:
    return next(references(value))


def resources_of(cfn: dict[str, Any], resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in cfn["Resources"].items():
        if resource["Type"] == resource_type:
            yield logical_id, resource.get("Properties", {})


def _s3_triggers(cfn: dict[str, Any], resolver: Resolver, function_id: str) -> tuple[S3Trigger, ...]:
    triggers = []
    for bucket_id, properties in resources_of(cfn, "AWS::S3::Bucket"):
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
    for _, properties in resources_of(cfn, "AWS::Lambda::EventSourceMapping"):
        queue_id = _first_reference(properties["EventSourceArn"])
        is_queue = cfn["Resources"].get(queue_id, {}).get("Type") == "AWS::SQS::Queue"  # not a table's stream
        if _first_reference(properties["FunctionName"]) == function_id and is_queue:
            arn = resolver.resolve(properties["EventSourceArn"])
            triggers.append(SqsTrigger(arn, resolver.physical_ids[queue_id], int(properties.get("BatchSize", 10))))
    return tuple(triggers)


def _schedules(cfn: dict[str, Any], resolver: Resolver, function_id: str) -> tuple[ScheduleTrigger, ...]:
    schedules = []
    for schedule_id, properties in resources_of(cfn, "AWS::Scheduler::Schedule"):
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
    for _, properties in resources_of(cfn, "AWS::Lambda::EventInvokeConfig"):
        if _first_reference(properties["FunctionName"]) == function_id:
            destination = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            queue_url = resolver.physical_ids.get(_first_reference(destination)) if destination else None
            return {
                "max_retry_attempts": int(properties.get("MaximumRetryAttempts", 2)),
                "on_failure_queue_url": queue_url,
            }
    return {}


def _alias(cfn: dict[str, Any], function_id: str) -> str | None:
    """The name of the function's alias (SAM's AutoPublishAlias), which its URL and invokes then target."""
    for _, properties in resources_of(cfn, "AWS::Lambda::Alias"):
        if _first_reference(properties["FunctionName"]) == function_id:
            return str(properties["Name"])
    return None


def _url_auth_type(cfn: dict[str, Any], function_id: str) -> str | None:
    for _, properties in resources_of(cfn, "AWS::Lambda::Url"):
        target_id = _first_reference(properties["TargetFunctionArn"])
        target = cfn["Resources"][target_id]
        if target["Type"] == "AWS::Lambda::Alias":  # the URL of an alias invokes its function
            target_id = _first_reference(target["Properties"]["FunctionName"])
        if target_id == function_id:
            return str(properties["AuthType"])
    return None


def function_specs(cfn: dict[str, Any], resolver: Resolver) -> dict[str, FunctionSpec]:
    """Every AWS::Lambda::Function of the translated template, with its triggers, resolved."""
    specs = {}
    for function_id, properties in resources_of(cfn, "AWS::Lambda::Function"):
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
            alias=_alias(cfn, function_id),
            **_invoke_config(cfn, resolver, function_id),
        )
    return specs
