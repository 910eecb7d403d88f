"""Seeding DynamoDB (moto) as the Slack commands would: promises, plans and payments written through the use cases'
own domain changes, so tests start from states production can reach."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from shared.db import plans as plan_repo
from shared.db.accounts import DynamoAccounts
from shared.domain import account_actions as change
from shared.domain.accounts import Activity, Commitment
from shared.domain.dunning import local_day
from shared.domain.money import Money
from shared.domain.plans import PaymentPlan, split_installments
from shared.writes import change_account, prepare

ACCOUNTS = DynamoAccounts()


def promise(key: str, minor: int, due: date, at: datetime, promise_id: str = "pr-1") -> None:
    change_account(
        ACCOUNTS, key, lambda a: change.make_promise(a, Money(minor, "USD"), due, promise_id, "U-ANA", at), at
    )


def plan(key: str, minor: int, count: int, first: date, every: str, at: datetime, plan_id: str = "p1") -> PaymentPlan:
    account = ACCOUNTS.get(key)
    total = Money(minor, "USD")
    made = PaymentPlan(plan_id, key, total, count, every, at)
    parts = split_installments(total, count, first, every, local_day(at, account.timezone))
    commitment = Commitment("plan", plan_id, parts[0].amount, parts[0].due, at, "U-ANA")
    updated = prepare(ACCOUNTS, replace(account, commitment=commitment), at)
    entry = Activity(at=at, kind="plan", summary="payment plan", actor="U-ANA")
    assert plan_repo.put_plan(made, parts, updated, f"seed-{plan_id}", entry)
    return made


def pay(key: str, minor: int, at: datetime, ref: str | None = None) -> None:
    ref = ref or f"CHK-{minor}-{at:%m%d%H}"

    def paid(a):  # type: ignore[no-untyped-def]
        return change.post_payment(a, Money(minor, "USD"), ref, "U-ANA", at, local_day(at, a.timezone), overpaid=True)

    change_account(ACCOUNTS, key, paid, at, f"PAY#{ref}")
