"""Unsubscribe tokens: signed over account, address and day; altered, foreign, old or garbage tokens are refused."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import InvalidInputError
from shared.domain.unsubscribe import (
    VALID_FOR,
    BadTokenError,
    UnsubscribeLinks,
    address_digest,
    make_token,
    matching_address,
    read_token,
    signing_key,
)

KEY = b"k" * 32
ISSUED = date(2026, 11, 23)
ACCOUNT = "acme#C-1001"
ADDRESS = "Pat.Doe@Example.com"


def test_read_token_made_by_make_token_names_the_account_address_and_day() -> None:
    # Given a token for an account's address
    token = make_token(KEY, ACCOUNT, ADDRESS, ISSUED)

    # When it is read back a month later
    read = read_token(KEY, token, ISSUED + timedelta(days=30))

    # Then it names the account, the address (by digest, case-insensitively) and the day it was issued
    assert (read.account_key, read.issued) == (ACCOUNT, ISSUED)
    assert matching_address(KEY, ["other@example.com", "pat.doe@example.com"], read.address_digest) == (
        "pat.doe@example.com"
    )


def test_make_token_does_not_carry_the_address_in_clear() -> None:
    # Given a token, When its payload is decoded, Then the address is nowhere in it (only a keyed digest)
    token = make_token(KEY, ACCOUNT, ADDRESS, ISSUED)
    payload = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
    assert ADDRESS.lower() not in payload.lower() and "example" not in payload.lower()
    assert address_digest(KEY, ADDRESS) in payload
    assert address_digest(b"x" * 32, ADDRESS) != address_digest(KEY, ADDRESS)  # not testable without the key


@pytest.mark.parametrize("position", [0, 5, -3, -10])
def test_read_token_tampered_is_refused(position: int) -> None:
    # Given a token with one character changed (in the payload or in the signature; not the last character,
    # whose low bits base64 does not use)
    token = make_token(KEY, ACCOUNT, ADDRESS, ISSUED)
    swapped = "A" if token[position] != "A" else "w"
    tampered = token[:position] + swapped + token[position + 1 :]

    # When it is read, Then it is refused
    with pytest.raises(BadTokenError, match="not valid"):
        read_token(KEY, tampered, ISSUED)


def test_read_token_for_another_account_spliced_onto_a_signature_is_refused() -> None:
    # Given the payload of another account's token joined to this one's signature
    mine, theirs = make_token(KEY, ACCOUNT, ADDRESS, ISSUED), make_token(KEY, "acme#C-2", ADDRESS, ISSUED)
    spliced = theirs.split(".")[0] + "." + mine.split(".")[1]

    # When it is read, Then the signature does not match
    with pytest.raises(BadTokenError):
        read_token(KEY, spliced, ISSUED)


def test_read_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(BadTokenError):
        read_token(KEY, make_token(b"o" * 32, ACCOUNT, ADDRESS, ISSUED), ISSUED)


def test_matching_address_of_another_address_is_none() -> None:
    # Given a token made for one address, When the account holds only another one, Then nothing matches
    digest = read_token(KEY, make_token(KEY, ACCOUNT, ADDRESS, ISSUED), ISSUED).address_digest
    assert matching_address(KEY, ["pat.doe@example.org", "someone@example.com"], digest) is None


@pytest.mark.parametrize(("age", "valid"), [(VALID_FOR.days, True), (VALID_FOR.days + 1, False), (-2, False)])
def test_read_token_older_than_its_validity_or_from_the_future_is_expired(age: int, valid: bool) -> None:
    # Given a token issued `age` days before the day it is read
    token = make_token(KEY, ACCOUNT, ADDRESS, ISSUED)
    today = ISSUED + timedelta(days=age)

    # When it is read, Then it is accepted only within its validity
    if valid:
        assert read_token(KEY, token, today).issued == ISSUED
    else:
        with pytest.raises(BadTokenError, match="expired"):
            read_token(KEY, token, today)


@given(st.text(max_size=200))
def test_read_token_garbage_is_always_bad_token_error(garbage: str) -> None:
    # Given any text as a token, When it is read, Then it is refused with BadTokenError and nothing else
    with pytest.raises(BadTokenError):
        read_token(KEY, garbage, ISSUED)


def test_signing_key_shorter_than_32_bytes_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="32 bytes"):
        signing_key("short")
    assert signing_key("s" * 32) == b"s" * 32


def test_unsubscribe_links_url_puts_the_token_in_the_query_of_u() -> None:
    # Given the endpoint's Function URL (with its trailing slash)
    links = UnsubscribeLinks("https://abc.lambda-url.us-east-1.on.aws/", KEY)

    # When a link is made, Then it is <endpoint>/u?t=<token>, and the token reads back
    url = urlsplit(links.url(ACCOUNT, ADDRESS, ISSUED))
    assert (url.scheme, url.netloc, url.path) == ("https", "abc.lambda-url.us-east-1.on.aws", "/u")
    (token,) = parse_qs(url.query)["t"]
    assert read_token(KEY, token, ISSUED).account_key == ACCOUNT
    assert "kkkk" not in repr(links)  # the key is not in its repr
