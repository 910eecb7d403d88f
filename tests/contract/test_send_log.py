"""One contract for the TextReports port (the send log as texts' delivery reports use it: what a report is matched
by and kept on), run against the in-memory fake and the DynamoDB (pynamodb) version."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.domain.accounts import Activity
from shared.domain.sends import SendAttempt, SentText
from shared.ports import TextReports
from tests.contract import BOTH, implementation
from tests.fakes import InMemorySendLog

AT = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


@pytest.fixture(params=BOTH)
def log(request: pytest.FixtureRequest) -> TextReports:
    port: TextReports = implementation(request, InMemorySendLog, "shared.db.sends:DynamoSendLog")
    return port


def _claimed(log: TextReports, key: str, channel: str, to: str) -> SendAttempt:
    attempt = SendAttempt(key, "2026-11-13#1", AT, channel)
    contact = Activity(at=AT, kind="contact", summary=f"nudge reminder by {channel}", id=attempt.id,
                       channel=channel, direction="outbound", outcome="unknown", data={"to": to})  # fmt: skip
    assert log.claim(attempt, None, [contact])
    return attempt


def _outcome(log: TextReports, key: str) -> str | None:
    if isinstance(log, InMemorySendLog):
        return log.contacts(key)[0].outcome
    from shared.db import activity as activity_repo

    (contact,) = activity_repo.query_activity(key, kinds=frozenset({"contact"}))
    return contact.outcome


def test_a_settled_text_is_found_by_its_message_id_and_keeps_its_delivery_once(log: TextReports) -> None:
    attempt = _claimed(log, "acme#C-1", "sms", "+1 214 555 0101")
    assert log.sent_text("m-1") is None  # claimed, not yet accepted
    log.settle(replace(attempt, state="sent", message_id="m-1"))

    text = log.sent_text("m-1")
    assert text == SentText("m-1", "acme#C-1", attempt.id, AT, "+12145550101")
    assert log.text_delivery(text, "failed", "Invalid phone number")
    assert not log.text_delivery(text, "failed", "Invalid phone number")  # a repeat
    assert _outcome(log, "acme#C-1") == "failed"


def test_only_texts_the_provider_accepted_are_kept_for_reports(log: TextReports) -> None:
    email = _claimed(log, "acme#C-2", "email", "c-2@example.com")
    log.settle(replace(email, state="sent", message_id="ses-1"))
    refused = _claimed(log, "acme#C-3", "sms", "+12145550103")
    log.settle(replace(refused, state="failed", error="InvalidParameter"))
    assert log.sent_text("ses-1") is None
    assert _outcome(log, "acme#C-3") == "failed"


def test_a_report_for_a_contact_record_that_is_gone_keeps_nothing(log: TextReports) -> None:
    gone = SentText("m-9", "acme#C-9", "a" * 32, AT, "+12145550109")
    assert not log.text_delivery(gone, "delivered", "Message has been accepted by phone carrier")
