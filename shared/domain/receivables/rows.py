"""One CSV record to a ReceivableRow or a RejectedRow, and the rule that tells data rows from report rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from shared.domain.errors import InvalidInputError
from shared.domain.money import Money
from shared.domain.receivables.amounts import AmountError, currency_code, parse_amount
from shared.domain.receivables.bounds import MAX_AMOUNT, MAX_CELL_CHARS, field_limit, shown, too_long
from shared.domain.receivables.contacts import (
    build_address,
    clean_email,
    clean_phone,
    derive_timezone,
    read_language,
)
from shared.domain.receivables.dates import DateError, add_days, parse_date, parse_terms
from shared.domain.receivables.header import normalize_name
from shared.domain.receivables.models import NO_DATE, ReceivableRow, RejectedRow
from shared.domain.receivables.profiles import Profile

_GRAND_TOTALS = {"total", "totals", "grandtotal", "reporttotal", "totalreceivables"}
_PAYMENT_TYPE = re.compile(r"pay|pmt|credit|receipt", re.IGNORECASE)
# Documents the creditor owes (bills), and ones not issued yet: skipped, they are nobody's debt to collect.
_PAYABLE_TYPE = re.compile(r"^(accpay|bill|vendor|supplier|purchase|payable|expense)", re.IGNORECASE)
_RECEIVABLE_ACCOUNT = re.compile(r"receivable|debtors|\ba/?r\b|deudores|forderungen|clients", re.IGNORECASE)
_NOT_ISSUED = {"draft", "submitted", "awaitingapproval", "pendingapproval", "notissued"}
# Documents that owe nothing: skipped, and an invoice Arrears holds is closed by them (the source says so).
_NOT_OWED = {
    "paid", "fullypaid", "void", "voided", "deleted", "cancelled", "canceled", "closed", "reversed", "refunded",
    "settled", "writtenoff", "uncollectible",
}  # fmt: skip
_TRUE = {"true", "t", "1", "yes", "y", "x", "deleted"}
# Where the amount owed comes from, in order: the first whose column the layout maps (sign, field).
_AMOUNT_SOURCES: tuple[tuple[tuple[int, str], ...], ...] = (
    ((1, "balance"),),
    ((1, "total"), (-1, "amount_paid")),
    ((1, "debit"), (-1, "credit")),
    ((1, "amount"),),
    ((1, "line_amount"),),
)


class RowError(Exception):
    """A data row cannot be imported; the message is the RejectedRow reason."""


@dataclass(frozen=True)
class RowReader:
    """Reads records under one header: the profile, the field → column map and the header's own cells."""

    profile: Profile
    columns: dict[str, int]
    header: tuple[str, ...]
    width: int

    def cell(self, cells: list[str], name: str) -> str:
        index = self.columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def kind(self, cells: list[str]) -> str:
        """`data`, `total` (grand total), `group` (a customer heading its rows in a report download), or `skip`
        (blank, section, subtotal, footer, repeated header)."""
        filled = [cell.strip() for cell in cells if cell.strip()]
        if not filled:
            return "skip"
        first = normalize_name(filled[0])
        if first.startswith(("total", "grandtotal")) and not self.cell(cells, "invoice"):
            return "total" if first in _GRAND_TOTALS else "skip"
        if first == self.header[0] and tuple(filter(None, map(normalize_name, cells))) == self.header:
            return "skip"
        keyless = not self.cell(cells, "invoice") and not self._amount_text(cells)
        grouped = self.profile.customer_from_group and not {"account_id", "debtor_name"} & self.columns.keys()
        if keyless and len(filled) == 1 and grouped:
            return "group"
        return "skip" if keyless and len(filled) <= 2 else "data"

    def key(self, cells: list[str], group: str = "") -> tuple[str, str] | None:
        """The de-duplication key (account or debtor, invoice), or None when either part is empty."""
        account = self.cell(cells, "account_id") or self.cell(cells, "debtor_name") or group
        invoice = self.cell(cells, "invoice")
        return (account, invoice) if account and invoice else None

    def is_payment(self, cells: list[str]) -> bool:
        if _PAYMENT_TYPE.search(self.cell(cells, "txn_type")):
            return True
        # A ledger row with only a credit is a payment or credit note.
        return "credit" in self.columns and bool(self.cell(cells, "credit")) and not self.cell(cells, "debit")

    def not_owed(self, cells: list[str]) -> tuple[str, bool] | None:
        """Why the row's document is no debt, and whether it closes an invoice Arrears holds; None when owed."""
        account = self.cell(cells, "gl_account")
        if account and not _RECEIVABLE_ACCOUNT.search(account):
            return "ledger line of an account other than receivables", False
        kind = self.cell(cells, "txn_type")
        if kind and _PAYABLE_TYPE.match(normalize_name(kind)):
            return f"type {kind!r}: a bill the creditor owes, not a receivable", False
        status = self.cell(cells, "status")
        if normalize_name(status) in _NOT_ISSUED:
            return f"status {status!r}: not issued yet", False
        if "deleted" in self.columns and _is_deleted(self.cell(cells, "deleted")):
            return "deleted in the source", True
        if normalize_name(status) in _NOT_OWED:
            return f"status {status!r}: nothing owed", True
        return None

    @property
    def sums_rows(self) -> bool:
        """Each row carries part of its invoice (line items, ledger entries): an invoice's rows are summed."""
        return self._amount_fields()[0][1] in ("debit", "amount", "line_amount")

    def _amount_fields(self) -> tuple[tuple[int, str], ...]:
        for source in _AMOUNT_SOURCES:
            if source[0][1] in self.columns:
                return source
        return _AMOUNT_SOURCES[0]

    def _amount_text(self, cells: list[str]) -> str:
        return "".join(self.cell(cells, name) for _, name in self._amount_fields())

    def total_amount(self, cells: list[str]) -> Decimal | None:
        try:
            return parse_amount(self.cell(cells, self._amount_fields()[0][1]), self.profile.decimal_comma)[0]
        except (AmountError, ArithmeticError):
            return None

    def money(self, cells: list[str]) -> Money:
        """What the row owes in its currency: the balance column (or total less paid, debit less credit, the
        signed amount, the line's amount, whichever the layout has); currency from the currency column, a code
        beside the amount, or the default."""
        value, written, shown_as = Decimal(0), None, ""
        sources = self._amount_fields()
        for sign, name in sources:
            text = self.cell(cells, name)
            if not text:
                continue
            try:
                part, code = parse_amount(text, self.profile.decimal_comma)
            except (AmountError, ArithmeticError) as exc:
                raise RowError(f"{name} {text!r} {exc}") from exc
            if abs(part) >= MAX_AMOUNT:
                raise RowError(f"{name} {shown(text)} is above the bound of {MAX_AMOUNT - 1:,} units of its currency")
            value, written, shown_as = value + sign * part, written or code, shown_as or text
        if not shown_as:
            raise RowError(f"{sources[0][1]} is missing")
        currency = self._currency(cells, written)
        try:
            return Money.from_decimal(value, currency)
        except InvalidInputError as exc:
            raise RowError(f"{sources[0][1]} {shown_as!r} has more decimals than {currency} allows") from exc

    def currency_or_none(self, cells: list[str]) -> str | None:
        try:
            return self._currency(cells, None)
        except RowError:
            return None

    def _currency(self, cells: list[str], written: str | None) -> str:
        text = self.cell(cells, "currency") or written or self.profile.default_currency or ""
        if not text:
            raise RowError("currency is missing: add a currency column or set default_currency in the profile")
        try:
            return currency_code(text, written, "balance")
        except InvalidInputError as exc:
            raise RowError(str(exc)) from exc

    def read_date(self, cells: list[str], name: str) -> date | None:
        text = self.cell(cells, name)
        if not text:
            return None
        try:
            return parse_date(text, self.profile.date_order)
        except DateError as exc:
            raise RowError(f"{name} {text!r} {exc}") from exc

    def due(self, cells: list[str], invoice_date: date | None) -> date:
        """The due date, or invoice date + terms (the terms column, else the profile's terms_days)."""
        due = self.read_date(cells, "due_date")
        if due is not None:
            return due
        terms_text = self.cell(cells, "terms")
        try:
            days = parse_terms(terms_text) if terms_text else self.profile.terms_days
        except DateError as exc:
            raise RowError(f"due_date is missing and terms {terms_text!r} {exc}") from exc
        if days is None:
            raise RowError("due_date is missing and there are no terms to derive it (set terms_days)")
        if invoice_date is None:
            raise RowError("due_date is missing and invoice_date is missing, so terms cannot derive it")
        try:
            return add_days(invoice_date, days)
        except DateError as exc:
            raise RowError(f"due_date derived from invoice_date {invoice_date} and {days} days {exc}") from exc

    def check_bounds(self, cells: list[str]) -> None:
        """Refuse a row whose cells are longer than their bounds, before any of them is read."""
        for index, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                raise RowError(too_long(f"column {index + 1}", len(cell), MAX_CELL_CHARS))
        for name in self.columns:
            text = self.cell(cells, name)
            if len(text) > field_limit(name):
                raise RowError(too_long(name, len(text), field_limit(name)))


