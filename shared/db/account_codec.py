"""Account items <-> domain accounts: invoices, ledger entries and the commitment as embedded JSON, index keys."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from shared.db import keys
from shared.db.models import AccountItem
from shared.domain.accounts import Account, Commitment, ImportMark, Invoice
from shared.domain.ledger import LedgerEntry
from shared.domain.money import Money
from shared.domain.retention import retain_until

ACCOUNT_SK = "A"
# next actions a schedule picks up from gsi2: the reminders run takes a cadence step or the reminder before a
# promise's date or an installment's; the plans run decides a promise whose deadline passed
DUE_KINDS = {
    "reminder": "REMIND",
    "promise reminder": "REMIND",
    "installment reminder": "REMIND",
    "installment notice": "REMIND",
    "promise": "FOLLOWUP",
}


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value else None


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "balance_minor": invoice.balance.minor,
        "currency": invoice.balance.currency,
        "due_date": invoice.due_date.isoformat(),
        "invoice_date": _iso(invoice.invoice_date),
        "warnings": list(invoice.warnings),
        "source": invoice.source,
        "as_of": _iso(invoice.as_of),
    }


def invoice_of(data: dict[str, Any]) -> Invoice:
    return Invoice(
        number=data["number"],
        balance=Money(int(data["balance_minor"]), data["currency"]),
        due_date=date.fromisoformat(data["due_date"]),
        invoice_date=date.fromisoformat(data["invoice_date"]) if data.get("invoice_date") else None,
        warnings=tuple(data.get("warnings") or ()),
        source=data.get("source"),
        as_of=_at(data.get("as_of")),
    )


def entry_json(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "amount_minor": entry.amount.minor,
        "currency": entry.amount.currency,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "ref": entry.ref,
        "state": entry.state,
        "origin": entry.origin,
        "matched_by": entry.matched_by,
        "reverses": entry.reverses,
        "note": entry.note,
        "flagged": entry.flagged,
    }


def entry_of(data: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        id=data["id"],
        kind=data["kind"],
        amount=Money(int(data["amount_minor"]), data["currency"]),
        at=datetime.fromisoformat(data["at"]),
        actor=data.get("actor", "system"),
        ref=data.get("ref"),
        state=data.get("state", "pending"),
        origin=data.get("origin", "arrears"),
        matched_by=data.get("matched_by"),
        reverses=data.get("reverses"),
        note=data.get("note", ""),
        flagged=bool(data.get("flagged")),
    )


def commitment_json(commitment: Commitment | None) -> dict[str, Any] | None:
    if commitment is None:
        return None
    return {
        "kind": commitment.kind,
        "id": commitment.id,
        "amount_minor": commitment.amount.minor,
        "currency": commitment.amount.currency,
        "due": commitment.due.isoformat(),
        "made_at": commitment.made_at.isoformat(),
        "made_by": commitment.made_by,
        "deadline": _iso(commitment.deadline),
        "reminded": commitment.reminded.isoformat() if commitment.reminded else None,
        "cure_until": commitment.cure_until.isoformat() if commitment.cure_until else None,
        "cure_noticed": commitment.cure_noticed,
    }


def commitment_of(data: dict[str, Any] | None) -> Commitment | None:
    if not data:
        return None
    return Commitment(
        kind=data["kind"],
        id=data["id"],
        amount=Money(int(data["amount_minor"]), data["currency"]),
        due=date.fromisoformat(data["due"]),
        made_at=datetime.fromisoformat(data["made_at"]),
        made_by=data.get("made_by", "system"),
        deadline=_at(data.get("deadline")),
        reminded=date.fromisoformat(data["reminded"]) if data.get("reminded") else None,
        cure_until=date.fromisoformat(data["cure_until"]) if data.get("cure_until") else None,
        cure_noticed=bool(data.get("cure_noticed")),
    )


def marks_json(marks: tuple[ImportMark, ...]) -> list[dict[str, Any]] | None:
    return [_mark_json(mark) for mark in marks] or None


def marks_of(data: list[dict[str, Any]] | dict[str, Any] | None) -> tuple[ImportMark, ...]:
    """The marks as stored: a list, or the one mark an item written before parts held."""
    if not data:
        return ()
    return tuple(_mark_of(mark) for mark in (data if isinstance(data, list) else [data]))


def _mark_json(mark: ImportMark) -> dict[str, Any]:
    return {
        "source": mark.source,
        "chunk": mark.chunk,
        "change": mark.change,
        "repeat_lines": list(mark.repeat_lines),
        "rejected_lines": list(mark.rejected_lines),
        "changes": [list(change) for change in mark.changes],
    }


def _mark_of(data: dict[str, Any]) -> ImportMark:
    lines = {name: tuple(int(n) for n in data.get(name) or ()) for name in ("repeat_lines", "rejected_lines")}
    changes = tuple((str(k), str(c), int(b), int(a), str(i)) for k, c, b, a, i in data.get("changes") or ())
    return ImportMark(data["source"], int(data["chunk"]), data["change"], **lines, changes=changes)


def to_item(account: Account, touched: Iterable[datetime] = ()) -> AccountItem:
    """The account's item; `touched` are the instants of activities written with it (they count for retention)."""
    item = AccountItem(
        keys.account_pk(account.key),
        ACCOUNT_SK,
        creditor=account.creditor,
        account_id=account.account_id,
        debtor=account.debtor,
        account_type=account.account_type,
        collector_role=account.collector_role,
        timezone=account.timezone,
        address=account.address,
        phones=list(account.phones),
        emails=list(account.emails),
        invoices=[invoice_json(i) for i in account.invoices],
        entries=[entry_json(e) for e in account.entries],
        commitment=commitment_json(account.commitment),
        follow_up=account.follow_up,
        automation=account.automation,
        defer_until=account.defer_until,
        source=account.source,
        last_import=marks_json(account.import_marks),
        expires_at=retain_until(account, touched),
        oldest_due=_iso(account.oldest_due),
        status=account.status,
        flags=account.flags,
        preferences=account.preferences,
        collector=account.collector,
        next_action=account.next_action,
        next_action_at=account.next_action_at,
        dunning_step=account.dunning_step,
        priority=account.priority,
        rank=account.rank or None,
        created_at=account.created_at,
        last_contact_at=account.last_contact_at,
        gsi4pk=keys.creditor_accounts_pk(account.creditor, keys.shard_of(account.key, keys.SPREAD)),
        gsi4sk=account.account_id,
        gsi3pk=keys.ref_pk(account.account_id),
        gsi3sk=account.key,
    )
    if account.version is not None:
        item.version = account.version
    if account.on_worklist:
        item.gsi1pk = keys.worklist_pk(account.collector, account.key)
        item.gsi1sk = f"{account.rank}#{account.key}"
    if account.reconcile_by is not None:
        item.gsi5pk = keys.due_pk("RECON", keys.shard_of(account.key))
        item.gsi5sk = keys.due_sk(account.reconcile_by, account.key)
    due_kind = DUE_KINDS.get(account.next_action or "")
    if account.next_action_at is not None and due_kind is not None:
        item.gsi2pk = keys.due_pk(due_kind, keys.shard_of(account.key))
        item.gsi2sk = keys.due_sk(account.next_action_at, account.key)
    return item


