"""The unsubscribe link of a reminder email on the embedded stack, over HTTP as `arrears serve` serves it."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from local.http_endpoint import SlackHttpEndpoint
from local.runner import LocalRunner, simulated_clock
from local.sample_data import sample_csv
from local.stack import LOCAL_FUNCTION_URL, LOCAL_UNSUBSCRIBE_KEY
from shared.domain.unsubscribe import ONE_CLICK, read_token
from tests.support import http_post

pytestmark = pytest.mark.e2e
IMPORTED_AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def endpoint(runner: LocalRunner) -> Iterator[SlackHttpEndpoint]:
    with SlackHttpEndpoint(runner) as endpoint:
        yield endpoint


def _http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _emails_of(runner: LocalRunner, key: str) -> list[dict[str, Any]]:
    item = runner.stack.client("dynamodb").get_item(
        TableName=runner.stack.table_name, Key={"pk": {"S": f"ACCT#{key}"}, "sk": {"S": "A"}}
    )["Item"]
    emails: list[dict[str, Any]] = json.loads(item["emails"]["S"])
    return emails


def test_reminder_link_opens_a_page_and_its_one_click_opts_out_over_http(
    runner: LocalRunner, endpoint: SlackHttpEndpoint
) -> None:
    # Given the demo export imported and the next day's reminders sent
    with simulated_clock(IMPORTED_AT):
        runner.put_object("incoming/generic/acme/unsubscribe-demo.csv", sample_csv(IMPORTED_AT.date()))
    runner.tick(IMPORTED_AT + timedelta(days=1))
    (message, *_) = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    found = re.search(r"(\S+/u\?t=\S+)", message.body)
    assert found, message.body
    link = urlsplit(found.group(1))
    # the link points at the template's Function URL, which resolves locally to the HTTP endpoint
    assert f"{link.scheme}://{link.netloc}" == LOCAL_FUNCTION_URL
    assert runner.function("RemindersFunction").environment["UNSUBSCRIBE_URL"] == f"{LOCAL_FUNCTION_URL}/"
    assert runner.function("UnsubscribeFunction").url_auth_type == "NONE"
    served = f"{endpoint.base_url}{link.path}?{link.query}"

    # When the debtor opens it in a browser, then the mail client posts the one-click
    with simulated_clock(IMPORTED_AT + timedelta(days=1, hours=2)):
        opened = _http_get(served)
        posted = http_post(served, ONE_CLICK, FORM)

    # Then the page asks (no contact data on it), the post is recorded, and the address is opted out
    assert opened[0] == 200 and 'value="One-Click"' in opened[1] and "@" not in opened[1]
    assert posted[0] == 200 and "You are unsubscribed" in posted[1]
    (address,) = message.destinations["ToAddresses"]
    key = read_token(LOCAL_UNSUBSCRIBE_KEY.encode(), link.query.removeprefix("t="), IMPORTED_AT.date()).account_key
    (entry,) = [e for e in _emails_of(runner, key) if e["address"] == address]
    assert entry["opted_out_at"].startswith("2026-03-03")


def test_altered_link_answers_400_over_http(endpoint: SlackHttpEndpoint) -> None:
    status, page = _http_get(f"{endpoint.base_url}/u?t=YWNtZSNYLTE.bm90LXNpZ25lZA")
    assert status == 400 and "This link does not work" in page and "Traceback" not in page
