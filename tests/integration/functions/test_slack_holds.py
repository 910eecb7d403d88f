"""Lifting what stops collection, from Slack against moto: Release hold, Resume reminders, and a full snapshot's
Paid / Still owed buttons; each a signed request through Bolt, each applied once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from functions.intake.summary import summary_blocks
from functions.slack.blocks import ACTION_RELEASE
from functions.slack.modals import HOLD, REASON, RELEASE_VIEW
from local.slack_recorder import RecordedCall, SlackRecorder
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.domain.state import recompute
from tests.factories import SEEDED_AT, account
from tests.integration.functions.test_slack import InlineLambda
from tests.integration.functions.test_slack_interactive import Slack, slack, submission

__all__ = ["slack"]  # the fixture: signed requests as U-ANA, who may see and change account data

KEY = account("C-1001").key
RUN_AT = "2026-11-23T16:00Z"  # a Monday, 10:00 in the factory debtor's Chicago


def release_values(hold: str, reason: str) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": hold, "emoji": True}, "value": hold}
    return {
        HOLD[0]: {HOLD[1]: {"type": "static_select", "selected_option": option}},
        REASON[0]: {REASON[1]: {"type": "plain_text_input", "value": reason}},
    }


def test_release_button_lifts_the_hold_once_and_reminders_follow(slack: Slack, recorder: SlackRecorder) -> None:
    # Given an account put on a cease hold: off the worklist, no reminders
    slack.command("hold C-1001 cease")
    assert account_repo.get_account(KEY).next_action == "hold: cease"

    # When the collector opens Release hold on its card and submits it twice (a retried view)
    view = slack.open_modal(slack.command("account C-1001"), ACTION_RELEASE)
    assert view["callback_id"] == RELEASE_VIEW
    payload = submission(view, release_values("cease", "recorded on the wrong account"))
    slack.submit(payload)
    slack.submit(payload)

    # Then the hold is lifted once, with who and why, and reminders are back at once
    stored = account_repo.get_account(KEY)
    assert "cease" not in stored.flags and stored.next_action == "reminder" and stored.on_worklist
    assert [r["reason"] for r in stored.flags["released"]] == ["recorded on the wrong account"]
    dms = slack.posts("U-ANA")
    assert any("Cease hold lifted" in text for text in dms)


def test_release_modal_without_a_reason_stays_open_naming_the_field(slack: Slack) -> None:
    slack.command("hold C-1001 cease")
    view = slack.open_modal(slack.command("account C-1001"), ACTION_RELEASE)
    result = slack.submit(submission(view, release_values("cease", "  ")))
    assert '"reason"' in result["body"] and "Say why the hold is lifted" in result["body"]
    assert account_repo.get_account(KEY).flags.get("cease")


def _summary_message(refs: list[str]) -> RecordedCall:
    counts = {"missing_action": "confirm", "missing_sample": refs}
    params = {"channel": "C-OPS", "blocks": summary_blocks("summary", counts)}
    return RecordedCall("chat.postMessage", params, "/api/chat.postMessage")


def _held_for_review() -> None:
    held = account_repo.get_account(KEY)
    review = {"source": "incoming/snap/aug.csv@v1", "invoices": ["INV-C-1001"], "at": "2026-11-02T15:00:00Z"}
    account_repo.save_account(recompute(replace(held, flags={"snapshot_review": review}), SEEDED_AT))


def test_snapshot_paid_button_closes_the_left_out_invoice_as_paid_per_source_once(slack: Slack) -> None:
    # Given the account held because a full snapshot left its invoice out
    _held_for_review()
    assert account_repo.get_account(KEY).next_action == "hold: snapshot_review"

    # When operations click Paid on the import summary, twice
    message = _summary_message(["acme:C-1001"])
    slack.click(message, "snapshot_paid:acme:C-1001")
    slack.click(message, "snapshot_paid:acme:C-1001")

    # Then the invoice is closed as paid per source (money received once), and nothing more is sent
    stored = account_repo.get_account(KEY)
    assert (stored.status, stored.next_action, stored.flags.get("snapshot_review")) == ("paid", None, None)
    assert [(e.kind, e.amount.minor) for e in stored.entries] == [("paid_per_source", 125_000)]


def test_snapshot_owed_button_keeps_it_open_and_reminders_resume(slack: Slack) -> None:
    _held_for_review()
    slack.click(_summary_message(["acme:C-1001"]), "snapshot_owed:acme:C-1001")
    stored = account_repo.get_account(KEY)
    assert (stored.status, stored.next_action, stored.flags.get("snapshot_review")) == ("open", "reminder", None)


def test_snapshot_buttons_refuse_users_not_authorized(load_handler: Any, recorder: SlackRecorder) -> None:
    handler = load_handler("functions.slack.handler", SLACK_API_URL=recorder.api_url, AUTHORIZED_USERS="U-BOSS")
    handler.slack_handler.app.listener_runner.lazy_listener_runner.lambda_client = InlineLambda(handler)
    account_repo.put_new_accounts([account("C-1001")])
    _held_for_review()
    Slack(handler, recorder).click(_summary_message(["acme:C-1001"]), "snapshot_paid:acme:C-1001")
    assert account_repo.get_account(KEY).flags.get("snapshot_review")
    assert "Only users allowed" in str(recorder.responses[-1].params)


def test_the_previews_hold_button_holds_the_runs_and_its_release_button_lifts_it(slack: Slack) -> None:
    from functions.slack.blocks import ACTION_REMINDERS
    from shared.db.runs import DynamoRunControl

    # When a manager previews the run and clicks Hold reminders
    slack.click(slack.command("reminders preview"), ACTION_REMINDERS)

    # Then the runs are held (the reason says where it came from) and the report channel is told who held them
    hold = DynamoRunControl().hold_of()
    assert hold is not None and (hold.by, hold.reason) == ("U-ANA", "from the preview")
    assert any("<@U-ANA> held the reminders" in text for text in slack.posts("C-REPORTS"))

    # When the preview is asked again, its button is Release the hold, and clicking it lifts the hold
    preview = slack.command("reminders preview")
    assert "Reminders are held by <@U-ANA>" in str(preview.params)
    slack.click(preview, ACTION_REMINDERS)
    assert DynamoRunControl().hold_of() is None


def test_the_previews_buttons_refuse_users_not_authorized(load_handler: Any, recorder: SlackRecorder) -> None:
    from functions.slack.blocks import ACTION_REMINDERS, button
    from shared.db.runs import DynamoRunControl

    handler = load_handler("functions.slack.handler", SLACK_API_URL=recorder.api_url, AUTHORIZED_USERS="U-BOSS")
    handler.slack_handler.app.listener_runner.lazy_listener_runner.lambda_client = InlineLambda(handler)
    preview = {"type": "actions", "block_id": "reminders", "elements": [button("Hold", ACTION_REMINDERS, "hold now")]}
    message = RecordedCall("chat.postMessage", {"channel": "C-1", "blocks": [preview]}, "/api/chat.postMessage")

    Slack(handler, recorder).click(message, ACTION_REMINDERS)  # a preview forwarded to someone who may not hold

    assert DynamoRunControl().hold_of() is None
    assert "Only users allowed" in str(recorder.responses[-1].params)


def test_a_reminders_button_with_words_it_cannot_read_gets_its_usage(slack: Slack) -> None:
    from functions.slack.blocks import ACTION_REMINDERS, button

    forged = {"type": "actions", "block_id": "reminders", "elements": [button("x", ACTION_REMINDERS, "send all")]}
    slack.click(RecordedCall("chat.postMessage", {"channel": "C-1", "blocks": [forged]}, "/api/chat.postMessage"),
                ACTION_REMINDERS)  # fmt: skip
    assert "'send' is not one of preview, hold, release, approve" in str(slack.recorder.responses[-1].params)


def test_the_previews_hold_this_account_button_stops_that_account_and_the_run_skips_it(slack: Slack) -> None:
    from functions.slack.blocks import ACTION_PAUSE

    # Given an account whose first reminder is due at Monday's run
    due = account("C-1001", due=date(2026, 11, 20), next_action_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    account_repo.save_account(replace(due, version=account_repo.get_account(KEY).version))
    preview = slack.command(f"reminders preview {RUN_AT}")
    shown = str(preview.params)
    assert "`acme:C-1001` step 1 by email" in shown and "Hold this account" in shown

    # When a manager clicks Hold this account, and the click is retried
    slack.click(preview, ACTION_PAUSE)
    slack.click(preview, ACTION_PAUSE)

    # Then that account's reminders stop until resumed, once, saying who and from where
    stored = account_repo.get_account(KEY)
    assert (stored.automation, stored.next_action) == ("review", "review")
    stops = [a for a in activity_repo.query_activity(KEY, kinds=frozenset({"status"})) if "by hand" in a.summary]
    assert [(a.actor, a.summary) for a in stops] == [
        ("U-ANA", "reminders stopped by hand: held back from the reminder preview")
    ]
    # and the same preview now sends nothing to it
    assert "acme:C-1001" not in str(slack.command(f"reminders preview {RUN_AT}").params)


def test_the_hold_this_account_button_refuses_users_not_authorized(load_handler: Any, recorder: SlackRecorder) -> None:
    from functions.slack.blocks import ACTION_PAUSE, button, section

    handler = load_handler("functions.slack.handler", SLACK_API_URL=recorder.api_url, AUTHORIZED_USERS="U-BOSS")
    handler.slack_handler.app.listener_runner.lazy_listener_runner.lambda_client = InlineLambda(handler)
    account_repo.put_new_accounts([account("C-1001")])
    row = section("`acme:C-1001` step 1 by email") | {"block_id": "send-0",
                                                       "accessory": button("Hold", ACTION_PAUSE, "acme:C-1001")}  # fmt: skip
    message = RecordedCall("chat.postMessage", {"channel": "C-1", "blocks": [row]}, "/api/chat.postMessage")

    Slack(handler, recorder).click(message, ACTION_PAUSE)

    assert account_repo.get_account(KEY).automation == "on"
    assert "Only users allowed" in str(recorder.responses[-1].params)
