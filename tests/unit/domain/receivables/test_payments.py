"""Reading payments files: told apart from receivables by the header, every row accounted for."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from shared.domain.receivables import RejectedRow
from shared.domain.receivables.decoding import UnreadableFileError
from shared.domain.receivables.payments import PaymentRow, PaymentsParser, is_payments_file


def lines(text: str) -> list[bytes]:
    return [line.encode() + b"\n" for line in text.strip("\n").split("\n")]


def parse(text: str, forced: bool = False, start_line: int = 0) -> tuple[list, PaymentsParser]:
    parser = PaymentsParser(forced)
    return list(parser.parse(lines(text), start_line)), parser


@pytest.mark.parametrize(
    ("header", "payments"),
    [
        ("Payment Date,Customer ID,Invoice Number,Amount,Reference", True),
        ("Date,Customer,Amount Received,Memo", True),
        ("Fecha de pago,Cliente,Importe,Referencia", True),
        # invoice exports carry a paid amount too, but also what is still owed: those are receivables
        ("Invoice Number,Customer,Due Date,Total,Amount Paid,Balance Due", False),
        ("Customer,Invoice,Date,Amount,Open Balance", False),
        # without a name only payment exports use, a plain list is not taken for payments unasked
        ("Date,Customer ID,Amount,Reference", False),
    ],
)
def test_payments_files_are_told_from_receivables_by_their_header(header, payments):
    assert is_payments_file(lines(f"{header}\n2026-11-02,A1,I-1,10.00,R1")) is payments


def test_rows_become_payments_and_every_other_row_is_skipped_or_rejected_with_its_reason():
    rows, parser = parse(
        """
