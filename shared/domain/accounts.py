"""Accounts and activity entries: the records a collector works with."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from shared.domain.ledger import Invoice, LedgerEntry, Position, open_amounts, position
from shared.domain.money import Money

__all__ = ["Account", "Activity", "Commitment", "Invoice", "account_key"]

OPEN = "open"
CLOSED_STATUSES = frozenset({"paid", "closed", "settled"})
HOLD_FLAGS = ("cease", "attorney", "bankruptcy", "deceased", "servicemember")


def account_key(creditor: str, account_id: str) -> str:
    """The stable key of an account: creditor and the creditor's own customer id, each escaped."""
    return f"{quote(creditor, safe='')}#{quote(account_id, safe='')}"


@dataclass(frozen=True)
class Commitment:
    """What the debtor agreed to and has not yet kept or broken: an open promise or an active plan.

    While it stands, dunning pauses. A promise lives here whole; a plan's installments are their own items and
    this holds the plan id and its next installment.
    """

    kind: str  # promise | plan
    id: str
    amount: Money  # the promise, or the plan's next installment
    due: date  # the promise date, or the next installment's due date
    made_at: datetime
    made_by: str = "system"
    deadline: datetime | None = None  # when the follow-up decides (due + grace, debtor's midnight)
    reminded: date | None = None  # the due date whose reminder went out (a plan's next installment has its own)
    cure_until: date | None = None  # a plan's installment is late: the last day it may still be paid
    cure_noticed: bool = False  # the debtor was told of the late installment and its cure date

    @property
    def notice_pending(self) -> bool:
        """A late installment the debtor has not been told of yet."""
        return self.cure_until is not None and not self.cure_noticed

    def told(self) -> Commitment:
        """The commitment once its message went out (or was dropped): the late notice, else the date's reminder."""
        return replace(self, cure_noticed=True) if self.notice_pending else replace(self, reminded=self.due)


@dataclass(frozen=True)
class ImportMark:
    """An import chunk that wrote an account (an account keeps one a chunk of the import that wrote it last: parts
    of a big file written at once each find their own): a retry of that chunk finds its part done and counts it as
    the first try did (`change`, the lines that only repeated an invoice the file had listed before, and the lines
    turned away because the account holds as many invoices as it may)."""

    source: str
    chunk: int  # the first line of the chunk
    change: str
    repeat_lines: tuple[int, ...] = ()
    rejected_lines: tuple[int, ...] = ()  # new invoices past the per-account cap
    changes: tuple[
        tuple[str, str, int, int, str], ...
    ] = ()  # what it changed: (kind, currency, before, after, invoice)


@dataclass(frozen=True)
class Account:
    """A debtor at one creditor, with contact points, holds, the ledger and the state of collection.

    `phones`, `emails`, `address`, `flags` and `preferences` keep the compliance schema's shapes
    (see docs/COMPLIANCE.md), so the engine reads them without translation. The fields under "derived" are
    set by `shared.domain.state.recompute` and by nothing else.
    """

    creditor: str
    account_id: str
    debtor: str
    invoices: tuple[Invoice, ...] = ()
    entries: tuple[LedgerEntry, ...] = ()
    account_type: str = "consumer"
    collector_role: str = "first_party"
    timezone: str | None = None
    address: dict[str, Any] | None = None
    phones: tuple[dict[str, Any], ...] = ()
    emails: tuple[dict[str, Any], ...] = ()
    flags: dict[str, Any] = field(default_factory=dict)
    preferences: dict[str, Any] = field(default_factory=dict)
    collector: str | None = None
    commitment: Commitment | None = None
    follow_up: str | None = None  # why a collector should act first (a broken promise or plan)
    automation: str = "on"  # on | review (stopped until a collector resumes it)
    defer_until: datetime | None = None  # the contact rules allow the next reminder from then
    dunning_step: int = 0
    version: int | None = None
    created_at: datetime | None = None
    last_contact_at: datetime | None = None
    source: str | None = None
    import_marks: tuple[ImportMark, ...] = ()  # the chunks of the last import that wrote it, one mark each
    # derived
    oldest_due: date | None = None
    status: str = OPEN
    next_action: str | None = None
    next_action_at: datetime | None = None
    priority: int = 0  # the score shown today
    rank: str = ""  # the worklist index sort key (does not age; see state.Priority.sort_key)
    on_worklist: bool = False
    reconcile_by: datetime | None = None  # when a pending payment is overdue to show in the creditor's books

    @property
    def positions(self) -> dict[str, Position]:
        """Per currency: the source's balance, what Arrears recorded that it does not show yet, and the result."""
        return position(self.invoices, self.entries)

    @property
    def balances(self) -> dict[str, int]:
        """Net owed per currency (negative: a credit), from the ledger; never summed across currencies."""
        return {c: p.net for c, p in self.positions.items()}

    def open_amounts(self) -> dict[str, int]:
        """Owed on each invoice once pending entries are applied, oldest due first."""
        return open_amounts(self.invoices, self.entries)

    def open_invoices(self) -> list[Invoice]:
        """Invoices with something still owed, oldest due first."""
        owed = self.open_amounts()
        return sorted((i for i in self.invoices if owed[i.number] > 0), key=lambda i: (i.due_date, i.number))

    @property
    def key(self) -> str:
        return account_key(self.creditor, self.account_id)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES and any(p.owed > 0 for p in self.positions.values())

    def holds(self) -> list[str]:
        """Names of the flags that stop or restrict collection (cease, bankruptcy, ...)."""
        held = [name for name in HOLD_FLAGS if self.flags.get(name)]
        if any(not d.get("verification_sent_at") for d in self.flags.get("disputes") or []):
            held.append("dispute")
        if self.flags.get("snapshot_review"):
            held.append("snapshot_review")
        return held

    def balance_text(self) -> str:
        positions = [p for p in self.positions.values() if p.net]
        if not positions:
            return "nothing owed"
        parts = [
            Money(p.owed, p.currency).format() if p.net > 0 else f"credit {Money(p.credit, p.currency).format()}"
            for p in positions
        ]
        text = ", ".join(parts)
        pending = [p for p in self.positions.values() if p.pending]
        if pending:
            waiting = ", ".join(Money(abs(p.pending), p.currency).format() for p in pending)
            text += f" ({waiting} recorded here, not yet in the creditor's books)"
        return text


CONTACT = "contact"  # the history kind the compliance engine counts


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


def locate_order(account: Account) -> tuple[str, str]:
    """The locate queue's order: the longest waiting first (then by key, so the order is stable)."""
    return str((account.flags.get("needs_locate") or {}).get("since") or ""), account.key
