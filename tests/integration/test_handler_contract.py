"""Every function in the template: its settings come from the template, and its handler takes real-shaped events."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.events import LambdaContext
from local.template import load_template
from tests.factories import BUCKET

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "receivables"
FUNCTIONS = {
    "IntakeFunction": "functions.intake.env",
    "RemindersFunction": "functions.reminders.env",
    "PlansFunction": "functions.plans.env",
    "SlackFunction": "functions.slack.env",
    "UnsubscribeFunction": "functions.unsubscribe.env",
}


def _variables(logical_id: str) -> set[str]:
    template = load_template()
    globals_ = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own = template["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    return set(globals_) | set(own)


@pytest.mark.parametrize(("logical_id", "env_module"), FUNCTIONS.items())
def test_every_setting_a_function_reads_is_set_by_the_template(logical_id, env_module):
    settings = importlib.import_module(env_module).Settings
    read = {name.upper() for name in settings.model_fields}
    assert read <= _variables(logical_id), f"{logical_id} reads {sorted(read - _variables(logical_id))} not set"


def _sample(*parts: str) -> dict[str, Any]:
    path = SAMPLES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/samples/{'/'.join(parts)} not found beside the clone")
    text = path.read_text()
    for name, value in {
        "account_id": "123456789012",
        "region": "us-east-1",
        "partition": "aws",
        "rule": "hourly",
    }.items():
        text = text.replace("{{{" + name + "}}}", value)
    return json.loads(text)


def test_intake_takes_real_s3_event_with_plus_encoded_key(load_handler, recorder):
    # Given the real-shaped notification whose key encodes spaces as `+` and a plus sign as %2B
    event = _sample("aws_events", "DERIVED_s3_put_plus_encoded_key.json")
    bucket = event["Records"][0]["s3"]["bucket"]["name"]
    key = "incoming/QuickBooks AR Aging Detail (2024-03-04) v1+2.csv"
    boto3.client("s3").create_bucket(Bucket=bucket)
    boto3.client("s3").put_object(
        Bucket=bucket, Key=key, Body=(FIXTURES / "quickbooks_ar_aging_detail.csv").read_bytes()
    )
    boto3.client("sqs").create_queue(QueueName="arrears-intake")
    handler = load_handler("functions.intake.handler", BUCKET_NAME=bucket, SLACK_API_URL=recorder.api_url)
    # When it is delivered
    context = LambdaContext("intake", "arn:aws:lambda:us-east-1:123456789012:function:i", timeout_s=900)
    result = handler.lambda_handler(event, context)
    # Then the decoded key was found and imported
    assert result["results"] == {key: "imported"}


def test_intake_ignores_s3_test_event(load_handler):
    handler = load_handler("functions.intake.handler")
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-23T10:00:00Z", "Bucket": BUCKET}
    result = handler.lambda_handler(
        test_event, LambdaContext("intake", "arn:aws:lambda:us-east-1:123456789012:function:i")
    )
    assert result["results"] == {}


@pytest.mark.parametrize("sample", ["powertools_eventBridgeSchedulerEvent.json", "samcli_ScheduledEvent.template.json"])
@pytest.mark.parametrize("module", ["functions.reminders.handler", "functions.plans.handler"])
def test_scheduled_functions_take_scheduler_and_rule_events(load_handler, module, sample):
    handler = load_handler(module)
    result = handler.lambda_handler(
        _sample("aws_events", sample), LambdaContext("s", "arn:aws:lambda:us-east-1:1:function:s")
    )
    assert isinstance(result, dict)


def test_slack_takes_captured_function_url_event_and_checks_its_signature(load_handler):
    # The capture's signing secret is unknown, so the real verification must refuse it.
    handler = load_handler("functions.slack.handler")
    event = _sample("slack", "lambda_function_url_slash_command_captured.json")
    result = handler.lambda_handler(event, LambdaContext("slack", "arn:aws:lambda:us-east-1:1:function:slack"))
    assert result["statusCode"] == 401
