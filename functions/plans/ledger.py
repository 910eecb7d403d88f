"""What promise and plan follow-ups share: the payments made since a commitment, and the boost when one breaks."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.domain.accounts import Account
from shared.domain.money import Money

BROKEN_PROMISE_BOOST = 200_000  # a broken promise or plan goes to the top of the collector's worklist


def paid_since(account_key: str, currency: str, since: datetime) -> Money:
    """Payments in `currency` recorded on the account since `since` (posted, or inferred at import)."""
    entries = activity_repo.query_history_since(account_key, since)
    payments = (a for a in entries if a.kind == "payment" and a.data.get("currency") == currency)
    total = sum(int(a.data.get("amount_minor", 0)) for a in payments)
    return Money(total, currency)


def boost_priority(account: Account, next_action: str) -> Account:
    """Put the account at the top of its collector's worklist with the follow-up to do."""
    return account_repo.put_account(
        replace(account, priority=account.priority + BROKEN_PROMISE_BOOST, next_action=next_action)
    )
