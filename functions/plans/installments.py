"""Scheduled follow-up of plan installments: covered ones close paid, a missed one breaks its plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from functions.plans.ledger import Failures, boost_priority, paid_since
from shared.db import accounts as account_repo
from shared.db import plans as plan_repo
from shared.domain.accounts import Activity
from shared.domain.errors import ArrearsError
from shared.domain.plans import Installment, PaymentPlan, plan_outcomes, plan_status

Closing = list[tuple[Installment, str]]


@dataclass
class PlanReport:
    paid: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"installments_paid": self.paid, "plans_completed": self.completed, "plans_broken": self.broken}


def _describe(installment: Installment, plan: PaymentPlan) -> str:
    return f"installment {installment.number} of {plan.count} ({installment.amount.format()} due {installment.due})"


def _closing(plan: PaymentPlan, installments: list[Installment], now: datetime, tz: str | None) -> tuple[Closing, str]:
    """What to close and the plan's new status; a broken plan's open installments are cancelled with it."""
    today = now.astimezone(ZoneInfo(tz or "UTC")).date()
    outcomes = plan_outcomes(installments, paid_since(plan.account_key, plan.total.currency, plan.created_at), today)
    status = plan_status(outcomes)
    closing = [(i, outcome) for i, outcome in outcomes if i.status == "open" and outcome != "open"]
    if status == "broken":
        closing += [(i, "cancelled") for i, outcome in outcomes if i.status == "open" and outcome == "open"]
    return closing, status


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


def follow_up_plan(account_key: str, plan_id: str, now: datetime, report: PlanReport) -> None:
    """Close what the payments so far decide for one plan; nothing when an earlier run already did it.

    The closure is reported before the boost of a broken plan, so a failed boost still reaches Slack.
    """
    plan, installments = plan_repo.get_plan(account_key, plan_id)
    if plan.status != "active":
        return
    account = account_repo.get_account(account_key)
    closing, status = _closing(plan, installments, now, account.timezone)
    if not closing:
        return
    activity = _activity(plan, closing, status, now)
    if not plan_repo.close_installments(plan, closing, activity, None if status == "active" else status):
        return  # closed by an earlier delivery of this run
    _report(plan, closing, status, activity, report)
    if status == "broken":
        boost_priority(account_key, "follow-up: broken payment plan")


def _report(plan: PaymentPlan, closing: Closing, status: str, activity: Activity, report: PlanReport) -> None:
    prefix = f"{plan.account_key}: plan `{plan.plan_id}`"
    report.paid += [f"{prefix} {_describe(i, plan)}" for i, outcome in closing if outcome == "paid"]
    if status == "completed":
        report.completed.append(f"{prefix} {plan.total.format()} in {plan.count} installments")
    if status == "broken":
        report.broken.append(f"{prefix} {activity.summary.removeprefix('payment plan broken: ')}")


def follow_up_installments(now: datetime, report: PlanReport, failures: Failures) -> PlanReport:
    """Every plan with an installment whose deadline passed by `now`, each followed up once per run.

    Each plan on its own: one failing goes into `failures` and the others are still followed up.
    """
    due = {(d.account_key, d.plan_id) for d in plan_repo.query_due_installments(now)}
    for account_key, plan_id in sorted(due):
        try:
            follow_up_plan(account_key, plan_id, now, report)
        except ArrearsError as exc:
            failures.add(account_key, "plan", exc)
    return report
