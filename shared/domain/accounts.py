"""Accounts, invoices and activity entries: the records a collector works with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from shared.domain.money import Money

OPEN = "open"
CLOSED_STATUSES = frozenset({"paid", "closed", "settled"})
HOLD_FLAGS = ("cease", "attorney", "bankruptcy", "deceased", "servicemember")


def account_key(creditor: str, account_id: str) -> str:
    """The stable key of an account: creditor and the creditor's own customer id, each escaped."""
    return f"{quote(creditor, safe='')}#{quote(account_id, safe='')}"


@dataclass(frozen=True)
class Invoice:
    """One open item of an account, as the creditor's books show it."""

    number: str
    balance: Money
    due_date: date
    invoice_date: date | None = None
    warnings: tuple[str, ...] = ()
    source: str | None = None  # the import (object key and version) that last wrote it


@dataclass(frozen=True)
class Account:
    """A debtor at one creditor, with contact points, holds and the state of collection.

    `phones`, `emails`, `address`, `flags` and `preferences` keep the compliance schema's shapes
    (see docs/COMPLIANCE.md), so the engine reads them without translation.
    """

    creditor: str
    account_id: str
    debtor: str
    invoices: tuple[Invoice, ...] = ()
    credits: dict[str, int] = field(default_factory=dict)
    account_type: str = "consumer"
    collector_role: str = "first_party"
    timezone: str | None = None
    address: dict[str, Any] | None = None
    phones: tuple[dict[str, Any], ...] = ()
    emails: tuple[dict[str, Any], ...] = ()
    oldest_due: date | None = None
    status: str = OPEN
    flags: dict[str, Any] = field(default_factory=dict)
    preferences: dict[str, Any] = field(default_factory=dict)
    collector: str | None = None
    next_action: str | None = None
    next_action_at: datetime | None = None
    dunning_step: int = 0
    priority: int = 0
    version: int | None = None
    created_at: datetime | None = None
    last_contact_at: datetime | None = None
    source: str | None = None

    @property
    def balances(self) -> dict[str, int]:
        """Owed per currency: open invoices less unapplied credit (never summed across currencies)."""
        totals: dict[str, int] = {}
        for invoice in self.invoices:
            totals[invoice.balance.currency] = totals.get(invoice.balance.currency, 0) + invoice.balance.minor
        for currency, credit in self.credits.items():
            totals[currency] = totals.get(currency, 0) - credit
        return totals

    def open_invoices(self) -> list[Invoice]:
        """Invoices with something still owed, oldest due first."""
        return sorted((i for i in self.invoices if i.balance.minor > 0), key=lambda i: (i.due_date, i.number))

    @property
    def key(self) -> str:
        return account_key(self.creditor, self.account_id)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES and any(v > 0 for v in self.balances.values())

    def holds(self) -> list[str]:
        """Names of the flags that stop or restrict collection (cease, bankruptcy, ...)."""
        held = [name for name in HOLD_FLAGS if self.flags.get(name)]
        if any(not d.get("verification_sent_at") for d in self.flags.get("disputes") or []):
            held.append("dispute")
        return held

    def balance_text(self) -> str:
        if not self.balances:
            return "nothing owed"
        return ", ".join(Money(v, c).format() for c, v in sorted(self.balances.items()))


@dataclass(frozen=True)
class Activity:
    """One append-only entry of an account's history: a contact, note, payment, decision, ..."""

    at: datetime
    kind: str
    summary: str
    actor: str = "system"
    id: str = ""
    channel: str | None = None
    direction: str | None = None
    outcome: str | None = None
    debt_ids: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
