"""Slack Lambda: a Function URL receives Slack's signed requests; Bolt verifies, acks and runs lazy work.

The function runs with SnapStart (infra/template.yaml): Lambda runs this module's Init when a version is published,
snapshots it, and a cold start resumes that snapshot. The two runtime hooks below keep that safe and fast: before
the snapshot the self-invoke's Lambda client is built into it; after a restore the secrets are read again, so a
rotated one takes effect in the next sandbox, as it would without SnapStart.
"""

from typing import Any, cast

from aws_lambda_powertools.utilities.typing import LambdaContext
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner
from slack_sdk.signature import SignatureVerifier
from snapshot_restore_py import register_after_restore, register_before_snapshot

from functions.slack.app import build_app
from functions.slack.env import Settings
from functions.slack.models import check_request
from shared.adapters.aws import client
from shared.adapters.secrets import secrets
from shared.db.models import configure
from shared.domain.errors import UpstreamUnavailableError
from shared.observability import logger

settings = Settings()  # type: ignore[call-arg]  # read from the environment
configure(settings.table_name)


def _read_secrets(fresh: bool = False) -> tuple[str, str]:
    signing, token = secrets(settings.slack_signing_secret_param, settings.slack_bot_token_param, fresh=fresh)
    return signing, token


def _start(signing: str, token: str, lambda_client: Any = None) -> tuple[SlackRequestHandler, SignatureVerifier]:
    handler = SlackRequestHandler(build_app(settings, signing, token))
    # Bolt's own runner for the lazy self-invoke, given the client a snapshot built (None: built on first use)
    handler.app.listener_runner.lazy_listener_runner = LambdaLazyListenerRunner(handler.logger, lambda_client)
    return handler, SignatureVerifier(signing)


signing_secret, bot_token = _read_secrets()
slack_handler, verifier = _start(signing_secret, bot_token)


def _runner() -> LambdaLazyListenerRunner:
    return cast(LambdaLazyListenerRunner, slack_handler.app.listener_runner.lazy_listener_runner)  # _start's


@register_before_snapshot
def build_lambda_client() -> None:
    """Bolt builds the self-invoke's client on the first lazy listener, on the ack path: built here, the snapshot
    holds it (its service model loaded, its credential provider set, no connection open yet)."""
    runner = _runner()
    runner.lambda_client = runner.lambda_client or client("lambda")


@register_after_restore
def read_secrets_again() -> None:
    """A snapshot lives as long as its version: the secrets it holds may have been rotated since. Unchanged (the
    usual case) nothing else is done; changed, the app is built again with them and the snapshot's client. If SSM
    does not answer, the snapshot's secrets serve: they are right unless a rotation happened since."""
    global signing_secret, bot_token, slack_handler, verifier
    try:
        read = _read_secrets(fresh=True)
    except UpstreamUnavailableError:
        logger.warning("slack secrets not read again after the restore: the snapshot's serve", exc_info=True)
        return
    if read == (signing_secret, bot_token):
        return
    slack_handler, verifier = _start(*read, lambda_client=_runner().lambda_client)
    signing_secret, bot_token = read
    logger.info("slack secrets changed since the snapshot: app rebuilt")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    refusal = check_request(event, verifier)
    if refusal is not None:  # malformed or unsigned: answered before Bolt parses anything
        logger.warning("slack request refused", extra={"status": refusal.status})
        return refusal.response()
    response: dict[str, Any] = slack_handler.handle(event, context)
    return response
