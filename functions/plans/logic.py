"""Scheduled follow-up of promises to pay: kept ones are closed, broken ones go back to the collector."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError

from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import ledger as ledger_repo
from shared.domain.accounts import Activity
from shared.domain.ledger import Promise, promise_outcome
from shared.domain.money import Money
from shared.observability import logger
from shared.ports import SlackPoster

BROKEN_PROMISE_BOOST = 200_000  # a broken promise goes to the top of the collector's worklist


@dataclass
class FollowUpReport:
    kept: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"kept": self.kept, "broken": self.broken}


def paid_since(promise: Promise, since: datetime) -> Money:
    """Payments in the promise's currency recorded since the promise was made (posted or inferred at import)."""
    entries = activity_repo.query_history_since(promise.account_key, since)
    total = sum(
        int(a.data.get("amount_minor", 0))
        for a in entries
        if a.kind == "payment" and a.data.get("currency") == promise.amount.currency
    )
    return Money(total, promise.amount.currency)


def follow_up_promise(promise: Promise, created_at: datetime, now: datetime) -> str:
    account = account_repo.get_account(promise.account_key)
    today = now.astimezone(ZoneInfo(account.timezone or "UTC")).date()
    outcome = promise_outcome(promise, paid_since(promise, created_at), today)
    if outcome == "open":
        return outcome
    summary = f"promise of {promise.amount.format()} by {promise.due} {outcome}"
    activity = Activity(at=now, kind="promise", summary=summary, data={"promise_id": promise.promise_id})
    try:
        ledger_repo.close_promise(promise, outcome, activity)
    except TransactWriteError:
        return "repeat"  # closed by an earlier delivery of this run
    if outcome == "broken":
        account_repo.put_account(
            replace(account, priority=account.priority + BROKEN_PROMISE_BOOST, next_action="follow-up: broken promise")
        )
    return outcome


def run_follow_ups(now: datetime, poster: SlackPoster, channel: str) -> FollowUpReport:
    report = FollowUpReport()
    for promise, created_at in ledger_repo.query_due_promises(now):
        outcome = follow_up_promise(promise, created_at, now)
        if outcome in ("kept", "broken"):
            getattr(report, outcome).append(f"{promise.account_key}: {promise.amount.format()} due {promise.due}")
    if report.kept or report.broken:
        lines = [f":x: broken: {p}" for p in report.broken] + [f":white_check_mark: kept: {p}" for p in report.kept]
        poster.post(channel, "Promise follow-up\n" + "\n".join(lines[:40]))
    logger.info("promise follow-up finished", extra={"kept": len(report.kept), "broken": len(report.broken)})
    return report
