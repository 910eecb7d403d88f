"""Scheduled follow-up of plan installments: covered ones close paid, a missed one breaks its plan."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from functions.plans.ledger import Failures
from shared.db import plans as plan_repo
from shared.domain.accounts import Account, Activity
from shared.domain.dunning import local_day
from shared.domain.errors import ArrearsError, ConflictError
from shared.domain.ledger import commitment_deadline, received_since
from shared.domain.plans import GRACE_DAYS, Installment, PaymentPlan, plan_outcomes, plan_status
from shared.ports import Accounts
from shared.writes import prepare

Closing = list[tuple[Installment, str]]
ATTEMPTS = 3


@dataclass
class PlanReport:
    paid: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)  # installments in their cure period

    def as_dict(self) -> dict[str, list[str]]:
        return {"installments_paid": self.paid, "plans_completed": self.completed, "plans_broken": self.broken,
                "installments_late": self.late}  # fmt: skip


def _describe(installment: Installment, plan: PaymentPlan) -> str:
    return f"installment {installment.number} of {plan.count} ({installment.amount.format()} due {installment.due})"


def closing_of(
    plan: PaymentPlan, installments: list[Installment], account: Account, now: datetime, cure_days: int = 0
) -> tuple[Closing, str, list[Installment]]:
    """What to close, the plan's new status (from the money received since the plan was made, each payment once:
    the ledger's) and the installments late but still in their cure period; a broken plan's open installments
    are cancelled with it."""
    received = received_since(account.entries, plan.total.currency, plan.created_at)
    outcomes = plan_outcomes(installments, received, local_day(now, account.timezone), cure_days=cure_days)
    status = plan_status(outcomes)
    closing = [(i, outcome) for i, outcome in outcomes if i.status == "open" and outcome not in ("open", "late")]
    if status == "broken":
        closing += [(i, "cancelled") for i, outcome in outcomes if i.status == "open" and outcome in ("open", "late")]
    late = [i for i, outcome in outcomes if i.status == "open" and outcome == "late" and status != "broken"]
    return closing, status, late


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
    if nxt.due == account.commitment.due:
        return account  # the installment it stands on is still open (late, in its cure period)
    moved = replace(account.commitment, amount=nxt.amount, due=nxt.due, cure_until=None, cure_noticed=False)
    return replace(account, commitment=moved)


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
    """Close what the money received so far decides for one plan, with the account, in one transaction (or start
    a late installment's cure period); nothing when an earlier run already did it. Read again when a collector
    changed the account meanwhile."""
    for attempt in range(1, ATTEMPTS + 1):
        plan, installments = plan_repo.get_plan(account_key, plan_id)
        if plan.status != "active":
            return
        account = accounts.get(account_key)
        cure_days = accounts.settings(account.creditor).plan_cure_days
        closing, status, late = closing_of(plan, installments, account, now, cure_days)
        try:
            if not closing:
                if late and _hold_late(accounts, account, plan, late[0], (cure_days, now)):
                    report.late.append(f"{plan.account_key}: plan `{plan.plan_id}` {_describe(late[0], plan)}")
                return
            activity = _activity(plan, closing, status, now)
            updated = prepare(accounts, account_after(account, plan, installments, closing, status), now)
            if plan_repo.close_installments(plan, closing, activity, updated, None if status == "active" else status):
                _report(plan, closing, status, activity, report)
            return
        except ConflictError:
            if attempt == ATTEMPTS:
                raise


def _hold_late(
    accounts: Accounts, account: Account, plan: PaymentPlan, late: Installment, when: tuple[int, datetime]
) -> bool:
    """A late installment in its cure period is looked at again each local midnight until the period ends (a
    payment meanwhile closes it the next morning, and the plan goes on to its next installment and reminder).
    The first time, the account records the last day to pay, which sends the debtor a notice of it (the
    reminders run). True only then (a cure period that started)."""
    cure_days, now = when
    until = late.due + timedelta(days=GRACE_DAYS + cure_days)
    tomorrow = commitment_deadline(local_day(now, account.timezone), account.timezone, 0)  # the next midnight
    deadline = min(commitment_deadline(late.due, account.timezone, GRACE_DAYS + cure_days), tomorrow)
    commitment = account.commitment
    if commitment is None or commitment.id != plan.plan_id:
        return False
    if commitment.cure_until == until and commitment.due == late.due:  # told already: only look again tomorrow
        plan_repo.start_cure(plan, late, deadline)
        return False
    cured = replace(account, commitment=replace(commitment, amount=late.amount, due=late.due, cure_until=until))
    summary = f"payment plan: {_describe(late, plan)} late; the plan breaks unless it is paid by {until}"
    activity = Activity(at=now, kind="plan", summary=summary, data={"plan_id": plan.plan_id, "late": late.number})
    return plan_repo.start_cure(plan, late, deadline, (activity, prepare(accounts, cured, now)))


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
