"""Follow-up of promises whose deadline passed: kept when the money received covers them, else broken."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.domain.accounts import Account, Activity
from shared.domain.dunning import local_day
from shared.domain.ledger import promise_outcome, received_since
from shared.ports import Accounts
from shared.writes import change_account


def decide_promise(account: Account, now: datetime) -> tuple[str, Account, list[Activity]]:
    """The promise's outcome and the account after it: a broken promise waits for the collector (follow-up, top
    of the worklist) and the reminders resume at the step the account's age calls for."""
    promise = account.commitment
    if promise is None or promise.kind != "promise":
        return "closed", account, []
    received = received_since(account.entries, promise.amount.currency, promise.made_at)
    outcome = promise_outcome(promise.amount, promise.due, received, local_day(now, account.timezone))
    if outcome == "open":
        return outcome, account, []
    summary = f"promise of {promise.amount.format()} by {promise.due} {outcome} ({received.format()} received)"
    activity = Activity(at=now, kind="promise", summary=summary, data={"promise_id": promise.id, "status": outcome})
    follow_up = f"broken promise of {promise.amount.format()} by {promise.due}" if outcome == "broken" else None
    return outcome, replace(account, commitment=None, follow_up=follow_up or account.follow_up), [activity]


def follow_up_promise(accounts: Accounts, key: str, now: datetime) -> tuple[str, Account]:
    """Decide one account's promise and save it; nothing is written while it is still open (or already closed)."""
    account = accounts.get(key)
    outcome = decide_promise(account, now)[0]
    if outcome in ("open", "closed"):
        return outcome, account

    def decide(current: Account) -> tuple[Account, list[Activity]]:
        nonlocal outcome
        outcome, updated, activities = decide_promise(current, now)
        return updated, activities

    before, _ = change_account(accounts, key, decide, now)
    return outcome, before
