"""Scheduled follow-up of plan installments: covered ones close paid, a missed one breaks its plan."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from functions.plans.ledger import Failures
from shared.db import plans as plan_repo
from shared.domain.accounts import Account, Activity
from shared.domain.dunning import local_day
from shared.domain.errors import ArrearsError, ConflictError
from shared.domain.ledger import received_since
from shared.domain.plans import Installment, PaymentPlan, plan_outcomes, plan_status
from shared.ports import Accounts
from shared.writes import prepare

Closing = list[tuple[Installment, str]]
ATTEMPTS = 3


@dataclass
class PlanReport:
    paid: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"installments_paid": self.paid, "plans_completed": self.completed, "plans_broken": self.broken}


def _describe(installment: Installment, plan: PaymentPlan) -> str:
    return f"installment {installment.number} of {plan.count} ({installment.amount.format()} due {installment.due})"


def closing_of(
    plan: PaymentPlan, installments: list[Installment], account: Account, now: datetime
) -> tuple[Closing, str]:
    """What to close and the plan's new status from the money received since the plan was made (each payment
    once: the ledger's); a broken plan's open installments are cancelled with it."""
    received = received_since(account.entries, plan.total.currency, plan.created_at)
    outcomes = plan_outcomes(installments, received, local_day(now, account.timezone))
    status = plan_status(outcomes)
    closing = [(i, outcome) for i, outcome in outcomes if i.status == "open" and outcome != "open"]
    if status == "broken":
        closing += [(i, "cancelled") for i, outcome in outcomes if i.status == "open" and outcome == "open"]
    return closing, status


def account_after(
    account: Account, plan: PaymentPlan, installments: list[Installment], closing: Closing, status: str
) -> Account:
    """The account's commitment once the plan moved: the next open installment, or none when the plan ended (a
    broken plan waits for the collector and the reminders resume)."""
    if status == "broken":
        return replace(account, commitment=None, follow_up=f"broken payment plan {plan.plan_id}")
    if status == "completed":
        return replace(account, commitment=None)
    closed = {i.number for i, _ in closing}
    left = [i for i in installments if i.status == "open" and i.number not in closed]
    if not left or account.commitment is None:
        return account
    nxt = min(left, key=lambda i: (i.due, i.number))
    return replace(account, commitment=replace(account.commitment, amount=nxt.amount, due=nxt.due))


def _activity(plan: PaymentPlan, closing: Closing, status: str, now: datetime) -> Activity:
    missed = [i for i, outcome in closing if outcome == "missed"]
    paid = [i for i, outcome in closing if outcome == "paid"]
    if status == "broken":
        summary = f"payment plan broken: {', '.join(_describe(i, plan) for i in missed)} missed"
    elif status == "completed":
        summary = f"payment plan completed: {plan.total.format()} in {plan.count} installments"
    else:
        summary = f"payment plan: {', '.join(_describe(i, plan) for i in paid)} paid"
    data = {"plan_id": plan.plan_id, "status": status, "closed": {str(i.number): o for i, o in closing}}
    return Activity(at=now, kind="plan", summary=summary, data=data)


def follow_up_plan(accounts: Accounts, account_key: str, plan_id: str, now: datetime, report: PlanReport) -> None:
    """Close what the money received so far decides for one plan, with the account, in one transaction; nothing
    when an earlier run already did it. Read again when a collector changed the account meanwhile."""
    for attempt in range(1, ATTEMPTS + 1):
        plan, installments = plan_repo.get_plan(account_key, plan_id)
        if plan.status != "active":
            return
        account = accounts.get(account_key)
        closing, status = closing_of(plan, installments, account, now)
        if not closing:
            return
        activity = _activity(plan, closing, status, now)
        updated = prepare(accounts, account_after(account, plan, installments, closing, status), now)
        try:
            if plan_repo.close_installments(plan, closing, activity, updated, None if status == "active" else status):
                _report(plan, closing, status, activity, report)
            return
        except ConflictError:
            if attempt == ATTEMPTS:
                raise


def _report(plan: PaymentPlan, closing: Closing, status: str, activity: Activity, report: PlanReport) -> None:
    prefix = f"{plan.account_key}: plan `{plan.plan_id}`"
    report.paid += [f"{prefix} {_describe(i, plan)}" for i, outcome in closing if outcome == "paid"]
    if status == "completed":
        report.completed.append(f"{prefix} {plan.total.format()} in {plan.count} installments")
    if status == "broken":
        report.broken.append(f"{prefix} {activity.summary.removeprefix('payment plan broken: ')}")


def follow_up_installments(accounts: Accounts, now: datetime, report: PlanReport, failures: Failures) -> PlanReport:
    """Every plan with an installment whose deadline passed by `now`, each followed up once per run.

    Each plan on its own: one failing goes into `failures` and the others are still followed up.
    """
    due = {(d.account_key, d.plan_id) for d in plan_repo.query_due_installments(now)}
    for account_key, plan_id in sorted(due):
        try:
            follow_up_plan(accounts, account_key, plan_id, now, report)
        except ArrearsError as exc:
            failures.add(account_key, "plan", exc)
    return report
