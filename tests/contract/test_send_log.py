"""One contract for the TextReports port (the send log as texts' delivery reports use it: what a report is matched
by and kept on), run against the in-memory fake and the DynamoDB (pynamodb) version."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

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


def test_a_report_of_a_text_whose_response_was_lost_finds_it_by_number_and_time(log: TextReports) -> None:
    # Given a text claimed and sent, whose Publish response was lost (the attempt stays unknown, no message id)
    attempt = _claimed(log, "acme#C-4", "sms", "+1 214 555 0104")
    minutes = timedelta(minutes=2)
    # Then a report for that number just after finds it; one before it, days later, or for another number does not
    assert log.lost_text("+12145550104", AT + minutes) == SentText("", "acme#C-4", attempt.id, AT, "+12145550104")
    assert log.lost_text("+12145550104", AT - 10 * minutes) is None
    assert log.lost_text("+12145550104", AT + timedelta(days=4)) is None
    assert log.lost_text("+12145550199", AT + minutes) is None
    # And the report kept on it stays when the next run settles the attempt with the report's message id
    lost = log.lost_text("+12145550104", AT + minutes)
    assert lost is not None and log.text_delivery(replace(lost, message_id="m-4"), "failed", "Unknown error")
    log.settle(replace(attempt, state="sent", message_id="m-4"))
    assert _outcome(log, "acme#C-4") == "failed"
    assert log.lost_text("+12145550104", AT + minutes) is None  # it has its message id now


def test_a_lost_text_report_that_fits_two_accounts_matches_neither(log: TextReports) -> None:
    _claimed(log, "acme#C-5", "sms", "+12145550105")
    _claimed(log, "beta#C-5", "sms", "+12145550105")  # the same number on two creditors' accounts
    assert log.lost_text("+12145550105", AT + timedelta(minutes=2)) is None
