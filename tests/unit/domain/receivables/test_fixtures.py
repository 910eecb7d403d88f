"""Each fixture export parses to exactly the expected accounts, balances, dates and rejections."""

from __future__ import annotations

from datetime import date

import pytest

from tests.unit.domain.receivables.support import fixture_bytes, fixture_profile, parse_bytes

# (line, account_id, invoice, minor, currency, due_date, timezone)
Expected = tuple[int, str, str, int, str, date, str | None]

QUICKBOOKS: list[Expected] = [
    (7, "Amy's Bird Sanctuary", "1001", 125000, "USD", date(2026, 4, 1), None),
    (8, "Bill's Windsurf Shop", "1004", 8500, "USD", date(2026, 4, 19), None),
    (11, "Cool Cars", "1019", 236952, "USD", date(2026, 6, 9), None),
    (14, "Dukes Basketball Camp", "1027", 46040, "USD", date(2026, 7, 1), None),
    (15, "Dukes Basketball Camp", "1030", -5000, "USD", date(2026, 6, 15), None),
    (18, "Geeta Kalapatapu", "0001042", 62910, "USD", date(2026, 8, 9), None),
]
XERO: list[Expected] = [
    (2, "Bayside Club", "INV-0001", 57500, "NZD", date(2021, 2, 27), "Pacific/Auckland"),
    (4, "Marine Systems", "INV-0002", 70000, "AUD", date(2021, 3, 16), None),
    (5, "City Limousines", "INV-0003", 9950, "GBP", date(2021, 4, 2), "Europe/London"),
]
ZOHO: list[Expected] = [
    (2, "4600000000012345678", "INV-000051", 1180000, "INR", date(2026, 6, 3), "Asia/Kolkata"),
    (4, "4600000000012345679", "INV-000052", 25000, "USD", date(2026, 7, 15), "America/Los_Angeles"),
    (5, "4600000000012345680", "INV-000053", 100000, "EUR", date(2026, 7, 16), "Europe/Berlin"),
]
FRESHBOOKS: list[Expected] = [
    (2, "Ortiz Landscaping, LLC", "0000611365", 150000, "USD", date(2026, 7, 1), "America/Chicago"),
    (3, "Harbor Dental Group", "0000611366", 42000, "USD", date(2026, 6, 10), "America/Los_Angeles"),
    (4, "Pine & Oak Interiors", "0000611367", 98025, "CAD", date(2026, 6, 30), "America/Toronto"),
]
STRIPE: list[Expected] = [
    (2, "cus_QhX1aB2cD3eF4g", "8D3F21A0-0001", 4900, "USD", date(2026, 7, 1), "America/Denver"),
    (3, "cus_QhY2bC3dE4fG5h", "8D3F21A0-0002", 1200, "JPY", date(2026, 7, 5), "Asia/Tokyo"),
    (6, "cus_QhA4dE5fG6hI7j", "8D3F21A0-0005", 1550, "EUR", date(2026, 7, 20), "Europe/Paris"),
]
INVOICENINJA: list[Expected] = [
    (2, "CL-0042", "0042", 30000, "USD", date(2026, 6, 19), "America/New_York"),
    (3, "CL-0043", "0043", 125000, "EUR", date(2026, 7, 2), "Europe/Paris"),
    (4, "CL-0044", "0044", 7500, "EUR", date(2026, 7, 5), "Europe/Berlin"),
]
WAVE: list[Expected] = [
    (2, "CUST-7", "101", 1350, "USD", date(2026, 7, 3), "America/Denver"),
    (3, "CUST-8", "102", 100000, "USD", date(2026, 7, 28), None),
    (4, "CUST-9", "103", 25000, "USD", date(2026, 6, 1), "America/Chicago"),
]
GENERIC: list[Expected] = [
    (2, "00042", "INV-1001", 12500, "USD", date(2026, 5, 31), "America/New_York"),
    (3, "1234567890123456789", "INV-1002", 250000, "USD", date(2026, 7, 1), "America/Chicago"),
    (4, "00043", "INV-1003", 150000, "JPY", date(2026, 7, 3), "Asia/Tokyo"),
    (5, "00044", "INV-1004", 12345, "KWD", date(2026, 7, 4), "Asia/Kuwait"),
]
WINDOWS1252: list[Expected] = [
    (4, "10001", "RE-2026-001", 123456, "EUR", date(2026, 6, 14), "Europe/Berlin"),
    (5, "10002", "RE-2026-002", 8990, "EUR", date(2026, 7, 1), "Europe/Paris"),
    (6, "10003", "RE-2026-003", 45000, "DKK", date(2026, 7, 2), None),
]
TAB: list[Expected] = [
    (2, "T-1", "INV-501", 31000, "USD", date(2026, 7, 1), "America/Los_Angeles"),
    (4, "T-2", "INV-502", 4510, "USD", date(2026, 7, 2), "America/Boise"),
]
LEDGER: list[Expected] = [
    (2, "C-100", "INV-1", 25000, "USD", date(2026, 5, 1), None),
    (8, "C-100", "INV-2", 10000, "USD", date(2026, 6, 2), None),
]
LINE_ITEMS: list[Expected] = [
    (2, "A1", "INV-1", 30000, "USD", date(2026, 7, 1), None),
    (5, "A2", "INV-1", 8000, "USD", date(2026, 7, 3), None),
    (6, "A1", "INV-2", 4500, "USD", date(2026, 7, 5), None),
]
BAD_ROWS_ACCEPTED: list[Expected] = [
    (2, "B1", "G-1", 10000, "USD", date(2026, 7, 1), None),
    (16, "B12", "G-12", 1000, "USD", date(2026, 7, 1), None),
    (21, "B17", "G-17", 1000, "USD", date(2026, 7, 1), None),
    (22, "B18", "G-18", 1000, "USD", date(2026, 7, 1), None),
    (23, "B19", "G-19", 1000, "USD", date(2026, 5, 1), None),
    (25, "B20", "G-20", -25000, "USD", date(2026, 7, 1), None),
]
BAD_ROWS_REJECTED = [
    (3, "invoice is missing"),
    (4, "account_id and debtor_name are both missing"),
    (5, "balance 'abc' is not an amount"),
    (6, "balance '1,00' is not an amount"),
    (7, "balance is missing"),
    (8, "currency 'US$' is not a three-letter ISO 4217 code"),
    (9, "currency is missing"),
    (11, "due_date '29/3/2019' is ambiguous: declare date_order DMY or MDY in the profile"),  # a stray format
    (12, "due_date '2026-02-30' is not a valid date"),
    (13, "due_date is missing and there are no terms"),
    (17, "terms 'whenever' is not payment terms"),
    (18, "balance '12.345' has more decimals than USD allows"),
    (19, "row has 11 fields but the header has 10: is a separator unquoted?"),
    (20, "a quoted field opened on this line is never closed (within 100 lines and 65,536 characters)"),
]

