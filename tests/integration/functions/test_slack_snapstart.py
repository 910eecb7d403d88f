"""The Slack function's SnapStart hooks, run as Lambda runs them: before the snapshot, after each restore."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from local.events import LambdaContext, function_url_event, sign_slack_request, slash_command_body
from local.slack_recorder import SlackRecorder
from local.snapstart import forget_hooks, restore, take_snapshot
from tests.conftest import HANDLER_ENV, SIGNING_SECRET

ARN = "arn:aws:lambda:us-east-1:123456789012:function:arrears-slack:live"


@pytest.fixture
def published(load_handler: Any, recorder: SlackRecorder) -> Any:
    """The handler's Init, as SnapStart runs it once per published version (one process: one set of hooks)."""
    forget_hooks()
    handler = load_handler("functions.slack.handler", SLACK_API_URL=recorder.api_url, AUTHORIZED_USERS="U-ANA")
    yield handler
    forget_hooks()


def _send(handler: Any, text: str, secret: str, recorder: SlackRecorder) -> dict[str, Any]:
    body = slash_command_body("/collect", text, user_id="U-ANA", response_url=recorder.response_url())
    event = function_url_event(body, sign_slack_request(secret, body))
    return handler.lambda_handler(event, LambdaContext("arrears-slack", ARN))  # type: ignore[no-any-return]


def _runner(handler: Any) -> Any:
    return handler.slack_handler.app.listener_runner.lazy_listener_runner


def test_the_snapshot_holds_the_lambda_client_the_first_ack_invokes_with(published, recorder):
    # Given a fresh Init: Bolt would build the self-invoke's client on the first lazy listener, on the ack path
    assert _runner(published).lambda_client is None

    # When Lambda takes the snapshot
    take_snapshot()

    # Then the client is built into it, and the first /collect after a restore acks and self-invokes with it
    client = _runner(published).lambda_client
    assert client.meta.service_model.service_name == "lambda"
    with _self_invokes(published, 1):
        restore()
        result = _send(published, "help", SIGNING_SECRET, recorder)
    assert result["statusCode"] == 200
    assert _runner(published).lambda_client is client


def test_a_secret_rotated_after_the_snapshot_takes_effect_at_the_next_restore(published, recorder):
    # Given a snapshot taken with the signing secret of then
    take_snapshot()
    with _self_invokes(published, 1):
        assert _send(published, "frobnicate", SIGNING_SECRET, recorder)["statusCode"] == 200

    # When the secret is rotated in SSM (well within the five-minute cache) and a sandbox resumes the snapshot
    rotated = "0123456789abcdef0123456789abcdef"
    boto3.client("ssm").put_parameter(
        Name=HANDLER_ENV["SLACK_SIGNING_SECRET_PARAM"], Value=rotated, Type="SecureString", Overwrite=True
    )
    restore()

    # Then requests signed with the new secret are answered, the old one's are refused
    with _self_invokes(published, 1):
        accepted = _send(published, "frobnicate", rotated, recorder)
    assert accepted["statusCode"] == 200
    assert "Unknown command 'frobnicate'" in accepted["body"]
    assert _send(published, "frobnicate", SIGNING_SECRET, recorder)["statusCode"] == 401
    # And the rebuilt app still holds a snapshot-built self-invoke client
    assert _runner(published).lambda_client.meta.service_model.service_name == "lambda"


def test_a_restore_with_unchanged_secrets_keeps_the_snapshot_app(published):
    # Given a snapshot
    take_snapshot()
    before = published.slack_handler

    # When a sandbox resumes it and SSM holds the same secrets
    restore()

    # Then the app built at Init serves (no rebuild on the ack path)
    assert published.slack_handler is before


@contextmanager
def _self_invokes(handler: Any, count: int) -> Iterator[None]:
    """The self-invoke's client answers `count` asynchronous invokes of the alias, and must be asked exactly that."""
    with Stubber(_runner(handler).lambda_client) as lambda_api:
        for _ in range(count):
            expected = {"FunctionName": ARN, "InvocationType": "Event", "Payload": ANY}
            lambda_api.add_response("invoke", {"StatusCode": 202}, expected)
        yield
        lambda_api.assert_no_pending_responses()


def test_a_restore_ssm_does_not_answer_serves_with_the_snapshots_secrets(published, recorder, caplog):
    # Given a snapshot, and SSM failing when a sandbox resumes it (here: the parameter is gone)
    take_snapshot()
    boto3.client("ssm").delete_parameter(Name=HANDLER_ENV["SLACK_SIGNING_SECRET_PARAM"])

    # When the after-restore hook runs
    restore()

    # Then the cold /collect is still answered with the snapshot's secrets, and the failure is logged
    with _self_invokes(published, 1):
        assert _send(published, "help", SIGNING_SECRET, recorder)["statusCode"] == 200
    assert "not read again after the restore" in caplog.text
