"""The unsubscribe link on the in-memory store: GET asks, a one-click POST opts the address out (once), a bad or
expired link is refused; the page shows no contact data."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from functions.unsubscribe.logic import answer_link
from functions.unsubscribe.models import UnsubscribeRequest, read_request
from local.events import function_url_event
from shared.domain.errors import InvalidInputError
from shared.domain.unsubscribe import ONE_CLICK, BadTokenError, make_token
from shared.reminders.run import _targets
from tests.factories import account, email
from tests.fakes import InMemoryAccounts

KEY = b"k" * 32
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def _debtor():  # two addresses: only the one the link names is opted out
    return replace(account("C-1"), emails=(email("c-1@example.com"), email("pat@example.org")))


def _token(address: str = "c-1@example.com", key: bytes = KEY) -> str:
    return make_token(key, _debtor().key, address, NOW.date())


def test_answer_link_get_asks_and_changes_nothing() -> None:
    # Given a valid link, When a browser (or a mail scanner) opens it
    store = InMemoryAccounts.holding(_debtor())
    page = answer_link(UnsubscribeRequest("GET", _token(), False), KEY, store, NOW)

    # Then it shows the confirm button posting the one-click to the same link, and nothing is written
    assert page.status == 200 and page.confirm_token == _token()
    html = page.response()["body"]
    assert 'method="post"' in html and 'name="List-Unsubscribe" value="One-Click"' in html
    assert "@" not in html  # no address on the page
    assert store.writes == 0


def test_answer_link_one_click_post_opts_the_address_out_once() -> None:
    # Given a valid link to one of the account's two addresses
    store = InMemoryAccounts.holding(_debtor())
    request = UnsubscribeRequest("POST", _token(), True)

    # When the mail client posts the one-click unsubscribe, twice (a retry)
    first = answer_link(request, KEY, store, NOW)
    writes = store.writes
    answer_link(request, KEY, store, NOW + timedelta(minutes=1))

    # Then that address is opted out as a complaint is, with one history entry, and the other still gets email
    stored = store.get(_debtor().key)
    assert first.status == 200 and first.title == "You are unsubscribed"
    assert stored.emails[0]["opted_out_at"] == "2026-11-23T18:00:00Z"
    assert stored.emails[0]["opt_out_reason"] == "unsubscribe link"
    assert _targets(stored, ("email",)) == [("email", "pat@example.org")]
    (entry,) = store.activities[_debtor().key]
    assert (entry.kind, entry.actor) == ("status", "unsubscribe")
    assert entry.summary == "email c-1@example.com unsubscribed by its link: opted out of email"
    assert writes == store.writes == 1


def test_answer_link_for_an_address_the_account_no_longer_has_writes_nothing() -> None:
    store = InMemoryAccounts.holding(_debtor())
    page = answer_link(UnsubscribeRequest("POST", _token("gone@example.com"), True), KEY, store, NOW)
    assert page.status == 200 and store.writes == 0


def test_answer_link_for_an_account_gone_is_done() -> None:
    # Given the account removed by retention, When its link is posted, Then there is nothing left to stop
    page = answer_link(UnsubscribeRequest("POST", _token(), True), KEY, InMemoryAccounts(), NOW)
    assert page.status == 200


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (UnsubscribeRequest("POST", _token(key=b"o" * 32), True), BadTokenError),
        (UnsubscribeRequest("GET", _token()[:-4], False), BadTokenError),
        (UnsubscribeRequest("POST", _token(), False), InvalidInputError),  # a POST that is not the one-click
        (UnsubscribeRequest("DELETE", _token(), True), InvalidInputError),
    ],
)
def test_answer_link_refuses_bad_tokens_and_other_requests(request_: UnsubscribeRequest, error: type) -> None:
    store = InMemoryAccounts.holding(_debtor())
    with pytest.raises(error):
        answer_link(request_, KEY, store, NOW)
    assert store.writes == 0


def test_answer_link_expired_is_refused() -> None:
    with pytest.raises(BadTokenError, match="expired"):
        answer_link(UnsubscribeRequest("GET", _token(), False), KEY, InMemoryAccounts(), NOW + timedelta(days=401))


def test_read_request_takes_the_token_from_the_query_and_the_one_click_from_the_body() -> None:
    # Given RFC 8058's one-click POST as a Function URL delivers it (form body, base64)
    event = function_url_event(ONE_CLICK, {"Content-Type": "application/x-www-form-urlencoded"}, query="t=abc.def")

    # When it is read, Then the method, the token and the one-click are found
    assert read_request(event) == UnsubscribeRequest("POST", "abc.def", True)
    assert read_request(event | {"body": ONE_CLICK, "isBase64Encoded": False}).one_click


def test_read_request_takes_the_one_click_from_a_multipart_body_as_rfc_8058_prefers() -> None:
    # Given the one-click POST as multipart/form-data (what RFC 8058 says a mail provider SHOULD send)
    body = '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n'
    event = function_url_event(body, {"Content-Type": "multipart/form-data; boundary=b"}, query="t=abc.def")
    # When it is read, Then it is the one-click unsubscribe; an empty POST is not
    assert read_request(event).one_click
    assert not read_request(function_url_event("", {}, query="t=abc.def")).one_click


@pytest.mark.parametrize(
    "event",
    [
        None,
        {"rawQueryString": "t=x"},  # no requestContext
        function_url_event("", {}, query=""),  # no token
        function_url_event("", {}, query="t=x") | {"body": "%%%", "isBase64Encoded": True},  # bad base64
        function_url_event("", {}, query="t=x") | {"body": base64.b64encode(b"\xff").decode()},  # not UTF-8
    ],
)
def test_read_request_malformed_is_invalid_input(event: object) -> None:
    with pytest.raises(InvalidInputError):
        read_request(event)
