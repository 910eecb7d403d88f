"""What promise and plan follow-ups share: payments since a commitment, the boost when one breaks, failures."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.domain.accounts import Account
from shared.domain.errors import ArrearsError, ConflictError
from shared.domain.money import Money
from shared.observability import logger

BROKEN_PROMISE_BOOST = 200_000  # a broken promise or plan goes to the top of the collector's worklist
BOOST_ATTEMPTS = 3


def paid_since(account_key: str, currency: str, since: datetime) -> Money:
    """Payments in `currency` recorded on the account since `since` (posted, or inferred at import)."""
    entries = activity_repo.query_history_since(account_key, since)
    payments = (a for a in entries if a.kind == "payment" and a.data.get("currency") == currency)
    total = sum(int(a.data.get("amount_minor", 0)) for a in payments)
    return Money(total, currency)


def boost_priority(account_key: str, next_action: str) -> Account:
    """Put the account at the top of its collector's worklist with the follow-up to do.

    Called after the promise or plan was closed, which a retried run no longer sees: so when a collector
    saves the account meanwhile (ConflictError) the account is read again and the boost retried, a few times.
    """
    for attempt in range(1, BOOST_ATTEMPTS):
        try:
            return _boost(account_key, next_action)
        except ConflictError:
            logger.info("account changed before its boost; reading it again", extra={"attempt": attempt})
    return _boost(account_key, next_action)


def _boost(account_key: str, next_action: str) -> Account:
    account = account_repo.get_account(account_key)
    return account_repo.put_account(
        replace(account, priority=account.priority + BROKEN_PROMISE_BOOST, next_action=next_action)
    )


@dataclass
class Failures:
    """Follow-ups that failed in this run; the others go on, and the run raises them all at the end."""

    lines: list[str] = field(default_factory=list)
    errors: list[ArrearsError] = field(default_factory=list)

    def add(self, account_key: str, kind: str, exc: ArrearsError) -> None:
        """Log and keep the failure by account key and error class only: no debtor data in logs or Slack."""
        error = type(exc).__name__
        logger.warning("follow-up failed", extra={"account_key": account_key, "kind": kind, "error": error})
        self.lines.append(f"{account_key} ({kind}: {error})")
        self.errors.append(exc)

    def raise_any(self) -> None:
        """Raise so Lambda retries and the failure destination keeps the event; closes are conditioned on the
        item still being open, so the retry only does what is left."""
        if self.errors:
            raise ExceptionGroup(f"{len(self.errors)} follow-up(s) failed", self.errors)
