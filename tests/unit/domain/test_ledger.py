"""The account ledger: balances derived from the source's invoices and Arrears' own entries, reconciled by imports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.errors import InvalidInputError
from shared.domain.ledger import (
    MATCHED,
    PENDING,
    REVERSED,
    Invoice,
    LedgerEntry,
    MatchRule,
    account_currency,
    check_payment,
    check_plan_total,
    check_promise,
    open_amounts,
    position,
    promise_outcome,
    received_since,
    reconcile,
    reverse,
    stale_pending,
)
from shared.domain.money import Money

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
DUE = date(2026, 10, 1)


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def invoice(number: str, minor: int, due: date = DUE, currency: str = "USD") -> Invoice:
    return Invoice(number, Money(minor, currency), due)


def paid(ref: str, minor: int, at: datetime = T0, currency: str = "USD") -> LedgerEntry:
    return LedgerEntry(f"pay:{ref}", "payment", Money(minor, currency), at, "U-COLLECTOR", ref)


def test_position_pending_payment_lowers_the_balance_until_the_books_show_it() -> None:
    # Given a USD 500.00 invoice in the creditor's books and a USD 200.00 payment posted in Arrears
    books = [invoice("D-1", 50_000)]
    ledger = [paid("WIRE-9", 20_000)]

    # Then the collector sees USD 300.00, of which USD 200.00 is not yet in the books
    usd_position = position(books, ledger)["USD"]
    assert (usd_position.source, usd_position.pending, usd_position.owed) == (50_000, -20_000, 30_000)


def test_reconcile_lagging_export_keeps_a_posted_payment_then_matches_it_once() -> None:
    # Given D-1 at 500, then a payment of 200 posted in Arrears (finding 1 of the account-truth issue)
    books, ledger = [invoice("D-1", 50_000)], [paid("WIRE-9", 20_000)]

    # When the next day's export still says 500 (the accounting system has not posted it)
    lagging = reconcile(books, books, ledger, "export-2", T0 + timedelta(days=1))

    # Then nothing matched and nothing was inferred: the balance stays 300
    assert lagging.matched == [] and lagging.inferred == []
    assert position(books, lagging.entries)["USD"].owed == 30_000

    # When the export catches up (300)
    caught_up = [invoice("D-1", 30_000)]
    later = reconcile(books, caught_up, lagging.entries, "export-3", T0 + timedelta(days=2))

    # Then the posted payment is matched, no payment is inferred, and 200 was received once
    assert [e.ref for e in later.matched] == ["WIRE-9"] and later.inferred == []
    assert position(caught_up, later.entries)["USD"].owed == 30_000
    assert received_since(later.entries, "USD", T0 - timedelta(days=1)) == usd(20_000)


def test_reconcile_drop_beyond_posted_payments_is_an_inferred_payment() -> None:
    # Given 500 owed, a payment of 200 posted in Arrears, and an export showing 100 (the debtor also paid 200 there)
    result = reconcile([invoice("D-1", 50_000)], [invoice("D-1", 10_000)], [paid("WIRE-9", 20_000)], "x", T0)

    # Then the posted payment matches and the other 200 is a payment the creditor received directly
    assert [e.ref for e in result.matched] == ["WIRE-9"]
    assert [(e.kind, e.amount, e.state, e.origin) for e in result.inferred] == [
        ("inferred_payment", usd(20_000), MATCHED, "source")
    ]
    assert received_since(result.entries, "USD", T0 - timedelta(days=1)) == usd(40_000)


def test_reconcile_prefers_the_posted_payment_that_equals_the_drop() -> None:
    # Given payments of 100 and 200 pending, and an export whose balance dropped by exactly 200
    ledger = [paid("A", 10_000, T0), paid("B", 20_000, T0 + timedelta(hours=1))]
    result = reconcile([invoice("D-1", 90_000)], [invoice("D-1", 70_000)], ledger, "x", T0 + timedelta(days=1))

    # Then the 200 is matched (not the older 100 and an inferred 100)
    assert [e.ref for e in result.matched] == ["B"] and result.inferred == []


def test_reconcile_takes_the_earliest_payments_when_two_sets_explain_the_drop_alike() -> None:
    # Given payments of 100, 100 and then 200 pending, and an export whose balance dropped by exactly 200
    ledger = [
        paid("A", 10_000, T0),
        paid("B", 10_000, T0 + timedelta(hours=1)),
        paid("C", 20_000, T0 + timedelta(hours=2)),
    ]
    result = reconcile([invoice("D-1", 90_000)], [invoice("D-1", 70_000)], ledger, "x", T0 + timedelta(days=1))

    # Then the two earlier ones are matched (books take payments in the order they came), the later one waits
    assert [e.ref for e in result.matched] == ["A", "B"] and result.inferred == []
    assert [e.ref for e in result.entries if e.state == PENDING] == ["C"]


def test_reconcile_within_tolerance_and_window() -> None:
    # Given a payment of 200.00 and a drop of 199.50 (a bank fee), and one posted 40 days before the export
    rule = MatchRule(tolerance_minor=100, window_days=30)
    near = reconcile([invoice("D-1", 50_000)], [invoice("D-1", 30_050)], [paid("A", 20_000)], "x", T0, rule)
    old = reconcile(
        [invoice("D-1", 50_000)], [invoice("D-1", 30_000)], [paid("A", 20_000)], "x", T0 + timedelta(days=40), rule
    )

    # Then the near amount matches with nothing inferred; the old payment does not match and is flagged as stale
    assert [e.ref for e in near.matched] == ["A"] and near.inferred == []
    assert old.matched == [] and [e.amount for e in old.inferred] == [usd(20_000)]
    assert [e.ref for e in stale_pending(old.entries, T0 + timedelta(days=40), rule)] == ["A"]


def test_reconcile_never_mixes_currencies() -> None:
    # Given a EUR payment pending and a USD drop
    ledger = [paid("E", 5_000, currency="EUR")]
    result = reconcile([invoice("U", 10_000)], [invoice("U", 5_000)], ledger, "x", T0)

    # Then the EUR payment stays pending and the USD drop is inferred
    assert result.matched == [] and result.entries[0].state == PENDING
    assert [e.amount for e in result.inferred] == [usd(5_000)]


def test_open_amounts_apply_pending_payments_oldest_due_first() -> None:
    # Given three invoices and a pending payment of 350
    books = [
        invoice("C", 50_00, date(2026, 5, 1)),
        invoice("A", 30_00, date(2026, 3, 1)),
        invoice("B", 40_00, date(2026, 4, 1)),
    ]

    # Then March is cleared, April reduced, May untouched (so the oldest due moves on)
    assert open_amounts(books, [paid("P", 50_00)]) == {"A": 0, "B": 20_00, "C": 50_00}


def test_reverse_pending_payment_simply_stops_counting() -> None:
    # Given a payment posted and not yet in the books
    entries = reverse([paid("NSF-1", 20_000)], "NSF-1", T0 + timedelta(days=1), "U-1", "returned")

    # Then the payment is reversed, the balance is back, and nothing was received
    assert [(e.kind, e.state) for e in entries] == [("payment", REVERSED), ("reversal", MATCHED)]
    assert position([invoice("D", 50_000)], entries)["USD"].owed == 50_000
    assert received_since(entries, "USD", T0 - timedelta(days=1)) == usd(0)


def test_reverse_payment_the_books_counted_reopens_until_the_books_rise_again() -> None:
    # Given a payment the books already reflect (balance 300 in the books)
    ledger = [replace(paid("NSF-1", 20_000), state=MATCHED)]
    entries = reverse(ledger, "NSF-1", T0 + timedelta(days=3), "U-1", "NSF")
    books = [invoice("D", 30_000)]

    # Then 500 is owed again at once, the reversal pending until the books show it
    assert position(books, entries)["USD"].owed == 50_000
    back = reconcile(books, [invoice("D", 50_000)], entries, "x", T0 + timedelta(days=4))
    assert [e.kind for e in back.matched] == ["reversal"] and back.inferred == []
    assert position([invoice("D", 50_000)], back.entries)["USD"].owed == 50_000


def test_reverse_unknown_or_twice_is_refused() -> None:
    entries = reverse([paid("P", 100)], "P", T0, "U", "nsf")
    with pytest.raises(InvalidInputError, match="already reversed"):
        reverse(entries, "P", T0, "U", "again")
    with pytest.raises(InvalidInputError, match="no payment with reference `Q`"):
        reverse(entries, "Q", T0, "U", "x")


def test_money_rules_refuse_what_is_not_owed() -> None:
    # Given USD 546.73 owed and EUR 91.90 owed
    owed = position([invoice("U", 54_673), invoice("E", 9_190, currency="EUR")], [])

    # Then a promise above the balance, a plan above or below it, a payment over it, or in a currency not owed
    with pytest.raises(InvalidInputError, match=r"more than the USD 546\.73 owed"):
        check_promise(owed, usd(10_000_000))
    with pytest.raises(InvalidInputError, match=r"more than the USD 546\.73 owed"):
        check_plan_total(owed, usd(60_000))
    with pytest.raises(InvalidInputError, match="settlement, which needs a manager's approval"):
        check_plan_total(owed, usd(50_000))
    with pytest.raises(InvalidInputError, match="add `overpaid`"):
        check_payment(owed, usd(9_999_900), allow_overpayment=False)
    with pytest.raises(InvalidInputError, match="owes nothing in GBP"):
        check_payment(owed, Money(100, "GBP"), allow_overpayment=True)
    with pytest.raises(InvalidInputError, match="owes nothing in GBP"):
        account_currency(owed, "GBP")
    # And what is owed is accepted, an overpayment only when confirmed (the rest is a credit)
    check_promise(owed, usd(54_673))
    check_plan_total(owed, usd(54_673))
    check_payment(owed, usd(60_000), allow_overpayment=True)
    assert position([invoice("U", 54_673)], [paid("P", 60_000)])["USD"].credit == 5_327


def test_account_currency_needs_a_name_when_two_are_owed() -> None:
    owed = position([invoice("U", 100), invoice("E", 100, currency="EUR")], [])
    with pytest.raises(InvalidInputError, match="owes in EUR, USD: name the currency"):
        account_currency(owed)
    assert account_currency(position([invoice("U", 100)], [])) == "USD"


@pytest.mark.parametrize(
    ("received", "today", "expected"),
    [
        (20_000, date(2026, 11, 14), "open"),
        (40_000, date(2026, 11, 10), "kept"),
        (20_000, date(2026, 11, 17), "broken"),
    ],
)
def test_promise_outcome_counts_only_money_received(received: int, today: date, expected: str) -> None:
    # A promise of 400 by Nov 15 (one grace day): 200 received is not enough, 400 is
    assert promise_outcome(usd(40_000), date(2026, 11, 15), usd(received), today) == expected


# -- property: any interleaving of lagging imports, posted payments, direct payments and reversals ------------------


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, int]]:
    ops = st.one_of(
        st.tuples(st.just("post"), st.integers(1, 5_000)),
        st.tuples(st.just("direct"), st.integers(1, 5_000)),
        st.tuples(st.just("reverse"), st.integers(0, 30)),
        st.tuples(st.just("import"), st.integers(0, 30)),
    )
    return draw(st.lists(ops, max_size=30))


class World:
    """The truth behind the books: Arrears' payments, which the export reflects some imports later, payments made to
    the creditor directly (in the books at the next import), and returned payments."""

    def __init__(self, owed: int) -> None:
        self.owed0, self.rule, self.clock = owed, MatchRule(tolerance_minor=0, window_days=3650), T0
        self.books = [invoice("D-1", owed)]
        self.entries: list[LedgerEntry] = []
        self.posted: list[dict[str, object]] = []
        self.direct = 0
        self.charged = 0  # rises of the books that no pending reversal explained: the ledger takes them as charges

    def step(self, op: str, value: int) -> None:
        self.clock += timedelta(hours=1)
        net = position(self.books, self.entries)["USD"].owed
        if op == "post" and 0 < value <= net:
            ref = f"P{len(self.posted)}"
            self.entries.append(LedgerEntry(f"pay:{ref}", "payment", usd(value), self.clock, "U", ref))
            self.posted.append({"ref": ref, "amount": value, "reflected": False, "reversed": False, "back": False})
        elif op == "direct" and value <= net:
            self.direct += value
        elif op == "reverse" and value < len(self.posted) and not self.posted[value]["reversed"]:
            self.entries = reverse(self.entries, str(self.posted[value]["ref"]), self.clock, "U", "nsf")
            self.posted[value]["reversed"] = True
        elif op == "import":
            self.do_import(value)

    def do_import(self, k: int) -> None:
        for p in [p for p in self.posted if not p["reflected"] and not p["reversed"]][:k]:
            p["reflected"] = True
        for p in self.posted:
            p["back"] = bool(p["reversed"] and p["reflected"])
        reflected = sum(int(p["amount"]) for p in self.posted if p["reflected"] and not p["back"])
        new_books = [invoice("D-1", self.owed0 - reflected - self.direct)]
        source = f"imp-{self.clock.isoformat()}"
        done = reconcile(self.books, new_books, self.entries, source, self.clock, self.rule)
        was = {e.id: e.delta for e in self.entries}  # what each entry did while pending
        rest = (new_books[0].balance - self.books[0].balance).minor - sum(was[e.id] for e in done.matched)
        self.charged += max(0, rest)  # (a drop left over is an inferred payment)
        self.entries, self.books = done.entries, new_books

    def truth(self) -> int:
        return self.owed0 - sum(int(p["amount"]) for p in self.posted if not p["reversed"]) - self.direct


@settings(max_examples=300, deadline=None)
@given(history=histories())
def test_ledger_any_interleaving_reconciles_to_the_truth_each_payment_once(history: list[tuple[str, int]]) -> None:
    # Given a debtor owing 100,000 and a creditor whose export reflects Arrears' payments only some imports later
    world = World(100_000)
    for op, value in history:
        world.step(op, value)
        # Then at every step: derived = the books' balance less what Arrears recorded that they do not show yet
        unmatched = sum(e.delta for e in world.entries)
        assert position(world.books, world.entries)["USD"].net == world.books[0].balance.minor + unmatched

    # When a last import reflects everything
    world.do_import(len(world.posted))

    # Then the derived balance is the truth, and money received counts each payment exactly once, except what the
    # books' balances cannot tell apart, and by exactly that much:
    # - entries still pending (a direct payment of the amount of Arrears' own, so one of those looked reflected
    #   and the other never matches): they count as received and are reported when their window ends;
    # - rises no pending reversal explains (a returned payment the ledger had not seen reflected), taken as
    #   charges
    leftover = sum(e.delta for e in world.entries)
    net = position(world.books, world.entries)["USD"].net
    received, actually_paid = received_since(world.entries, "USD", T0), usd(world.owed0 - world.truth())
    assert net == world.truth() + leftover
    assert received.minor == actually_paid.minor + world.charged - leftover
    if leftover == 0 and world.charged == 0:  # every movement of the books told apart: each payment once
        assert (net, received) == (world.truth(), actually_paid)
    # And a promise is kept only if the money received covers it
    assert promise_outcome(received + usd(1), DUE, received, DUE) == "open"
