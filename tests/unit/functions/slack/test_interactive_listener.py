"""The button and modal ack listeners: ack first, open the modal from the button alone, check fields, no AWS."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import Mock, call, patch

import boto3
import botocore.session
import pytest
from slack_sdk.errors import SlackApiError

from functions.slack.blocks import ACTION_LOG_CALL
from functions.slack.listeners.interactive import ack_button, ack_log_call, ack_promise, modal_opener
from functions.slack.modals import AMOUNT, DUE, OUTCOME, log_call_modal, promise_modal

CAPTURED = (
    Path(__file__).resolve().parents[4].parent / "shared" / "samples" / "slack" / "block_actions_payload_captured.json"
)
REF = "acme:C-1001"
NOV_24 = int(datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp())


def block_actions(value: str) -> dict[str, Any]:
    """A block_actions body shaped like Slack's capture, for our button."""
    if CAPTURED.exists():
        body = json.loads(CAPTURED.read_text())
    else:
        body = {"type": "block_actions", "user": {"id": "U08MM3PTRJ8"}, "trigger_id": "1.2.abc", "actions": [{}]}
    body = copy.deepcopy(body)
    body["actions"][0] |= {"action_id": ACTION_LOG_CALL, "block_id": "row-1", "value": value}
    return body


def request_at(stamp: int) -> Any:
    """The parts of a BoltRequest the listeners read: lower-cased headers, values as lists."""
    return SimpleNamespace(headers={"x-slack-request-timestamp": [str(stamp)]})


@pytest.fixture(autouse=True)
def no_aws() -> Iterator[Mock]:
    """Any AWS client creation (boto3 or pynamodb's botocore) fails the test."""
    refuse = Mock(side_effect=AssertionError("the ack path created an AWS client"))
    with patch.object(boto3, "client", refuse), patch.object(botocore.session.Session, "create_client", refuse):
        yield refuse


def test_modal_opener_acks_then_opens_modal_from_button_value(no_aws: Mock) -> None:
    # Given a click on Log call for acme:C-1001
    slack = Mock()
    body = block_actions(REF)

    # When the ack listener runs
    modal_opener(log_call_modal)(slack.ack, body, slack.client, slack.respond)

    # Then it acks first, then opens the modal with the click's trigger id, without touching AWS
    assert slack.mock_calls == [
        call.ack(),
        call.client.views_open(trigger_id=body["trigger_id"], view=log_call_modal(REF)),
    ]
    no_aws.assert_not_called()


def test_modal_opener_button_without_value_tells_collector(no_aws: Mock) -> None:
    slack = Mock()
    modal_opener(promise_modal)(slack.ack, block_actions(""), slack.client, slack.respond)
    slack.ack.assert_called_once_with()
    slack.client.views_open.assert_not_called()
    assert "does not name an account" in slack.respond.call_args.kwargs["text"]
    assert slack.respond.call_args.kwargs["response_type"] == "ephemeral"


def test_modal_opener_expired_trigger_tells_collector_to_click_again() -> None:
    # Given Slack refuses the trigger (it came too late)
    slack = Mock()
    slack.client.views_open.side_effect = SlackApiError("expired", {"ok": False, "error": "expired_trigger_id"})

    # When the ack listener runs
    modal_opener(promise_modal)(slack.ack, block_actions(REF), slack.client, slack.respond)

    # Then the click was acked and the collector is asked to click again, no traceback
    slack.ack.assert_called_once_with()
    assert "click the button again" in slack.respond.call_args.kwargs["text"]


def test_ack_button_plain_ack() -> None:
    ack = Mock()
    ack_button(ack)
    ack.assert_called_once_with()


def promise_view(amount: str, day: str | None) -> dict[str, Any]:
    values = {
        AMOUNT[0]: {AMOUNT[1]: {"type": "plain_text_input", "value": amount}},
        DUE[0]: {DUE[1]: {"type": "datepicker", "selected_date": day}},
    }
    return promise_modal(REF) | {"id": "V1", "state": {"values": values}}


def test_ack_promise_bad_amount_answers_errors_by_block(no_aws: Mock) -> None:
    # Given a promise submission with an amount that is not a number
    ack = Mock()

    # When the ack listener runs
    ack_promise(ack, promise_view("lots", "2026-12-01"), request_at(NOV_24))

    # Then the modal stays open with the error beside the amount, and no AWS was touched
    ack.assert_called_once()
    assert ack.call_args.kwargs["response_action"] == "errors"
    assert set(ack.call_args.kwargs["errors"]) == {AMOUNT[0]}
    no_aws.assert_not_called()


def test_ack_promise_day_before_request_day_is_past() -> None:
    # Given a day before the day Slack sent the request (its signed timestamp)
    ack = Mock()

    # When the ack listener runs
    ack_promise(ack, promise_view("150", "2026-11-23"), request_at(NOV_24))

    # Then the date field carries the error
    assert ack.call_args.kwargs["errors"] == {DUE[0]: "Promise date 2026-11-23 is in the past"}


def test_ack_promise_valid_plain_ack(no_aws: Mock) -> None:
    ack = Mock()
    ack_promise(ack, promise_view("150.00", "2026-11-24"), request_at(NOV_24))
    ack.assert_called_once_with()
    no_aws.assert_not_called()


def test_ack_log_call_missing_outcome_errors_valid_plain_ack(no_aws: Mock) -> None:
    # Given a call submission without an outcome, and one with
    empty, bad = Mock(), log_call_modal(REF) | {"id": "V1", "state": {"values": {}}}
    good = bad | {
        "state": {"values": {OUTCOME[0]: {OUTCOME[1]: {"type": "static_select", "selected_option": {"value": "busy"}}}}}
    }
    ok = Mock()

    # When each is acked
    ack_log_call(empty, bad)
    ack_log_call(ok, good)

    # Then the first keeps the modal open on the outcome field, the second closes it
    assert empty.call_args.kwargs == {"response_action": "errors", "errors": {OUTCOME[0]: "Pick how the call went."}}
    ok.assert_called_once_with()
    no_aws.assert_not_called()
