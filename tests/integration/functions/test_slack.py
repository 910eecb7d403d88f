"""The Slack function against moto: signed slash commands through Bolt, ack then lazy work, replies recorded."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import slack_sdk.signature
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from local.events import LambdaContext, function_url_event, sign_slack_request, slash_command_body
from local.slack_recorder import SlackRecorder, render_text
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from tests.conftest import SIGNING_SECRET
from tests.factories import account

VECTOR = Path(__file__).resolve().parents[3].parent / "shared" / "samples" / "slack" / "signature_test_vector.json"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:arrears-slack"


class InlineLambda:
    """Stands in for the Lambda service: Bolt's lazy self-invocation runs the handler right away."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler

    def invoke(self, FunctionName: str, InvocationType: str, Payload: str) -> dict[str, Any]:
        self.handler.lambda_handler(json.loads(Payload), LambdaContext("arrears-slack", ARN))
        return {"StatusCode": 202}


@pytest.fixture
def slack(load_handler: Any, recorder: SlackRecorder) -> Any:
    handler = load_handler("functions.slack.handler", SLACK_API_URL=recorder.api_url, AUTHORIZED_USERS="U-BOSS,U-ANA")
    handler.slack_handler.app.listener_runner.lazy_listener_runner.lambda_client = InlineLambda(handler)

    def send(text: str, user: str = "U-ANA", headers: dict[str, str] | None = None) -> dict[str, Any]:
        body = slash_command_body("/collect", text, user_id=user, response_url=recorder.response_url())
        signed = headers or sign_slack_request(SIGNING_SECRET, body)
        return handler.lambda_handler(function_url_event(body, signed), LambdaContext("arrears-slack", ARN))

    return send


def _last_reply(recorder: SlackRecorder) -> str:
    assert recorder.responses, "no response_url reply was posted"
    return render_text(recorder.responses[-1])


def test_help_acks_then_replies_with_commands(slack, recorder):
    result = slack("help")
    assert result["statusCode"] == 200
    assert "/collect account <id>" in _last_reply(recorder)


def test_unknown_subcommand_gets_ephemeral_usage_in_the_ack(slack, recorder):
    result = slack("frobnicate now")
    assert result["statusCode"] == 200
    assert "Unknown command 'frobnicate'" in result["body"]
    assert recorder.responses == []


def test_account_shows_balance_and_last_activity(slack, recorder):
    # Given an imported account with one logged note
    account_repo.put_new_accounts([account("C-1001")])
    slack("log C-1001 note asked for a copy of the invoice")
    # When the collector looks it up
    slack("account C-1001")
    # Then the reply shows the balance and that note, with full contact data for an authorized user
    reply = _last_reply(recorder)
    assert "USD 1,250.00" in reply
    assert "asked for a copy of the invoice" in reply
    assert "+12145550101" in reply


def test_account_for_unauthorized_user_masks_contact_data(slack, recorder):
    account_repo.put_new_accounts([account("C-1001")])
    slack("account C-1001", user="U-TEMP")
    reply = _last_reply(recorder)
    assert "+12145550101" not in reply and "c-1001@example.com" not in reply
    assert "0101" in reply


def test_account_unknown_id_says_so(slack, recorder):
    slack("account NOPE-1")
    assert "No account with id `NOPE-1`" in _last_reply(recorder)


def test_tampered_signature_is_rejected_with_401(slack):
    headers = sign_slack_request(SIGNING_SECRET, "text=help")  # signs a different body
    assert slack("help", headers=headers)["statusCode"] == 401


def test_stale_timestamp_is_rejected_with_401(slack):
    body = slash_command_body("/collect", "help")
    stale = sign_slack_request(SIGNING_SECRET, body, timestamp=1531420618)
    assert slack("help", headers=stale)["statusCode"] == 401


def test_published_test_vector_verifies_with_frozen_clock(load_handler, monkeypatch):
    if not VECTOR.exists():
        pytest.skip("../shared/samples/slack/signature_test_vector.json not found beside the clone")
    vector = json.loads(VECTOR.read_text())
    # Given Slack's published request, its signature and its timestamp, with the clock frozen there
    stamp = vector["x_slack_request_timestamp"]
    monkeypatch.setattr(slack_sdk.signature.Clock, "now", lambda self: float(stamp))
    handler = load_handler("functions.slack.handler")
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": vector["x_slack_signature"]}
    event = function_url_event(vector["raw_body"], headers)
    # When it reaches the handler
    verified = handler.lambda_handler(event, LambdaContext("arrears-slack", ARN))
    tampered_event = function_url_event(vector["raw_body"] + "x", headers)
    tampered = handler.lambda_handler(tampered_event, LambdaContext("arrears-slack", ARN))
    # Then the signature passes (404: no listener for its /webhook-collect command) and a changed body does not
    assert verified["statusCode"] == 404
    assert tampered["statusCode"] == 401


