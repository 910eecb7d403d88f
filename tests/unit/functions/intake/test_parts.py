"""A part's rows cross SQS as JSON: every field a worker merges comes back as the reader parsed it."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date

from functions.intake.parts import row_from_json, row_json
from shared.domain.money import Money
from shared.domain.receivables import ReceivableRow, RejectedRow


def test_every_field_of_a_parsed_row_survives_the_message():
    # Given a row with every field set (contact data, a settled reason, a language, warnings, non-ASCII text)
    row = ReceivableRow(
        line=4711, account_id="C-9", invoice="F-2026/001", debtor="Zoë Muñoz", email="zoe@example.com",
        phone="+34600111222", timezone="Europe/Madrid", address={"line1": "Calle Mayor 1", "city": "Madrid"},
        balance=Money(123456, "EUR"), invoice_date=date(2026, 9, 1), due_date=date(2026, 10, 1),
        warnings=("phone '600' is not a valid number",), raw='C-9,"Zoë Muñoz",F-2026/001', settled="paid",
        language="es",
    )  # fmt: skip
    assert all(getattr(row, f.name) is not None for f in fields(row))  # the test sets every field
    # When it goes through the message body and back, Then it is the same row
    assert row_from_json(json.loads(json.dumps(row_json(row)))) == row


def test_a_rejected_row_survives_the_message():
    rejected = RejectedRow(line=12, raw="X,,,", reason="invoice is missing")
    assert row_from_json(json.loads(json.dumps(row_json(rejected)))) == rejected


def test_a_row_without_optional_fields_survives_the_message():
    row = ReceivableRow(
        line=2, account_id="A", invoice="I", debtor="A", email=None, phone=None, timezone=None, address=None,
        balance=Money(100, "USD"), invoice_date=None, due_date=date(2026, 1, 1), warnings=(), raw="A,I,1.00",
    )  # fmt: skip
    assert row_from_json(json.loads(json.dumps(row_json(row)))) == row
