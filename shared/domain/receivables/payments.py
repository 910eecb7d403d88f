"""Payments files (remittance and payment exports): who paid, how much, when, for which invoice (pure, streaming).

A payments file is told from a receivables file by its header: a payment date or payment amount column and no
column of what is still owed (balance, amount due, due date). Its rows become PaymentRows, applied through the
account ledger by the importer (functions/intake/payments.py); a row that is no payment (failed, refunded,
zero) is skipped with its reason, and a row that cannot be read is rejected with the field named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice

from shared.domain.errors import InvalidInputError
from shared.domain.money import Money
from shared.domain.receivables.amounts import AmountError, currency_code, parse_amount
from shared.domain.receivables.bounds import MAX_AMOUNT, shown
from shared.domain.receivables.dates import DateError, parse_date
from shared.domain.receivables.decoding import (
    UnreadableFileError,
    decode_lines,
    read_head,
)
from shared.domain.receivables.header import DELIMITERS, split_line
from shared.domain.receivables.infer import date_order
from shared.domain.receivables.models import RejectedRow
from shared.domain.receivables.profiles import normalize_name
from shared.domain.receivables.records import iter_records
from shared.domain.receivables.vocabulary import VOCABULARY

HEAD_LINES = 50
SAMPLE_ROWS = 200  # rows whose dates prove the day/month order
# Names only a payments file uses: one of them (and no column of what is owed) makes a file a payments file.
_PAYMENT_DATE = ("payment date", "date paid", "paid on", "paid date", "paid at", "received date", "date received",
                 "received on", "receipt date", "deposit date", "value date", "zahlungsdatum", "fecha de pago",
                 "fecha pago", "date de paiement", "date paiement", "betaaldatum")  # fmt: skip
_PAYMENT_AMOUNT = ("payment amount", "amount paid", "amount received", "paid amount", "received amount",
                   "payment total", "zahlbetrag", "importe pagado", "montant paye")  # fmt: skip
# Columns that only payment exports have, though they name no field read here (money not yet applied to an
# invoice, a card charge's refunds and declines, a payment's own number).
_PAYMENT_ONLY = ("unapplied amount", "unused amount", "amount refunded", "decline reason", "captured",
                 "payment number", "customerpayment id", "customer payment id", "payment method", "payment mode",
                 "deposit to", "deposit to account")  # fmt: skip
_TITLE = re.compile(r"payment|receipt|remittance|zahlung|pago|paiement|betaling", re.IGNORECASE)
_REFERENCE = ("payment reference", "payment ref", "payment id", "payment number", "payment no", "payment",
              "receipt number", "receipt no", "check number", "cheque number", "check no", "check", "transaction id",
              "transaction reference", "reference number", "reference", "ref", "id", "zahlungsreferenz",
              "referencia de pago", "referencia")  # fmt: skip
_INVOICE = ("invoice number", "invoice no", "invoice num", "invoice", "invoice id", "invoice ref", "applied to",
            "invoice numbers", "doc number", "document number", "factura", "rechnungsnummer", "facture")  # fmt: skip
_DATE = ("effective date", "transaction date", "txn date", "created date utc", "created utc", "created date",
         "created", "date")  # fmt: skip
_AMOUNT = ("amount", "total amount", "amount applied", "applied amount", "payment", "total", "gross", "betrag",
           "importe", "montant", "bedrag")  # fmt: skip
_NAMES: dict[str, tuple[str, ...]] = {
    "paid_on": (*_PAYMENT_DATE, *_DATE),
    "amount": (*_PAYMENT_AMOUNT, *_AMOUNT),
    "reference": _REFERENCE,
    "invoice": _INVOICE,
    "account_id": VOCABULARY["account_id"],
    "payer": VOCABULARY["debtor_name"],
    "currency": VOCABULARY["currency"],
    "status": ("status", "payment status", "state", "estado", "statut"),
    "deleted": VOCABULARY["deleted"],
}
COLUMNS = {name: tuple(dict.fromkeys(map(normalize_name, names))) for name, names in _NAMES.items()}
_MARKS = frozenset(map(normalize_name, _PAYMENT_DATE + _PAYMENT_AMOUNT + _PAYMENT_ONLY))
# Columns of what is still owed: a file that has one is a receivables file, whatever else it holds.
_OWED = frozenset(VOCABULARY["balance"] + VOCABULARY["due_date"]) - frozenset(COLUMNS["amount"])
_TRUE = frozenset({"true", "t", "1", "yes", "y", "x", "deleted"})
_NO_PAYMENT = {"failed", "declined", "refunded", "voided", "void", "cancelled", "canceled", "reversed", "returned",
               "pending", "requirespaymentmethod", "incomplete", "disputed", "chargeback"}  # fmt: skip


@dataclass(frozen=True)
class PaymentRow:
    """One payment read from the file; `reference` is what makes a repeat of it recognisable."""

    line: int
    account_ref: str  # the customer id, else the payer's name (how receivables files key an account without ids)
    invoice: str | None
    amount: Decimal
    currency: str | None  # None: the one currency the account owes
    paid_on: str  # the date as written (a date whose day/month order is unproven is not guessed)
    reference: str
    raw: str


@dataclass
class PaymentsReport:
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    rows_skipped: int = 0
    not_payments: dict[str, int] = field(default_factory=dict)  # skipped rows that are no payment, by reason
    header_line: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Header:
    line: int
    delimiter: str
    columns: dict[str, int]
    cells: list[str]


def _map(cells: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        positions.setdefault(normalize_name(cell), index)
    positions.pop("", None)
    mapped: dict[str, int] = {}
    for name, names in COLUMNS.items():
        found = next((positions[n] for n in names if n in positions and positions[n] not in mapped.values()), None)
        if found is not None:
            mapped[name] = found
    return mapped


def find_payments_header(head: Iterable[tuple[int, str]], forced: bool = False) -> _Header | None:
    """The header of a payments file: amount, date and who paid; unless `forced` (the file sits under
    `incoming/payments/`), also a name only payment exports use (or a report title above it that says payments)
    and no column of what is owed."""
    titled = False
    for number, text in islice(head, HEAD_LINES):
        for delimiter in DELIMITERS:
            cells = split_line(text, delimiter)
            if len(cells) < 3:
                continue
            names = {normalize_name(c) for c in cells}
            columns = _map(cells)
            if not {"amount", "paid_on"} <= columns.keys() or not {"account_id", "payer"} & columns.keys():
                continue
            if forced or ((titled or names & _MARKS) and not names & _OWED):
                return _Header(number, delimiter, columns, cells)
        titled = titled or bool(_TITLE.search(text) and len([c for c in split_line(text, ",") if c.strip()]) <= 2)
    return None


def is_payments_file(lines: Iterable[bytes]) -> bool:
    """Whether the file's first lines are a payments file's header (read without consuming the whole file)."""
    try:
        head = read_head(lines, HEAD_LINES, "empty")[3]
    except UnreadableFileError:
        return False
    return find_payments_header(head) is not None


class PaymentsParser:
    """Stream a payments file's rows as PaymentRows and RejectedRows, in line order, with a running report."""

    def __init__(self, forced: bool = False) -> None:
        self.forced = forced
        self.report = PaymentsReport()

    def parse(self, lines: Iterable[bytes], start_line: int = 0) -> Iterator[PaymentRow | RejectedRow]:
        """Find the header now (UnreadableFileError when there is none), then yield the rows after `start_line`."""
        empty = "the file is empty: it has no header and no payments to apply"
        physical, head_raw, encoding, head = read_head(lines, SAMPLE_ROWS, empty)
        header = find_payments_header(head, self.forced)
        if header is None:
            raise UnreadableFileError(
                f"no header row in the first {HEAD_LINES} lines names a payment date, an amount and the customer "
                "who paid (e.g. `Payment Date,Customer ID,Invoice Number,Amount,Reference`)"
            )
        self.report = PaymentsReport(header_line=header.line)
        rest = chain(
            (item for item in head if item[0] > header.line),
            decode_lines(physical, encoding, len(head_raw) + 1, self.report.warnings.append),
        )
        sample = [split_line(text, header.delimiter) for n, text in head if n > header.line]
        return self._rows(iter_records(rest, header.delimiter), header, _order(sample, header), start_line)

    def _rows(self, records: Iterable, header: _Header, order: str | None, start_line: int) -> Iterator:
        seen: dict[str, int] = {}
        for record in records:
            cells = record.cells
            if record.broken:
                result: PaymentRow | RejectedRow | str | None = RejectedRow(record.line, record.raw, record.reason)
            elif not any(c.strip() for c in cells) or [c.strip() for c in cells] == [c.strip() for c in header.cells]:
                result = None
            else:
                result = self._read(record.line, record.raw, cells, header.columns, order, seen)
            if record.line <= start_line:
                continue
            self._count(result)
            if isinstance(result, PaymentRow | RejectedRow):
                yield result

    def _count(self, result: PaymentRow | RejectedRow | str | None) -> None:
        report = self.report
        if isinstance(result, PaymentRow):
            report.rows_read, report.accepted = report.rows_read + 1, report.accepted + 1
        elif isinstance(result, RejectedRow):
            report.rows_read, report.rejected = report.rows_read + 1, report.rejected + 1
        else:
            report.rows_skipped += 1
            if result:
                report.not_payments[result] = report.not_payments.get(result, 0) + 1

    def _read(
        self, line: int, raw: str, cells: list[str], columns: dict[str, int], order: str | None, seen: dict[str, int]
    ) -> PaymentRow | RejectedRow | str | None:
        """The row's payment; a reason string when the row is no payment; None for a total or blank row."""

        def cell(name: str) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        who = cell("account_id") or cell("payer")
        if not who and normalize_name(next((c for c in cells if c.strip()), "")).startswith("total"):
            return None  # a report's total line
        if normalize_name(cell("status")) in _NO_PAYMENT:
            return f"status {cell('status')!r}: no money received"
        if normalize_name(cell("deleted")) in _TRUE:
            return "deleted in the source"
        try:
            if not who:
                raise InvalidInputError("customer is missing: the row names no customer id or payer")
            amount, currency = _amount(cell("amount"), cell("currency"))
            paid_on = _paid_on(cell("paid_on"), order)
        except InvalidInputError as exc:
            return RejectedRow(line, raw, str(exc))
        if amount <= 0:
            return "zero or negative amount: a refund or reversal, not a payment received"
        invoice = cell("invoice") or None
        reference = cell("reference") or _derived(who, invoice, paid_on, cell("amount"), seen)
        return PaymentRow(line, who, invoice, amount, currency, paid_on, reference, raw)