CASES = [
    # (fixture, profile mapping file or None, profile detected, accepted, skipped, duplicates, rejected lines)
    ("quickbooks_ar_aging_detail.csv", None, "quickbooks", QUICKBOOKS, 13, 0, []),
    ("xero_aged_receivables.csv", None, "xero", XERO, 0, 1, []),
    ("zoho_invoices.csv", None, "zoho", ZOHO, 0, 1, []),
    ("freshbooks_ar.csv", None, "freshbooks", FRESHBOOKS, 0, 0, []),
    ("stripe_invoices.csv", None, "stripe", STRIPE, 1, 0, [5]),
    ("invoiceninja_invoices.csv", None, "invoiceninja", INVOICENINJA, 0, 0, []),
    ("wave_ar.csv", None, "wave", WAVE, 0, 0, []),
    ("generic.csv", None, "generic", GENERIC, 0, 0, []),
    ("windows1252_semicolon.csv", "windows1252_semicolon.yaml", "de-erp", WINDOWS1252, 0, 0, []),
    ("tab_delimited.csv", None, "generic", TAB, 0, 0, []),
    ("ledger.csv", "ledger.json", "ledger", LEDGER, 1, 4, [7]),
    ("line_items.csv", None, "generic", LINE_ITEMS, 0, 3, []),
    ("bad_rows.csv", None, "generic", BAD_ROWS_ACCEPTED, 4, 1, [line for line, _ in BAD_ROWS_REJECTED]),
]


