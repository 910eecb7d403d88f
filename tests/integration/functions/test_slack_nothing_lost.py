"""Nothing lost, nothing claimed: bounded amounts, escaped echoes, writes that fail say so, malformed requests are
refused before Bolt, and writes are for AUTHORIZED_USERS only. Signed requests through the handler against moto."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from unittest.mock import Mock

import boto3
import botocore.client
import pytest
from botocore.exceptions import ClientError

from functions.slack.blocks import ACTION_PROMISE, ACTION_RESUME
from local.events import LambdaContext, function_url_event, sign_slack_request, slash_command_body
from local.slack_recorder import SlackRecorder, render_text
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from tests.conftest import SIGNING_SECRET
from tests.factories import TABLE, account
from tests.integration.functions.test_slack import ARN, InlineLambda
from tests.integration.functions.test_slack_interactive import Slack, promise_values, submission

KEY = account("C-1001").key
DEBTOR = "<!channel> Bob & Co <https://x|y>"
SHOWN = "&lt;!channel&gt; Bob &amp; Co &lt;https://x|y&gt;"
IN_HOURS = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)  # 10:00 in Chicago


def _handler(load_handler: Any, recorder: SlackRecorder, authorized: str) -> Any:
    handler = load_handler("functions.slack.handler", SLACK_API_URL=recorder.api_url, AUTHORIZED_USERS=authorized)
    handler.slack_handler.app.listener_runner.lazy_listener_runner.lambda_client = InlineLambda(handler)
    return handler


@pytest.fixture
def ana(load_handler: Any, recorder: SlackRecorder) -> Slack:
    """U-ANA, authorized to change accounts."""
    account_repo.put_new_accounts([account("C-1001")])
    return Slack(_handler(load_handler, recorder, "U-BOSS,U-ANA"), recorder)


@pytest.fixture
def member(load_handler: Any, recorder: SlackRecorder) -> Slack:
    """U-ANA under the default settings: AUTHORIZED_USERS empty."""
    account_repo.put_new_accounts([account("C-1001")])
    return Slack(_handler(load_handler, recorder, ""), recorder)


def _ack(slack: Slack, text: str) -> dict[str, Any]:
    body = slash_command_body("/collect", text, user_id="U-ANA", response_url=slack.recorder.response_url())
    return slack.post(body)


def _markers() -> list[str]:
    items = boto3.client("dynamodb").query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :once)",
        ExpressionAttributeValues={":pk": {"S": f"ACCT#{KEY}"}, ":once": {"S": "ONCE#"}},
    )["Items"]
    return [i["sk"]["S"] for i in items]


def _mrkdwn(node: Any) -> list[str]:
    if isinstance(node, list):
        return [text for item in node for text in _mrkdwn(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "mrkdwn" else []
    return own + [text for value in node.values() for text in _mrkdwn(value)]


def _kinds() -> list[str]:
    return [a.kind for a in activity_repo.query_activity(KEY, limit=50)]


# 6. No upper bound on money


@pytest.mark.parametrize(
    "text",
    [
        "pay C-1001 99999999999999999999999999999999999999999999999 CHK-1 overpaid",
        "pay C-1001 1000000000000 CHK-1 USD overpaid",
        "promise C-1001 1,000,000,000,000 2099-01-15",
        "plan C-1001 99999999999999999999 2 2099-01-15",
    ],
)
def test_huge_amount_gets_ephemeral_usage_naming_the_bound_and_writes_nothing(ana: Slack, text: str) -> None:
    # When a collector types an amount above the bound
    result = _ack(ana, text)

    # Then the ack (ephemeral) names the bound, no lazy work runs, and the account is untouched
    assert result["statusCode"] == 200 and "largest amount Arrears accepts (999,999,999,999)" in result["body"]
    assert ana.recorder.responses == []
    assert account_repo.get_account(KEY) == replace(account("C-1001"), version=1)
    assert _kinds() == [] and _markers() == []


# 7. Slack mrkdwn echoed unescaped


def test_debtor_name_and_note_are_escaped_in_card_worklist_log_reply_and_posts(ana: Slack, monkeypatch: Any) -> None:
    # Given a debtor whose name carries a broadcast, an ampersand and a link
    import functions.slack.listeners.collect as collect

    account_repo.put_new_accounts([replace(account("C-1001"), debtor=DEBTOR)])
    monkeypatch.setattr(collect, "_now", lambda: datetime(2026, 11, 24, 4, 30, tzinfo=UTC))  # 22:30 in Chicago

    # When a collector logs a note `<!here>` and a call out of hours, then looks at the card and the worklist
    note = render_text(ana.command("log C-1001 note <!here>"))
    logged = render_text(ana.command("log C-1001 call no-answer <!here>"))
    card = ana.command("account C-1001")
    worklist = ana.command("worklist")

    # Then every reply and post shows them literally: no broadcast, mention or link but our own mention
    assert note == f"Note added to {SHOWN}." and logged.startswith(f"Logged call with {SHOWN}.")
    for reply in (card, worklist):  # the text and every mrkdwn block (a plain_text header cannot ping)
        texts = json.dumps([reply.params["text"], *_mrkdwn(reply.params["blocks"])])
        assert "<!" not in texts and "<https://x" not in texts and " & " not in texts
    assert SHOWN in json.dumps(worklist.params) and "&lt;!here&gt;" in json.dumps(card.params["blocks"])
    (alert,) = ana.posts("C-REPORTS")
    assert "<!" not in alert and alert.startswith(":warning: <@U-ANA> logged a call")


def test_command_argument_mention_in_error_is_escaped(ana: Slack) -> None:
    result = _ack(ana, "account <@U123>")
    assert "&lt;@U123&gt;" in result["body"] and "<@U123>" not in result["body"]


# 10. Writes that claim success


def _throttle(monkeypatch: Any, times: int) -> list[int]:
    """DynamoDB refusing the next `times` TransactWriteItems for throughput (as botocore raises it, retries spent)."""
    real, calls = botocore.client.BaseClient._make_api_call, []

    def call(self: Any, operation: str, kwargs: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems" and len(calls) < times:
            calls.append(1)
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}}
            raise ClientError(error, operation)  # type: ignore[arg-type]
        return real(self, operation, kwargs)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    monkeypatch.setattr("shared.db.transact.time.sleep", lambda _: None)
    return calls


def test_throttled_log_call_says_not_recorded_leaves_no_marker_and_retry_counts(ana: Slack, monkeypatch: Any) -> None:
    # Given DynamoDB throttling every write attempt of the next call logged
    import functions.slack.listeners.collect as collect

    monkeypatch.setattr(collect, "_now", lambda: IN_HOURS)
    _throttle(monkeypatch, times=100)

    # When the collector logs a call
    reply = render_text(ana.command("log C-1001 call no-answer"))

    # Then they are told it was NOT recorded and to run it again; nothing is kept, not even the request marker
    assert "Not recorded" in reply and "again" in reply and "already" not in reply
    assert "contact" not in _kinds() and _markers() == []

    # And when they run it again once DynamoDB accepts writes, the call is logged and counts
    monkeypatch.undo()
    monkeypatch.setattr(collect, "_now", lambda: IN_HOURS)
    assert render_text(ana.command("log C-1001 call no-answer")).startswith("Logged call")
    assert _kinds().count("contact") == 1


def test_briefly_throttled_log_call_is_retried_and_logged_once(ana: Slack, monkeypatch: Any) -> None:
    import functions.slack.listeners.collect as collect

    monkeypatch.setattr(collect, "_now", lambda: IN_HOURS)
    calls = _throttle(monkeypatch, times=2)
    reply = render_text(ana.command("log C-1001 call no-answer"))
    assert reply.startswith("Logged call") and len(calls) == 2
    assert _kinds().count("contact") == 1 and len(_markers()) == 1


def test_dispute_on_account_with_nothing_open_is_refused_and_nothing_stored(ana: Slack) -> None:
    # Given an account whose only invoice is paid
    account_repo.put_new_accounts([account("C-1001", minor=0)])

    # When a collector records a dispute
    reply = render_text(ana.command("hold C-1001 dispute letter received"))

    # Then it is refused with the reason, not reported as recorded, and nothing is stored
    assert "Nothing recorded" in reply and "no open invoice" in reply and "recorded for" not in reply
    stored = account_repo.get_account(KEY)
    assert stored.flags == {} and stored.holds() == [] and _kinds() == [] and _markers() == []


def _garbage_events() -> list[dict[str, Any]]:
    body = slash_command_body("/collect", "pay C-1001 100 CHK-1")
    good = function_url_event(body, sign_slack_request(SIGNING_SECRET, body))
    form = "payload=%7Bnot-json"
    return [
        good | {"headers": {}},
        good | {"headers": None},
        good | {"headers": {"x-slack-request-timestamp": "abc", "x-slack-signature": "v0=00"}},
        good | {"headers": good["headers"] | {"x-slack-signature": "v0=é"}},
        {k: v for k, v in good.items() if k != "body"},
        good | {"body": None},
        {k: v for k, v in good.items() if k != "isBase64Encoded"},
        good | {"body": "%%% not base64 %%%"},
        good | {"body": base64.b64encode(b"\xff\xfe").decode()},
        good | {"body": "{not json", "isBase64Encoded": False},
        function_url_event(form, {}),
        function_url_event(form, sign_slack_request(SIGNING_SECRET, form)),  # signed, yet not JSON
        good | {"headers": good["headers"] | {"x-slack-bolt-lazy-only": "1", "x-slack-bolt-lazy-function-name": "x"}},
    ]


@pytest.mark.parametrize("index", range(13))
def test_malformed_request_gets_4xx_without_traceback_or_lazy_work(ana: Slack, index: int) -> None:
    # Given a request that is malformed or not signed by Slack
    event = _garbage_events()[index]
    lazy = Mock()
    ana.handler.slack_handler.app.listener_runner.lazy_listener_runner.lambda_client = lazy

    # When it reaches the handler
    result = ana.handler.lambda_handler(event, LambdaContext("arrears-slack", ARN))

    # Then it is answered 400 or 401, and no listener (ack or lazy) ran
    assert result["statusCode"] in (400, 401)
    lazy.invoke.assert_not_called()
    assert ana.recorder.calls == [] and _kinds() == []


# 11. No authorization on writes


@pytest.mark.parametrize(
    "text",
    [
        "pay C-1001 100 CHK-1",
        "reverse C-1001 CHK-1 nsf",
        "promise C-1001 100 2099-01-15",
        "plan C-1001 1250 2 2099-01-15",
        "hold C-1001 bankruptcy",
        "release C-1001 cease wrong account",
        "resume C-1001",
    ],
)
def test_writes_are_denied_by_default_saying_how_to_grant(member: Slack, text: str) -> None:
    # When a member runs a write under the default settings (AUTHORIZED_USERS empty)
    result = _ack(member, text)

    # Then the ack refuses it naming the setting, and nothing is written
    assert result["statusCode"] == 200 and "AUTHORIZED_USERS" in result["body"] and "U-ANA" in result["body"]
    assert member.recorder.responses == []
    assert account_repo.get_account(KEY) == replace(account("C-1001"), version=1) and _kinds() == []


def test_reads_and_logging_stay_open_but_contact_data_is_masked_by_default(member: Slack) -> None:
    assert render_text(member.command("log C-1001 note asked for a copy")).startswith("Note added")
    card = render_text(member.command("account C-1001"))
    assert "asked for a copy" in card and "+12145550101" not in card and "c-1001@example.com" not in card


def test_promise_button_and_forged_submission_are_refused_for_unauthorized_user(member: Slack) -> None:
    # Given a member (not authorized) looking at the account card
    card = member.command("account C-1001")

    # When they click Promise, and then post a Promise submission without the modal (forged)
    member.click(card, ACTION_PROMISE)
    view = {"type": "modal", "callback_id": "arrears_promise_modal", "private_metadata": "acme:C-1001", "blocks": []}
    result = member.submit(submission(view, promise_values("100", "2099-01-15")))

    # Then no modal opened, the click is answered with how to get access, the submission is refused in the
    # modal, and nothing was written or DMed
    assert member.opened() == []
    assert "AUTHORIZED_USERS" in render_text(member.recorder.responses[-1])
    assert json.loads(result["body"])["response_action"] == "errors"
    assert _kinds() == [] and member.posts("U-ANA") == []


def test_resume_button_is_rechecked_in_the_lazy_listener(member: Slack) -> None:
    # Given an account stopped for review, and a Resume button click by a member not authorized
    account_repo.save_account(replace(account_repo.get_account(KEY), automation="review"))
    card = member.command("account C-1001")
    member.click(card, ACTION_RESUME)

    # Then the lazy work refuses it and reminders stay stopped
    assert "AUTHORIZED_USERS" in render_text(member.recorder.responses[-1])
    assert account_repo.get_account(KEY).automation == "review"
