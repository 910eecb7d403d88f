"""Payment plans: exact integer splits, calendar-safe due dates, and payments applied to installments in due order."""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import InvalidInputError
from shared.domain.money import Money
from shared.domain.plans import (
    FREQUENCIES,
    MAX_INSTALLMENTS,
    MIN_INSTALLMENTS,
    Installment,
    PaymentPlan,
    add_months,
    installment_outcome,
    plan_outcomes,
    plan_status,
    split_installments,
)

TODAY = date(2026, 11, 24)
CURRENCIES = st.sampled_from(["USD", "EUR", "JPY", "KWD", "CLF"])


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def installments(*amounts: int, first: date = date(2026, 12, 1)) -> list[Installment]:
    return [Installment(n, usd(minor), add_months(first, n - 1)) for n, minor in enumerate(amounts, start=1)]


def outcomes_of(result: list[tuple[Installment, str]]) -> list[str]:
    return [outcome for _, outcome in result]


def test_split_installments_remainder_goes_to_the_first_ones() -> None:
    # Given USD 100.00 in 3 installments
    # When it is split
    parts = split_installments(usd(10_000), 3, date(2026, 12, 1), "monthly", TODAY)

    # Then the odd cent is paid first and the sum is exact
    assert [i.amount.minor for i in parts] == [3334, 3333, 3333]
    assert [i.number for i in parts] == [1, 2, 3]
    assert sum(i.amount.minor for i in parts) == 10_000


def test_split_installments_monthly_from_jan_31_clamps_and_keeps_the_anchor_day() -> None:
    # Given a monthly plan whose first installment is due on January 31
    # When it is split over a leap year and a common year
    leap = split_installments(usd(40_000), 4, date(2028, 1, 31), "monthly", TODAY)
    common = split_installments(usd(30_000), 3, date(2027, 1, 31), "monthly", TODAY)

    # Then February is clamped to its last day, and March goes back to the 31st
    assert [i.due for i in leap] == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30)]
    assert [i.due for i in common] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]


@pytest.mark.parametrize(("every", "days"), [("weekly", 7), ("biweekly", 14)])
def test_split_installments_weekly_and_biweekly_step_by_days(every: str, days: int) -> None:
    parts = split_installments(usd(3_000), 3, date(2026, 12, 30), every, TODAY)
    assert [(i.due - parts[0].due).days for i in parts] == [0, days, 2 * days]


def test_split_installments_monthly_crosses_the_year() -> None:
    parts = split_installments(usd(3_000), 3, date(2026, 11, 30), "monthly", TODAY)
    assert [i.due for i in parts] == [date(2026, 11, 30), date(2026, 12, 30), date(2027, 1, 30)]


@pytest.mark.parametrize(
    ("total", "count", "first", "every", "argument"),
    [
        (usd(10_000), 1, date(2026, 12, 1), "monthly", "count"),
        (usd(10_000), 61, date(2026, 12, 1), "monthly", "count"),
        (usd(0), 3, date(2026, 12, 1), "monthly", "total"),
        (usd(-500), 3, date(2026, 12, 1), "monthly", "total"),
        (usd(2), 3, date(2026, 12, 1), "monthly", "total"),
        (usd(10_000), 3, date(2026, 11, 23), "monthly", "first_due"),
        (usd(10_000), 3, date(2026, 12, 1), "daily", "every"),
    ],
)
def test_split_installments_bad_terms_raise_naming_the_argument(
    total: Money, count: int, first: date, every: str, argument: str
) -> None:
    # Given terms with one bad argument
    # When they are split / Then the error starts with the argument's name
    with pytest.raises(InvalidInputError, match=f"^{argument} "):
        split_installments(total, count, first, every, TODAY)


def test_split_installments_first_due_today_accepted() -> None:
    assert split_installments(usd(200), 2, TODAY, "weekly", TODAY)[0].due == TODAY


@given(
    minor=st.integers(min_value=MAX_INSTALLMENTS, max_value=10**15),
    count=st.integers(min_value=MIN_INSTALLMENTS, max_value=MAX_INSTALLMENTS),
    currency=CURRENCIES,
    every=st.sampled_from(FREQUENCIES),
    first=st.dates(min_value=TODAY, max_value=date(2200, 1, 1)),
)
def test_split_installments_any_terms_sum_exactly_dates_increase(
    minor: int, count: int, currency: str, every: str, first: date
) -> None:
    # Given any total, count, currency, frequency and first day
    # When the total is split
    parts = split_installments(Money(minor, currency), count, first, every, TODAY)

    # Then the parts sum to the total in its currency, differ by at most one minor unit, and fall due in order
    assert len(parts) == count
    assert sum(p.amount.minor for p in parts) == minor
    assert {p.amount.currency for p in parts} == {currency}
    assert max(p.amount.minor for p in parts) - min(p.amount.minor for p in parts) <= 1
    assert all(a.due < b.due for a, b in itertools.pairwise(parts))
    assert parts[0].due == first


