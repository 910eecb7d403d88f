"""Reminders Lambda: a scheduled run sends every due, allowed reminder; SES delivery events (via SNS) are kept
against the attempt they confirm."""

from datetime import datetime
from typing import Any, cast

from aws_lambda_powertools.utilities.parser import envelopes, parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.reminders.deliveries import record_deliveries
from functions.reminders.env import Settings
from functions.reminders.logic import run_reminders
from functions.reminders.models import SesSendingEvent
from functions.reminders.sending import Senders
from shared import clock as wallclock
from shared.adapters.aws import QueuedNotifier
from shared.adapters.sending import OneTrySnsSms, TaggedSesMailer
from shared.db.accounts import DynamoAccounts
from shared.db.models import configure
from shared.db.sends import DynamoSendLog
from shared.observability import logger
from shared.schedule import ScheduledEvent

settings = Settings()  # type: ignore[call-arg]  # read from the environment
configure(settings.table_name)


def clock() -> datetime:
    """Each send is checked at the instant it goes out, not when the run was due."""
    return wallclock.utcnow()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:  # the SNS topic of the SES configuration set
        events = cast(list[SesSendingEvent], parse(event=event, model=SesSendingEvent, envelope=envelopes.SnsEnvelope))
        return {"recorded": record_deliveries(events, DynamoSendLog(), DynamoAccounts())}
    scheduled = parse(event=event, model=ScheduledEvent)
    notify = (QueuedNotifier(settings.notify_queue_url), settings.report_channel)
    mailer = TaggedSesMailer(settings.sender_email, settings.configuration_set)
    senders = Senders(mailer, OneTrySnsSms(), DynamoSendLog(), clock)
    return run_reminders(scheduled.time, DynamoAccounts(), senders, notify).as_dict()
