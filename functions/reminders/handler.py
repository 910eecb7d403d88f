"""Reminders Lambda: a scheduled run sends every due, allowed reminder."""

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.reminders.env import Settings
from functions.reminders.logic import run_reminders
from shared import clock as wallclock
from shared.adapters.aws import SesMailer, SnsSms, secret
from shared.adapters.slack import SlackWebPoster
from shared.db.accounts import DynamoAccounts
from shared.db.models import configure
from shared.observability import logger
from shared.schedule import ScheduledEvent

settings = Settings()  # type: ignore[call-arg]  # read from the environment
configure(settings.table_name)


def clock() -> datetime:
    """Each send is checked at the instant it goes out, not when the run was due."""
    return wallclock.utcnow()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    scheduled = parse(event=event, model=ScheduledEvent)
    poster = SlackWebPoster(secret(settings.slack_bot_token_param), settings.slack_api_url)
    notify = (poster, settings.report_channel)
    report = run_reminders(scheduled.time, DynamoAccounts(), SesMailer(settings.sender_email), SnsSms(), clock, notify)
    return report.as_dict()
