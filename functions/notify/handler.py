"""Notify Lambda: SQS FIFO batches of Slack notices, delivered with partial batch responses."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.notify.env import Settings
from functions.notify.logic import Message, deliver_batch
from shared import clock as wallclock
from shared.adapters.aws import SqsQueue
from shared.adapters.secrets import secret
from shared.adapters.slack import SlackWebPoster
from shared.db.models import configure
from shared.domain.notices import Notice
from shared.observability import logger

settings = Settings()  # type: ignore[call-arg]  # read from the environment
configure(settings.table_name)
queue = SqsQueue(settings.notify_queue_url)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    messages = [
        Message(r["messageId"], r["receiptHandle"], Notice.of(json.loads(r["body"]))) for r in event.get("Records", [])
    ]
    poster = SlackWebPoster(secret(settings.slack_bot_token_param), settings.slack_api_url)
    outcome = deliver_batch(messages, poster, wallclock.utcnow(), lambda m, seconds: queue.hide(m.receipt, seconds))
    counted = {"delivered": outcome.delivered, "repeats": outcome.repeats, "dropped": outcome.dropped}
    logger.info("notices delivered", extra=counted)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in outcome.failed]}
