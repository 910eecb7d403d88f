"""Shared fixtures: moto with the production table, bucket and SES identity; AWS env never reaches real AWS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.support import moto_s3_urls_once

moto_s3_urls_once()

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "arrears-tests")


@pytest.fixture
def recorder() -> Iterator[Any]:
    """A local stand-in for Slack's Web API and response URLs, recording every call."""
    from local.slack_recorder import SlackRecorder

    with SlackRecorder() as rec:
        yield rec


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """moto with the table (from infra/template.yaml), the inbox bucket and a verified sender."""
    from moto import mock_aws

    from local.runner import forget_process_caches
    from shared.db.models import configure
    from tests.factories import BUCKET, TABLE, table_kwargs

    with mock_aws():
        forget_process_caches()
        boto3.client("dynamodb").create_table(**table_kwargs())
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        boto3.client("s3").put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        boto3.client("ses").verify_email_identity(EmailAddress="collections@example.com")
        boto3.client("sqs").create_queue(QueueName="arrears-notify.fifo", Attributes={"FifoQueue": "true"})
        configure(TABLE)
        yield {"table": TABLE, "bucket": BUCKET}
        forget_process_caches()


HANDLER_ENV = {
    "TABLE_NAME": "arrears-test",
    "BUCKET_NAME": "arrears-test-inbox",
    "INTAKE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/arrears-intake",
    "NOTIFY_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/arrears-notify.fifo",
    "SLACK_BOT_TOKEN_PARAM": "/arrears/slack/bot-token",
    "SLACK_SIGNING_SECRET_PARAM": "/arrears/slack/signing-secret",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",
    "OPS_CHANNEL": "C-OPS",
    "REPORT_CHANNEL": "C-REPORTS",
    "SENDER_EMAIL": "collections@example.com",
    "AUTHORIZED_USERS": "",
    "DEFAULT_CREDITOR": "acme",
    "UNSUBSCRIBE_URL": "https://unsubscribe.lambda-url.us-east-1.on.aws/",
    "UNSUBSCRIBE_KEY_PARAM": "/arrears/unsubscribe/signing-key",
}
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
UNSUBSCRIBE_KEY = "test-unsubscribe-key-0123456789abcdef0123"


@pytest.fixture
def load_handler(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Import a function's handler module fresh, with the env the template gives it and its SSM secrets in moto."""
    import importlib
    import sys

    ssm = boto3.client("ssm")
    ssm.put_parameter(Name=HANDLER_ENV["SLACK_SIGNING_SECRET_PARAM"], Value=SIGNING_SECRET, Type="SecureString")
    ssm.put_parameter(Name=HANDLER_ENV["SLACK_BOT_TOKEN_PARAM"], Value="xoxb-test", Type="SecureString")
    ssm.put_parameter(Name=HANDLER_ENV["UNSUBSCRIBE_KEY_PARAM"], Value=UNSUBSCRIBE_KEY, Type="SecureString")
    for name, value in HANDLER_ENV.items():
        monkeypatch.setenv(name, value)

    def load(module: str, **env: str) -> Any:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        sys.modules.pop(module, None)
        return importlib.import_module(module)

    return load
