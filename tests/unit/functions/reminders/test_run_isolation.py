"""A reminder run on the in-memory stores: a lost provider response never sends a step twice, a send's outcome is
never lost, and one account that keeps failing stops none of the others."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from functions.reminders.deliveries import record_deliveries
from functions.reminders.models import SesSendingEvent
from shared import contacts
from shared.domain.accounts import Account
from shared.domain.errors import DeliveryUnknownError, IncompleteRunError, UpstreamUnavailableError
from shared.domain.sends import SENT, UNKNOWN, SendAttempt
from shared.domain.unsubscribe import UnsubscribeLinks
from shared.reminders.run import run_reminders
from shared.reminders.sending import Senders
from tests.factories import account
from tests.fakes import InMemoryAccounts, InMemorySendLog

MORNING = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
FRESH = date(2026, 11, 20)  # three days past due on MORNING: the first step of the cadence
IDS = [f"C-{n:04d}" for n in range(1, 41)]
LINKS = UnsubscribeLinks("https://unsubscribe.example/", b"k" * 32)


@dataclass
class LossyMailer:
    """SES that accepts every email but loses the response of some (`lose`), or never receives some (`cut`)."""

    lose: set[str] = field(default_factory=set)
    cut: set[str] = field(default_factory=set)
    outbox: list[tuple[str, str, str]] = field(default_factory=list)  # (to, attempt id, message id)

    def send_email(
        self, to: str, subject: str, body: str, attempt_id: str, account_key: str = "", unsubscribe_url: str = ""
    ) -> str:
        if to in self.cut:
            raise DeliveryUnknownError("connection reset before the request was read")
        message_id = f"m-{len(self.outbox) + 1}"
        self.outbox.append((to, attempt_id, message_id))
        if to in self.lose:
            raise DeliveryUnknownError("read timeout after SES accepted")
        return message_id

    def sent_to(self) -> list[str]:
        return [to for to, _, _ in self.outbox]


class NoSms:
    def send_sms(self, to: str, body: str) -> str:
        raise AssertionError("these reminders go by email")


class ThrottledAccounts(InMemoryAccounts):
    """DynamoDB throttling every read of some accounts."""

    throttled: frozenset[str] = frozenset()

    def get(self, key: str) -> Account:
        if key in self.throttled:
            raise UpstreamUnavailableError("ProvisionedThroughputExceededException")
        return super().get(key)


class ThrottledLog(InMemorySendLog):
    """The send log refusing every outcome write (settle) of some accounts."""

    throttled: frozenset[str] = frozenset()

    def settle(self, attempt: SendAttempt) -> None:
        if attempt.account_key in self.throttled:
            raise UpstreamUnavailableError("ThrottlingException")
        super().settle(attempt)


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> ThrottledLog:
    """The compliance check reads its history from the same log the sends are recorded in."""
    fake = ThrottledLog()
    monkeypatch.setattr(
        contacts.activity_repo,
        "query_contacts_since",
        lambda key, since: [a for a in fake.activities.get(key, []) if a.at >= since and a.kind == "contact"],
    )
    monkeypatch.setattr(contacts.creditor_repo, "get_policy", lambda creditor: {})
    return fake


@pytest.fixture
def store() -> ThrottledAccounts:
    fake = ThrottledAccounts()
    for account_id in IDS:
        fake.save(replace(account(account_id, due=FRESH, next_action_at=MORNING - timedelta(hours=1)), version=None))
    return fake


def _senders(mailer: LossyMailer, log: InMemorySendLog, at: datetime, sleeps: list[float] | None = None) -> Senders:
    return Senders(mailer, NoSms(), log, lambda: at, LINKS, sleep=(sleeps if sleeps is not None else []).append)


def _publish_send_events(mailer: LossyMailer, log: InMemorySendLog) -> None:
    """What SES's configuration set publishes for every accepted email (through SNS to the function)."""
    records = [
        SesSendingEvent.model_validate(
            {"eventType": "Send", "mail": {"timestamp": MORNING, "messageId": mid, "tags": {"attempt": [aid]}}}
        )
        for _, aid, mid in mailer.outbox
    ]
    record_deliveries(records, log)


def _email(n: int) -> str:
    return f"{IDS[n].lower()}@example.com"


def test_run_lost_response_is_settled_by_its_event_never_sent_twice(store: ThrottledAccounts, log: ThrottledLog):
    # Given SES accepting all 40 emails but losing the response of two
    mailer = LossyMailer(lose={_email(3), _email(17)})

    # When the run goes out, SES publishes its Send events, and the next hourly run comes
    first = run_reminders(MORNING, store, _senders(mailer, log, MORNING))
    _publish_send_events(mailer, log)
    second = run_reminders(MORNING + timedelta(hours=1), store, _senders(mailer, log, MORNING + timedelta(hours=1)))

    # Then the two were left unknown (recorded before the call), then confirmed from their events: 40 emails for
    # 40 debtors, none twice, every contact recorded as sent with its message id, every cadence moved on
    assert first.outcomes == {"sent": 38, "unknown": 2} and sorted(first.unsettled) == sorted(
        account(IDS[n]).key for n in (3, 17)
    )
    assert second.outcomes == {"confirmed": 2}
    assert sorted(mailer.sent_to()) == sorted(_email(n) for n in range(40))
    for account_id in IDS:
        key = account(account_id).key
        (contact,) = log.contacts(key)
        assert contact.outcome == SENT and contact.data["message_id"]
        assert store.get(key).dunning_step == 1


