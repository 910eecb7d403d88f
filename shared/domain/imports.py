"""Merging imported receivable rows into accounts: new, updated or unchanged, and what changed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from shared.domain.accounts import Account, Activity, Invoice
from shared.domain.dunning import schedule_next
from shared.domain.money import Money
from shared.domain.receivables import ReceivableRow
from shared.domain.scoring import priority


@dataclass
class Merge:
    account: Account
    change: str  # new | updated | unchanged
    activities: list[Activity] = field(default_factory=list)
    repeats: list[ReceivableRow] = field(default_factory=list)  # rows this file had already listed


def _rfc3339(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _email(address: str, now: datetime) -> dict[str, Any]:
    return {
        "address": address,
        "work_email": False,
        "source": "provided_to_creditor",
        "opted_out_at": None,
        "written_consent_at": None,
    }


def _phone(number: str, now: datetime) -> dict[str, Any]:
    # A number the debtor gave the creditor for this debt is prior express consent for calls about it (TCPA).
    # Line type is unknown at import: treat it as a cell, the stricter case.
    consent = {"given_at": _rfc3339(now), "source": "provided_to_creditor", "revoked_at": None}
    return {
        "number": number,
        "type": "cell",
        "source": "provided_to_creditor",
        "tcpa_consent": consent,
        "opted_out_at": None,
        "voicemail_private_verified": False,
        "reassigned_check": None,
    }


def _contacts(account: Account, rows: list[ReceivableRow], now: datetime) -> Account:
    emails = list(account.emails)
    phones = list(account.phones)
    known_emails = {e["address"].lower() for e in emails}
    known_phones = {p["number"] for p in phones}
    for row in rows:
        if row.email and row.email.lower() not in known_emails:
            emails.append(_email(row.email, now))
            known_emails.add(row.email.lower())
        if row.phone and row.phone not in known_phones:
            phones.append(_phone(row.phone, now))
            known_phones.add(row.phone)
    last = rows[-1]
    address = dict(last.address, timezone=last.timezone) if last.address else account.address
    return replace(
        account,
        debtor=last.debtor or account.debtor,
        emails=tuple(emails),
        phones=tuple(phones),
        address=address,
        timezone=last.timezone or account.timezone,
    )


def _invoice_changes(
    before: dict[str, Invoice], after: dict[str, Invoice], now: datetime, source: str
) -> list[Activity]:
    """An activity per changed invoice; a drop in balance is an inferred payment (promises and plans count it)."""
    entries = []
    for number, new in after.items():
        old = before.get(number)
        if old is None:
            entries.append(
                Activity(
                    at=now,
                    kind="import",
                    summary=f"invoice {number} added: {new.balance.format()}",
                    data={"source": source},
                )
            )
        elif old.balance != new.balance and old.balance.currency == new.balance.currency:
            paid = old.balance.minor - new.balance.minor
            kind = "payment" if paid > 0 else "import"
            what = f"inferred payment {(old.balance - new.balance).format()}" if paid > 0 else "balance rose"
            entries.append(
                Activity(
                    at=now,
                    kind=kind,
                    summary=f"invoice {number}: {what} (now {new.balance.format()})",
                    data={
                        "source": source,
                        "inferred": True,
                        "amount_minor": max(paid, 0),
                        "currency": new.balance.currency,
                        "invoice": number,
                    },
                )
            )
    return entries


_COMPARED = ("debtor", "emails", "phones", "address", "timezone")
_NONE = Invoice("", Money(0, "XXX"), date.min)


def _same(merged: Account, existing: Account, source: str) -> bool:
    """Nothing a collector would see changed (the invoices' import stamp aside)."""

    def plain(account: Account) -> list[Invoice]:
        return [replace(i, source=None) for i in account.invoices]

    return plain(merged) == plain(existing) and all(
        getattr(merged, name) == getattr(existing, name) for name in _COMPARED
    )


def merge_rows(
    existing: Account | None,
    creditor: str,
    rows: list[ReceivableRow],
    source: str,
    now: datetime,
    kind: tuple[str, str] = ("consumer", "first_party"),
) -> Merge:
    """The account after applying this file's rows for it (same customer id); invoices are upserted by number.

    `kind` (account type, collector role) comes from the file's profile and applies to new accounts.
    """
    first = rows[0]
    base = existing or Account(
        creditor=creditor,
        account_id=first.account_id,
        debtor=first.debtor,
        created_at=now,
        source=source,
        account_type=kind[0],
        collector_role=kind[1],
    )
    invoices = {i.number: i for i in base.invoices}
    before = dict(invoices)
    repeats: list[ReceivableRow] = []
    for row in rows:
        if invoices.get(row.invoice, _NONE).source == source:
            repeats.append(row)  # this file listed the invoice already (a scattered line-item repeat)
            continue
        invoices[row.invoice] = Invoice(
            row.invoice, row.balance, row.due_date, row.invoice_date, row.warnings, source=source
        )
    merged = _contacts(replace(base, invoices=tuple(invoices.values())), rows, now)
    if existing is not None and _same(merged, existing, source):
        return Merge(existing, "unchanged", repeats=repeats)
    open_dues = [i.due_date for i in merged.open_invoices()]
    status = "open" if open_dues else "paid"
    merged = replace(merged, oldest_due=min(open_dues, default=None), status=status)
    merged = replace(merged, priority=priority(merged, now.date()))
    if existing is None:
        return Merge(schedule_next(merged), "new", repeats=repeats)
    if merged.is_open and not existing.is_open:
        merged = replace(merged, dunning_step=0)  # a reopened account starts its cadence again
    if merged.oldest_due != existing.oldest_due or not merged.is_open:
        merged = schedule_next(merged)
    return Merge(merged, "updated", _invoice_changes(before, invoices, now, source), repeats)
