"""The `/collect` slash command: validate and ack within Slack's 3 s, then do the work in a lazy listener."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from functions.slack.commands import GUARDED, Command, parse_command
from functions.slack.env import Settings
from functions.slack.listeners.errors import attempt, tell_ephemeral
from functions.slack.replies import Caller, not_allowed_text
from shared import clock as wallclock
from shared.domain.errors import InvalidInputError


def _now() -> datetime:
    """The request's instant: the one clock read of this listener, so tests can set it."""
    return wallclock.utcnow()


def ack_collect(ack: Ack, command: dict[str, Any]) -> None:
    """No AWS and no database here: parse, and answer bad input with its usage (ephemeral)."""
    try:
        parse_command(command.get("text", ""))
    except InvalidInputError as exc:
        ack(text=str(exc))
        return
    ack()


def _refused(cmd: Command, user_id: str, settings: Settings) -> str | None:
    """Why `user_id` may not run `cmd` (a write for AUTHORIZED_USERS only), or None when they may."""
    if cmd.name in GUARDED and not settings.is_authorized(user_id):
        return not_allowed_text(user_id, GUARDED[cmd.name])
    return None


def make_ack(settings: Settings) -> Any:
    """The ack: bad input gets its usage, a write the user may not make gets the refusal (settings only, no AWS)."""

    def ack_authorized(ack: Ack, command: dict[str, Any]) -> None:
        try:
            cmd = parse_command(command.get("text", ""))
        except InvalidInputError as exc:
            ack(text=str(exc))
            return
        refusal = _refused(cmd, str(command.get("user_id") or ""), settings)
        if refusal:
            ack(text=refusal)
            return
        ack()

    return ack_authorized


def make_worker(settings: Settings) -> Any:
    def work_collect(command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        try:
            cmd = parse_command(command.get("text", ""))
        except InvalidInputError:
            return  # already answered in the ack
        user = command["user_id"]
        if _refused(cmd, user, settings):
            return  # refused in the ack; the write itself checks again (actions.require_authorized)
        caller = Caller(user, settings.is_authorized(user), command.get("trigger_id", ""))
        from functions.slack.logic import run_command

        reply = attempt(lambda: run_command(cmd, caller, _now()), lambda text: tell_ephemeral(respond, text), cmd.name)
        if reply is None:
            return
        respond(response_type="ephemeral", text=reply.text, blocks=reply.blocks or None, replace_original=False)
        if reply.alert:
            client.chat_postMessage(channel=settings.report_channel, text=reply.alert)

    return work_collect


def register(app: App, settings: Settings) -> None:
    app.command("/collect")(ack=make_ack(settings), lazy=[make_worker(settings)])
