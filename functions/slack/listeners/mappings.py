"""The "Review mapping" button of a file waiting in pending/: the form opens in the ack (Slack API only), the
preview of its first rows is filled in lazily, and a confirmed mapping is saved to mappings/, whose upload
event imports the waiting file (the intake validates it as it does any uploaded mapping)."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from functions.slack import mapping_form
from functions.slack.env import Settings
from functions.slack.listeners.errors import tell_ephemeral
from functions.slack.listeners.interactive import Listener, guarded_submission
from functions.slack.modals import SubmissionError
from functions.slack.replies import not_allowed_text
from shared.domain.errors import InvalidInputError
from shared.domain.mrkdwn import escape
from shared.observability import logger

WHAT = "confirm an import mapping"
UPDATE_TRIES = 3  # the preview may be ready before Slack has opened the form


def _value(body: dict[str, Any]) -> str:
    return str(((body.get("actions") or [{}])[0]).get("value") or "")


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def make_opener(settings: Settings) -> Listener:
    def open_mapping_form(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user = _user(body)
        if not settings.is_authorized(user):
            tell_ephemeral(respond, not_allowed_text(user, WHAT))
            return
        try:
            client.views_open(trigger_id=body["trigger_id"], view=mapping_form.mapping_modal(_value(body), user))
        except InvalidInputError as exc:
            tell_ephemeral(respond, str(exc))
        except SlackApiError as exc:
            logger.warning("views.open failed", extra={"error": exc.response.get("error")})
            tell_ephemeral(respond, "Slack did not open the form in time; click the button again.")

    return open_mapping_form


def make_previewer(settings: Settings) -> Listener:
    def fill_preview(body: dict[str, Any], client: WebClient) -> None:
        user = _user(body)
        if not settings.is_authorized(user):
            return  # told in the ack; the preview shows rows of the file
        from shared.adapters.aws import S3Store

        try:
            view = mapping_form.mapping_modal(_value(body), user)
        except InvalidInputError:
            return
        meta_profile = _proposed_profile(view)
        pending = mapping_form.pending_key(view)
        text = mapping_form.preview_text(S3Store(settings.bucket_name).iter_lines(pending), meta_profile)
        for block in view["blocks"]:
            if block.get("block_id") == mapping_form.PREVIEW_BLOCK:
                block["text"]["text"] = text[:3000]
        update = {k: v for k, v in view.items() if k != "external_id"}
        for tries in range(UPDATE_TRIES):
            try:
                client.views_update(external_id=view["external_id"], view=update)
                return
            except SlackApiError as exc:
                if exc.response.get("error") != "not_found" or tries == UPDATE_TRIES - 1:
                    logger.warning("views.update failed", extra={"error": exc.response.get("error")})
                    return
                time.sleep(0.5)

    return fill_preview


def _proposed_profile(view: dict[str, Any]) -> Any:
    """The profile the form's initial choices make (what the preview shows)."""
    state: dict[str, Any] = {"values": {}}
    for block in view["blocks"]:
        element = block.get("element") or {}
        initial = element.get("initial_option") or (
            {"value": element["initial_value"]} if "initial_value" in element else None
        )
        if block.get("type") == "input" and initial:
            state["values"][block["block_id"]] = {element["action_id"]: {"selected_option": initial}}
    try:
        return mapping_form.read_mapping(view | {"state": state})[3]
    except SubmissionError as exc:
        from shared.domain.receivables import Profile

        logger.info("proposal incomplete", extra={"fields": list(exc.errors)})
        return Profile(name="incomplete", columns={})


def ack_mapping(ack: Ack, view: dict[str, Any], request: BoltRequest) -> None:
    try:
        mapping_form.read_mapping(view)
    except SubmissionError as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    ack()


def make_saver(settings: Settings) -> Listener:
    def save_mapping(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = _user(body)
        if not settings.is_authorized(user):
            return  # refused in the ack
        try:
            name, text, pending, _ = mapping_form.read_mapping(view)
        except InvalidInputError:
            return  # answered in the ack
        from shared.adapters.aws import S3Store

        S3Store(settings.bucket_name).put(f"mappings/{name}.yaml", text.encode(), "application/yaml")
        logger.info("mapping saved", extra={"mapping": name})
        client.chat_postMessage(
            channel=user,
            text=f"Saved mapping `{escape(name)}`: `{escape(pending)}` imports with it now (the ops channel "
            "shows the summary), and so do later files with the same header.",
        )

    return save_mapping


def register(app: App, settings: Settings) -> None:
    app.block_action(mapping_form.ACTION_REVIEW)(ack=make_opener(settings), lazy=[make_previewer(settings)])
    submit = guarded_submission(settings, mapping_form.NAME[0], WHAT, ack_mapping)
    app.view_submission(mapping_form.MAPPING_VIEW)(ack=submit, lazy=[make_saver(settings)])
