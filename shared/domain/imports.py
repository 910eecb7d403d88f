"""Merging imported receivable rows into accounts: new, updated or unchanged, and what changed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from shared.domain.account_actions import located_again
from shared.domain.accounts import Account, Activity, Invoice
from shared.domain.ledger import Reconciled, reconcile
from shared.domain.money import Money
from shared.domain.receivables import ReceivableRow, RejectedRow
from shared.domain.receivables.bounds import MAX_INVOICES_PER_ACCOUNT
from shared.domain.settings import Settings
from shared.domain.state import recompute


@dataclass
class Merge:
    account: Account
    change: str  # new | updated | unchanged
    activities: list[Activity] = field(default_factory=list)
    repeats: list[ReceivableRow] = field(default_factory=list)  # rows this file had already listed
    listed: tuple[str, ...] = ()  # invoice numbers these rows listed (a snapshot's marker keeps them)
    rejected: list[RejectedRow] = field(default_factory=list)  # new invoices past MAX_INVOICES_PER_ACCOUNT


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
    updated = replace(
        account,
        debtor=last.debtor or account.debtor,
        emails=tuple(emails),
        phones=tuple(phones),
        address=address,
        timezone=last.timezone or account.timezone,
        preferences=_language(account.preferences, rows),
    )
    return located_again(updated)  # a new number in the creditor's export locates a debtor who needed it


def _language(preferences: dict[str, Any], rows: list[ReceivableRow]) -> dict[str, Any]:
    """The language the export names for the debtor, unless a collector set one at the debtor's request (`/collect
    language`): what the debtor asked for outranks the creditor's books."""
    language = next((row.language for row in reversed(rows) if row.language), None)
    asked = "language" in preferences and preferences.get("language_from") != "import"
    if language is None or asked or preferences.get("language") == language:
        return preferences
    return dict(preferences) | {"language": language, "language_from": "import"}


def _invoice_changes(
    before: dict[str, Invoice], after: dict[str, Invoice], now: datetime, source: str
) -> list[Activity]:
    """An activity per invoice the source added or changed (the ledger's entries say what the money was)."""
    entries = []
    for number, new in after.items():
        old = before.get(number)
        if old is None:
            summary = f"invoice {number} added: {new.balance.format()}"
        elif old.balance != new.balance:
            summary = f"invoice {number}: {old.balance.format()} in the creditor's books, now {new.balance.format()}"
        else:
            continue
        data = {
            "source": source,
            "invoice": number,
            "balance_minor": new.balance.minor,
            "currency": new.balance.currency,
        }
        entries.append(Activity(at=now, kind="import", summary=summary, data=data))
    return entries


def ledger_activities(reconciled: Reconciled, now: datetime, source: str) -> list[Activity]:
    """What reconciliation did, in the account's history: payments the import reflected, and payments it showed
    that Arrears had not recorded (paid at the source)."""
    found = [
        Activity(
            at=now,
            kind="ledger",
            summary=f"{e.kind} {e.amount.format()} ref {e.ref} now in the creditor's books",
            data={"entry": e.id, "matched_by": source},
        )
        for e in reconciled.matched
    ]
    inferred = [
        Activity(
            at=now,
            kind="payment",
            summary=f"payment of {e.amount.format()} inferred from the creditor's books",
            data={"entry": e.id, "inferred": True, "amount_minor": e.amount.minor, "currency": e.amount.currency},
        )
        for e in reconciled.inferred
    ]
    return found + inferred


_COMPARED = ("debtor", "emails", "phones", "address", "timezone", "preferences")
_NONE = Invoice("", Money(0, "XXX"), date.min)


def _same(merged: Account, existing: Account) -> bool:
    """Nothing a collector would see changed (the invoices' import stamp aside)."""

    def plain(account: Account) -> list[Invoice]:
        return [replace(i, source=None, as_of=None) for i in account.invoices]

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
    settings: Settings | None = None,
) -> Merge:
    """The account after applying this file's rows for it (same customer id); invoices are upserted by number,
    the ledger reconciled with the new source balances, and everything derived recomputed.

    `kind` (account type, collector role) comes from the file's profile and applies to new accounts.
    """
    settings = settings or Settings()
    first = next((row for row in rows if not row.settled), rows[0])
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
    repeats, rejected = _upsert_invoices(invoices, rows, source, now)
    listed = tuple(dict.fromkeys(row.invoice for row in rows))
    taken = {id(row) for row in rejected}
    kept = [row for row in rows if id(row) not in taken and not row.settled]
    merged = replace(base, invoices=tuple(invoices.values()))
    merged = _contacts(merged, kept, now) if kept else merged
    if existing is not None and _same(merged, existing):
        return Merge(existing, "unchanged", repeats=repeats, listed=listed, rejected=rejected)
    reconciled = reconcile(tuple(before.values()), merged.invoices, base.entries, source, now, settings.match)
    merged = replace(merged, entries=tuple(reconciled.entries))
    owes = any(p.owed > 0 for p in merged.positions.values())
    if existing is not None and owes and not existing.is_open:
        merged = replace(merged, dunning_step=0)  # a reopened account starts its cadence again
    activities = _invoice_changes(before, invoices, now, source) + ledger_activities(reconciled, now, source)
    change = "new" if existing is None else "updated"
    return Merge(recompute(merged, now, settings), change, activities if existing else [], repeats, listed, rejected)


@dataclass(frozen=True)
class ChangeLine:
    """One change an import made that operations look at: a new account, a balance that moved, a payment the
    books showed, an invoice the source closed as paid. Amounts in minor units of `currency`."""

    kind: str  # new_account | balance | inferred_payment | closed_paid
    account: str  # creditor:account_id, as the channel names accounts
    currency: str
    before: int
    after: int
    invoice: str = ""

    @property
    def size(self) -> int:
        return abs(self.after - self.before)


def changes_of(before: Account | None, after: Account) -> list[ChangeLine]:
    """What an import did to one account, as operations read it in the summary and the changes file."""
    ref = f"{after.creditor}:{after.account_id}"
    if before is None:
        return [ChangeLine("new_account", ref, c, 0, p.owed) for c, p in after.positions.items() if p.owed]
    old, new = before.positions, after.positions
    lines = [
        ChangeLine("balance", ref, c, old[c].owed if c in old else 0, new[c].owed if c in new else 0)
        for c in sorted(set(old) | set(new))
        if (old[c].owed if c in old else 0) != (new[c].owed if c in new else 0)
    ]
    held = {i.number: i for i in before.invoices}
    for invoice in after.invoices:
        was = held.get(invoice.number)
        if was is not None and was.balance.minor > 0 and invoice.balance.minor == 0:
            lines.append(ChangeLine("closed_paid", ref, was.balance.currency, was.balance.minor, 0, invoice.number))
    known = {e.id for e in before.entries}
    for entry in after.entries:
        if entry.id not in known and entry.origin == "source":
            lines.append(ChangeLine("inferred_payment", ref, entry.amount.currency, entry.amount.minor, 0))
    return lines


NOTABLE = 10  # changes an import summary names; the changes file holds them all


def notable(lines: list[ChangeLine], settings: Settings, kept: list[list[Any]]) -> list[list[Any]]:
    """The largest changes at or above the creditor's summary threshold (in the reference currency), as the
    import's state keeps them between chunks: [kind, account, currency, before, after, invoice]."""
    rows = kept + [
        [c.kind, c.account, c.currency, c.before, c.after, c.invoice]
        for c in lines
        if settings.reference_value(c.size, c.currency) >= settings.summary_threshold
    ]
    rows.sort(key=lambda r: -settings.reference_value(abs(r[4] - r[3]), r[2]))
    return rows[:NOTABLE]


def past_cap(row: ReceivableRow) -> RejectedRow:
    """The rejection of a new invoice on an account that holds MAX_INVOICES_PER_ACCOUNT already."""
    reason = (
        f"invoice {row.invoice!r}: account {row.account_id!r} already holds {MAX_INVOICES_PER_ACCOUNT} invoices, "
        f"the bound of {MAX_INVOICES_PER_ACCOUNT} invoices per account"
    )
    return RejectedRow(line=row.line, raw=row.raw, reason=reason)


def _upsert_invoices(
    invoices: dict[str, Invoice], rows: list[ReceivableRow], source: str, now: datetime
) -> tuple[list[ReceivableRow], list[RejectedRow]]:
    """Upsert the rows' invoices into `invoices`; (rows this file listed already, new invoices past the cap).

    An account holds at most MAX_INVOICES_PER_ACCOUNT invoices, so its item stays well under DynamoDB's 400 KB:
    the invoices it has are still updated, new ones past the cap are rejected rather than failing the import.
    """
    repeats: list[ReceivableRow] = []
    rejected: list[RejectedRow] = []
    for row in rows:
        held = invoices.get(row.invoice)
        if row.settled:
            # The source says the invoice owes nothing (paid, void, zero): close it if held, never create it.
            if held is not None and held.balance.minor:
                invoices[row.invoice] = replace(held, balance=Money(0, held.balance.currency), source=source, as_of=now)
            continue
        if invoices.get(row.invoice, _NONE).source == source:
            repeats.append(row)  # this file listed the invoice already (a scattered line-item repeat)
        elif row.invoice not in invoices and len(invoices) >= MAX_INVOICES_PER_ACCOUNT:
            rejected.append(past_cap(row))
        else:
            invoices[row.invoice] = Invoice(
                row.invoice, row.balance, row.due_date, row.invoice_date, row.warnings, source=source, as_of=now
            )
    return repeats, rejected
