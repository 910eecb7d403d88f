"""Two days before a promised date or a plan's next installment, the debtor is reminded (checked like every
reminder, by text where texts are allowed, else email); then the account waits for the date as before."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from functions.plans.installments import account_after
from shared.domain.accounts import Commitment
from shared.domain.ledger import commitment_deadline
from shared.domain.money import Money
from shared.domain.plans import Installment, PaymentPlan
from shared.domain.state import recompute
from shared.reminders.preview import preview_run
from shared.reminders.run import run_reminders
from shared.reminders.sending import Senders
from tests.factories import account
from tests.unit.functions.reminders.test_run_isolation import LINKS, LossyMailer, ThrottledAccounts, log

__all__ = ["log"]  # the fixture
MADE = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
PROMISED = date(2026, 11, 25)
BEFORE = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10:00 in Chicago, two days before


@dataclass
class Texts:
    sent: list[tuple[str, str]] = field(default_factory=list)

    def send_sms(self, to: str, body: str) -> str:
        self.sent.append((to, body))
        return f"sms-{len(self.sent)}"


def promised(texts_checked: bool = False) -> ThrottledAccounts:
    store = ThrottledAccounts()
    deadline = commitment_deadline(PROMISED, "America/Chicago")
    promise = Commitment("promise", "p-77", Money(40_000, "USD"), PROMISED, MADE, "U-1", deadline)
    base = account("P-1")
    if texts_checked:  # the notice was mailed and the number passed a reassigned-number check: texts are allowed
        phone = base.phones[0] | {
            "reassigned_check": {"checked_at": "2026-11-01T00:00:00Z", "result": "not_reassigned"}
        }
        notice = {"sent_at": "2026-10-02T18:00:00Z", "channel": "letter", "period_end": "2026-11-09"}
        flags = {"initial_communication_at": notice["sent_at"], "validation_notices": {"INV-P-1": notice}}
        base = replace(base, phones=(phone,), flags=flags)
    store.save(replace(recompute(replace(base, commitment=promise), MADE), version=None))
    return store


REFUSED: list[tuple] = []  # decisions on channels the rules refused (a text without a reassigned-number check)


def senders(mailer: LossyMailer, texts: Texts, log, at: datetime) -> Senders:
    return Senders(
        mailer, texts, log, lambda: at, LINKS, sleep=lambda _: None, keep_decision=lambda *d: REFUSED.append(d)
    )


def test_the_promise_is_reminded_two_days_before_by_email_once(log):
    store, mailer, texts = promised(), LossyMailer(), Texts()
    key = account("P-1").key
    step = store.get(key).dunning_step
    assert store.get(key).next_action == "promise reminder" and store.get(key).next_action_at == BEFORE

    # When the run comes at 10:00 two days before, and again an hour later
    first = run_reminders(BEFORE, store, senders(mailer, texts, log, BEFORE))
    later = BEFORE + timedelta(hours=1)
    again = run_reminders(later, store, senders(mailer, texts, log, later))

    # Then one email went (the number has no reassigned-number check, so no text) naming the promise
    assert first.outcomes["sent"] == 1 and again.outcomes["sent"] == 0
    ((to, _, _),) = mailer.outbox
    assert to == "p-1@example.com" and texts.sent == []
    (contact,) = log.contacts(key)
    assert contact.data["template"] == "promise"
    # And the account waits for the promise's deadline, its dunning still paused
    stored = store.get(key)
    assert stored.commitment is not None and stored.commitment.reminded == PROMISED
    assert (stored.next_action, stored.next_action_at) == ("promise", stored.commitment.deadline)
    assert stored.dunning_step == step  # the cadence did not move: a promise reminder is not one of its steps


def test_a_textable_debtor_gets_the_reminder_by_text(log):
    store, mailer, texts = promised(texts_checked=True), LossyMailer(), Texts()

    run_reminders(BEFORE, store, senders(mailer, texts, log, BEFORE))

    ((to, body),) = texts.sent
    assert to == "+12145550101" and "USD 400.00" in body and "2026-11-25" in body and "STOP" in body
    assert mailer.outbox == []


def test_the_preview_shows_the_promise_reminder_and_sends_nothing(log):
    store = promised()

    preview = preview_run(BEFORE, store, log)

    assert preview.steps == {("promise reminder", "email"): 1}
    assert store.get(account("P-1").key).commitment.reminded is None  # type: ignore[union-attr]


def test_a_reminder_that_could_not_go_before_the_date_is_dropped_and_the_deadline_kept(log):
    # Given the reminder was deferred until the promised date itself (say, a run outage)
    store, mailer = promised(), LossyMailer()
    on_the_day = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)

    report = run_reminders(on_the_day, store, senders(mailer, Texts(), log, on_the_day))

    # Then nothing is sent on the day, and the promise's follow-up is next
    assert mailer.outbox == [] and report.outcomes["sent"] == 0
    stored = store.get(account("P-1").key)
    assert stored.next_action == "promise" and stored.next_action_at == stored.commitment.deadline  # type: ignore[union-attr]


def test_each_installment_of_a_plan_gets_its_own_reminder():
    # Given a plan whose first installment was reminded, then paid: the commitment moves to the next installment
    first = Installment(1, Money(10_000, "USD"), date(2026, 11, 25))
    second = Installment(2, Money(10_000, "USD"), date(2026, 12, 25))
    plan = PaymentPlan("pl-1", "acme#P-1", Money(20_000, "USD"), 2, "monthly", MADE)
    commitment = Commitment("plan", "pl-1", first.amount, first.due, MADE, "U-1", reminded=first.due)
    on_plan = recompute(replace(account("P-1"), commitment=commitment), MADE)
    assert on_plan.next_action == "plan"

    moved = account_after(on_plan, plan, [first, second], [(first, "paid")], "active")

    # Then the next installment's reminder is scheduled two days before it
    after = recompute(moved, datetime(2026, 11, 26, 16, 0, tzinfo=UTC))
    assert after.next_action == "installment reminder"
    assert after.next_action_at == datetime(2026, 12, 23, 16, 0, tzinfo=UTC)
