"""Buttons that lift what stops collection: Release hold (a modal), Resume reminders, and the import summary's
Paid / Still owed buttons for invoices a full snapshot left out; and those that stop it: the reminder preview's Hold
reminders and Hold this account. Each write is re-authorized on the server."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from functions.slack import blocks, modals
from functions.slack.commands import GUARDED, Command
from functions.slack.env import Settings
from functions.slack.listeners.errors import attempt, tell_ephemeral
from functions.slack.listeners.interactive import (
    ACCOUNTS,
    Listener,
    ack_button,
    guarded_submission,
    modal_opener,
    report_to,
    submitter,
)
from functions.slack.replies import Caller, Reply, require_authorized, resolve_account
from shared import clock as wallclock
from shared.domain.errors import InvalidInputError
from shared.domain.mrkdwn import escape
from shared.source_gaps import confirm_open, confirm_paid


def _now() -> datetime:
    return wallclock.utcnow()


def _action(body: dict[str, Any]) -> dict[str, Any]:
    return (body.get("actions") or [{}])[0]


def _caller(settings: Settings, body: dict[str, Any]) -> Caller:
    user = body["user"]["id"]
    # the action's own timestamp makes a retried click a repeat, not a second write
    return Caller(user, settings.is_authorized(user), str(_action(body).get("action_ts") or body.get("trigger_id", "")))


def ack_release(ack: Ack, view: dict[str, Any]) -> None:
    try:
        modals.read_release(view)
    except modals.SubmissionError as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    ack()


def make_release_worker(settings: Settings) -> Listener:
    def release_from_modal(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        from functions.slack import actions

        try:
            entry = modals.read_release(view)
        except InvalidInputError:
            return  # already answered in the ack
        caller = submitter(settings, body)
        if not caller.authorized:
            return  # refused in the ack; release_hold checks again
        command = Command("release", (entry.ref, entry.hold, *entry.reason.split()))
        report_to(settings, client, caller, lambda: actions.release_hold(command, caller, _now(), ACCOUNTS), "release")

    return release_from_modal


def make_resume_worker(settings: Settings) -> Listener:
    def resume_from_button(body: dict[str, Any], respond: Respond) -> None:
        from functions.slack import actions

        caller = _caller(settings, body)
        command = Command("resume", (modals.check_ref(str(_action(body).get("value") or "")), "(Resume button)"))
        _reply(respond, lambda: actions.resume(command, caller, _now(), ACCOUNTS), "resume button")

    return resume_from_button


def make_pause_worker(settings: Settings) -> Listener:
    """The preview's Hold this account: that account's reminders stop until `resume` (the run then skips it)."""

    def pause_from_button(body: dict[str, Any], respond: Respond) -> None:
        from functions.slack import actions

        caller = _caller(settings, body)
        ref = modals.check_ref(str(_action(body).get("value") or ""))
        command = Command("pause", (ref, "held back from the reminder preview"))
        _reply(respond, lambda: actions.pause(command, caller, _now(), ACCOUNTS), "pause button")

    return pause_from_button


def make_reminders_worker(settings: Settings) -> Listener:
    """The preview's Hold reminders / Release the hold / Approve <day>: the `reminders` command with the button's
    words, re-authorized on the server; the managers' channel hears what changed."""

    def reminders_from_button(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        from functions.slack.logic import run_command

        caller = _caller(settings, body)
        words = tuple(str(_action(body).get("value") or "").split())
        command = Command("reminders", words or ("preview",))
        reply = attempt(lambda: run_command(command, caller, _now(), ACCOUNTS),
                        lambda text: tell_ephemeral(respond, text), "reminders button")  # fmt: skip
        if reply is None:
            return
        respond(response_type="ephemeral", text=reply.text, replace_original=False)
        if reply.alert:
            client.chat_postMessage(channel=settings.report_channel, text=reply.alert)

    return reminders_from_button


def make_snapshot_worker(settings: Settings, paid: bool) -> Listener:
    """Paid: the left-out invoices are closed as paid per source; Still owed: the hold is lifted."""

    def confirm_from_button(body: dict[str, Any], respond: Respond) -> None:
        caller = _caller(settings, body)
        ref = modals.check_ref(str(_action(body).get("value") or ""))

        def work() -> Reply:
            require_authorized(caller, "confirm invoices a snapshot left out")
            account = resolve_account(ref, ACCOUNTS)
            confirm = confirm_paid if paid else confirm_open
            stored = confirm(ACCOUNTS, account.key, _now(), caller.user_id, f"REQ#{caller.request_id}")
            if stored is None:
                return Reply(f"`{escape(ref)}` was already confirmed.")
            done = "closed as paid per source" if paid else "kept open: reminders resume"
            return Reply(f"`{escape(ref)}`: {done}. Balance now {stored.balance_text()}.")

        _reply(respond, work, "snapshot button")

    return confirm_from_button


def _reply(respond: Respond, work: Any, what: str) -> None:
    reply = attempt(work, lambda text: tell_ephemeral(respond, text), what)
    if reply is not None:
        respond(response_type="ephemeral", text=reply.text, replace_original=False)


def register(app: App, settings: Settings) -> None:
    releases = GUARDED["release"]
    app.block_action(blocks.ACTION_RELEASE)(ack=modal_opener(modals.release_modal, (settings, releases)), lazy=[])
    release_ack = guarded_submission(settings, modals.HOLD[0], releases, lambda ack, view, _: ack_release(ack, view))
    app.view_submission(modals.RELEASE_VIEW)(ack=release_ack, lazy=[make_release_worker(settings)])
    app.block_action(blocks.ACTION_RESUME)(ack=ack_button, lazy=[make_resume_worker(settings)])
    app.block_action(blocks.ACTION_REMINDERS)(ack=ack_button, lazy=[make_reminders_worker(settings)])
    app.block_action(blocks.ACTION_PAUSE)(ack=ack_button, lazy=[make_pause_worker(settings)])
    app.block_action(re.compile(r"^snapshot_paid:"))(ack=ack_button, lazy=[make_snapshot_worker(settings, True)])
    app.block_action(re.compile(r"^snapshot_owed:"))(ack=ack_button, lazy=[make_snapshot_worker(settings, False)])
