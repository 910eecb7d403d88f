"""Buttons and modals: open a form within the trigger's 3 s, check a submission in the ack, write lazily."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from functions.slack import blocks, modals
from functions.slack.commands import GUARDED, Command
from functions.slack.env import Settings
from functions.slack.listeners.errors import attempt, tell_ephemeral
from functions.slack.replies import Caller, Reply, not_allowed_text
from shared import clock as wallclock
from shared.db.accounts import DynamoAccounts
from shared.domain.errors import InvalidInputError
from shared.domain.outcomes import parse_outcome
from shared.observability import logger

Listener = Callable[..., None]
ACCOUNTS = DynamoAccounts()  # stateless: the tables are configured at cold start


def _now() -> datetime:
    """The request's instant: the one clock read of these listeners, so tests can set it."""
    return wallclock.utcnow()


def _request_day(request: BoltRequest) -> date:
    """The earliest calendar day anywhere at Slack's signed request time (UTC-12), so the ack and the lazy
    work judge a date alike without knowing the debtor yet; the write checks it against the debtor's own day."""
    stamp = (request.headers.get("x-slack-request-timestamp") or [""])[0]
    at = datetime.fromtimestamp(int(stamp), UTC) if stamp.isdigit() else _now()
    return (at - timedelta(hours=12)).date()


def _button_ref(body: dict[str, Any]) -> str:
    actions_ = body.get("actions") or [{}]
    return modals.check_ref(str(actions_[0].get("value") or ""))


def modal_opener(build: Callable[[str], modals.View], guard: tuple[Settings, str] | None = None) -> Listener:
    """An ack listener that opens the modal `build` makes from the button's value: Slack API only, no AWS.

    With `guard` (the settings and what the form does), a user not in AUTHORIZED_USERS is told so instead.
    """

    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user = str((body.get("user") or {}).get("id") or "")
        if guard is not None and not guard[0].is_authorized(user):
            tell_ephemeral(respond, not_allowed_text(user, guard[1]))
            return
        try:
            client.views_open(trigger_id=body["trigger_id"], view=build(_button_ref(body)))
        except InvalidInputError as exc:
            tell_ephemeral(respond, str(exc))
        except SlackApiError as exc:  # e.g. expired_trigger_id after a slow cold start
            logger.warning("views.open failed", extra={"error": exc.response.get("error")})
            tell_ephemeral(respond, "Slack did not open the form in time; click the button again.")

    return open_modal


def ack_button(ack: Ack) -> None:
    ack()


def make_account_worker(settings: Settings) -> Listener:
    def show_account_card(body: dict[str, Any], respond: Respond) -> None:
        from functions.slack.logic import run_command

        user = body["user"]["id"]
        caller = Caller(user, settings.is_authorized(user), body.get("trigger_id", ""))
        reply = attempt(
            lambda: run_command(Command("account", (_button_ref(body),)), caller, _now()),
            lambda text: tell_ephemeral(respond, text),
            "account button",
        )
        if reply is not None:
            respond(response_type="ephemeral", text=reply.text, blocks=reply.blocks or None, replace_original=False)

    return show_account_card


def _ack_submission(ack: Ack, read: Callable[[], object]) -> None:
    """Bad fields stay in the modal, each with its message; a good submission closes it."""
    try:
        read()
    except modals.SubmissionError as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    ack()


def ack_log_call(ack: Ack, view: dict[str, Any]) -> None:
    _ack_submission(ack, lambda: modals.read_log_call(view))


def ack_promise(ack: Ack, view: dict[str, Any], request: BoltRequest) -> None:
    _ack_submission(ack, lambda: modals.read_promise(view, _request_day(request)))


def ack_plan(ack: Ack, view: dict[str, Any], request: BoltRequest) -> None:
    _ack_submission(ack, lambda: modals.read_plan(view, _request_day(request)))


def guarded_submission(settings: Settings, field: str, what: str, check: Listener) -> Listener:
    """A view submission's ack that refuses, beside `field`, a user not in AUTHORIZED_USERS; else `check` acks it."""

    def ack_if_authorized(ack: Ack, body: dict[str, Any], view: dict[str, Any], request: BoltRequest) -> None:
        user = str((body.get("user") or {}).get("id") or "")
        if not settings.is_authorized(user):
            ack(response_action="errors", errors={field: not_allowed_text(user, what)})
            return
        check(ack, view, request)

    return ack_if_authorized


