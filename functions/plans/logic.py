"""Scheduled follow-up: promises and plan installments whose deadline passed, and payments the books never showed.

Kept ones close; broken ones go back to the collector (follow-up, top of the worklist) and the reminders
resume; a payment posted in Arrears that no import reflected within the match window is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from functions.plans.installments import PlanReport, follow_up_installments
from functions.plans.ledger import Failures
from functions.plans.promises import follow_up_promise
from shared.domain.accounts import Account, Activity
from shared.domain.errors import ArrearsError
from shared.domain.ledger import MatchRule, stale_pending
from shared.domain.mrkdwn import escape
from shared.domain.notices import run_notice
from shared.observability import logger
from shared.ports import Accounts, Notifier
from shared.writes import change_account

MAX_REPORT_LINES = 40


@dataclass
class FollowUpReport:
    kept: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    plans: PlanReport = field(default_factory=PlanReport)
    unreconciled: list[str] = field(default_factory=list)
    failures: Failures = field(default_factory=Failures)

    def as_dict(self) -> dict[str, list[str]]:
        return {"kept": self.kept, "broken": self.broken, "unreconciled": self.unreconciled} | self.plans.as_dict()

    def lines(self) -> list[str]:
        """Broken first: they are the collectors' work."""
        return (
            [f":x: broken promise: {p}" for p in self.broken]
            + [f":x: broken plan: {p}" for p in self.plans.broken]
            + [
                f":hourglass: installment late (the debtor is told; the plan breaks if it stays unpaid): {p}"
                for p in self.plans.late
            ]
            + [f":white_check_mark: kept promise: {p}" for p in self.kept]
            + [f":white_check_mark: installment paid: {p}" for p in self.plans.paid]
            + [f":tada: plan completed: {p}" for p in self.plans.completed]
        )


def _promises(accounts: Accounts, now: datetime, report: FollowUpReport) -> None:
    for due in accounts.due(now, "FOLLOWUP"):
        try:
            outcome, account = follow_up_promise(accounts, due.key, now)
        except ArrearsError as exc:
            report.failures.add(due.key, "promise", exc)
            continue
        if outcome in ("kept", "broken") and account.commitment is not None:
            promise = account.commitment
            getattr(report, outcome).append(f"{account.key}: {promise.amount.format()} due {promise.due}")


def flag_stale(current: Account, now: datetime, rule: MatchRule) -> tuple[Account, list[Activity], list[str]]:
    """The account with its overdue pending entries marked reported, and the report lines (no debtor data)."""
    stale = {e.id for e in stale_pending(current.entries, now, rule)}
    lines = [
        f"{current.key}: {e.kind} {e.amount.format()} ref `{e.ref}` of {e.at.date()}"
        for e in current.entries
        if e.id in stale
    ]
    entries = tuple(replace(e, flagged=True) if e.id in stale else e for e in current.entries)
    note = Activity(at=now, kind="ledger", summary=f"{len(stale)} payment(s) not yet in the creditor's books")
    return replace(current, entries=entries), [note] if stale else [], lines


def _flag_unreconciled(accounts: Accounts, now: datetime, report: FollowUpReport) -> None:
    """Payments posted in Arrears that no import matched within the window: report each once, then mark it."""
    for due in accounts.due(now, "RECON"):
        rule = accounts.settings(due.creditor).match
        lines: list[str] = []

        def flag(current: Account, into: list[str] = lines, rule: MatchRule = rule) -> tuple[Account, list[Activity]]:
            flagged, activities, into[:] = flag_stale(current, now, rule)
            return flagged, activities

        try:
            change_account(accounts, due.key, flag, now)
        except ArrearsError as exc:
            report.failures.add(due.key, "reconcile", exc)
            continue
        report.unreconciled += lines


def run_follow_ups(now: datetime, notifier: Notifier, channels: tuple[str, str], accounts: Accounts) -> FollowUpReport:
    """One hourly run; one Slack report when anything closed or needs a look.

    `channels` are (report, ops): collectors hear of promises and plans, operations of payments the creditor's
    books never showed. Each promise, plan and account is followed up on its own, so one failing does not stop
    the others; what closed is reported whatever happened, then the failures are raised (`Failures.raise_any`).
    """
    report = FollowUpReport()
    try:
        _promises(accounts, now, report)
        follow_up_installments(accounts, now, report.plans, report.failures)
        _flag_unreconciled(accounts, now, report)
    finally:
        _post_report(report, notifier, channels, now)
    counts = {k: len(v) for k, v in report.as_dict().items()} | {"failed": len(report.failures.errors)}
    logger.info("follow-up finished", extra=counts)
    report.failures.raise_any()
    return report


def _post_report(report: FollowUpReport, notifier: Notifier, channels: tuple[str, str], now: datetime) -> None:
    """Queue what closed in this run (with what failed); a closure is reported once, by the run that made it, and
    a repeat of the run saying the same is delivered once, a retry with more to say is posted too."""
    channel, ops = channels
    if report.unreconciled:
        shown = [f"• {escape(line)}" for line in report.unreconciled[:MAX_REPORT_LINES]]
        head = ":mag: Payments posted in Arrears that the creditor's books still do not show (check the exports):"
        notifier.notify(run_notice("unreconciled", now, ops, "\n".join([head, *shown])))
    lines = report.lines()
    if not lines:
        return
    failed = [f":warning: follow-up failed: {escape(line)}" for line in report.failures.lines]
    lines = failed + [escape(line) for line in lines]
    more = f"\n…and {len(lines) - MAX_REPORT_LINES} more" if len(lines) > MAX_REPORT_LINES else ""
    text = "Promise and plan follow-up\n" + "\n".join(lines[:MAX_REPORT_LINES]) + more
    notifier.notify(run_notice("follow-up", now, channel, text))
