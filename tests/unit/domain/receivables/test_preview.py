"""`arrears check`: the JSON preview object and its human rendering."""

from __future__ import annotations

import json

from shared.domain.receivables import preview, render_preview
from tests.unit.domain.receivables.support import fixture_bytes


def test_preview_stripe_fixture_gives_exact_json_shape() -> None:
    # Given the Stripe fixture
    lines = fixture_bytes("stripe_invoices.csv").splitlines(keepends=True)
    # When previewed
    result = preview(lines, None)
    # Then the object has exactly the documented keys and is JSON-serialisable
    assert set(result) == {"profile", "rows_read", "accepted", "rejected", "totals"}
    assert result["profile"] == "stripe"
    assert result["rows_read"] == 5
    assert result["accepted"][0] == {
        "line": 2, "account_id": "cus_QhX1aB2cD3eF4g", "invoice": "8D3F21A0-0001", "debtor": "Northwind Traders",
        "email": "ap@northwind.example", "phone": "+17205550100", "balance_minor": 4900, "currency": "USD",
        "due_date": "2026-07-01",
    }  # fmt: skip
    assert result["rejected"] == [
        {"line": 5, "reason": "due_date is missing and there are no terms to derive it (set terms_days)"}
    ]
    assert result["totals"] == {"EUR": 1550, "JPY": 1200, "USD": 4900}
    json.dumps(result)


def test_render_preview_lists_summary_rejections_and_rows() -> None:
    # Given a preview of the bad-rows fixture
    result = preview(fixture_bytes("bad_rows.csv").splitlines(keepends=True), None)
    # When rendered for a person
    text = render_preview(result)
    # Then it shows the profile, the counts, the totals, each rejection and the accepted rows
    assert "Profile: generic" in text
    assert "Rows read: 20 (6 accepted, 14 rejected)" in text
    assert "Totals: -USD 110.00" in text
    assert "line 11: due_date '29/3/2019' is ambiguous" in text
    assert "G-12" in text
