"""Use cases for invoices a full snapshot left out (imports and the Slack buttons share them)."""

from __future__ import annotations

from datetime import datetime

from shared.domain.accounts import Account, Activity
from shared.domain.snapshots import close_paid_per_source, hold_for_review, keep_open, review_of
from shared.ports import Accounts
from shared.writes import change_account

ACTOR = "import"


def settle_missing(accounts: Accounts, account: Account, invoices: tuple[str, ...], source: str, now: datetime) -> str:
    """Apply the creditor's rule to an account's left-out invoices: `closed` or `held` (or `unchanged`)."""
    settings = accounts.settings(account.creditor)
    if settings.missing_from_snapshot == "close":

        def close(current: Account) -> tuple[Account, list[Activity]]:
            return close_paid_per_source(current, invoices, source, now, ACTOR, settings.match)

        change_account(accounts, account.key, close, now)
        return "closed"
    outcome = "unchanged"

    def hold(current: Account) -> tuple[Account, list[Activity]]:
        nonlocal outcome
        held = hold_for_review(current, invoices, source, now)
        outcome = "unchanged" if held is None else "held"
        return held or (current, [])

    change_account(accounts, account.key, hold, now)
    return outcome


def confirm_paid(accounts: Accounts, key: str, now: datetime, actor: str, once: str) -> Account | None:
    """A person confirms the left-out invoices were paid: closed as paid per source."""

    def close(current: Account) -> tuple[Account, list[Activity]]:
        invoices, source = review_of(current)
        return close_paid_per_source(current, invoices, source, now, actor, accounts.settings(current.creditor).match)

    return change_account(accounts, key, close, now, once)[1]


def confirm_open(accounts: Accounts, key: str, now: datetime, actor: str, once: str) -> Account | None:
    """A person says the invoices are still owed: the hold is lifted and collection resumes."""
    return change_account(accounts, key, lambda current: keep_open(current, now, actor), now, once)[1]