@given(
    first=st.dates(min_value=TODAY, max_value=date(2200, 1, 1)),
    count=st.integers(min_value=MIN_INSTALLMENTS, max_value=MAX_INSTALLMENTS),
)
def test_split_installments_monthly_keeps_the_anchor_day_or_the_month_end(first: date, count: int) -> None:
    # Given any monthly plan
    parts = split_installments(usd(10**6), count, first, "monthly", TODAY)

    # Then each installment is one calendar month after the previous, on the anchor day or the month's last day
    for n, part in enumerate(parts):
        months = (part.due.year - first.year) * 12 + part.due.month - first.month
        assert months == n
        assert part.due.day == min(first.day, calendar.monthrange(part.due.year, part.due.month)[1])


@pytest.mark.parametrize(
    ("paid", "today", "outcome"),
    [
        (10_000, date(2026, 11, 30), "paid"),  # paid before it is due
        (12_000, date(2027, 1, 10), "paid"),  # more than enough, checked late
        (9_999, date(2026, 12, 1), "open"),  # due today
        (9_999, date(2026, 12, 2), "open"),  # the grace day
        (9_999, date(2026, 12, 3), "missed"),  # after the grace day
    ],
)
def test_installment_outcome_paid_open_through_grace_then_missed(paid: int, today: date, outcome: str) -> None:
    installment = Installment(1, usd(10_000), date(2026, 12, 1))
    assert installment_outcome(installment, usd(paid), today, grace_days=1) == outcome


@pytest.mark.parametrize(
    ("paid", "today", "outcome"),
    [
        (9_999, date(2026, 12, 2), "open"),  # the grace day
        (9_999, date(2026, 12, 3), "late"),  # after it: the cure period of 5 days begins
        (9_999, date(2026, 12, 7), "late"),  # its last day
        (10_000, date(2026, 12, 7), "paid"),  # paid within it
        (9_999, date(2026, 12, 8), "missed"),  # after it
    ],
)
def test_installment_outcome_with_a_cure_period_is_late_before_it_is_missed(
    paid: int, today: date, outcome: str
) -> None:
    installment = Installment(1, usd(10_000), date(2026, 12, 1))
    assert installment_outcome(installment, usd(paid), today, grace_days=1, cure_days=5) == outcome


def test_a_late_installment_does_not_break_its_plan() -> None:
    parts = [Installment(1, usd(10_000), date(2026, 12, 1)), Installment(2, usd(10_000), date(2026, 12, 15))]
    outcomes = plan_outcomes(parts, usd(0), date(2026, 12, 4), cure_days=5)
    assert [o for _, o in outcomes] == ["late", "open"] and plan_status(outcomes) == "active"


def test_installment_outcome_other_currency_pays_nothing() -> None:
    installment = Installment(1, usd(10_000), date(2026, 12, 1))
    assert installment_outcome(installment, Money(50_000, "EUR"), date(2026, 12, 3)) == "missed"


def test_plan_outcomes_one_payment_covering_two_installments_pays_both() -> None:
    # Given three installments of 100.00 and 200.00 paid, checked after the second is due
    parts = installments(10_000, 10_000, 10_000)

    # When payments are applied in due order
    result = plan_outcomes(parts, usd(20_000), date(2027, 1, 5))

    # Then the first two are paid and the third is still open
    assert outcomes_of(result) == ["paid", "paid", "open"]


def test_plan_outcomes_partial_payment_pays_the_earliest_first() -> None:
    # Given 150.00 paid toward three installments of 100.00, checked after all three are past grace
    parts = installments(10_000, 10_000, 10_000)

    # When applied (listed out of order, to show order comes from the due dates)
    result = plan_outcomes(list(reversed(parts)), usd(15_000), date(2027, 3, 10))

    # Then the first is paid, the second (half paid) and the third are missed
    assert [(i.number, outcome) for i, outcome in result] == [(1, "paid"), (2, "missed"), (3, "missed")]


def test_plan_outcomes_payment_in_another_currency_counts_for_nothing() -> None:
    result = plan_outcomes(installments(10_000, 10_000), Money(90_000, "EUR"), date(2026, 12, 5))
    assert outcomes_of(result) == ["missed", "open"]


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        (["paid", "paid"], "completed"),
        (["paid", "open"], "active"),
        (["paid", "missed"], "broken"),
        (["missed", "paid"], "broken"),
        ([], "active"),
    ],
)
def test_plan_status_broken_on_any_missed_completed_when_all_paid(outcomes: list[str], status: str) -> None:
    parts = installments(*([100] * len(outcomes)))
    assert plan_status(list(zip(parts, outcomes, strict=True))) == status


@given(
    amounts=st.lists(st.integers(min_value=1, max_value=10**6), min_size=2, max_size=12),
    paid=st.integers(min_value=0, max_value=10**7),
)
def test_plan_outcomes_any_payment_pays_a_prefix_of_installments(amounts: list[int], paid: int) -> None:
    # Given any installments and any amount paid, checked before anything is due
    result = plan_outcomes(installments(*amounts), usd(paid), TODAY)

    # Then exactly the longest run of installments the payment covers in due order is paid
    covered, running = 0, 0
    for minor in amounts:
        running += minor
        if running > paid:
            break
        covered += 1
    assert outcomes_of(result) == ["paid"] * covered + ["open"] * (len(amounts) - covered)


def test_payment_plan_is_frozen() -> None:
    plan = PaymentPlan("p1", "acme#C-1", usd(100), 2, "weekly", datetime(2026, 11, 24, tzinfo=UTC))
    with pytest.raises(AttributeError):
        plan.status = "broken"  # type: ignore[misc]
