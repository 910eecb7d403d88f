"""Scheduled follow-up of promises and plan installments: kept ones close, broken ones go back to the collector."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError

from functions.plans.installments import PlanReport, follow_up_installments
from functions.plans.ledger import boost_priority, paid_since
from shared.db import accounts as account_repo
from shared.db import ledger as ledger_repo
from shared.domain.accounts import Activity
from shared.domain.ledger import Promise, promise_outcome
from shared.observability import logger
from shared.ports import SlackPoster

MAX_REPORT_LINES = 40


@dataclass
class FollowUpReport:
    kept: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    plans: PlanReport = field(default_factory=PlanReport)

    def as_dict(self) -> dict[str, list[str]]:
        return {"kept": self.kept, "broken": self.broken} | self.plans.as_dict()

    def lines(self) -> list[str]:
        """Broken first: they are the collectors' work."""
        return (
            [f":x: broken promise: {p}" for p in self.broken]
            + [f":x: broken plan: {p}" for p in self.plans.broken]
            + [f":white_check_mark: kept promise: {p}" for p in self.kept]
            + [f":white_check_mark: installment paid: {p}" for p in self.plans.paid]
            + [f":tada: plan completed: {p}" for p in self.plans.completed]
        )


def follow_up_promise(promise: Promise, created_at: datetime, now: datetime) -> str:
    account = account_repo.get_account(promise.account_key)
    today = now.astimezone(ZoneInfo(account.timezone or "UTC")).date()
    outcome = promise_outcome(promise, paid_since(promise.account_key, promise.amount.currency, created_at), today)
    if outcome == "open":
        return outcome
    summary = f"promise of {promise.amount.format()} by {promise.due} {outcome}"
    activity = Activity(at=now, kind="promise", summary=summary, data={"promise_id": promise.promise_id})
    try:
        ledger_repo.close_promise(promise, outcome, activity)
    except TransactWriteError:
        return "repeat"  # closed by an earlier delivery of this run
    if outcome == "broken":
        boost_priority(account, "follow-up: broken promise")
    return outcome


def run_follow_ups(now: datetime, poster: SlackPoster, channel: str) -> FollowUpReport:
    """One hourly run: promises and plan installments whose deadline passed; one Slack report when any closed."""
    report = FollowUpReport()
    for promise, created_at in ledger_repo.query_due_promises(now):
        outcome = follow_up_promise(promise, created_at, now)
        if outcome in ("kept", "broken"):
            getattr(report, outcome).append(f"{promise.account_key}: {promise.amount.format()} due {promise.due}")
    report.plans = follow_up_installments(now)
    lines = report.lines()
    if lines:
        more = f"\n…and {len(lines) - MAX_REPORT_LINES} more" if len(lines) > MAX_REPORT_LINES else ""
        poster.post(channel, "Promise and plan follow-up\n" + "\n".join(lines[:MAX_REPORT_LINES]) + more)
    logger.info("follow-up finished", extra={k: len(v) for k, v in report.as_dict().items()})
    return report
