"""Plans Lambda: a scheduled run follows up promises to pay and reports to Slack."""

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.plans.env import Settings
from functions.plans.logic import run_follow_ups
from shared.adapters.aws import QueuedNotifier
from shared.db.accounts import DynamoAccounts
from shared.db.models import configure
from shared.observability import logger
from shared.schedule import ScheduledEvent

settings = Settings()  # type: ignore[call-arg]  # read from the environment
configure(settings.table_name)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    scheduled = parse(event=event, model=ScheduledEvent)
    channels = (settings.report_channel, settings.ops_channel)
    return run_follow_ups(
        scheduled.time, QueuedNotifier(settings.notify_queue_url), channels, DynamoAccounts()
    ).as_dict()
