"""Contacts: email syntax, E.164 phones and the debtor's time zone from address or phone."""

from __future__ import annotations

import pytest

from shared.domain.receivables.contacts import clean_email, clean_phone, derive_timezone, read_language
from shared.domain.receivables.timezones import _STATES, zone_for_address, zone_for_phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ap@acme.com", "ap@acme.com"), ("AP@Acme.COM", "ap@acme.com"), ("a.b+c@mail.co.uk", "a.b+c@mail.co.uk"),
     ("first@x.com; second@y.com", "first@x.com"), ("", None)],
)  # fmt: skip
def test_clean_email_valid_address_is_kept(text: str, expected: str | None) -> None:
    # Given an email cell / When cleaned / Then the (first) address is kept
    assert clean_email(text)[0] == expected


@pytest.mark.parametrize("text", ["accounts@", "no-at-sign", "a@b", "a..b@x.com", "a@-x.com", "a b@x.com"])
def test_clean_email_invalid_address_dropped_with_warning(text: str) -> None:
    # Given an invalid email / When cleaned / Then it is dropped and a warning names it
    email, warnings = clean_email(text)
    assert email is None
    assert warnings


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [("(415) 555-2671", "US", "+14155552671"), ("+44 20 7946 0958", "US", "+442079460958"),
     ("030 901820", "DE", "+4930901820")],
)  # fmt: skip
def test_clean_phone_valid_number_gives_e164(text: str, region: str, expected: str) -> None:
    # Given a phone as written in the export / When cleaned / Then it is E.164
    assert clean_phone(text, region) == (expected, [])


@pytest.mark.parametrize(("text", "region"), [("12345", "US"), ("call me", "US"), ("(415) 555-2671", None)])
def test_clean_phone_invalid_number_dropped_with_warning(text: str, region: str | None) -> None:
    # Given an unusable phone / When cleaned / Then it is dropped with a warning
    phone, warnings = clean_phone(text, region)
    assert phone is None
    assert warnings


def test_state_table_covers_fifty_states_and_dc() -> None:
    # Given / When / Then the table has every state plus DC, each with an IANA zone
    assert len(_STATES) == 51
    assert all("/" in zone for _, zone in _STATES.values())


@pytest.mark.parametrize(
    ("state", "country", "expected"),
    [("TX", "", "America/Chicago"), ("California", "USA", "America/Los_Angeles"), ("az", "US", "America/Phoenix"),
     ("", "Germany", "Europe/Berlin"), ("", "GB", "Europe/London"), ("ON", "Canada", None), ("", "Australia", None),
     ("WA", "Australia", None)],
)  # fmt: skip
def test_zone_for_address_state_or_single_zone_country(state: str, country: str, expected: str | None) -> None:
    # Given an address / When its zone is derived / Then a state or single-zone country decides it
    assert zone_for_address(state, country) == expected


def test_derive_timezone_falls_back_to_phone() -> None:
    # Given an address in a multi-zone country and a Toronto number
    address = {"city": "Toronto", "country": "Canada"}
    # When / Then the phone's zone is used; with neither, None
    assert derive_timezone(address, "+14165550199") == "America/Toronto"
    assert derive_timezone(None, None) is None


def test_zone_for_phone_unknown_zone_is_none() -> None:
    # Given a non-geographic number (a toll-free line) / When / Then Etc/Unknown is dropped
    assert zone_for_phone("+18005550199") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("es", "es"), ("ES", "es"), ("es-MX", "es"), ("es_419", "es"), ("Spanish", "es"), ("Español", "es"),
     ("espanol", "es"), ("en", "en"), ("en-US", "en"), ("English", "en"), ("inglés", "en"), (" english ", "en")],
)  # fmt: skip
def test_read_language_codes_and_names_in_english_or_spanish(text: str, expected: str) -> None:
    # Given the language column of an export, When it is read, Then it is the code reminders and letters use
    assert read_language(text) == (expected, [])


@pytest.mark.parametrize("text", ["French", "fr-CA", "xx", "Klingon", "1"])
def test_read_language_another_language_dropped_with_warning(text: str) -> None:
    # Given a language Arrears does not write in, When it is read, Then it is dropped and the row says why
    language, warnings = read_language(text)
    assert language is None
    assert warnings == [f"language {text!r} is not one Arrears writes in (en, es); the field was dropped"]


def test_read_language_empty_cell_is_no_language() -> None:
    assert read_language("  ") == (None, [])
