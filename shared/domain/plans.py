"""Payment plans: a total split into dated installments, and which installments the payments made so far cover."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared.domain.errors import InvalidInputError
from shared.domain.money import Money

FREQUENCIES = ("weekly", "biweekly", "monthly")
MIN_INSTALLMENTS, MAX_INSTALLMENTS = 2, 60
GRACE_DAYS = 1  # as for promises: an installment is missed the day after its grace day ends
_STEP_DAYS = {"weekly": 7, "biweekly": 14}


@dataclass(frozen=True)
class Installment:
    """One dated part of a plan; `number` counts from 1 in due order."""

    number: int
    amount: Money
    due: date
    status: str = "open"  # open | paid | missed | cancelled (the rest of a broken plan)


@dataclass(frozen=True)
class PaymentPlan:
    """A debtor's agreement to pay `total` in `count` installments, one every week, two weeks or month."""

    plan_id: str
    account_key: str
    total: Money
    count: int
    every: str
    created_at: datetime
    status: str = "active"  # active | completed | broken
    version: int | None = None  # as read; closing the plan is conditioned on it


def add_months(anchor: date, months: int) -> date:
    """`anchor` moved by whole months, its day clamped to the month's last (Jan 31 → Feb 28 → Mar 31)."""
    year, month = divmod(anchor.month - 1 + months, 12)
    year += anchor.year
    return date(year, month + 1, min(anchor.day, calendar.monthrange(year, month + 1)[1]))


def installment_due(first_due: date, every: str, index: int) -> date:
    """Due date of the installment `index` places after the first (always counted from the first: no drift)."""
    if every == "monthly":
        return add_months(first_due, index)
    return first_due + timedelta(days=_STEP_DAYS[every] * index)


def check_plan_terms(total: Money, count: int, first_due: date, every: str, today: date) -> None:
    """InvalidInputError naming the first bad argument: the same rules for the command, the modal and the split."""
    if every not in FREQUENCIES:
        raise InvalidInputError(f"every {every!r} is not one of {', '.join(FREQUENCIES)}")
    if not MIN_INSTALLMENTS <= count <= MAX_INSTALLMENTS:
        raise InvalidInputError(f"count {count} must be from {MIN_INSTALLMENTS} to {MAX_INSTALLMENTS} installments")
    if total.minor <= 0:
        raise InvalidInputError(f"total {total.format()} must be more than zero")
    if total.minor < count:
        raise InvalidInputError(f"total {total.format()} is too small for {count} installments")
    if first_due < today:
        raise InvalidInputError(f"first_due {first_due} is in the past")


def split_installments(total: Money, count: int, first_due: date, every: str, today: date) -> list[Installment]:
    """`count` installments summing exactly to `total`, in integer minor units.

    The remainder of the division goes one minor unit each to the first installments, so none differs
    from another by more than one unit and the debtor pays the odd cents early.
    """
    check_plan_terms(total, count, first_due, every, today)
    base, remainder = divmod(total.minor, count)
    amounts = [Money(base + (1 if i < remainder else 0), total.currency) for i in range(count)]
    return [Installment(i + 1, amount, installment_due(first_due, every, i)) for i, amount in enumerate(amounts)]


def installment_outcome(
    installment: Installment, paid_toward: Money, today: date, grace_days: int = GRACE_DAYS, cure_days: int = 0
) -> str:
    """`paid` once `paid_toward` (what the plan's payments left for this installment) covers it; after due + grace
    without that, `late` for the creditor's `cure_days` (the debtor is told and may still pay it), then `missed`;
    else `open`. A payment in another currency pays nothing."""
    if paid_toward.currency == installment.amount.currency and paid_toward >= installment.amount:
        return "paid"
    late = (today - installment.due).days - grace_days
    if late > cure_days:
        return "missed"
    return "late" if late > 0 else "open"


def plan_outcomes(
    installments: Sequence[Installment],
    paid_toward_plan: Money,
    today: date,
    grace_days: int = GRACE_DAYS,
    cure_days: int = 0,
) -> list[tuple[Installment, str]]:
    """Each installment with its outcome, payments applied in due order.

    A payment covering two installments pays both; a partial one pays the earliest first, so a later
    installment is never paid while an earlier one is short.
    """
    currency = installments[0].amount.currency if installments else paid_toward_plan.currency
    left = paid_toward_plan.minor if paid_toward_plan.currency == currency else 0
    outcomes: list[tuple[Installment, str]] = []
    for installment in sorted(installments, key=lambda i: (i.due, i.number)):
        applied = max(0, min(left, installment.amount.minor))
        left -= applied
        outcome = installment_outcome(installment, Money(applied, currency), today, grace_days, cure_days)
        outcomes.append((installment, outcome))
    return outcomes


def plan_status(outcomes: Sequence[tuple[Installment, str]]) -> str:
    """`broken` when any installment is missed (a late one, in its cure period, is not yet), `completed` when all
    are paid, else `active`."""
    if any(outcome == "missed" for _, outcome in outcomes):
        return "broken"
    if outcomes and all(outcome == "paid" for _, outcome in outcomes):
        return "completed"
    return "active"