def test_run_unknown_send_waits_out_the_settling_window_then_sends_once(store: ThrottledAccounts, log: ThrottledLog):
    # Given a connection cut before SES read two of the requests (no Send event will ever come)
    mailer = LossyMailer(cut={_email(0), _email(39)})
    first = run_reminders(MORNING, store, _senders(mailer, log, MORNING))
    mailer.cut = set()

    # When a run comes inside the settling window, then one after it
    soon = run_reminders(MORNING + timedelta(minutes=30), store, _senders(mailer, log, MORNING + timedelta(minutes=30)))
    later = MORNING + timedelta(hours=2)
    after = run_reminders(later, store, _senders(mailer, log, later))

    # Then the first waits (no blind resend), the second sends them once: 40 for 40, none twice
    assert first.outcomes == {"sent": 38, "unknown": 2}
    assert soon.outcomes == {"unsettled": 2}
    assert after.outcomes == {"sent": 2}
    assert sorted(mailer.sent_to()) == sorted(_email(n) for n in range(40))
    # and the first try's contact is kept as failed (it does not count as a contact), the second as sent
    outcomes = [c.outcome for c in log.contacts(account(IDS[0]).key)]
    assert outcomes == ["failed", SENT]


def test_run_throttled_outcome_write_keeps_the_attempt_then_settles_it(store: ThrottledAccounts, log: ThrottledLog):
    # Given the send log throttling every outcome write of one account
    key = account(IDS[5]).key
    log.throttled = frozenset({key})
    mailer = LossyMailer()
    sleeps: list[float] = []

    # When the run sends, SES publishes the events, and the next run comes with the log healthy again
    first = run_reminders(MORNING, store, _senders(mailer, log, MORNING, sleeps))
    _publish_send_events(mailer, log)
    log.throttled = frozenset()
    second = run_reminders(MORNING + timedelta(hours=1), store, _senders(mailer, log, MORNING + timedelta(hours=1)))

    # Then the sent email kept its contact record (written before the call, unknown after three tries with
    # backoff), the next run confirmed it from its event, and nothing went twice
    assert first.outcomes == {"sent": 39, "unrecorded": 1} and len(sleeps) == 3
    assert [c.outcome for c in log.contacts(key)] == [SENT]
    assert second.outcomes == {"confirmed": 1}
    assert len(mailer.outbox) == 40 and len(set(mailer.sent_to())) == 40


def test_run_account_throttled_on_every_read_stops_none_of_the_others(store: ThrottledAccounts, log: ThrottledLog):
    # Given DynamoDB throttling every read of one of the 41 due accounts
    stuck = account("C-0041", due=FRESH, next_action_at=MORNING - timedelta(hours=1))
    store.save(replace(stuck, version=None))
    store.throttled = frozenset({stuck.key})
    mailer = LossyMailer()
    sleeps: list[float] = []

    # When the run goes out
    with pytest.raises(IncompleteRunError) as raised:
        run_reminders(MORNING, store, _senders(mailer, log, MORNING, sleeps))

    # Then the other 40 are sent, the stuck one was tried three times with backoff, and the run raises at the
    # end with a report naming it by key only
    assert len(mailer.outbox) == 40 and sleeps == [0.2, 0.4]
    report: dict[str, Any] = raised.value.report
    assert report["outcomes"] == {"sent": 40, "unfinished": 1} and report["unfinished"] == [stuck.key]
    assert "Debtor" not in str(report) and "@" not in str(report)

    # When the next run comes with DynamoDB healthy / Then it sends only the one left due
    store.throttled = frozenset()
    later = run_reminders(MORNING + timedelta(hours=1), store, _senders(mailer, log, MORNING + timedelta(hours=1)))
    assert later.outcomes == {"sent": 1} and len(mailer.outbox) == 41


def test_run_refused_email_is_failed_and_retried_by_the_next_run(store: ThrottledAccounts, log: ThrottledLog):
    # Given SES refusing one email outright (MessageRejected: it was never accepted)
    class Refusing(LossyMailer):
        def send_email(
            self, to: str, subject: str, body: str, attempt_id: str, account_key: str = "", unsubscribe_url: str = ""
        ) -> str:
            if to == _email(2) and not getattr(self, "healed", False):
                raise UpstreamUnavailableError("MessageRejected")
            return super().send_email(to, subject, body, attempt_id, account_key, unsubscribe_url)

    mailer = Refusing()

    # When the run goes out / Then the others are sent and the run raises for the one refused
    with pytest.raises(IncompleteRunError):
        run_reminders(MORNING, store, _senders(mailer, log, MORNING))
    (attempt,) = [a for (k, _), a in log.attempts.items() if k == account(IDS[2]).key]
    assert attempt.state == "failed" and len(mailer.outbox) == 39

    # When SES takes it again / Then the next run sends it once
    mailer.healed = True  # type: ignore[attr-defined]
    later = run_reminders(MORNING + timedelta(minutes=5), store, _senders(mailer, log, MORNING + timedelta(minutes=5)))
    assert later.outcomes == {"sent": 1} and sorted(mailer.sent_to()) == sorted(_email(n) for n in range(40))
    assert UNKNOWN not in {c.outcome for c in log.contacts(account(IDS[2]).key)}