def submitter(settings: Settings, body: dict[str, Any]) -> Caller:
    """The view id is the request id: a resubmitted or retried view writes nothing twice."""
    user = body["user"]["id"]
    return Caller(user, settings.is_authorized(user), body["view"]["id"])


def report_to(settings: Settings, client: WebClient, caller: Caller, work: Callable[[], Reply], what: str) -> None:
    """Do the work and DM the collector the result (a view submission has no response_url); alert managers."""

    def tell(text: str) -> None:
        client.chat_postMessage(channel=caller.user_id, text=text)

    reply = attempt(work, tell, what)
    if reply is None:
        return
    client.chat_postMessage(channel=caller.user_id, text=reply.text, blocks=reply.blocks or None)
    if reply.alert:
        client.chat_postMessage(channel=settings.report_channel, text=reply.alert)


def make_log_call_worker(settings: Settings) -> Listener:
    def log_call_from_modal(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        from functions.slack import actions

        try:
            entry = modals.read_log_call(view)
        except InvalidInputError:
            return  # already answered in the ack
        caller = submitter(settings, body)
        outcome = parse_outcome(entry.outcome)
        work = partial(actions.log_contact_for, entry.ref, "call", outcome, entry.note, caller, _now(), ACCOUNTS)
        report_to(settings, client, caller, work, "log call modal")

    return log_call_from_modal


def make_promise_worker(settings: Settings) -> Listener:
    def promise_from_modal(body: dict[str, Any], view: dict[str, Any], client: WebClient, request: BoltRequest) -> None:
        from functions.slack import actions

        try:
            entry = modals.read_promise(view, _request_day(request))
        except InvalidInputError:
            return  # already answered in the ack
        caller = submitter(settings, body)
        if not caller.authorized:
            return  # refused in the ack; promise_for checks again
        work = partial(actions.promise_for, entry.ref, entry.amount_text, entry.due, None, caller, _now(), ACCOUNTS)
        report_to(settings, client, caller, work, "promise modal")

    return promise_from_modal


def make_plan_worker(settings: Settings) -> Listener:
    def plan_from_modal(body: dict[str, Any], view: dict[str, Any], client: WebClient, request: BoltRequest) -> None:
        from functions.slack import actions

        try:
            terms = modals.read_plan(view, _request_day(request))
        except InvalidInputError:
            return  # already answered in the ack
        caller = submitter(settings, body)
        if not caller.authorized:
            return  # refused in the ack; plan_for checks again
        report_to(settings, client, caller, partial(actions.plan_for, terms, caller, _now(), ACCOUNTS), "plan modal")

    return plan_from_modal


def register(app: App, settings: Settings) -> None:
    promises, plans = (settings, GUARDED["promise"]), (settings, GUARDED["plan"])
    app.block_action(blocks.ACTION_LOG_CALL)(ack=modal_opener(modals.log_call_modal), lazy=[])
    app.block_action(blocks.ACTION_PROMISE)(ack=modal_opener(modals.promise_modal, promises), lazy=[])
    app.block_action(blocks.ACTION_PLAN)(ack=modal_opener(modals.plan_modal, plans), lazy=[])
    app.block_action(blocks.ACTION_ACCOUNT)(ack=ack_button, lazy=[make_account_worker(settings)])
    app.view_submission(modals.LOG_CALL_VIEW)(ack=ack_log_call, lazy=[make_log_call_worker(settings)])
    promise_ack = guarded_submission(settings, modals.AMOUNT[0], GUARDED["promise"], ack_promise)
    app.view_submission(modals.PROMISE_VIEW)(ack=promise_ack, lazy=[make_promise_worker(settings)])
    plan_ack = guarded_submission(settings, modals.TOTAL[0], GUARDED["plan"], ack_plan)
    app.view_submission(modals.PLAN_VIEW)(ack=plan_ack, lazy=[make_plan_worker(settings)])