def _is_deleted(text: str) -> bool:
    """A soft-delete flag (`true`, `1`, `yes`) or a deletion time (`deleted_at` set) says the row is deleted."""
    lowered = text.strip().lower()
    return lowered in _TRUE or (
        lowered not in ("", "null", "none", "false", "f", "0", "no", "n") and lowered[:1].isdigit()
    )


def build_row(reader: RowReader, line: int, raw: str, cells: list[str], group: str = "") -> ReceivableRow | RejectedRow:
    """Every reason a data row can fail becomes a RejectedRow; contact problems only warn. A row that owes
    nothing (zero balance) comes back `settled`."""
    try:
        row = _build(reader, line, raw, cells, group)
    except RowError as exc:
        return RejectedRow(line=line, raw=raw, reason=str(exc))
    return settle(row, "zero balance: nothing owed") if row.balance.minor == 0 else row


def settle(row: ReceivableRow, reason: str) -> ReceivableRow:
    return replace(row, settled=reason)


def settled_row(
    reader: RowReader, line: int, raw: str, cells: list[str], reason: str, group: str = ""
) -> ReceivableRow:
    """A document that owes nothing (paid, void, deleted): only its account and invoice matter, to close the
    invoice if Arrears holds it, so its other cells are not checked."""
    account = reader.cell(cells, "account_id") or reader.cell(cells, "debtor_name") or group
    currency = reader.currency_or_none(cells) or "XXX"
    return ReceivableRow(
        line=line, account_id=account, invoice=reader.cell(cells, "invoice"), debtor=account, email=None,
        phone=None, timezone=None, address=None, balance=Money(0, currency), invoice_date=None, due_date=NO_DATE,
        warnings=(), raw=raw, settled=reason,
    )  # fmt: skip