def test_log_call_outside_hours_is_kept_flagged_and_reported(slack, recorder, monkeypatch):
    # Given an account in Chicago, and a call logged at 22:30 local
    import functions.slack.listeners.collect as collect

    account_repo.put_new_accounts([account("C-1001")])
    monkeypatch.setattr(collect, "_now", lambda: datetime(2026, 11, 24, 4, 30, tzinfo=UTC))
    # When the collector logs the call
    slack("log C-1001 call talked promised to call back")
    # Then the call is in the history, flagged with the rule, and the managers' channel is told
    assert "broke a contact rule" in _last_reply(recorder)
    history = activity_repo.query_activity(account().key)
    contact = next(a for a in history if a.kind == "contact")
    assert contact.outcome == "answered_conversation" and "REGF-TIME-WINDOW" in contact.rules
    alert = recorder.wait_for(lambda c: c.method == "chat.postMessage")
    assert alert.params["channel"] == "C-REPORTS" and "REGF-TIME-WINDOW" in alert.params["text"]


def test_a_first_conversation_is_the_initial_communication_a_call_nobody_answered_is_not(slack, recorder, monkeypatch):
    # Given two consumer debts a debt collector holds, never contacted, and calls logged at 10:30 in Chicago
    import functions.slack.listeners.collect as collect

    account_repo.put_new_accounts([account(ref, collector_role="third_party") for ref in ("C-1001", "C-1002")])
    monkeypatch.setattr(collect, "_now", lambda: datetime(2026, 11, 24, 16, 30, tzinfo=UTC))
    # When the collector logs a conversation on one, and a call nobody answered on the other
    slack("log C-1001 call talked explained the balance")
    assert "Logged call with Debtor C-1001" in _last_reply(recorder)
    slack("log C-1002 call no-answer")
    assert "Logged call with Debtor C-1002" in _last_reply(recorder)
    # Then the conversation is recorded as the debt's initial communication (the validation notice is owed from
    # it), and the unanswered call records none
    talked, unanswered = (account_repo.get_account(account(ref).key) for ref in ("C-1001", "C-1002"))
    assert talked.flags["initial_communication_at"] == "2026-11-24T16:30:00Z"
    assert "initial_communication_at" not in unanswered.flags


def test_can_call_and_why_show_and_keep_the_decision(slack, recorder):
    account_repo.put_new_accounts([account("C-1001")])
    slack("can-call C-1001")
    verdict = _last_reply(recorder)
    assert any(word in verdict for word in ("ALLOW", "DEFER"))
    slack("why C-1001")
    assert "call" in _last_reply(recorder).split("Last decisions", 1)[1]


def test_payment_with_same_ref_posts_once(slack, recorder):
    account_repo.put_new_accounts([account("C-1001")])
    slack("pay C-1001 250.00 CHK-77")
    slack("pay C-1001 250.00 CHK-77")
    assert "already posted" in _last_reply(recorder)
    stored = account_repo.get_account(account().key)
    assert stored.balances == {"USD": 100_000}
    assert [a.kind for a in activity_repo.query_activity(stored.key)].count("payment") == 1


def test_promise_then_hold_removes_account_from_worklist(slack, recorder):
    account_repo.put_new_accounts([account("C-1001", due=date(2026, 10, 1))])
    slack("promise C-1001 100 2099-01-15")
    assert "Promise recorded" in _last_reply(recorder)
    slack("hold C-1001 bankruptcy 26-12345")
    assert "bankruptcy" in _last_reply(recorder)
    slack("worklist")
    assert "nothing to work" in _last_reply(recorder)


def test_bad_amount_gets_usage_not_traceback(slack, recorder):
    result = slack("pay C-1001 lots CHK-1")
    assert "amount 'lots' is not a number" in result["body"]


