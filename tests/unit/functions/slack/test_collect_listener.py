"""The `/collect` ack listener: answers within Slack's 3 s from the text alone, with usage on bad input, no AWS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import Mock, patch

import boto3
import botocore.session
import pytest

from functions.slack.commands import USAGE, usage_text
from functions.slack.listeners.collect import ack_collect


def slash_command(text: str | None) -> dict[str, Any]:
    """The parsed body Bolt hands to the listener (fields as a real `/collect` request carries them)."""
    body: dict[str, Any] = {
        "team_id": "T1DC2JH3J",
        "channel_id": "C0123",
        "user_id": "U2CERLKJA",
        "command": "/collect",
        "response_url": "https://hooks.slack.com/commands/T1DC2JH3J/1/abc",
        "trigger_id": "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
    }
    if text is not None:
        body["text"] = text
    return body


@pytest.fixture(autouse=True)
def no_aws() -> Iterator[Mock]:
    """Any AWS client creation (boto3 or pynamodb's botocore) fails the test."""
    refuse = Mock(side_effect=AssertionError("the ack path created an AWS client"))
    with patch.object(boto3, "client", refuse), patch.object(botocore.session.Session, "create_client", refuse):
        yield refuse


@pytest.mark.parametrize(
    "text",
    ["worklist", "account C-1", "log C-1 call no-answer", "promise C-1 150.00 2026-12-01", "hold C-1 cease", "", None],
)
def test_ack_collect_valid_text_acks_without_args(text: str | None, no_aws: Mock) -> None:
    # Given a well-formed `/collect` request (or one with no text at all)
    ack = Mock()

    # When the ack listener runs
    ack_collect(ack, slash_command(text))

    # Then Slack gets a plain ack once (the lazy worker answers later) and no AWS client was made
    ack.assert_called_once_with()
    no_aws.assert_not_called()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("promise C-1", USAGE["promise"]),
        ("log C-1 fax", USAGE["log"]),
        ("hold C-1 vacation", USAGE["hold"]),
        ("frobnicate", usage_text()),
    ],
)
def test_ack_collect_bad_text_acks_with_usage(text: str, expected: str, no_aws: Mock) -> None:
    # Given a `/collect` request the parser refuses
    ack = Mock()

    # When the ack listener runs
    ack_collect(ack, slash_command(text))

    # Then the ack itself carries the error with the usage (ephemeral, shown at once), and no AWS client was made
    ack.assert_called_once()
    assert ack.call_args.args == ()
    assert set(ack.call_args.kwargs) == {"text"}
    assert expected in ack.call_args.kwargs["text"]
    no_aws.assert_not_called()


def test_ack_collect_bad_amount_acks_with_reason(no_aws: Mock) -> None:
    # Given a payment with an amount that is not a number
    ack = Mock()

    # When the ack listener runs
    ack_collect(ack, slash_command("pay C-1 lots ref-1"))

    # Then the ack names the bad amount instead of a plain ack
    ack.assert_called_once()
    assert "amount 'lots' is not a number" in ack.call_args.kwargs["text"]