def _amount(text: str, currency_text: str) -> tuple[Decimal, str | None]:
    if not text:
        raise InvalidInputError("amount is missing")
    try:
        amount, written = parse_amount(text)
    except (AmountError, ArithmeticError) as exc:
        raise InvalidInputError(f"amount {shown(text)} {exc}") from exc
    if abs(amount) >= MAX_AMOUNT:
        raise InvalidInputError(f"amount {shown(text)} is above the bound of {MAX_AMOUNT - 1:,}")
    currency = _currency(currency_text, written)
    if currency is not None:
        Money.from_decimal(amount, currency)  # more decimals than the currency has: the message says so
    return amount, currency


def _paid_on(text: str, order: str | None) -> str:
    """The payment date as written, checked to be a date (one whose day/month order is unproven stays as
    written: it is shown to people, never used to decide money)."""
    if not text:
        raise InvalidInputError("paid_on (the payment date) is missing")
    try:
        parse_date(text, order or "YMD")
    except DateError as exc:
        if order or not _ambiguous(text):
            raise InvalidInputError(f"paid_on {shown(text)} {exc}") from exc
    return text


def _currency(column: str, written: str | None) -> str | None:
    text = column or written
    return currency_code(text, written, "amount") if text else None


def _ambiguous(text: str) -> bool:
    """A numeric date whose day/month order the file does not prove: kept as written, never guessed."""
    parts = text.replace(".", "/").replace("-", "/").split("/")
    return len(parts) == 3 and all(p.strip().isdigit() for p in parts)


def _order(sample: list[list[str]], header: _Header) -> str | None:
    index = header.columns["paid_on"]
    found, _ = date_order([[row[index].strip() for row in sample if index < len(row)]])
    return found


def _derived(who: str, invoice: str | None, paid_on: str, amount: str, seen: dict[str, int]) -> str:
    """A reference for a payment the export gives none: the same rows of a re-export get the same references
    (the n-th identical payment of a file is the n-th again), so a repeat never posts twice."""
    base = f"{who}|{invoice or ''}|{paid_on}|{amount}"
    seen[base] = seen.get(base, 0) + 1
    return f"file:{invoice or who}:{paid_on}:{amount}#{seen[base]}"