def from_item(item: AccountItem) -> Account:
    return Account(
        creditor=item.creditor,
        account_id=item.account_id,
        debtor=item.debtor,
        invoices=tuple(invoice_of(i) for i in item.invoices or ()),
        entries=tuple(entry_of(e) for e in item.entries or ()),
        commitment=commitment_of(item.commitment),
        follow_up=item.follow_up,
        automation=item.automation or "on",
        defer_until=item.defer_until,
        source=item.source,
        import_marks=marks_of(item.last_import),
        account_type=item.account_type,
        collector_role=item.collector_role,
        timezone=item.timezone,
        address=item.address,
        phones=tuple(item.phones or ()),
        emails=tuple(item.emails or ()),
        oldest_due=date.fromisoformat(item.oldest_due) if item.oldest_due else None,
        status=item.status,
        flags=item.flags or {},
        preferences=item.preferences or {},
        collector=item.collector,
        next_action=item.next_action,
        next_action_at=item.next_action_at,
        dunning_step=int(item.dunning_step),
        priority=int(item.priority),
        rank=item.rank or "",
        on_worklist=item.gsi1pk is not None,
        reconcile_by=datetime.fromisoformat(item.gsi5sk.split("#", 1)[0]) if item.gsi5sk else None,
        version=item.version,
        created_at=item.created_at,
        last_contact_at=item.last_contact_at,
    )
