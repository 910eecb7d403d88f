"""Slack notices against moto: work lands whatever Slack does, and its messages follow when Slack allows."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from functions.notify.logic import Message, deliver_batch
from local.events import LambdaContext, s3_put_event
from local.slack_recorder import SlackRecorder
from shared.adapters.aws import QueuedNotifier
from shared.db import accounts as account_repo
from shared.domain.accounts import account_key
from shared.domain.errors import InvalidInputError
from shared.domain.notices import FINAL, Notice
from tests.factories import BUCKET
from tests.support import deliver_notices

INTAKE_ARN = "arn:aws:lambda:us-east-1:123456789012:function:arrears-intake"
HEADER = "account_id,debtor_name,invoice,invoice_date,due_date,balance,currency\n"


@pytest.fixture
def slack(load_handler: Any, recorder: SlackRecorder) -> SlackRecorder:
    """The notify function's Slack is the recorder (deliver_notices loads it with this env)."""
    os.environ["SLACK_API_URL"] = recorder.api_url
    return recorder


@pytest.fixture
def intake(load_handler: Any, slack: SlackRecorder) -> Any:
    url = boto3.client("sqs").create_queue(QueueName="arrears-intake")["QueueUrl"]
    return load_handler("functions.intake.handler", INTAKE_QUEUE_URL=url)


def _notify(*notices: Notice) -> None:
    notifier = QueuedNotifier(os.environ["NOTIFY_QUEUE_URL"])
    for notice in notices:
        notifier.notify(notice)


def _import(handler: Any, key: str, body: str) -> dict[str, str]:
    put = boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    event = s3_put_event(BUCKET, key, size=len(body), etag=put["ETag"], version_id=put.get("VersionId"))
    return dict(handler.lambda_handler(event, LambdaContext("arrears-intake", INTAKE_ARN, timeout_s=300))["results"])


def _queued() -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=os.environ["NOTIFY_QUEUE_URL"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_first_notice_posts_later_ones_update_it_and_repeats_are_dropped(slack):
    # Given a job's progress notices, one of them queued twice and one arriving after the final word
    _notify(
        Notice("job-1", "C-OPS", "started", seq=0),
        Notice("job-1", "C-OPS", "halfway", seq=5),
        Notice("job-1", "C-OPS", "done", seq=FINAL),
        Notice("job-1", "C-OPS", "late progress", seq=7),
    )
    _notify(Notice("job-1", "C-OPS", "halfway", seq=5))  # a repeat of the run that queued it

    # When the notify function delivers the queue
    assert deliver_notices() == 0

    # Then one message was posted, updated in order, and ends with the final word
    methods = [(c.method, c.params.get("text")) for c in slack.calls]
    assert methods == [("chat.postMessage", "started"), ("chat.update", "halfway"), ("chat.update", "done")]


def test_rate_limited_notice_waits_out_retry_after_then_is_delivered_once(slack):
    # Given Slack answering 429 with Retry-After: 1
    slack.rate_limit(calls=1, retry_after=1)
    _notify(Notice("alert-1", "C-OPS", "file quarantined"))

    # When the notify function runs now, then again after the wait
    handed_back = deliver_notices()
    hidden = _queued()
    time.sleep(1.2)
    after_wait = deliver_notices()

    # Then the first delivery handed it back hidden (nothing posted), and the second posted it once
    assert (handed_back, hidden, after_wait) == (1, 1, 0)
    assert len(slack.limited) == 1
    assert [c.params["text"] for c in slack.calls if c.method == "chat.postMessage"] == ["file quarantined"]


def test_import_lands_while_slack_rate_limits_and_its_summary_follows(intake, slack):
    # Given Slack rate-limiting every call for now, and an export of 30 accounts
    slack.rate_limit(calls=1_000, retry_after=1)
    rows = "".join(f"R{i},Debtor {i},I-{i},2026-09-01,2026-10-01,{i}.00,USD\n" for i in range(1, 31))

    # When the file arrives and the notify function tries to tell Slack
    result = _import(intake, "incoming/generic/slow-slack.csv", HEADER + rows)
    assert deliver_notices() > 0

    # Then every account is in, nothing reached Slack yet and the notices wait in the queue
    assert result == {"incoming/generic/slow-slack.csv": "imported"}
    assert all(
        account_repo.get_account(account_key("acme", f"R{i}")).balances == {"USD": i * 100} for i in range(1, 31)
    )
    assert slack.calls == [] and _queued() >= 1
    # and when Slack allows again, the summary follows, once
    slack.rate_limit(calls=0)
    time.sleep(1.2)
    assert deliver_notices() == 0
    summaries = [c for c in slack.calls if "Imported" in str(c.params.get("text"))]
    assert len(summaries) == 1 and "30 accepted" in summaries[0].params["text"]


def test_quarantine_alert_follows_when_slack_allows(intake, slack):
    # Given Slack rate-limiting, and a file that cannot be read
    slack.rate_limit(calls=1_000, retry_after=1)
    result = _import(intake, "incoming/garbage.csv", "\x00\x01\x02 not a table")
    deliver_notices()
    # When Slack allows again
    slack.rate_limit(calls=0)
    time.sleep(1.2)
    deliver_notices()
    # Then the file was quarantined at once, and the alert arrived afterwards
    assert result == {"incoming/garbage.csv": "quarantined"}
    alerts = [c for c in slack.calls if c.method == "chat.postMessage" and "quarantine" in c.params.get("text", "")]
    assert len(alerts) == 1


def test_notice_body_is_what_the_notify_function_reads(slack):
    # Given a notice with blocks, When it is queued, Then the queue holds exactly its JSON form
    notice = Notice("k", "C-OPS", "text", [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}], seq=3)
    _notify(notice)
    message = boto3.client("sqs").receive_message(QueueUrl=os.environ["NOTIFY_QUEUE_URL"])["Messages"][0]
    assert Notice.of(json.loads(message["Body"])) == notice


class _RefusingPoster:
    """Slack answering `channel_not_found` to the first channel, and accepting the rest."""

    def __init__(self) -> None:
        self.posted: list[str] = []

    def post(self, channel: str, text: str, blocks: Any = None) -> str:
        if channel == "C-GONE":
            raise InvalidInputError("Slack will never accept this message: channel_not_found")
        self.posted.append(text)
        return "1.0"

    def update(self, channel: str, ts: str, text: str, blocks: Any = None) -> None:
        raise AssertionError("no update expected")


def test_notice_slack_will_never_accept_is_dropped_and_the_rest_go_out(aws):
    # Given a batch whose first notice names a channel that no longer exists
    messages = [
        Message("m1", "r1", Notice("a", "C-GONE", "to a deleted channel")),
        Message("m2", "r2", Notice("b", "C-OPS", "to ops")),
    ]
    poster = _RefusingPoster()
    # When the batch is delivered
    outcome = deliver_batch(messages, poster, datetime(2026, 11, 23, tzinfo=UTC), lambda m, s: None)
    # Then the refused notice is dropped (not handed back to loop until the failure queue), the next one posted
    assert (outcome.dropped, outcome.delivered, outcome.failed) == (1, 1, [])
    assert poster.posted == ["to ops"]