Received Payments,,,,
Payment Date,Customer ID,Invoice No,Amount Paid,Currency,Status
2026-11-02,00042,INV-7,"1,250.00",usd,Succeeded
2026-11-02,00043,,80.00,EUR,Failed
2026-11-03,00044,INV-9,-15.00,EUR,Succeeded
2026-11-03,,INV-9,15.00,EUR,Succeeded
2026-11-04,00045,INV-10,12.345,XYZ1,Succeeded
Total,,,"1,250.00",,
"""
    )
    payment = rows[0]
    assert isinstance(payment, PaymentRow)
    assert (payment.account_ref, payment.invoice, payment.amount, payment.currency) == (
        "00042", "INV-7", Decimal("1250.00"), "USD",
    )  # fmt: skip
    rejected = [r for r in rows if isinstance(r, RejectedRow)]
    assert [(r.line, r.reason) for r in rejected] == [
        (6, "customer is missing: the row names no customer id or payer"),
        (7, "currency 'XYZ1' is not a three-letter ISO 4217 code"),
    ]
    report = parser.report
    assert (report.header_line, report.rows_read, report.accepted, report.rejected) == (2, 3, 1, 2)
    assert report.not_payments == {
        "status 'Failed': no money received": 1,
        "zero or negative amount: a refund or reversal, not a payment received": 1,
    }
    assert report.rows_skipped == 3  # the failed and negative rows, and the total line


def test_a_date_whose_day_and_month_order_is_unproven_stays_as_written():
    rows, _ = parse("Payment Date,Customer,Amount\n03/04/2026,Ann,10.00\n04/05/2026,Bo,12.00")
    assert [r.paid_on for r in rows] == ["03/04/2026", "04/05/2026"]
    rows, _ = parse("Payment Date,Customer,Amount\n31/04/2026,Ann,10.00")  # day first proven, but no 31 April
    assert isinstance(rows[0], RejectedRow) and rows[0].reason.startswith("paid_on '31/04/2026'")


def test_a_payment_without_a_reference_gets_the_same_one_in_any_re_export():
    text = "Payment Date,Customer,Amount\n2026-11-02,Ann,10.00\n2026-11-02,Ann,10.00\n2026-11-03,Bo,5.00"
    first, _ = parse(text)
    head, *rest = text.split("\n")
    again, _ = parse("\n".join([head, *reversed(rest)]))
    assert sorted(r.reference for r in first) == sorted(r.reference for r in again)
    assert len({r.reference for r in first}) == 3  # two equal payments are two payments


def test_resuming_after_a_checkpoint_yields_only_the_rows_after_it_with_the_same_references():
    text = "Payment Date,Customer,Amount\n2026-11-02,Ann,10.00\n2026-11-02,Ann,10.00\n2026-11-03,Bo,5.00"
    whole, _ = parse(text)
    rest, parser = parse(text, start_line=2)
    assert [r.reference for r in rest] == [r.reference for r in whole[1:]]
    assert parser.report.rows_read == 2


def test_a_file_forced_into_payments_needs_only_date_amount_and_customer():
    rows, _ = parse("Date,Customer ID,Amount\n2026-11-02,A1,10.00", forced=True)
    assert [r.account_ref for r in rows] == ["A1"]
    with pytest.raises(UnreadableFileError, match="names a payment date, an amount and the customer"):
        parse("When,Who,How much\n2026-11-02,A1,10.00", forced=True)


REAL = Path(__file__).resolve().parents[3] / "fixtures" / "real" / "payments"


@pytest.mark.parametrize(
    ("name", "read", "skipped", "rejected", "totals", "examples"),
    [
        # Stripe dashboard payments export: incomplete attempts are no money; the paid rows name an invoice id
        ("stripe_unified_payments_gbp.csv", 3, 8, 0, {"GBP": "29.97"},
         [(2, "cus_TSE8CDGal0F44M", "in_1SVJfuIFSfYvttlAgggpWMQP", "9.99", "py_3SVJfvIFSfYvttlA0iuerAoB")]),
        # Stripe again: two charges name no customer, so they cannot be applied (rejected, never dropped)
        ("stripe_unified_payments_test.csv", 2, 0, 2, {"USD": "55200.00"},
         [(2, "cus_Uj7SVORHExKvvJ", None, "27600.00", "ch_3TjiqaBSsLxv3bgn2L49YjMc")]),
        # Zoho Books customer payment: the payment number is its reference, the invoice number is named
        ("zoho_books_customer_payment.csv", 1, 0, 0, {"INR": "33487.000"},
         [(2, "2761566000000183009", "INV-26-010", "33487.000", "10")]),
        # Zuora payment table (a warehouse sync): payment_number is the reference, effective_date the day paid
        ("zuora_payment.csv", 5, 0, 0, {"AUD": "654342.72"},
         [(2, "dff38ac0df6edbfb4cb3774f7e21f752", None, "467500", "P-00000085"),
          (3, "dff38ac0df6edbfb4cb3774f7e21f752", None, "9808.26", "P-00000095")]),
        # QuickBooks Online payment table: total_amount and transaction_date, no reference on most rows
        ("quickbooks_payment.csv", 11, 0, 0, {"USD": "165553.72"},
         [(2, "2150", None, "403.25", "file:2150:2019-12-30:403.25#1"),
          (3, "1041", None, "2500", "3317")]),
        # Invoice Ninja v4 payments report: a title above the header says payments; amounts name no currency
        ("invoiceninja_v4_payments.csv", 150, 0, 0, {None: "4317.09"},
         [(5, "Ludwig Krajcik DVM", "1", "13.50", "file:1:10/20/2019:$13.50#1")]),
    ],
)  # fmt: skip
def test_real_payment_exports_read_with_exact_totals(name, read, skipped, rejected, totals, examples):
    data = (REAL / name).read_bytes().splitlines(keepends=True)
    assert is_payments_file(data)  # told apart from receivables with no folder to say so
    parser = PaymentsParser()
    rows = list(parser.parse(data))
    payments = [r for r in rows if isinstance(r, PaymentRow)]
    summed: dict[str | None, Decimal] = {}
    for row in payments:
        summed[row.currency] = summed.get(row.currency, Decimal(0)) + row.amount
    assert {c: str(v) for c, v in summed.items()} == totals
    report = parser.report
    assert (report.accepted, report.rows_skipped, report.rejected) == (read, skipped, rejected)
    by_line = {r.line: r for r in payments}
    for line, who, invoice, amount, reference in examples:
        row = by_line[line]
        assert (row.account_ref, row.invoice, str(row.amount), row.reference) == (who, invoice, amount, reference)


def test_a_payment_line_table_alone_is_no_payments_file():
    # QuickBooks' payment_line links payments to invoices but names neither customer nor date
    assert not is_payments_file((REAL / "quickbooks_payment_line.csv").read_bytes().splitlines(keepends=True))
