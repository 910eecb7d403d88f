"""How long an account's records are kept: at least three years after the last activity on it, then they expire.

Regulation F (12 CFR 1006.100) asks a debt collector to keep the records that show its compliance from the first
collection activity on a debt until three years after the last. An account's item carries the instant its records
may go (`retain_until`), moved on by every write; DynamoDB's TTL removes the account item then, and the retention
function removes everything else under the account (activities, markers, plans) when it sees that removal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from shared.domain.accounts import Account

RETENTION = timedelta(days=3 * 366 + 30)  # three years, leap days counted, and a month to spare


def last_activity(account: Account, also: Iterable[datetime] = ()) -> datetime | None:
    """The latest instant anything happened on the account that its stored fields show, or `also` adds (the
    activities written with it: a note or a letter changes no field)."""
    instants = [
        account.created_at,
        account.last_contact_at,
        account.commitment.made_at if account.commitment else None,
        *(entry.at for entry in account.entries),
        *(invoice.as_of for invoice in account.invoices),
        *also,
    ]
    known = [at for at in instants if at is not None]
    return max(known) if known else None


def retain_until(account: Account, also: Iterable[datetime] = ()) -> datetime | None:
    """When the account's records may expire; None when nothing on it has a time (it is kept)."""
    last = last_activity(account, also)
    return last + RETENTION if last else None
