"""The Bolt App, built once per cold start: signing secret and bot token come from SSM by name."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from functions.slack.env import Settings
from functions.slack.listeners import register
from shared.observability import logger


def build_app(settings: Settings, signing_secret: str, bot_token: str) -> App:
    def authorize(**_: Any) -> AuthorizeResult:
        # Single workspace: the token is known, so no auth.test round trip delays the first ack.
        return AuthorizeResult(enterprise_id=None, team_id=None, bot_token=bot_token)

    app = App(
        name="arrears",  # without a name Bolt takes the caller's file name from inspect.stack(): ~80 ms of cold start
        signing_secret=signing_secret,
        authorize=authorize,
        client=WebClient(base_url=settings.slack_api_url),
        process_before_response=True,  # Lambda: nothing may run after the response is returned
    )
    register(app, settings)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        # Only unexpected errors reach here; the listeners answer users' mistakes themselves.
        logger.exception("unhandled Slack listener error", extra={"type": body.get("type")})

    return app
