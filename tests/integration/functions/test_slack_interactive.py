"""Buttons and modals against moto: signed block_actions and view_submission requests through Bolt, lazy work inline."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.slack.blocks import ACTION_ACCOUNT, ACTION_LOG_CALL, ACTION_PROMISE
from functions.slack.modals import AMOUNT, DUE, LOG_CALL_VIEW, NOTE, OUTCOME, PROMISE_VIEW
from local.events import LambdaContext, function_url_event, interactive_body, sign_slack_request, slash_command_body
from local.slack_recorder import RecordedCall, SlackRecorder, render_text
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from tests.conftest import SIGNING_SECRET
from tests.factories import account
from tests.integration.functions.test_slack import ARN, InlineLambda

USER = {"id": "U-ANA", "username": "ana", "name": "ana", "team_id": "T0LOCAL"}
TEAM = {"id": "T0LOCAL", "domain": "local"}
LATE_EVENING = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)  # 22:30 in Chicago: outside calling hours


def trigger_id() -> str:
    return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"


def click(message: RecordedCall, action_id: str, response_url: str) -> dict[str, Any]:
    """A block_actions payload as Slack sends it (shape of the captured one) for a button of `message`."""
    blocks = message.params["blocks"]
    buttons = [(b, e) for b in blocks for e in b.get("elements", []) if b["type"] == "actions"]
    buttons += [(b, b["accessory"]) for b in blocks if b["type"] == "section" and "accessory" in b]
    block, button = next((b, e) for b, e in buttons if e["action_id"] == action_id)
    return {
        "type": "block_actions",
        "user": USER,
        "api_app_id": "A0LOCAL",
        "token": "local-verification-token",
        "container": {
            "type": "message",
            "message_ts": "1745372440.339699",
            "channel_id": "C0LOCAL001",
            "is_ephemeral": True,
        },
        "trigger_id": trigger_id(),
        "team": TEAM,
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": "C0LOCAL001", "name": "collections"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block["block_id"],
                "text": button["text"],
                "value": button["value"],
                **({"style": button["style"]} if "style" in button else {}),
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def submission(opened: dict[str, Any], values: dict[str, Any], view_id: str = "V0SUBMIT01") -> dict[str, Any]:
    """A view_submission payload: the view Slack opened, echoed back with its id and the inputs' state."""
    view = opened | {
        "id": view_id,
        "team_id": TEAM["id"],
        "state": {"values": values},
        "hash": "1745372450.abcdEFGH",
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": "A0LOCAL",
        "bot_id": "B0LOCALBOT",
    }
    return {
        "type": "view_submission",
        "team": TEAM,
        "user": USER,
        "api_app_id": "A0LOCAL",
        "token": "local-verification-token",
        "trigger_id": trigger_id(),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def call_values(outcome: str, note: str) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": outcome, "emoji": True}, "value": outcome}
    return {
        OUTCOME[0]: {OUTCOME[1]: {"type": "static_select", "selected_option": option}},
        NOTE[0]: {NOTE[1]: {"type": "plain_text_input", "value": note}},
    }


def promise_values(amount: str, day: str) -> dict[str, Any]:
    return {
        AMOUNT[0]: {AMOUNT[1]: {"type": "plain_text_input", "value": amount}},
        DUE[0]: {DUE[1]: {"type": "datepicker", "selected_date": day}},
    }


class Slack:
    """The collector's side: slash commands, clicks and submissions, each signed as Slack signs them."""

    def __init__(self, handler: Any, recorder: SlackRecorder) -> None:
        self.handler, self.recorder = handler, recorder

    def post(self, body: str) -> dict[str, Any]:
        event = function_url_event(body, sign_slack_request(SIGNING_SECRET, body))
        return self.handler.lambda_handler(event, LambdaContext("arrears-slack", ARN))

    def command(self, text: str) -> RecordedCall:
        self.post(slash_command_body("/collect", text, user_id=USER["id"], response_url=self.recorder.response_url()))
        return self.recorder.responses[-1]

    def click(self, message: RecordedCall, action_id: str) -> dict[str, Any]:
        return self.post(interactive_body(click(message, action_id, self.recorder.response_url())))

    def open_modal(self, message: RecordedCall, action_id: str) -> dict[str, Any]:
        self.click(message, action_id)
        opened: dict[str, Any] = self.opened()[-1].params["view"]
        return opened

    def submit(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self.post(interactive_body(payload))

    def opened(self) -> list[RecordedCall]:
        return [c for c in self.recorder.calls if c.method == "views.open"]

    def posts(self, channel: str) -> list[str]:
        return [
            render_text(c)
            for c in self.recorder.calls
            if c.method == "chat.postMessage" and c.params["channel"] == channel
        ]


@pytest.fixture
def slack(load_handler: Any, recorder: SlackRecorder) -> Slack:
    handler = load_handler("functions.slack.handler", SLACK_API_URL=recorder.api_url, AUTHORIZED_USERS="U-BOSS,U-ANA")
    handler.slack_handler.app.listener_runner.lazy_listener_runner.lambda_client = InlineLambda(handler)
    account_repo.put_new_accounts([account("C-1001")])
    return Slack(handler, recorder)


def kinds(kind: str) -> list[Any]:
    return [a for a in activity_repo.query_activity(account().key, limit=50) if a.kind == kind]


def test_log_call_button_on_worklist_opens_modal_with_account_ref(slack: Slack) -> None:
    # Given the collector's worklist with a row for acme:C-1001
    worklist = slack.command("worklist")

    # When they click Log call on it
    result = slack.click(worklist, ACTION_LOG_CALL)

    # Then the click is acked and Slack is asked to open the Log call modal carrying the account ref
    assert result["statusCode"] == 200
    (opened,) = slack.opened()
    assert opened.params["trigger_id"]
    assert opened.params["view"]["callback_id"] == LOG_CALL_VIEW
    assert opened.params["view"]["private_metadata"] == "acme:C-1001"
    assert kinds("contact") == []


def test_log_call_submission_logs_flags_dms_and_alerts_once_even_if_delivered_twice(slack, recorder, monkeypatch):
    # Given a Log call modal opened from the account card, late in the debtor's evening
    import functions.slack.listeners.interactive as interactive

    monkeypatch.setattr(interactive, "_now", lambda: LATE_EVENING)
    view = slack.open_modal(slack.command("account C-1001"), ACTION_LOG_CALL)
    payload = submission(view, call_values("talked", "promised to call back"))

    # When the collector submits it, and Slack delivers the same submission again
    first = slack.submit(payload)
    second = slack.submit(payload)

    # Then the modal closes, the call is logged once with the broken rule, the collector is DMed each time,
    # and the managers' channel is alerted once
    assert first["statusCode"] == 200 and not first.get("body")
    assert second["statusCode"] == 200
    (contact,) = kinds("contact")
    assert contact.outcome == "answered_conversation" and "REGF-TIME-WINDOW" in contact.rules
    assert "promised to call back" in contact.summary and contact.actor == "U-ANA"
    dms = slack.posts("U-ANA")
    assert len(dms) == 2 and "broke a contact rule" in dms[0] and "already logged" in dms[1]
    (alert,) = slack.posts("C-REPORTS")
    assert "REGF-TIME-WINDOW" in alert and "<@U-ANA>" in alert


def test_log_call_for_unknown_account_dms_reason_not_traceback(slack: Slack) -> None:
    # Given a modal whose account does not exist (e.g. removed since the card was shown)
    view = slack.open_modal(slack.command("account C-1001"), ACTION_LOG_CALL) | {"private_metadata": "acme:GONE-1"}

    # When it is submitted
    slack.submit(submission(view, call_values("busy", "")))

    # Then the collector is told in a DM, and nothing is logged
    (dm,) = slack.posts("U-ANA")
    assert "GONE-1" in dm and "Traceback" not in dm
    assert kinds("contact") == []


def test_promise_bad_amount_answers_field_error_and_writes_nothing(slack: Slack) -> None:
    # Given a Promise modal opened from the worklist
    view = slack.open_modal(slack.command("worklist"), ACTION_PROMISE)
    assert view["callback_id"] == PROMISE_VIEW and view["private_metadata"] == "acme:C-1001"

    # When it is submitted with an amount that is not a number
    result = slack.submit(submission(view, promise_values("lots", "2099-01-15")))

    # Then the ack keeps the modal open with an error beside the amount, and nothing is written or posted
    assert result["statusCode"] == 200
    answer = json.loads(result["body"])
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {AMOUNT[0]} and "'lots'" in answer["errors"][AMOUNT[0]]
    assert kinds("promise") == []
    assert slack.posts("U-ANA") == []


def test_promise_valid_recorded_once_and_collector_told(slack: Slack) -> None:
    # Given a Promise modal opened from the account card
    view = slack.open_modal(slack.command("account C-1001"), ACTION_PROMISE)
    payload = submission(view, promise_values("1,000.50", "2099-01-15"))

    # When it is submitted, twice (a retry)
    slack.submit(payload)
    slack.submit(payload)

    # Then one promise is recorded in the account's currency, and the collector is told both times
    (promise,) = kinds("promise")
    assert promise.data["amount_minor"] == 100_050 and promise.data["currency"] == "USD"
    assert promise.summary == "promised USD 1,000.50 by 2099-01-15"
    first, second = slack.posts("U-ANA")
    assert first.startswith("Promise recorded:") and "(already recorded)" in second


def test_account_button_replies_with_card_and_its_buttons(slack: Slack, recorder: SlackRecorder) -> None:
    # Given the worklist
    worklist = slack.command("worklist")

    # When the collector clicks Account on the row
    result = slack.click(worklist, ACTION_ACCOUNT)

    # Then the click is acked and the card comes back (ephemeral, via response_url) with Log call and Promise
    assert result["statusCode"] == 200
    reply = recorder.responses[-1]
    assert reply is not worklist and reply.params["response_type"] == "ephemeral"
    card = render_text(reply)
    assert "USD 1,250.00" in card and "[Log call]" in card and "[Promise]" in card and "[Account]" not in card