def test_seventh_logged_call_in_seven_days_defers_the_next(slack, recorder, monkeypatch):
    # Given seven calls about the same debt logged across a week, inside calling hours
    import functions.slack.listeners.collect as collect

    account_repo.put_new_accounts([account("C-1001")])
    for day in range(16, 23):
        monkeypatch.setattr(collect, "_now", lambda day=day: datetime(2026, 11, day, 16, 0, tzinfo=UTC))
        slack("log C-1001 call no-answer")
    # When the collector asks whether an eighth call may go out the next morning
    monkeypatch.setattr(collect, "_now", lambda: datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    slack("can-call C-1001")
    # Then it must wait until seven days after the first counted call, per the 7-in-7 rule
    verdict = _last_reply(recorder)
    assert "DEFER" in verdict and "REGF-CALL-FREQ-7IN7" in verdict


def test_a_manager_holds_and_releases_the_reminders_and_approves_a_day(slack, recorder):
    from shared.db.runs import DynamoRunControl

    # When an authorized user holds the reminders, and a collector who is not tries to release them
    slack("reminders hold audit of the December letters", user="U-BOSS")
    held = _last_reply(recorder)
    refused = slack("reminders release", user="U-OTHER")

    # Then the runs are held, the report channel is told who held them and why, the other user is refused
    hold = DynamoRunControl().hold_of()
    assert hold is not None and hold.by == "U-BOSS" and hold.reason == "audit of the December letters"
    assert "Reminders held" in held
    posts = [c.params["text"] for c in recorder.calls if c.method == "chat.postMessage"]
    assert any("<@U-BOSS> held the reminders: audit of the December letters" in p for p in posts)
    assert "preview, hold or approve reminder runs" in refused["body"]

    # And the preview says so and offers the release; releasing and approving a day work once each
    slack("reminders preview 2026-11-23T16:00Z", user="U-BOSS")
    shown = recorder.responses[-1]
    assert "Reminders are held by <@U-BOSS>" in render_text(shown)
    buttons = [e for b in shown.params.get("blocks") or shown.body.get("blocks", []) if b.get("type") == "actions"
               for e in b["elements"]]  # fmt: skip
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [("Release the hold", "release")]
    slack("reminders release", user="U-BOSS")
    assert DynamoRunControl().hold_of() is None and "Reminders released" in _last_reply(recorder)
    slack("reminders approve 2026-12-04", user="U-BOSS")
    slack("reminders approve 2026-12-04", user="U-ANA")
    assert DynamoRunControl().approved(date(2026, 12, 4)) and "already approved" in _last_reply(recorder)


def test_written_dispute_hold_stops_reminders_and_calls(slack, recorder):
    account_repo.put_new_accounts([account("C-1001")])
    slack("hold C-1001 dispute letter received")
    slack("can-call C-1001")
    assert "BLOCK" in _last_reply(recorder) and "REGF-DISPUTE-HOLD" in _last_reply(recorder)


def test_attorney_hold_without_contact_details_is_refused(slack, recorder):
    account_repo.put_new_accounts([account("C-1001")])
    slack("hold C-1001 attorney")
    assert "needs the attorney's name and address" in _last_reply(recorder)


def test_reminders_preview_shows_a_managers_run_and_sends_nothing(slack, recorder):
    # Given two due reminders: one the rules allow at 10:00 in Chicago, one under a cease request
    due = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    cease = {"received_at": "2026-11-01T15:00:00Z", "written": True, "channel": "mail", "debt_ids": None}
    account_repo.put_new_accounts(
        [
            account("C-1", due=date(2026, 11, 20), next_action_at=due),
            account("C-2", due=date(2026, 11, 20), next_action_at=due, flags={"cease": cease}),
        ]
    )
    # When an authorized user previews that morning's run, and a collector who is not tries to
    slack("reminders preview 2026-11-23T16:00Z", user="U-BOSS")
    shown = _last_reply(recorder)
    refused = slack("reminders preview", user="U-OTHER")
    # Then the preview names what would go and what holds the other back, by account key and rule only
    assert "Reminder run at 2026-11-23 16:00 UTC, previewed: nothing was sent" in shown
    assert "1 sent" in shown and "1 stopped: blocked by a rule" in shown and "step 1 by email: 1" in shown
    assert "`acme#C-2` blocked: `REGF-CEASE`" in shown and "Debtor C-2" not in shown
    assert "preview, hold or approve reminder runs" in refused["body"]
    # And nothing left: no email, no step moved
    assert ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages == []
    assert account_repo.get_account(account("C-1").key).dunning_step == 0


def test_a_bounced_debtor_is_located_from_slack_and_can_be_called_and_emailed_again(slack, recorder):
    from dataclasses import replace

    from shared.domain.account_actions import email_refused

    # Given a debtor with no phone whose only email bounced for good: the account needs locating
    debtor = replace(account("C-1001"), phones=())
    gone, _ = email_refused(debtor, debtor.emails[0]["address"], False, datetime(2026, 11, 2, 16, 0, tzinfo=UTC),
                            "General")  # fmt: skip
    account_repo.put_new_accounts([gone])
    slack("worklist")
    assert "locate the debtor: no usable phone or email" in _last_reply(recorder)
    slack("can-call C-1001")
    unreachable = _last_reply(recorder)

    # When a collector adds the number the debtor gave on an inbound call, and the email a skip trace found
    slack("contact C-1001 phone +1 214 555 0177 consumer")
    first = _last_reply(recorder)
    slack("contact C-1001 email pat@example.net skip-trace")

    # Then the account is located at the first, the worklist task is gone, and the engine lets a call go there
    assert "phone ending 0177 (consumer). It no longer needs locating." in first
    stored = account_repo.get_account(account("C-1001").key)
    assert "needs_locate" not in stored.flags and stored.follow_up is None
    assert [e["address"] for e in stored.emails] == ["c-1001@example.com", "pat@example.net"]
    slack("can-call C-1001")
    reachable = _last_reply(recorder)  # allowed now, or later by the debtor's time window: checked, not refused
    assert "no usable number to call" in unreachable
    assert "no usable number" not in reachable and any(word in reachable for word in ("ALLOW", "DEFER"))
    history = activity_repo.query_activity(stored.key, kinds=frozenset({"status"}))
    assert {"phone ending 0177 added (consumer)", "located: phone ending 0177",
            "email p•••@example.net added (skip-trace)"} <= {h.summary for h in history}  # fmt: skip