@pytest.mark.parametrize(
    ("fixture", "mapping", "profile", "expected", "skipped", "duplicates", "rejected_lines"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_parser_fixture_export_yields_exact_rows(
    fixture: str,
    mapping: str | None,
    profile: str,
    expected: list[Expected],
    skipped: int,
    duplicates: int,
    rejected_lines: list[int],
) -> None:
    # Given a realistic export (and its custom mapping, when the layout is not built in)
    data = fixture_bytes(fixture)
    chosen = fixture_profile(mapping) if mapping else None
    # When it is parsed
    accepted, rejected, parser = parse_bytes(data, chosen)
    # Then every account, invoice, balance, due date and zone is exactly as written, and the counts add up
    got = [
        (r.line, r.account_id, r.invoice, r.balance.minor, r.balance.currency, r.due_date, r.timezone) for r in accepted
    ]
    assert got == expected
    assert [row.line for row in rejected] == rejected_lines
    report = parser.report
    assert report.profile == profile
    assert (report.rows_skipped, report.duplicates) == (skipped, duplicates)
    assert report.accepted + report.rejected == report.rows_read == len(expected) + len(rejected_lines)
    totals: dict[str, int] = {}
    for _, _, _, minor, currency, _, _ in expected:
        totals[currency] = totals.get(currency, 0) + minor
    assert report.totals == totals


def test_parser_bad_rows_fixture_reasons_name_the_field() -> None:
    # Given the file with a bad row of every kind
    data = fixture_bytes("bad_rows.csv")
    # When it is parsed
    _, rejected, _ = parse_bytes(data)
    # Then each rejection says what is wrong with which field
    assert len(rejected) == len(BAD_ROWS_REJECTED)
    for row, (line, reason) in zip(rejected, BAD_ROWS_REJECTED, strict=True):
        assert row.line == line
        assert reason in row.reason
        assert row.raw


def test_parser_bad_rows_fixture_contact_problems_only_warn() -> None:
    # Given rows with an invalid email, an invalid phone and a due date before the invoice date
    data = fixture_bytes("bad_rows.csv")
    # When parsed
    accepted, _, _ = parse_bytes(data)
    by_invoice = {row.invoice: row for row in accepted}
    # Then the rows import, the bad fields are dropped and each problem is a row warning
    assert by_invoice["G-17"].email is None
    assert "email 'not-an-email' is not a valid address" in by_invoice["G-17"].warnings[0]
    assert by_invoice["G-18"].phone is None
    assert "phone '12345'" in by_invoice["G-18"].warnings[0]
    assert by_invoice["G-19"].warnings == ("due_date 2026-05-01 is before invoice_date 2026-06-01",)
    assert by_invoice["G-20"].warnings == ("balance is negative (a credit): nothing to collect",)


def test_parser_xero_fixture_invalid_email_dropped_and_lowercased() -> None:
    # Given the Xero export with a mixed-case and an invalid email
    accepted, _, _ = parse_bytes(fixture_bytes("xero_aged_receivables.csv"))
    # When / Then the valid one is normalised to lower case, the invalid one dropped with a warning
    assert accepted[0].email == "accounts@baysideclub.co.nz"
    assert accepted[0].address == {
        "line1": "PO Box 3354", "city": "Auckland", "postal_code": "1140", "country": "New Zealand",
    }  # fmt: skip
    assert accepted[1].email is None
    assert accepted[1].warnings


def test_parser_freshbooks_fixture_phones_are_e164() -> None:
    # Given the FreshBooks export with national US and international numbers
    accepted, _, _ = parse_bytes(fixture_bytes("freshbooks_ar.csv"))
    # Then every phone is E.164
    assert [row.phone for row in accepted] == ["+15125550147", "+12065550188", "+14165550199"]


def test_parser_quickbooks_fixture_reports_header_and_encoding() -> None:
    # Given the QuickBooks A/R Aging Detail export with a preamble and an empty first header column
    _, _, parser = parse_bytes(fixture_bytes("quickbooks_ar_aging_detail.csv"))
    # Then the header is found on line 5 and the matching grand total raises no warning
    report = parser.report
    assert (report.header_line, report.delimiter, report.encoding) == (5, ",", "utf-8")
    assert "quickbooks" in report.profile_reason
    assert report.warnings == []


def test_parser_windows1252_fixture_decodes_names() -> None:
    # Given a Windows-1252, CRLF, semicolon, decimal-comma file without a final newline
    data = fixture_bytes("windows1252_semicolon.csv")
    assert not data.endswith(b"\n") and b"\r\n" in data
    # When parsed with its mapping
    accepted, _, parser = parse_bytes(data, fixture_profile("windows1252_semicolon.yaml"))
    # Then accented names survive and the report names the codec and delimiter
    assert [row.debtor for row in accepted] == ["Müller GmbH", "Café Crème SARL", "Søren Ærø ApS"]
    assert (parser.report.encoding, parser.report.delimiter) == ("cp1252", ";")


def test_parser_tab_fixture_multiline_address_keeps_line_numbers() -> None:
    # Given a BOM, tab-delimited file whose first row has an address spanning two lines
    accepted, _, parser = parse_bytes(fixture_bytes("tab_delimited.csv"))
    # Then the address keeps its newline and the next row's line number counts both lines
    assert accepted[0].address is not None
    assert accepted[0].address["line1"] == "Suite 5\nBuilding B"
    assert accepted[1].line == 4
    assert parser.report.encoding == "utf-8-sig"


def test_report_download_takes_each_customer_from_its_group_row() -> None:
    # Given an Open Invoices report: title lines, a customer's name alone above their rows, a payment applied to
    # no invoice inside a group, Total rows per customer and for the report
    data = fixture_bytes("quickbooks_open_invoices.csv")
    # When it is read (detected as the QuickBooks layout)
    accepted, rejected, parser = parse_bytes(data)
    # Then each invoice belongs to the customer of its group, with its open balance and due date
    got = [(r.debtor, r.invoice, r.balance.minor, r.due_date) for r in accepted]
    assert got == [
        ("Amy's Bird Sanctuary", "1001", 125000, date(2026, 11, 1)),
        ("Cool Cars", "1019", 136952, date(2026, 10, 10)),
        ("Cool Cars", "1033", 50000, date(2026, 11, 30)),
        ("Cool Cars", "1034", -2500, date(2026, 11, 16)),
        ("Geeta Kalapatapu", "0001042", 62910, date(2026, 12, 20)),
    ]
    report = parser.report
    assert (report.profile, rejected, report.totals) == ("quickbooks", [], {"USD": 372362})
    # And the unapplied payment is counted with its reason, as are the group, total and title lines
    assert report.not_owed == {"payment or credit applied to no invoice": 1}
    assert report.rows_skipped == 1 + 3 + 4  # the payment, 3 group rows, 3 customer totals and the TOTAL
    assert "differs from the accepted rows" in report.warnings[0]  # the report total counts the payment
