"""The one recompute: status, oldest due, priority, next action and worklist membership from the account alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from shared.domain.accounts import Account, Commitment, Invoice
from shared.domain.ledger import LedgerEntry
from shared.domain.money import Money
from shared.domain.settings import Settings
from shared.domain.state import recompute

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def owing(*invoices: Invoice, **fields: object) -> Account:
    base = Account("acme", "C-1", "Pat Doe", invoices=invoices, timezone="America/Chicago")
    return recompute(replace(base, **fields), NOW)  # type: ignore[arg-type]


def usd_invoice(number: str, minor: int, due: date) -> Invoice:
    return Invoice(number, Money(minor, "USD"), due)


def paid_entry(minor: int) -> LedgerEntry:
    return LedgerEntry("pay:W", "payment", Money(minor, "USD"), NOW, "U-1", "W")


def test_recompute_payment_clearing_the_oldest_invoice_moves_oldest_due_rank_and_next_reminder() -> None:
    # Given an account with invoices due Sep 1 (USD 100) and Oct 20 (USD 50)
    account = owing(usd_invoice("OLD", 10_000, date(2026, 9, 1)), usd_invoice("NEW", 5_000, date(2026, 10, 20)))

    # When a payment of USD 100 posted in Arrears (not yet in the books) clears the older one
    after = recompute(replace(account, entries=(paid_entry(10_000),)), NOW)

    # Then the oldest due, the rank and the next reminder follow the invoice still owed (finding 5)
    assert (account.oldest_due, after.oldest_due) == (date(2026, 9, 1), date(2026, 10, 20))
    assert after.rank < account.rank and after.priority < account.priority
    assert after.next_action_at != account.next_action_at and after.next_action == "reminder"


def test_recompute_paid_account_has_no_next_action_and_leaves_the_worklist() -> None:
    # Given an account whose only invoice a payment covers
    after = owing(usd_invoice("A", 10_000, date(2026, 9, 1)), entries=(paid_entry(10_000),))

    # Then it is paid: nothing scheduled, nothing to call (`why` shows no next reminder)
    assert (after.status, after.next_action, after.next_action_at, after.on_worklist) == ("paid", None, None, False)


def test_recompute_open_promise_or_active_plan_pauses_dunning() -> None:
    # Given an account with an open promise whose deadline is Nov 20, and one with an active plan
    deadline = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    promise = Commitment("promise", "p1", Money(5_000, "USD"), date(2026, 11, 19), NOW, "U-1", deadline)
    plan = Commitment("plan", "pl1", Money(5_000, "USD"), date(2026, 11, 19), NOW, "U-1")
    promised = owing(usd_invoice("A", 10_000, date(2026, 9, 1)), commitment=promise)
    planned = owing(usd_invoice("A", 10_000, date(2026, 9, 1)), commitment=plan)

    # Then no friendly, firm or final reminder is scheduled (finding 3): the next action is the reminder two days
    # before the promised date or the installment's, at 10:00 in the debtor's zone (Chicago)
    before = datetime(2026, 11, 17, 16, 0, tzinfo=UTC)
    assert (promised.next_action, promised.next_action_at) == ("promise reminder", before)
    assert (planned.next_action, planned.next_action_at) == ("installment reminder", before)
    assert not promised.on_worklist and not planned.on_worklist
    # And once that reminder went out, the promise's deadline is next (a plan's installments have their own items)
    reminded = recompute(replace(promised, commitment=replace(promise, reminded=promise.due)), NOW)
    assert (reminded.next_action, reminded.next_action_at) == ("promise", deadline)
    on_plan = recompute(replace(planned, commitment=replace(plan, reminded=plan.due)), NOW)
    assert (on_plan.next_action, on_plan.next_action_at) == ("plan", None)


def test_an_account_stopped_for_review_gets_no_automated_message_about_its_promise() -> None:
    deadline = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    promise = Commitment("promise", "p1", Money(5_000, "USD"), date(2026, 11, 19), NOW, "U-1", deadline)
    stopped = owing(usd_invoice("A", 10_000, date(2026, 9, 1)), commitment=promise, automation="review")
    assert (stopped.next_action, stopped.next_action_at) == ("promise", deadline)


def test_a_late_installments_notice_is_due_at_a_fixed_instant_whenever_the_account_is_written() -> None:
    plan = Commitment("plan", "pl1", Money(5_000, "USD"), date(2026, 11, 19), NOW, "U-1", cure_until=date(2026, 11, 25))
    late = owing(usd_invoice("A", 10_000, date(2026, 9, 1)), commitment=plan)
    later = recompute(late, NOW + timedelta(days=19))
    expected = datetime(2026, 11, 21, 16, 0, tzinfo=UTC)  # 10:00 in Chicago the day after the grace day
    assert (late.next_action, late.next_action_at) == ("installment notice", expected)
    assert (later.next_action, later.next_action_at) == ("installment notice", expected)


def test_a_promise_made_for_the_next_days_gets_no_reminder_before_it() -> None:
    # Given a promise made on Nov 2 for Nov 3: its reminder instant (Nov 1) is before it was made
    deadline = datetime(2026, 11, 4, 5, 0, tzinfo=UTC)
    promise = Commitment("promise", "p1", Money(5_000, "USD"), date(2026, 11, 3), NOW, "U-1", deadline)
    promised = owing(usd_invoice("A", 10_000, date(2026, 9, 1)), commitment=promise)
    assert (promised.next_action, promised.next_action_at) == ("promise", deadline)


def test_recompute_holds_stop_automation_and_stopping_holds_leave_the_worklist() -> None:
    # Given a disputed account and a ceased one
    disputed = owing(usd_invoice("A", 10_000, date(2026, 9, 1)), flags={"disputes": [{"debt_id": "A"}]})
    ceased = owing(usd_invoice("A", 10_000, date(2026, 9, 1)), flags={"cease": {"received_at": "x"}})

    # Then neither gets reminders; the disputed one stays workable, the ceased one leaves the worklist
    assert (disputed.next_action, disputed.next_action_at, disputed.on_worklist) == ("hold: dispute", None, True)
    assert (ceased.next_action, ceased.on_worklist) == ("hold: cease", False)


def test_worklist_order_is_right_on_any_day_without_rewriting_accounts() -> None:
    # Given an account imported on Oct 1 when 42 days past due, another imported on Nov 2 when 61 days past due
    older = recompute(owing(usd_invoice("A", 10_000, date(2026, 9, 2))), datetime(2026, 11, 2, tzinfo=UTC))
    newer = recompute(owing(usd_invoice("B", 10_000, date(2026, 8, 20))), datetime(2026, 10, 1, tzinfo=UTC))

    # Then the one further past due ranks first, whichever day each was written (finding 5)
    assert newer.rank > older.rank
    # and a broken promise puts an account above every other, until a collector acts on it
    boosted = recompute(replace(older, follow_up="broken promise"), NOW)
    assert boosted.rank > newer.rank and boosted.rank.startswith("1#")


def test_rank_size_is_comparable_across_currencies_through_reference_rates() -> None:
    # Given JPY 100,000 (about USD 670) and USD 500 owed since the same day
    due = date(2026, 10, 1)
    yen = owing(Invoice("Y", Money(100_000, "JPY"), due))
    dollars = owing(usd_invoice("U", 50_000, due))

    # Then the larger debt in real terms ranks first, not the larger number of minor units
    assert yen.rank > dollars.rank
    # and a creditor's own rates change it
    cheap = Settings(rates={"USD": Decimal(1), "JPY": Decimal("0.001")})
    assert recompute(yen, NOW, cheap).rank < dollars.rank


def test_recompute_pending_reversal_reopens_a_paid_account() -> None:
    # Given a paid account whose payment came back after the books had counted it
    paid = owing(usd_invoice("A", 0, date(2026, 9, 1)))
    back = LedgerEntry("rev:pay:W", "reversal", Money(10_000, "USD"), NOW + timedelta(days=1), "U-1", "W")
    after = recompute(replace(paid, entries=(back,)), NOW + timedelta(days=1))

    # Then it is open again, owing the returned amount, and dunning resumes
    assert (after.status, after.balances, after.next_action) == ("open", {"USD": 10_000}, "reminder")
