"""The embedded local stack: moto deployed from infra/template.yaml, events delivered to handlers in-process."""

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import pytest

from local import events
from local.http_endpoint import SlackHttpEndpoint
from local.runner import LocalRunner
from local.slack_recorder import SlackRecorder, render_text
from local.template import TEMPLATE_PATH, load_template
from tests.e2e import echo_standin
from tests.support import http_post as post

pytestmark = pytest.mark.e2e
ECHO = "tests.e2e.echo_standin.lambda_handler"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE_PATH)


def with_handlers(runner: LocalRunner, **handlers: str) -> LocalRunner:
    """A runner on the same stack whose functions run stand-in handlers (same delivery path)."""
    functions = {
        lid: replace(spec, handler=handlers.get(lid, spec.handler)) for lid, spec in runner.stack.functions.items()
    }
    return LocalRunner(replace(runner.stack, functions=functions), cold_start=False)


def test_embedded_stack_starts_quickly(runner: LocalRunner) -> None:
    assert 0 < runner.startup_seconds < 10


def test_embedded_table_has_exactly_template_keys_gsis_ttl(runner: LocalRunner, template: dict[str, Any]) -> None:
    # Given the template's table
    wanted = template["Resources"]["Table"]["Properties"]
    dynamodb = runner.stack.client("dynamodb")

    # When describing the deployed table
    table = dynamodb.describe_table(TableName=runner.stack.table_name)["Table"]

    # Then keys, GSIs and LSIs (keys + projection), TTL and PITR are the template's
    assert table["KeySchema"] == wanted["KeySchema"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        found = {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in table[kind]}
        assert found == {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in wanted[kind]}
    ttl = dynamodb.describe_time_to_live(TableName=runner.stack.table_name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    backups = dynamodb.describe_continuous_backups(TableName=runner.stack.table_name)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_embedded_bucket_exists_versioned_encrypted_private(runner: LocalRunner) -> None:
    s3, bucket = runner.stack.client("s3"), runner.stack.bucket_name
    assert bucket == f"{runner.stack.stack_name}-inbox-{runner.stack.account_id}"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert set(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values()) == {True}


def test_embedded_ssm_parameters_are_secure_strings_with_local_secrets(runner: LocalRunner) -> None:
    ssm, stack = runner.stack.client("ssm"), runner.stack
    signing = ssm.get_parameter(Name=stack.parameters["SlackSigningSecretParam"], WithDecryption=True)["Parameter"]
    token = ssm.get_parameter(Name=stack.parameters["SlackBotTokenParam"], WithDecryption=True)["Parameter"]
    assert (signing["Type"], signing["Value"]) == ("SecureString", stack.signing_secret)
    assert (token["Type"], token["Value"]) == ("SecureString", stack.bot_token)


def test_function_specs_resolved_from_template(runner: LocalRunner, recorder: SlackRecorder) -> None:
    # Given the resolved functions
    functions, stack = runner.stack.functions, runner.stack

    # Then every variable is a plain string pointing at this deployment, Slack at the recorder (only the functions
    # that call Slack: the Slack function replies, the notify function delivers everyone else's notices)
    for spec in functions.values():
        assert spec.environment["TABLE_NAME"] == stack.table_name
    talking = {lid for lid, spec in functions.items() if "SLACK_API_URL" in spec.environment}
    assert talking == {"SlackFunction", "NotifyFunction"}
    assert {functions[lid].environment["SLACK_API_URL"] for lid in talking} == {recorder.api_url}
    assert functions["IntakeFunction"].environment["INTAKE_QUEUE_URL"] == stack.intake_queue_url
    # And the triggers are the template's
    assert functions["IntakeFunction"].s3_prefixes == ("incoming/", "mappings/", "policies/")
    parts = functions["IntakeFunction"].environment["INTAKE_PARTS_QUEUE_URL"]
    assert [t.queue_url for t in functions["IntakeFunction"].sqs_triggers] == [stack.intake_queue_url, parts]
    notices = functions["IntakeFunction"].environment["NOTIFY_QUEUE_URL"]
    assert [t.queue_url for t in functions["NotifyFunction"].sqs_triggers] == [notices]
    assert functions["RemindersFunction"].schedule_expressions == ("rate(1 hour)",)
    assert functions["PlansFunction"].schedule_expressions == ("rate(1 hour)",)
    assert functions["SlackFunction"].function_name == f"{stack.stack_name}-slack"
    assert functions["SlackFunction"].url_auth_type == "NONE"
    # And its URL invokes its alias (SnapStart runs published versions only)
    assert functions["SlackFunction"].invoked_arn == f"{functions['SlackFunction'].arn}:live"


def test_http_endpoint_signed_url_verification_reaches_slack_function(runner: LocalRunner) -> None:
    # Given the template's Slack handler behind the HTTP endpoint
    body = json.dumps({"token": "x", "challenge": "local-challenge", "type": "url_verification"})
    headers = {**events.sign_slack_request(runner.stack.signing_secret, body), "Content-Type": "application/json"}

    # When Slack posts a signed url_verification request over HTTP
    with SlackHttpEndpoint(runner) as endpoint:
        status, answer = post(endpoint.url, body, headers)

    # Then Bolt verified the signature and answered the challenge
    assert status == 200
    assert json.loads(answer) == {"challenge": "local-challenge"}


def test_http_endpoint_bad_signature_is_rejected(runner: LocalRunner) -> None:
    body = events.slash_command_body("/collect", "help")
    headers = {**events.sign_slack_request("not-the-secret", body), "Content-Type": "application/x-www-form-urlencoded"}
    with SlackHttpEndpoint(runner) as endpoint:
        status, _ = post(endpoint.url, body, headers)
    assert status == 401


def test_lazy_listener_runs_locally_after_ack_never_in_moto(runner: LocalRunner, recorder: SlackRecorder) -> None:
    # Given the Slack function's /collect command, acked at once and answered lazily
    response_url = recorder.response_url()
    body = events.slash_command_body("/collect", "help", response_url=response_url)
    headers = {
        **events.sign_slack_request(runner.stack.signing_secret, body),
        "Content-Type": "application/x-www-form-urlencoded",
    }

    # When the command arrives as a Function URL event
    result = runner.slack_request(body, headers)
    runner.wait_idle()

    # Then it was acked, the lazy work answered the response_url, and moto's Lambda saw nothing
    assert result["statusCode"] == 200
    reply = recorder.wait_for(lambda call: call.path == urlsplit(response_url).path)
    assert "/collect account <id>" in render_text(reply)
    assert runner.stack.client("lambda").list_functions()["Functions"] == []


def test_put_object_delivers_encoded_s3_event_then_drains_continuations(runner: LocalRunner) -> None:
    # Given an echo intake handler that queues one continuation per file
    local = with_handlers(runner, IntakeFunction=ECHO)
    echo_standin.received.clear()
    key = "incoming/QuickBooks AR Aging Detail (2024-03-04) v1+2.csv"

    # When a file lands under incoming/, and another outside it
    results = local.put_object(key, b"a,b\n1,2\n")
    ignored = local.put_object("processed/x.csv", b"")

    # Then the S3 event carried the key encoded as S3 does, then the SQS continuation was delivered
    assert ignored == []
    assert [r["records"] for r in results] == [1, 1]
    (_, s3_event), (_, sqs_event) = echo_standin.received
    s3_object = s3_event["Records"][0]["s3"]["object"]
    assert s3_object["key"] == "incoming/QuickBooks+AR+Aging+Detail+%282024-03-04%29+v1%2B2.csv"
    assert unquote_plus(s3_object["key"]) == key
    head = runner.stack.client("s3").head_object(Bucket=runner.stack.bucket_name, Key=key)
    assert (s3_object["versionId"], s3_object["size"]) == (head["VersionId"], 8)
    record = sqs_event["Records"][0]
    assert record["eventSourceARN"].endswith(runner.stack.intake_queue_url.rsplit("/", 1)[1])
    assert json.loads(record["body"])["offset"] == 1000
    assert "ApproximateReceiveCount" in record["attributes"]


def test_tick_delivers_scheduler_events_to_scheduled_functions(runner: LocalRunner) -> None:
    local = with_handlers(runner, RemindersFunction=ECHO, PlansFunction=ECHO)
    echo_standin.received.clear()

    results = local.tick(datetime(2025, 3, 4, 9, 30, tzinfo=UTC))

    assert sorted(results) == ["PlansFunction", "RemindersFunction"]
    for _, event in echo_standin.received:
        assert (event["source"], event["detail-type"], event["detail"]) == ("aws.scheduler", "Scheduled Event", "{}")
        assert event["time"] == "2025-03-04T09:30:00Z"
        assert event["resources"][0].startswith("arn:aws:scheduler:us-east-1:123456789012:schedule/default/")


def test_async_failure_retries_then_lands_in_failure_queue(runner: LocalRunner) -> None:
    # Given a function that always fails
    local = with_handlers(runner, PlansFunction="tests.e2e.echo_standin.failing_handler")

    # When it is invoked asynchronously
    local.invoke_async("PlansFunction", {"hello": "world"})

    # Then after 1 + MaximumRetryAttempts tries the failure record reaches the OnFailure queue
    with pytest.raises(RuntimeError, match="boom"):
        local.wait_idle()
    sqs = runner.stack.client("sqs")
    messages = sqs.receive_message(QueueUrl=runner.stack.failure_queue_url, WaitTimeSeconds=0)["Messages"]
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"hello": "world"}


def test_sign_slack_request_matches_slack_test_vector() -> None:
    # Given Slack's documented known-answer vector
    vector = json.loads(Path("/work/shared/samples/slack/signature_test_vector.json").read_text(encoding="utf-8"))
    timestamp = int(vector["x_slack_request_timestamp"])

    # When signing its raw body
    headers = events.sign_slack_request(vector["signing_secret"], vector["raw_body"], timestamp)

    # Then the signature is Slack's
    assert headers["X-Slack-Signature"] == vector["x_slack_signature"]
    assert headers["X-Slack-Request-Timestamp"] == str(timestamp)


def test_local_events_parse_with_powertools_models() -> None:
    from aws_lambda_powertools.utilities.parser import parse
    from aws_lambda_powertools.utilities.parser.models import (
        EventBridgeModel,
        LambdaFunctionUrlModel,
        S3Model,
        SqsModel,
    )

    s3 = parse(event=events.s3_put_event("b", "incoming/a b.csv", size=1, etag='"e"', version_id="v"), model=S3Model)
    assert s3.Records[0].s3.object.key == "incoming/a+b.csv"
    message = {"MessageId": "m-1", "ReceiptHandle": "r", "Body": "{}", "Attributes": {"ApproximateReceiveCount": "1"}}
    message["Attributes"] |= {"SentTimestamp": "1", "SenderId": "s", "ApproximateFirstReceiveTimestamp": "1"}
    assert parse(event=events.sqs_event([message], "arn:aws:sqs:us-east-1:123456789012:q"), model=SqsModel).Records
    scheduled = events.scheduler_event(datetime(2025, 1, 1, tzinfo=UTC), "arn:aws:scheduler:us-east-1:1:schedule/d/x")
    assert parse(event=scheduled, model=EventBridgeModel).source == "aws.scheduler"
    url_event = events.function_url_event("a=b", {"X-Slack-Signature": "v0=x"})
    assert parse(event=url_event, model=LambdaFunctionUrlModel).headers["x-slack-signature"] == "v0=x"


def test_recorder_answers_web_client_like_slack_and_renders_blocks(recorder: SlackRecorder) -> None:
    from slack_sdk import WebClient
    from slack_sdk.webhook import WebhookClient

    # Given a real slack_sdk client pointed at the recorder
    client = WebClient(token="xoxb-local", base_url=recorder.api_url)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Worklist"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Acme* owes $1,200.00"},
            "fields": [{"type": "mrkdwn", "text": "61-90 days"}],
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "action_id": "open"},
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Can call now"}]},
    ]

    # When it posts a message, opens a modal and answers a response_url
    posted = client.chat_postMessage(channel="C0REPORT00", text="Worklist", blocks=blocks)
    opened = client.views_open(trigger_id="t", view={"type": "modal", "title": {"type": "plain_text", "text": "M"}})
    url = recorder.response_url("cmd-1")
    WebhookClient(url).send(text="done", response_type="ephemeral")

    # Then Slack-shaped answers came back and every call was recorded
    assert posted["ok"] and posted["channel"] == "C0REPORT00" and posted["message"]["blocks"] == blocks
    assert opened["view"]["id"].startswith("V")
    call = recorder.wait_for(lambda c: c.method == "chat.postMessage" and c.params.get("channel") == "C0REPORT00")
    assert render_text(call) == "Worklist\n== Worklist ==\n*Acme* owes $1,200.00\n  61-90 days\n  [Open]\nCan call now"
    response = recorder.wait_for(lambda c: c.path == "/response/cmd-1")
    assert response.params == {"text": "done", "response_type": "ephemeral"}
