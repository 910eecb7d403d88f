"""Applying payments to accounts (in-memory accounts): checked against what is owed, one write per account."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from functions.intake.payments import apply_payments
from shared.domain.money import Money
from shared.domain.receivables.payments import PaymentRow
from tests.factories import account
from tests.fakes import InMemoryAccounts

NOW = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)


def paid(line: int, who: str, amount: str, ref: str, currency: str | None = None, invoice: str | None = None):
    return PaymentRow(line, who, invoice, Decimal(amount), currency, "2026-11-04", ref, f"raw {line}")


def test_an_account_s_payments_are_written_once_and_each_is_checked_against_what_is_owed():
    accounts = InMemoryAccounts.holding(account("C-1", minor=50_000))
    rows = [paid(2, "C-1", "100.00", "P1"), paid(3, "C-1", "150.00", "P2"), paid(4, "C-1", "300.00", "P3")]
    result = apply_payments(rows, "acme", NOW, accounts, "incoming/p.csv@1")
    assert result.applied == {"USD": 25_000} and result.counts["applied"] == 2
    # the third is more than the 250.00 still owed after the first two: not applied, the reason says why
    assert [(r.line, r.reason) for r in result.unmatched] == [
        (4, "payment not applied: USD 300.00 is more than the USD 250.00 owed; if the debtor really paid more, "
         "add `overpaid` to record USD 50.00 as a credit"),
    ]  # fmt: skip
    stored = accounts.get(account("C-1").key)
    assert stored.balances == {"USD": 25_000}
    assert accounts.writes == 1  # both payments in one version-checked write
    notes = [e.note for e in stored.entries]
    assert notes == ["paid 2026-11-04, listed in incoming/p.csv@1"] * 2


def test_a_payment_needs_the_currency_owed_and_names_it_when_the_account_owes_in_two():
    two = account("C-2", minor=10_000)
    eur = account("C-2", minor=20_000, currency="EUR").invoices[0]
    accounts = InMemoryAccounts.holding(replace(two, invoices=(*two.invoices, replace(eur, number="INV-EUR"))))
    rows = [paid(2, "C-2", "10.00", "P1"), paid(3, "C-2", "10.00", "P2", "EUR"), paid(4, "C-2", "1.00", "P3", "GBP")]
    result = apply_payments(rows, "acme", NOW, accounts, "s")
    assert result.applied == {"EUR": 1_000}
    reasons = [r.reason for r in result.unmatched]
    assert reasons == [
        "payment not applied: this account owes in EUR, USD: name the currency (e.g. `150.00 EUR`)",
        "payment not applied: this account owes nothing in GBP: a payment must be in a currency owed",
    ]
    assert accounts.get(two.key).positions["USD"].owed == 10_000


def test_repeats_and_unmatched_payments_leave_the_account_unwritten():
    accounts = InMemoryAccounts.holding(account("C-3", minor=10_000))
    apply_payments([paid(2, "C-3", "10.00", "P1")], "acme", NOW, accounts, "s")
    writes = accounts.writes
    result = apply_payments(
        [paid(2, "C-3", "10.00", "P1"), paid(3, "C-3", "1.00", "P9", invoice="NOPE")], "acme", NOW, accounts, "s"
    )
    assert result.counts["repeats"] == 1 and len(result.unmatched) == 1
    assert accounts.writes == writes
    assert accounts.get(account("C-3").key).balances == {"USD": 9_000}
    assert Money(1_000, "USD") == accounts.get(account("C-3").key).entries[0].amount
