"""Reminders Lambda: a scheduled run sends every due, allowed reminder; SES delivery events (via SNS) are kept
against the attempt they confirm; consumers' texts back (two-way SMS, via SNS) stop texts or are kept as replies."""

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import SnsModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.reminders.deliveries import record_deliveries
from functions.reminders.env import Settings
from functions.reminders.models import InboundText, SesSendingEvent, sns_messages
from functions.reminders.replies import record_inbound_texts
from shared import clock as wallclock
from shared.adapters.aws import QueuedNotifier, S3Store, secret
from shared.adapters.sending import OneTrySnsSms, TaggedSesMailer
from shared.db.accounts import DynamoAccounts
from shared.db.models import configure
from shared.db.sends import DynamoSendLog
from shared.domain.unsubscribe import UnsubscribeLinks, signing_key
from shared.letters import LetterBox
from shared.observability import logger
from shared.reminders.run import run_reminders
from shared.reminders.sending import Senders
from shared.schedule import ScheduledEvent

settings = Settings()  # type: ignore[call-arg]  # read from the environment
configure(settings.table_name)


def clock() -> datetime:
    """Each send is checked at the instant it goes out, not when the run was due."""
    return wallclock.utcnow()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:  # the SNS topic of the SES configuration set, or the one of two-way SMS
        # SnsEnvelope's two steps by hand: importing powertools' envelopes builds every event model it has (~100 ms).
        messages = sns_messages(parse(event=event, model=SnsModel))
        texts = [m for m in messages if isinstance(m, InboundText)]
        if texts:  # SNS invokes with one record: a message of one topic, never both kinds
            return {"texts": record_inbound_texts(texts, DynamoSendLog(), DynamoAccounts(), clock())}
        events = [m for m in messages if isinstance(m, SesSendingEvent)]
        return {"recorded": record_deliveries(events, DynamoSendLog(), DynamoAccounts())}
    scheduled = parse(event=event, model=ScheduledEvent)
    notify = (QueuedNotifier(settings.notify_queue_url), settings.report_channel)
    mailer = TaggedSesMailer(settings.sender_email, settings.configuration_set)
    # Read per run (cached five minutes), not at cold start: delivery events need no key.
    links = UnsubscribeLinks(settings.unsubscribe_url, signing_key(secret(settings.unsubscribe_key_param)))
    letters = LetterBox(S3Store(settings.bucket_name))
    senders = Senders(mailer, OneTrySnsSms(), DynamoSendLog(), clock, links, letters=letters)
    return run_reminders(scheduled.time, DynamoAccounts(), senders, notify).as_dict()
