"""The real Slack function behind the local HTTP endpoint, as `arrears serve` runs it: signed HTTP in, replies out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from local.events import sign_slack_request, slash_command_body
from local.http_endpoint import SlackHttpEndpoint
from local.runner import LocalRunner
from local.slack_recorder import SlackRecorder, render_text
from tests.support import http_post as post

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "receivables"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def endpoint(runner: LocalRunner) -> Iterator[SlackHttpEndpoint]:
    with SlackHttpEndpoint(runner) as endpoint:
        yield endpoint


def collect(recorder: SlackRecorder, text: str) -> tuple[str, str]:
    """A `/collect` form body and the path its response_url replies land on."""
    response_url = recorder.response_url()
    return slash_command_body("/collect", text, response_url=response_url), urlsplit(response_url).path


def replies_to(recorder: SlackRecorder, path: str) -> list[str]:
    return [render_text(call) for call in recorder.responses if call.path == path]


def test_serve_signed_collect_help_acks_then_replies_with_commands(
    runner: LocalRunner, recorder: SlackRecorder, endpoint: SlackHttpEndpoint
) -> None:
    # Given a /collect help body signed as Slack signs it
    body, path = collect(recorder, "help")
    headers = {**sign_slack_request(runner.stack.signing_secret, body), **FORM}

    # When it is POSTed over HTTP and the lazy work has run
    status, _ = post(endpoint.url, body, headers)
    runner.wait_idle()

    # Then it was acked and the response_url got the list of commands
    assert status == 200
    (reply,) = replies_to(recorder, path)
    assert "/collect help" in reply
    assert "/collect account <id>" in reply
    assert "/collect worklist" in reply


def test_serve_unsigned_collect_is_refused_without_reply(
    runner: LocalRunner, recorder: SlackRecorder, endpoint: SlackHttpEndpoint
) -> None:
    # Given a /collect help body without Slack's signature headers
    body, path = collect(recorder, "help")

    # When it is POSTed over HTTP
    status, _ = post(endpoint.url, body, FORM)
    runner.wait_idle()

    # Then Bolt refused it and nothing was answered
    assert status == 401
    assert replies_to(recorder, path) == []


def test_serve_collect_signed_ten_minutes_ago_is_refused(
    runner: LocalRunner, recorder: SlackRecorder, endpoint: SlackHttpEndpoint
) -> None:
    # Given a correctly computed signature over a timestamp 10 minutes old (a replayed request)
    body, path = collect(recorder, "help")
    stale = int(time.time()) - 600
    headers = {**sign_slack_request(runner.stack.signing_secret, body, timestamp=stale), **FORM}

    # When it is POSTed over HTTP
    status, _ = post(endpoint.url, body, headers)
    runner.wait_idle()

    # Then it is refused as too old
    assert status == 401
    assert replies_to(recorder, path) == []


def test_serve_collect_account_after_import_replies_with_balance(
    runner: LocalRunner, recorder: SlackRecorder, endpoint: SlackHttpEndpoint
) -> None:
    # Given a receivables file imported through the bucket
    key = "incoming/generic/acme/ar.csv"
    results = runner.put_object(key, (FIXTURES / "generic.csv").read_bytes())
    assert results[0]["results"] == {key: "imported"}
    body, path = collect(recorder, "account 00042")
    headers = {**sign_slack_request(runner.stack.signing_secret, body), **FORM}

    # When a collector asks for account 00042 over HTTP
    status, _ = post(endpoint.url, body, headers)
    runner.wait_idle()

    # Then the reply shows that account's balance
    assert status == 200
    (reply,) = replies_to(recorder, path)
    assert "Jane Doe" in reply
    assert "USD 125.00" in reply
