"""How every use case writes an account: recompute what is derived, then save it with its activities, once.

`change_account` re-reads and re-applies a change when someone else wrote the account meanwhile, so a
collector's write and an import or schedule never overwrite each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from shared.domain.accounts import Account, Activity
from shared.domain.errors import ConflictError
from shared.domain.state import recompute
from shared.ports import Accounts

ATTEMPTS = 3
Change = Callable[[Account], tuple[Account, list[Activity]]]


def prepare(accounts: Accounts, account: Account, now: datetime) -> Account:
    """The account with every derived field recomputed under its creditor's settings, ready to be written."""
    return recompute(account, now, accounts.settings(account.creditor))


def save_account(
    accounts: Accounts, account: Account, now: datetime, activities: Sequence[Activity] = (), once: str | None = None
) -> Account | None:
    """Recompute the account's derived fields, then write it (None: `once` was done before)."""
    return accounts.save(prepare(accounts, account, now), activities, once)


def change_account(
    accounts: Accounts, key: str, change: Change, now: datetime, once: str | None = None
) -> tuple[Account, Account | None]:
    """Apply `change` to the freshly read account and save it; on a concurrent write, read and apply again.

    Returns (the account as read, the stored result or None when `once` shows it was done before). Errors that
    `change` raises (bad amounts, nothing to release) propagate with nothing written. A change that hands back
    the very account it was given with no activities (a repeat: nothing left to do) writes nothing.
    """
    for attempt in range(1, ATTEMPTS + 1):
        current = accounts.get(key)
        updated, activities = change(current)
        if updated is current and not activities:
            return current, current
        try:
            return current, save_account(accounts, updated, now, activities, once)
        except ConflictError:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