def _build(reader: RowReader, line: int, raw: str, cells: list[str], group: str) -> ReceivableRow:
    if any(cell.strip() for cell in cells[reader.width :]):
        width = reader.width
        raise RowError(f"row has {len(cells)} fields but the header has {width}: is a separator unquoted?")
    reader.check_bounds(cells)
    invoice = reader.cell(cells, "invoice")
    account, debtor = reader.cell(cells, "account_id"), reader.cell(cells, "debtor_name") or group
    if not invoice:
        raise RowError("invoice is missing")
    if not account and not debtor:
        raise RowError("account_id and debtor_name are both missing")
    balance = reader.money(cells)
    invoice_date = reader.read_date(cells, "invoice_date")
    due_date = reader.due(cells, invoice_date)
    warnings: list[str] = []
    if invoice_date and due_date < invoice_date:
        warnings.append(f"due_date {due_date} is before invoice_date {invoice_date}")
    if balance.minor < 0:
        warnings.append("balance is negative (a credit): nothing to collect")
    email, phone, address, contact_warnings = _contacts(reader, cells)
    language, language_warnings = read_language(reader.cell(cells, "language"))
    return ReceivableRow(
        line=line, account_id=account or debtor, invoice=invoice, debtor=debtor or account,
        email=email, phone=phone, timezone=derive_timezone(address, phone), address=address,
        balance=balance, invoice_date=invoice_date, due_date=due_date,
        warnings=(*warnings, *contact_warnings, *language_warnings), raw=raw, language=language,
    )  # fmt: skip


def _contacts(reader: RowReader, cells: list[str]) -> tuple[str | None, str | None, dict[str, str] | None, list[str]]:
    email, email_warnings = clean_email(reader.cell(cells, "email"))
    phone, phone_warnings = clean_phone(reader.cell(cells, "phone"), reader.profile.default_region)
    parts = {"line1": "address1", "city": "city", "state": "state", "postal_code": "postal_code",
             "country": "country"}  # fmt: skip
    address = build_address({key: reader.cell(cells, name) for key, name in parts.items()})
    return email, phone, address, [*email_warnings, *phone_warnings]
