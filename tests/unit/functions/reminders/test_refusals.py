"""A permanent bounce or a complaint, as SES publishes them, stops email to that address on its account; with no
contact left the account needs locating. Transient bounces and repeated notifications change nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from functions.reminders.deliveries import record_deliveries
from functions.reminders.models import SesSendingEvent
from shared.domain.sends import account_tag
from shared.reminders.run import _targets
from tests.factories import account
from tests.fakes import InMemoryAccounts, InMemorySendLog

AT = datetime(2026, 11, 23, 16, 5, tzinfo=UTC)


def ses_event(kind: str, key: str, address: str, **detail: object) -> SesSendingEvent:
    """One record as a configuration set publishes it to SNS (SES event publishing format)."""
    mail = {"timestamp": AT.isoformat(), "source": "collections@example.com", "messageId": "0100018c-m1",
            "destination": [address], "tags": {"attempt": ["a1"], "account": [account_tag(key)]}}  # fmt: skip
    body: dict[str, object] = {"eventType": kind, "mail": mail}
    if kind == "Bounce":
        body["bounce"] = {"bounceType": detail.get("type", "Permanent"), "bounceSubType": "General",
                          "bouncedRecipients": [{"emailAddress": address, "action": "failed", "status": "5.1.1"}],
                          "timestamp": AT.isoformat(), "feedbackId": "f1"}  # fmt: skip
    if kind == "Complaint":
        body["complaint"] = {"complainedRecipients": [{"emailAddress": address}], "complaintFeedbackType": "abuse",
                             "timestamp": AT.isoformat(), "feedbackId": "f2"}  # fmt: skip
    return SesSendingEvent.model_validate(body)


def test_a_permanent_bounce_stops_email_to_that_address_and_a_repeat_changes_nothing():
    debtor = account("C-1")
    store = InMemoryAccounts.holding(debtor)
    address = debtor.emails[0]["address"]
    record_deliveries([ses_event("Bounce", debtor.key, address)], InMemorySendLog(), store)
    stored = store.get(debtor.key)
    assert stored.emails[0]["invalid"] is True
    assert ("email", address) not in _targets(stored, ("email",))  # the next reminder does not write to it
    assert "needs_locate" not in stored.flags  # the phone is still there
    assert [a.summary for a in store.activities[debtor.key]] == [f"email {address} bounced for good (General)"]
    writes = store.writes
    record_deliveries([ses_event("Bounce", debtor.key, address)], InMemorySendLog(), store)  # SNS redelivers
    assert store.writes == writes


def test_with_no_contact_left_the_account_needs_locating():
    debtor = replace(account("C-2"), phones=())
    store = InMemoryAccounts.holding(debtor)
    record_deliveries([ses_event("Bounce", debtor.key, debtor.emails[0]["address"])], InMemorySendLog(), store)
    assert store.get(debtor.key).flags["needs_locate"]["reason"].startswith("email bounced for good")


def test_a_complaint_is_an_opt_out_and_a_transient_bounce_only_waits():
    debtor = account("C-3")
    store = InMemoryAccounts.holding(debtor)
    address = debtor.emails[0]["address"]
    record_deliveries([ses_event("Bounce", debtor.key, address, type="Transient")], InMemorySendLog(), store)
    assert store.get(debtor.key) == debtor and store.writes == 0
    record_deliveries([ses_event("Complaint", debtor.key, address)], InMemorySendLog(), store)
    assert store.get(debtor.key).emails[0]["opted_out_at"] == "2026-11-23T16:05:00Z"
    assert _targets(store.get(debtor.key), ("email",)) == []
