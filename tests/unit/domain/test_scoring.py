"""Worklist priority: older debt first, then larger; nothing owed scores zero."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.accounts import Account, Invoice
from shared.domain.money import Money
from shared.domain.scoring import priority

TODAY = date(2026, 6, 10)


def debt(days_past_due: int, minor: int, currency: str = "USD") -> Account:
    due = TODAY - timedelta(days=days_past_due)
    return Account(
        creditor="acme",
        account_id="C-1",
        debtor="Pat Doe",
        invoices=(Invoice("INV-1", Money(minor, currency), due),),
        oldest_due=due,
    )


def test_priority_older_debt_outranks_newer_even_if_much_smaller() -> None:
    # Given a small debt 31 days late and a huge one 30 days late
    older, newer = debt(31, 1_000), debt(30, 10_000_000_00)

    # When both are scored
    # Then the older one comes first: age dominates size
    assert priority(older, TODAY) > priority(newer, TODAY)


def test_priority_larger_outranks_smaller_at_equal_age() -> None:
    # Given two debts 20 days late, USD 5,000 and USD 50
    larger, smaller = debt(20, 500_000), debt(20, 5_000)

    # When both are scored
    # Then the larger one comes first
    assert priority(larger, TODAY) > priority(smaller, TODAY)


@given(
    days=st.integers(min_value=0, max_value=3_000),
    a=st.integers(min_value=1, max_value=10**12),
    b=st.integers(min_value=1, max_value=10**12),
)
def test_priority_equal_age_never_ranks_smaller_above_larger(days: int, a: int, b: int) -> None:
    # Given two debts of the same age
    small, large = sorted((a, b))

    # When both are scored
    # Then the larger is never ranked below the smaller
    assert priority(debt(days, large), TODAY) >= priority(debt(days, small), TODAY)


@given(
    days=st.integers(min_value=0, max_value=3_000),
    a=st.integers(min_value=1, max_value=10**12),
    b=st.integers(min_value=1, max_value=10**12),
)
def test_priority_one_more_day_always_outranks(days: int, a: int, b: int) -> None:
    # Given two debts of any size, one a day older than the other
    # When both are scored
    # Then the older one is first
    assert priority(debt(days + 1, a), TODAY) > priority(debt(days, b), TODAY)


@pytest.mark.parametrize(
    "account",
    [
        replace(debt(90, 500_000), status="paid"),
        replace(debt(90, 500_000), credits={"USD": 500_000}),
        replace(debt(90, 500_000), oldest_due=None),
        replace(debt(90, 500_000), invoices=(Invoice("INV-1", Money(0, "USD"), TODAY - timedelta(days=90)),)),
    ],
    ids=["status-paid", "credit-covers", "no-due-date", "zero-balance"],
)
def test_priority_nothing_owed_zero(account: Account) -> None:
    # Given an account with nothing to collect
    # When it is scored
    # Then it scores zero, below every open account
    assert priority(account, TODAY) == 0
    assert priority(debt(0, 1), TODAY) >= 0


def test_priority_not_yet_due_ranks_below_overdue() -> None:
    # Given a large debt due next week and a small one a day late
    not_due, overdue = debt(-7, 1_000_000_00), debt(1, 100)

    # When both are scored
    # Then the overdue one comes first; future due dates do not score negative days
    assert priority(overdue, TODAY) > priority(not_due, TODAY) >= 0
