"""Profiles: built-in layouts are detected from headers; custom mappings validate and name bad keys."""

from __future__ import annotations

import pytest

from shared.domain.errors import InvalidInputError
from shared.domain.receivables import BUILTIN_PROFILES, get_profile, load_mapping
from shared.domain.receivables.header import find_header, normalize_name


def test_builtin_profiles_all_layouts_present() -> None:
    # Given / When / Then every documented layout is built in
    assert set(BUILTIN_PROFILES) == {
        "generic", "quickbooks", "xero", "zoho", "freshbooks", "stripe", "invoiceninja", "wave",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (",Date,Transaction Type,Num,Customer,Due Date,Past Due,Amount,Open Balance", "quickbooks"),
        ("*ContactName,EmailAddress,*InvoiceNumber,*InvoiceDate,*DueDate,Total,Currency", "xero"),
        ("Invoice Date,Invoice Number,Customer ID,Customer Name,Due Date,Currency Code,Balance", "zoho"),
        ("Client Name,Invoice #,Date Issued,Currency,Outstanding", "freshbooks"),
        ("id,Number,Customer,Customer Email,Amount Due,Amount Remaining,Currency,Due Date (UTC)", "stripe"),
        ("Client Name,Client ID Number,Invoice Number,Invoice Due Date,Invoice Balance", "invoiceninja"),
        ("Invoice Number,Customer,Invoice Date,Payment Due,Currency,Amount Due", "wave"),
        ("account_id,debtor_name,invoice,due_date,balance,currency", "generic"),
    ],
)
def test_find_header_builtin_header_detects_its_profile(header: str, expected: str) -> None:
    # Given a header row of one export
    # When profiles are scored against it
    match = find_header([(1, header)], list(BUILTIN_PROFILES.values()), detect=True)
    # Then that export's profile wins and the reason says why
    assert match is not None
    assert match.profile.name == expected
    assert f"match {expected!r}" in match.reason


def test_normalize_name_ignores_case_space_punctuation_and_star() -> None:
    # Given header spellings that differ only cosmetically / When / Then they normalise alike
    assert normalize_name("*Invoice Number") == normalize_name("invoice_number") == normalize_name("Invoice #")


def test_load_mapping_yaml_builds_profile() -> None:
    # Given a YAML mapping with columns at the top level and under `columns`
    text = """
name: acme
account_id: Cust No
invoice: [Inv, Invoice No]
columns:
  balance: Open Amount
  debtor_name: Name
date_order: DMY
decimal_comma: true
default_currency: eur
default_region: de
terms_days: 30
snapshot: true
"""
    # When loaded
    profile = load_mapping(text, "yaml")
    # Then every option is kept and currencies/regions are normalised
    assert profile.name == "acme"
    assert profile.columns["invoice"] == ("Inv", "Invoice No")
    assert profile.columns["balance"] == ("Open Amount",)
    assert (profile.date_order, profile.decimal_comma, profile.default_currency) == ("DMY", True, "EUR")
    assert (profile.default_region, profile.terms_days, profile.snapshot) == ("DE", 30, True)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('{"invoice": "I", "balance": "B", "account_id": "A", "colour": "red"}', "'colour'"),
        ('{"invoice": "I", "balance": "B", "account_id": "A", "date_order": "DDMM"}', "'date_order'"),
        ('{"invoice": "I", "balance": "B", "account_id": "A", "terms_days": -1}', "'terms_days'"),
        ('{"invoice": "I", "balance": "B", "account_id": "A", "default_currency": "dollars"}', "'default_currency'"),
        ('{"invoice": "I", "balance": "B", "account_id": "A", "default_region": "USA"}', "'default_region'"),
        ('{"invoice": "I", "balance": "B", "account_id": "A", "columns": {"amt": "X"}}', "'columns.amt'"),
        ('{"invoice": "I", "account_id": "A"}', "'balance'"),
        ('{"invoice": "I", "balance": "B"}', "'account_id'"),
    ],
)
def test_load_mapping_bad_key_error_names_it(text: str, key: str) -> None:
    # Given a mapping with one bad key / When loaded / Then the error names that key
    with pytest.raises(InvalidInputError, match=key):
        load_mapping(text, "json")


@pytest.mark.parametrize(("text", "fmt"), [("{not json", "json"), ("- a\n- b", "yaml"), ("x: [", "yaml"),
                                          ("{}", "toml")])  # fmt: skip
def test_load_mapping_unreadable_text_raises_invalid_input(text: str, fmt: str) -> None:
    # Given text that is not a mapping object / When / Then a clear InvalidInputError
    with pytest.raises(InvalidInputError):
        load_mapping(text, fmt)


def test_get_profile_name_any_case_returns_builtin() -> None:
    # Given a folder name in any case / When / Then the built-in profile
    assert get_profile(" QuickBooks ") is BUILTIN_PROFILES["quickbooks"]
