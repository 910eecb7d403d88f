"""Unsubscribe links against moto: every reminder email carries the link and the RFC 8058 headers; the link's
one-click POST opts the address out on the table, and the next run does not email it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from local.events import LambdaContext, function_url_event, scheduler_event
from shared.adapters.sending import one_try_client
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.domain.unsubscribe import ONE_CLICK, read_token
from tests.conftest import HANDLER_ENV, UNSUBSCRIBE_KEY
from tests.factories import account

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "samples"
MORNING = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/reminders"
URL_ARN = "arn:aws:lambda:us-east-1:123456789012:function:arrears-unsubscribe"
FORM = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "Mozilla/5.0"}


@pytest.fixture
def sent_requests(aws: dict[str, Any]) -> list[dict[str, Any]]:
    """The SendEmail requests as the reminders' client sends them (moto keeps no headers)."""
    one_try_client.cache_clear()
    requests: list[dict[str, Any]] = []
    one_try_client("sesv2").meta.events.register(
        "before-parameter-build.sesv2.SendEmail", lambda params, **_: requests.append(params)
    )
    yield requests
    one_try_client.cache_clear()


def _remind(handler: Any, at: datetime) -> dict[str, Any]:
    handler.clock = lambda: at
    report: dict[str, Any] = handler.lambda_handler(scheduler_event(at, ARN), LambdaContext("reminders", ARN))
    return report


def _visit(handler: Any, link: str, method: str = "GET", body: str = "") -> dict[str, Any]:
    """What a browser or a mail client sends to the link, as the Function URL delivers it."""
    url = urlsplit(link)
    event = function_url_event(body, FORM, raw_path=url.path, method=method, query=url.query)
    result: dict[str, Any] = handler.lambda_handler(event, LambdaContext("arrears-unsubscribe", URL_ARN))
    return result


def _headers(request: dict[str, Any]) -> dict[str, str]:
    return {h["Name"]: h["Value"] for h in request["Content"]["Simple"]["Headers"]}


def test_reminder_email_carries_one_click_headers_and_the_link_in_its_body(load_handler, sent_requests):
    # Given a due reminder
    account_repo.put_new_accounts([account(due=date(2026, 11, 20), next_action_at=MORNING - timedelta(hours=1))])
    handler = load_handler("functions.reminders.handler")

    # When the run sends it
    assert _remind(handler, MORNING)["outcomes"] == {"sent": 1}

    # Then the email has List-Unsubscribe (https, the function URL's /u) and List-Unsubscribe-Post (RFC 8058)
    (request,) = sent_requests
    headers = _headers(request)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"].removeprefix("<").removesuffix(">")
    assert link.startswith(HANDLER_ENV["UNSUBSCRIBE_URL"] + "u?t=")
    # and the same link in the body moto received, whose token names this account, signed with the SSM key
    (message,) = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert f"Or unsubscribe in one click: {link}" in message.body
    token = read_token(UNSUBSCRIBE_KEY.encode(), urlsplit(link).query.removeprefix("t="), MORNING.date())
    assert token.account_key == account().key
    assert "c-1001" not in link.lower()  # the address is not in the link


def test_one_click_post_opts_the_address_out_and_the_next_run_does_not_email_it(load_handler, sent_requests):
    # Given a reminder sent, and its link
    debtor = account(due=date(2026, 11, 20), next_action_at=MORNING - timedelta(hours=1))
    account_repo.put_new_accounts([debtor])
    reminders = load_handler("functions.reminders.handler")
    _remind(reminders, MORNING)
    link = _headers(sent_requests[0])["List-Unsubscribe"].strip("<>")
    unsubscribe = load_handler("functions.unsubscribe.handler")

    # When the debtor opens it (a page asks), then the mail client posts the one-click, twice (a retry)
    opened = _visit(unsubscribe, link)
    posted = _visit(unsubscribe, link, "POST", ONE_CLICK)
    again = _visit(unsubscribe, link, "POST", ONE_CLICK)

    # Then the page asked without contact data, and the address is opted out once, with its history entry
    assert opened["statusCode"] == 200 and "One-Click" in opened["body"] and "@" not in opened["body"]
    assert opened["headers"]["content-type"].startswith("text/html")
    assert posted["statusCode"] == again["statusCode"] == 200
    stored = account_repo.get_account(debtor.key)
    assert stored.emails[0]["opted_out_at"]
    history = activity_repo.query_activity(debtor.key, kinds=frozenset({"status"}))
    assert [h.summary for h in history if h.actor == "unsubscribe"] == [
        "email c-1001@example.com unsubscribed by its link: opted out of email"
    ]

    # When the next step falls due and the run comes, Then no email goes to that address
    later = stored.next_action_at
    assert later is not None
    report = _remind(reminders, later + timedelta(minutes=1))  # without the opt-out: the email fallback is sent
    assert "sent" not in report["outcomes"]
    emailed = [m.destinations["ToAddresses"] for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages]
    assert emailed == [["c-1001@example.com"]]


def _sample_get(query: str) -> dict[str, Any]:
    path = SAMPLES / "aws_events" / "powertools_lambdaFunctionUrlEvent.json"
    if not path.exists():
        pytest.skip("../shared/samples/aws_events/powertools_lambdaFunctionUrlEvent.json is not beside the clone")
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return event | {"rawPath": "/u", "rawQueryString": query}


def test_real_shaped_get_with_a_bad_token_answers_400_with_a_clear_page(load_handler):
    # Given a browser's GET as a Function URL delivers it, with an altered token
    handler = load_handler("functions.unsubscribe.handler")
    event = _sample_get("t=YWNtZSNDLTEwMDE.bm90LWEtc2lnbmF0dXJl")

    # When the handler takes it
    result = handler.lambda_handler(event, LambdaContext("arrears-unsubscribe", URL_ARN))

    # Then a 400 page says the link does not work, with no traceback
    assert result["statusCode"] == 400
    assert "This link does not work" in result["body"] and "not valid" in result["body"]
    assert "Traceback" not in result["body"] and "Error" not in result["body"]


def test_real_shaped_get_without_a_token_answers_400(load_handler):
    handler = load_handler("functions.unsubscribe.handler")
    result = handler.lambda_handler(_sample_get(""), LambdaContext("arrears-unsubscribe", URL_ARN))
    assert result["statusCode"] == 400 and "no unsubscribe token" in result["body"]
