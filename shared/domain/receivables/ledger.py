"""Netting for ledger-style exports: payment and credit rows reduce the balance of the invoice they name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from shared.domain.money import Money
from shared.domain.receivables.models import ReceivableRow, RejectedRow


@dataclass
class _Entry:
    line: int
    raw: str
    row: ReceivableRow | None = None
    payments: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class LedgerBook:
    """Per-invoice accumulation to the end of the file, since a payment may come before or after its invoice.

    Memory grows with the number of distinct invoices (one row and a few integers each), which is why only
    profiles with `ledger: true` use it; every other profile streams row by row.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], _Entry] = {}

    def add_invoice(self, key: tuple[str, str], row: ReceivableRow, sums: bool = False) -> bool:
        """Record the invoice row; False when the key already had one (a repeated line item, whose amount is
        added to the invoice's when `sums`: line items and ledger entries each carry a part)."""
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = _Entry(row.line, row.raw, row)
            return True
        if entry.row is None:
            entry.row = row
        elif sums:
            currency = row.balance.currency
            entry.payments[currency] = entry.payments.get(currency, 0) + row.balance.minor
        return False

    def add_payment(self, key: tuple[str, str], amount: Money, line: int, raw: str) -> bool:
        """Subtract a payment or credit (whatever sign it is written with); True when it opens a new key."""
        entry = self._entries.get(key)
        is_new = entry is None
        if entry is None:
            entry = self._entries[key] = _Entry(line, raw)
        if amount.minor > 0:
            entry.notes.append(f"payment on line {line} was written as positive; it was subtracted")
        entry.payments[amount.currency] = entry.payments.get(amount.currency, 0) - abs(amount.minor)
        return is_new

    def finish(self) -> Iterator[ReceivableRow | RejectedRow]:
        """One result per invoice key, in ascending line order.

        A result's line is its invoice row's (or, with no invoice row, its first payment's), so the order of
        first appearance is not line order when a payment comes before its invoice; the parser merges these
        with the rows it rejected while reading, and resuming after a checkpoint needs one ascending order.
        """
        results = sorted((_net(entry, *key) for key, entry in self._entries.items()), key=lambda r: r.line)
        self._entries.clear()
        yield from results


def _net(entry: _Entry, account: str, invoice: str) -> ReceivableRow | RejectedRow:
    row = entry.row
    if row is None:
        reason = f"payment/credit for invoice {invoice!r} of {account!r} has no invoice row in this file"
        return RejectedRow(line=entry.line, raw=entry.raw, reason=reason)
    other = [currency for currency in entry.payments if currency != row.balance.currency]
    if other:
        reason = f"payments for invoice {invoice!r} are in {other[0]} but the invoice is in {row.balance.currency}"
        return RejectedRow(line=row.line, raw=row.raw, reason=reason)
    net = Money(row.balance.minor + entry.payments.get(row.balance.currency, 0), row.balance.currency)
    notes = [*row.warnings, *entry.notes]
    if net.minor < 0 <= row.balance.minor:
        notes.append("balance is negative after payments (overpaid): nothing to collect")
    settled = "zero balance: nothing owed" if net.minor == 0 else None
    return replace(row, balance=net, warnings=tuple(notes), settled=settled)
