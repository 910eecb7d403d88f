"""SNS's SMS delivery reports, as its delivery status logs reach the function: each is kept on the text's contact
record (delivered or failed); a number that does not exist is flagged disconnected, and an account with no number
left needs locating. Unreachable, blocked or unknown failures only mark the text failed. Repeats change nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import CloudWatchLogsModel

from functions.reminders.deliveries import record_text_deliveries
from functions.reminders.models import TextDelivery, text_deliveries
from local.events import logs_event, sms_delivery_log
from shared.domain.account_actions import usable_phones
from shared.domain.accounts import Activity
from shared.domain.sends import SendAttempt
from shared.domain.texts import number_gone
from tests.factories import account, phone
from tests.fakes import InMemoryAccounts, InMemorySendLog

AT = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
CELL, WORK = "+12145550101", "+12145550177"
GROUP = "sns/us-east-1/123456789012/DirectPublishToPhoneNumber/Failure"


def _texted(log: InMemorySendLog, key: str, to: str, message_id: str) -> SendAttempt:
    """A reminder text claimed and settled as SNS accepted it (what a run writes)."""
    attempt = SendAttempt(key, "2026-11-13#1", AT, "sms")
    contact = Activity(at=AT, kind="contact", summary="nudge reminder by sms", id=attempt.id, channel="sms",
                       direction="outbound", outcome="unknown", data={"to": to})  # fmt: skip
    assert log.claim(attempt, None, [contact])
    log.settle(replace(attempt, state="sent", message_id=message_id))
    return attempt


def _report(message_id: str, to: str, delivered: bool, response: str) -> TextDelivery:
    stamp = AT + timedelta(seconds=3)
    return TextDelivery.model_validate(sms_delivery_log(message_id, to, stamp, delivered, response))


@pytest.mark.parametrize(
    ("response", "gone"),
    [
        ("Invalid phone number", True),
        ("Phone number is not in service", True),
        ("The number is unallocated", True),
        ("Phone is currently unreachable/unavailable", False),
        ("Phone carrier has blocked this message", False),
        ("Unknown error attempting to reach phone", False),
        ("This delivery would exceed max price", False),
        ("Phone number is opted out", False),
    ],
)
def test_only_a_response_that_the_number_does_not_exist_flags_it(response: str, gone: bool) -> None:
    assert number_gone(response) is gone


def test_a_delivered_text_is_marked_delivered_once() -> None:
    debtor = account("C-1")
    log, store = InMemorySendLog(), InMemoryAccounts.holding(debtor)
    attempt = _texted(log, debtor.key, CELL, "m-1")

    report = _report("m-1", CELL, True, "Message has been accepted by phone carrier")
    assert record_text_deliveries([report], log, store) == {"delivered": 1}
    assert record_text_deliveries([report], log, store) == {"repeat": 1}  # Logs delivers at least once

    (contact,) = log.contacts(debtor.key)
    assert (contact.outcome, contact.data["delivery"]) == ("delivered", "Message has been accepted by phone carrier")
    assert [e.kind for e in log.events(attempt.id)] == ["delivered"]
    assert store.writes == 0  # the account itself is untouched


def test_a_number_that_does_not_exist_is_flagged_and_with_none_left_the_account_needs_locating() -> None:
    debtor = replace(account("C-2"), phones=(phone(CELL, "America/Chicago"),))
    log, store = InMemorySendLog(), InMemoryAccounts.holding(debtor)
    _texted(log, debtor.key, "+1 (214) 555-0101", "m-2")

    report = _report("m-2", CELL, False, "Invalid phone number")
    assert record_text_deliveries([report], log, store) == {"number-gone": 1}

    stored = store.get(debtor.key)
    assert stored.phones[0]["invalid"] == {"reason": "disconnected", "at": "2026-11-23T16:00:03Z"}
    assert usable_phones(stored) == []  # neither called nor texted again
    assert stored.flags["needs_locate"] == {"since": "2026-11-23T16:00:03Z", "missing": "phone"}
    assert store.history(debtor.key) == [
        "the number ending 0101 is not in service (text not delivered: Invalid phone number)",
        "needs locate: no usable number left",
    ]
    (contact,) = log.contacts(debtor.key)
    assert contact.outcome == "failed"  # not counted against the consumer's text caps

    writes = store.writes
    assert record_text_deliveries([report], log, store) == {"repeat": 1}
    assert store.writes == writes


def test_with_another_number_left_the_account_does_not_need_locating() -> None:
    debtor = replace(account("C-3"), phones=(phone(CELL), phone(WORK)))
    log, store = InMemorySendLog(), InMemoryAccounts.holding(debtor)
    _texted(log, debtor.key, CELL, "m-3")
    record_text_deliveries([_report("m-3", CELL, False, "Invalid phone number")], log, store)
    stored = store.get(debtor.key)
    assert usable_phones(stored) == [WORK]
    assert "needs_locate" not in stored.flags
    assert store.history(debtor.key) == [
        "the number ending 0101 is not in service (text not delivered: Invalid phone number)"
    ]


def test_an_unreachable_phone_only_marks_the_text_failed() -> None:
    debtor = account("C-4")
    log, store = InMemorySendLog(), InMemoryAccounts.holding(debtor)
    _texted(log, debtor.key, CELL, "m-4")
    report = _report("m-4", CELL, False, "Phone is currently unreachable/unavailable")
    assert record_text_deliveries([report], log, store) == {"failed": 1}
    (contact,) = log.contacts(debtor.key)
    assert (contact.outcome, contact.data["delivery"]) == ("failed", "Phone is currently unreachable/unavailable")
    assert store.writes == 0 and usable_phones(store.get(debtor.key)) == [CELL]


def test_a_report_of_a_text_no_reminder_settled_is_counted_unmatched() -> None:
    report = _report("m-unknown", CELL, False, "Invalid phone number")
    assert record_text_deliveries([report], InMemorySendLog(), InMemoryAccounts()) == {"unmatched": 1}


def test_the_subscription_event_is_read_entry_by_entry_with_utc_instants() -> None:
    entries = [sms_delivery_log("m-5", CELL, AT, False, "Invalid phone number"),
               sms_delivery_log("m-6", WORK, AT + timedelta(milliseconds=559), True, "Message has been accepted")]  # fmt: skip
    reports = text_deliveries(parse(event=logs_event(GROUP, entries, AT), model=CloudWatchLogsModel))
    assert [(r.notification.message_id, r.delivery.destination, r.delivered) for r in reports] == [
        ("m-5", CELL, False),
        ("m-6", WORK, True),
    ]
    assert reports[1].notification.timestamp == AT + timedelta(milliseconds=559)


def test_an_entry_that_is_no_delivery_report_is_skipped_without_quoting_it() -> None:
    entries = [{"notification": {"messageId": "m-7"}, "delivery": {"destination": CELL}},  # no status, no time
               sms_delivery_log("m-8", WORK, AT, True, "Message has been accepted by phone carrier")]  # fmt: skip
    reports = text_deliveries(parse(event=logs_event(GROUP, entries, AT), model=CloudWatchLogsModel))
    assert [r.notification.message_id for r in reports] == ["m-8"]
