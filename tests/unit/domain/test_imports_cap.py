"""The invoices-per-account cap of merge_rows: an account item stays well under DynamoDB's 400 KB."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared.db.account_codec import to_item
from shared.domain.imports import merge_rows
from shared.domain.money import Money
from shared.domain.receivables import ReceivableRow
from shared.domain.receivables.bounds import MAX_INVOICES_PER_ACCOUNT

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def receivable(invoice: str, line: int) -> ReceivableRow:
    return ReceivableRow(
        line=line, account_id="A1", invoice=invoice, debtor="Ann", email=None, phone=None, timezone=None,
        address=None, balance=Money(1000, "USD"), invoice_date=None, due_date=date(2026, 10, 1), warnings=(),
        raw=f"A1,{invoice}",
    )  # fmt: skip


def item_bytes(account: object) -> int:
    """DynamoDB's measure of an item: attribute names plus values (strings as UTF-8)."""
    serialized = to_item(account).serialize()  # type: ignore[arg-type]
    return sum(len(name.encode()) + len(str(next(iter(value.values()))).encode()) for name, value in serialized.items())


def test_merge_rows_past_the_invoice_cap_rejects_new_invoices_naming_the_cap() -> None:
    # Given a file listing 30 more invoices for one account than an account may hold
    rows = [receivable(f"I-{n:05d}", line=n + 2) for n in range(MAX_INVOICES_PER_ACCOUNT + 30)]
    # When merged into a new account
    merge = merge_rows(None, "acme", rows, "incoming/a.csv@1", NOW)
    # Then the account holds the cap, and the 30 rows past it are rejected at their lines, naming the cap
    assert len(merge.account.invoices) == MAX_INVOICES_PER_ACCOUNT
    assert [r.line for r in merge.rejected] == [row.line for row in rows[MAX_INVOICES_PER_ACCOUNT:]]
    assert f"the bound of {MAX_INVOICES_PER_ACCOUNT} invoices per account" in merge.rejected[0].reason
    # And the account item is well under 400 KB
    assert item_bytes(merge.account) < 100_000


def test_merge_rows_at_the_cap_still_updates_the_invoices_it_holds() -> None:
    # Given an account at the cap
    rows = [receivable(f"I-{n:05d}", line=n + 2) for n in range(MAX_INVOICES_PER_ACCOUNT)]
    full = merge_rows(None, "acme", rows, "incoming/a.csv@1", NOW).account
    # When a later file lists one of its invoices with a new balance, and one new invoice
    changed = [receivable("I-00000", line=2), receivable("I-NEW", line=3)]
    changed[0] = ReceivableRow(**{**changed[0].__dict__, "balance": Money(400, "USD")})
    merge = merge_rows(full, "acme", changed, "incoming/b.csv@1", NOW)
    # Then the held invoice is updated and only the new one is rejected
    assert next(i for i in merge.account.invoices if i.number == "I-00000").balance == Money(400, "USD")
    assert [r.line for r in merge.rejected] == [3]
