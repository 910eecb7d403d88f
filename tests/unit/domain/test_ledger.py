"""Payments and promises: oldest-first allocation within a currency, credit for the rest, promise outcomes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.accounts import Account, Invoice
from shared.domain.errors import InvalidInputError
from shared.domain.ledger import Promise, account_currency, apply_payment, promise_outcome
from shared.domain.money import Money


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def account_with(*invoices: Invoice, credits: dict[str, int] | None = None) -> Account:
    return Account(creditor="acme", account_id="C-1", debtor="Pat Doe", invoices=invoices, credits=credits or {})


def balances_of(account: Account) -> dict[str, int]:
    return {i.number: i.balance.minor for i in account.invoices}


def test_apply_payment_oldest_due_first() -> None:
    # Given three USD invoices, listed newest first
    account = account_with(
        Invoice("INV-3", usd(5000), date(2026, 5, 1)),
        Invoice("INV-1", usd(3000), date(2026, 3, 1)),
        Invoice("INV-2", usd(4000), date(2026, 4, 1)),
    )

    # When USD 50.00 is paid
    updated, credit = apply_payment(account, usd(5000))

    # Then the March invoice is cleared, April's is reduced, May's is untouched
    assert balances_of(updated) == {"INV-1": 0, "INV-2": 2000, "INV-3": 5000}
    assert credit == usd(0)
    assert updated.status == "open"
    assert updated.balances == {"USD": 7000}


def test_apply_payment_same_due_date_ordered_by_number() -> None:
    # Given two invoices due the same day
    account = account_with(Invoice("B-2", usd(1000), date(2026, 3, 1)), Invoice("A-1", usd(1000), date(2026, 3, 1)))

    # When part of their total is paid
    updated, _ = apply_payment(account, usd(1500))

    # Then the lower invoice number is cleared first (a stable, explainable order)
    assert balances_of(updated) == {"A-1": 0, "B-2": 500}


def test_apply_payment_other_currency_untouched() -> None:
    # Given an older EUR invoice and a newer USD invoice
    account = account_with(
        Invoice("EUR-1", Money(9000, "EUR"), date(2026, 1, 1)),
        Invoice("USD-1", usd(4000), date(2026, 2, 1)),
    )

    # When USD 40.00 is paid
    updated, credit = apply_payment(account, usd(4000))

    # Then only the USD invoice absorbs it; the EUR debt stays and the account stays open
    assert balances_of(updated) == {"EUR-1": 9000, "USD-1": 0}
    assert credit == usd(0)
    assert updated.balances == {"EUR": 9000, "USD": 0}
    assert updated.status == "open"


def test_apply_payment_overpayment_becomes_credit_and_paid() -> None:
    # Given one USD 30.00 invoice and USD 5.00 of earlier credit
    account = account_with(Invoice("INV-1", usd(3000), date(2026, 3, 1)), credits={"USD": 500})

    # When USD 100.00 is paid
    updated, credit = apply_payment(account, usd(10000))

    # Then USD 70.00 is left over and added to the credit; nothing is owed, so the account is paid
    assert credit == usd(7000)
    assert updated.credits == {"USD": 7500}
    assert balances_of(updated) == {"INV-1": 0}
    assert updated.status == "paid"
    assert not updated.is_open


def test_apply_payment_exact_amount_paid_without_credit() -> None:
    # Given two USD invoices
    account = account_with(Invoice("A", usd(1234), date(2026, 3, 1)), Invoice("B", usd(1), date(2026, 3, 2)))

    # When exactly their total is paid
    updated, credit = apply_payment(account, usd(1235))

    # Then nothing is owed, no credit is created and the account is paid
    assert credit == usd(0)
    assert updated.credits == {}
    assert updated.status == "paid"


def test_apply_payment_currency_not_owed_all_credit() -> None:
    # Given an account owing only EUR
    account = account_with(Invoice("EUR-1", Money(9000, "EUR"), date(2026, 1, 1)))

    # When a USD payment arrives
    updated, credit = apply_payment(account, usd(2500))

    # Then it all becomes USD credit and the EUR debt keeps the account open
    assert credit == usd(2500)
    assert updated.credits == {"USD": 2500}
    assert updated.balances == {"EUR": 9000, "USD": -2500}
    assert updated.status == "open"


def test_apply_payment_negative_invoice_not_increased() -> None:
    # Given a credit note (negative balance) due before a real invoice
    account = account_with(Invoice("CN-1", usd(-2000), date(2026, 1, 1)), Invoice("INV-1", usd(5000), date(2026, 2, 1)))

    # When USD 10.00 is paid
    updated, _ = apply_payment(account, usd(1000))

    # Then the credit note is left alone and the invoice absorbs the payment
    assert balances_of(updated) == {"CN-1": -2000, "INV-1": 4000}


@pytest.mark.parametrize("minor", [0, -1, -10000])
def test_apply_payment_zero_or_negative_raises_invalid_input(minor: int) -> None:
    # Given an account that owes money
    account = account_with(Invoice("INV-1", usd(5000), date(2026, 2, 1)))

    # When a zero or negative payment is applied
    # Then it is refused
    with pytest.raises(InvalidInputError, match="more than zero"):
        apply_payment(account, usd(minor))


CURRENCIES = ["USD", "EUR", "JPY"]
invoice_lists = st.lists(
    st.builds(
        lambda n, minor, currency, days: Invoice(
            f"INV-{n}", Money(minor, currency), date(2026, 1, 1) + timedelta(days)
        ),
        st.integers(0, 10_000),
        st.integers(-5_000, 100_000),
        st.sampled_from(CURRENCIES),
        st.integers(0, 365),
    ),
    max_size=8,
    unique_by=lambda i: i.number,
)


@settings(max_examples=300, deadline=None)
@given(
    invoices=invoice_lists,
    credits=st.dictionaries(st.sampled_from(CURRENCIES), st.integers(0, 10_000), max_size=2),
    payment=st.builds(Money, st.integers(1, 300_000), st.sampled_from(CURRENCIES)),
)
def test_apply_payment_balance_drops_by_payment_per_currency(
    invoices: list[Invoice], credits: dict[str, int], payment: Money
) -> None:
    # Given any mix of invoices and credits in several currencies
    account = account_with(*invoices, credits=credits)
    before = account.balances

    # When a payment is applied
    updated, credit = apply_payment(account, payment)
    after = updated.balances

    # Then that currency's balance drops by exactly the payment and every other currency is unchanged
    assert after.get(payment.currency, 0) == before.get(payment.currency, 0) - payment.minor
    for currency in set(before) | set(after):
        if currency != payment.currency:
            assert after.get(currency, 0) == before.get(currency, 0)
    # And no invoice changes currency, none is paid below zero, none goes up, and the credit is in the payment's currency
    old = {i.number: i for i in account.invoices}
    for invoice in updated.invoices:
        assert invoice.balance.currency == old[invoice.number].balance.currency
        assert invoice.balance.minor <= old[invoice.number].balance.minor
        if invoice.balance != old[invoice.number].balance:
            assert invoice.balance.currency == payment.currency
            assert invoice.balance.minor >= 0
    assert credit.currency == payment.currency
    assert 0 <= credit.minor <= payment.minor
    assert len(updated.invoices) == len(account.invoices)


def test_account_currency_single_owed_currency_chosen() -> None:
    # Given an account owing only EUR (a USD credit is not owed)
    # When the collector names no currency
    # Then the owed currency is used
    assert account_currency({"EUR": 5000, "USD": -200}) == "EUR"


def test_account_currency_named_currency_wins() -> None:
    # Given an account owing two currencies
    # When the collector names one
    # Then that one is used
    assert account_currency({"EUR": 5000, "USD": 200}, "USD") == "USD"


@pytest.mark.parametrize(("balances", "listed"), [({"EUR": 5000, "USD": 200}, "EUR, USD"), ({}, "no currency")])
def test_account_currency_ambiguous_or_nothing_owed_raises_invalid_input(balances: dict[str, int], listed: str) -> None:
    # Given an account owing several currencies, or none
    # When the collector names no currency
    # Then they are asked to name one, with the currencies owed listed
    with pytest.raises(InvalidInputError, match=f"owes in {listed}: name the currency"):
        account_currency(balances)


PROMISE = Promise("p-1", "acme#C-1", usd(10000), date(2026, 6, 10))


@pytest.mark.parametrize(
    ("paid", "today", "outcome"),
    [
        (10000, date(2026, 6, 5), "kept"),  # paid in full early
        (12000, date(2026, 6, 20), "kept"),  # paid more, checked late: still kept
        (9999, date(2026, 6, 10), "open"),  # one cent short on the due day
        (0, date(2026, 6, 11), "open"),  # the grace day
        (0, date(2026, 6, 12), "broken"),  # the day after grace
        (9999, date(2026, 6, 12), "broken"),  # a partial payment does not keep it
    ],
)
def test_promise_outcome_around_grace_day(paid: int, today: date, outcome: str) -> None:
    # Given a promise of USD 100.00 by Jun 10 with one grace day
    # When it is followed up on `today` with `paid` since the promise
    # Then it is kept once paid in full, open through the grace day and broken after
    assert promise_outcome(PROMISE, usd(paid), today) == outcome


def test_promise_outcome_longer_grace_still_open() -> None:
    # Given a three-day grace
    # When the promise is checked two days after its due date without payment
    # Then it is still open, and broken on the fourth day
    assert promise_outcome(PROMISE, usd(0), date(2026, 6, 12), grace_days=3) == "open"
    assert promise_outcome(PROMISE, usd(0), date(2026, 6, 14), grace_days=3) == "broken"


def test_promise_outcome_other_currency_payment_not_kept() -> None:
    # Given a promise of USD 100.00
    # When JPY 10,000 (about USD 65, but more minor units) is what was paid since the promise
    # Then it does not keep the promise: open through the grace day, broken after
    assert promise_outcome(PROMISE, Money(10000, "JPY"), date(2026, 6, 10)) == "open"
    assert promise_outcome(PROMISE, Money(10000, "JPY"), date(2026, 6, 12)) == "broken"


def test_apply_payment_does_not_change_input_account() -> None:
    # Given an account (frozen, shared with other readers)
    account = account_with(Invoice("INV-1", usd(5000), date(2026, 2, 1)))
    snapshot = replace(account)

    # When a payment is applied
    apply_payment(account, usd(7000))

    # Then the original is unchanged, credits dict included
    assert account == snapshot
    assert account.credits == {}
