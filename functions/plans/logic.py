"""Scheduled follow-up of promises and plan installments: kept ones close, broken ones go back to the collector."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError

from functions.plans.installments import PlanReport, follow_up_installments
from functions.plans.ledger import Failures, boost_priority, paid_since
from shared.db import accounts as account_repo
from shared.db import ledger as ledger_repo
from shared.domain.accounts import Activity
from shared.domain.errors import ArrearsError
from shared.domain.ledger import Promise, promise_outcome
from shared.observability import logger
from shared.ports import SlackPoster

MAX_REPORT_LINES = 40


@dataclass
class FollowUpReport:
    kept: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    plans: PlanReport = field(default_factory=PlanReport)
    failures: Failures = field(default_factory=Failures)

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


def follow_up_promise(promise: Promise, created_at: datetime, now: datetime, report: FollowUpReport) -> None:
    """Close a promise its payments decide and report it, then boost a broken one (so a failed boost is still
    reported); nothing when an earlier delivery of this run closed it."""
    account = account_repo.get_account(promise.account_key)
    today = now.astimezone(ZoneInfo(account.timezone or "UTC")).date()
    outcome = promise_outcome(promise, paid_since(promise.account_key, promise.amount.currency, created_at), today)
    if outcome == "open":
        return
    summary = f"promise of {promise.amount.format()} by {promise.due} {outcome}"
    activity = Activity(at=now, kind="promise", summary=summary, data={"promise_id": promise.promise_id})
    try:
        ledger_repo.close_promise(promise, outcome, activity)
    except TransactWriteError as exc:
        ledger_repo.repeat_or_raise(exc, promise.account_key)  # the promise's `open` condition is the first item
        return  # closed by an earlier delivery of this run
    getattr(report, outcome).append(f"{promise.account_key}: {promise.amount.format()} due {promise.due}")
    if outcome == "broken":
        boost_priority(promise.account_key, "follow-up: broken promise")


def run_follow_ups(now: datetime, poster: SlackPoster, channel: str) -> FollowUpReport:
    """One hourly run: promises and plan installments whose deadline passed; one Slack report when any closed.

    Each promise and plan is followed up on its own, so one failing does not stop the others; what closed is
    reported whatever happened, then the failures are raised (see `Failures.raise_any`).
    """
    report = FollowUpReport()
    try:
        for promise, created_at in ledger_repo.query_due_promises(now):
            try:
                follow_up_promise(promise, created_at, now, report)
            except ArrearsError as exc:
                report.failures.add(promise.account_key, "promise", exc)
        follow_up_installments(now, report.plans, report.failures)
    finally:
        _post_report(report, poster, channel)
    counts = {k: len(v) for k, v in report.as_dict().items()} | {"failed": len(report.failures.errors)}
    logger.info("follow-up finished", extra=counts)
    report.failures.raise_any()
    return report


def _post_report(report: FollowUpReport, poster: SlackPoster, channel: str) -> None:
    """Post what closed in this run (with what failed); a closure is reported once, by the run that made it."""
    lines = report.lines()
    if not lines:
        return
    lines = [f":warning: follow-up failed: {line}" for line in report.failures.lines] + lines
    more = f"\n…and {len(lines) - MAX_REPORT_LINES} more" if len(lines) > MAX_REPORT_LINES else ""
    poster.post(channel, "Promise and plan follow-up\n" + "\n".join(lines[:MAX_REPORT_LINES]) + more)
