"""What the parser yields (accepted and rejected rows) and the report it keeps while parsing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shared.domain.money import Money


@dataclass(frozen=True)
class ReceivableRow:
    """One open invoice read from the file; `line` is the 1-based physical line where its record starts."""

    line: int
    account_id: str
    invoice: str
    debtor: str
    email: str | None
    phone: str | None
    timezone: str | None
    address: dict[str, str] | None
    balance: Money
    invoice_date: date | None
    due_date: date
    warnings: tuple[str, ...]
    raw: str
    settled: str | None = None  # why the row owes nothing (paid, void, zero): it closes the invoice if held
    language: str | None = None  # the language the export says to write to the debtor in (en, es)


NO_DATE = date(1900, 1, 1)  # a settled row's due date, never read


@dataclass(frozen=True)
class RejectedRow:
    """A data row that could not be imported, with a reason that names the field."""

    line: int
    raw: str
    reason: str


@dataclass
class ParseReport:
    """Counts and facts about one parse; `accepted + rejected == rows_read` always holds.

    `duplicates` counts repeated (account, invoice) rows folded into the first (line-item exports) and, for
    ledger profiles, payment/credit rows netted into their invoice; `rows_skipped` counts non-data rows and the
    rows that owe nothing (`not_owed` says why: paid, void, bills, drafts, zero balances).
    """

    profile: str = ""
    profile_reason: str = ""
    encoding: str = ""
    delimiter: str = ""
    header_line: int = 0
    rows_read: int = 0
    rows_skipped: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    not_owed: dict[str, int] = field(default_factory=dict)  # skipped rows that owe nothing, by reason
    totals: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
