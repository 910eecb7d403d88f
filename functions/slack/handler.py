"""Slack Lambda: a Function URL receives Slack's signed requests; Bolt verifies, acks and runs lazy work."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from functions.slack.app import build_app
from functions.slack.env import Settings
from functions.slack.models import check_request
from shared.adapters.secrets import secrets
from shared.db.models import configure
from shared.observability import logger

settings = Settings()  # type: ignore[call-arg]  # read from the environment
configure(settings.table_name)
# On Lambda both from the parameters extension on localhost: no SSM client is built at Init.
signing_secret, bot_token = secrets(settings.slack_signing_secret_param, settings.slack_bot_token_param)
app = build_app(settings, signing_secret, bot_token)
slack_handler = SlackRequestHandler(app)
verifier = SignatureVerifier(signing_secret)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    refusal = check_request(event, verifier)
    if refusal is not None:  # malformed or unsigned: answered before Bolt parses anything
        logger.warning("slack request refused", extra={"status": refusal.status})
        return refusal.response()
    response: dict[str, Any] = slack_handler.handle(event, context)
    return response
