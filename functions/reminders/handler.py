"""Reminders Lambda: a scheduled run sends every due, allowed reminder (a big run fans out to itself through SQS,
one part of the due accounts a message); SES delivery events (via SNS) are kept against the attempt they confirm;
consumers' texts back (two-way SMS, via SNS) stop texts or are kept as replies; SNS's SMS delivery reports (via a
CloudWatch Logs subscription) mark each text delivered or failed and flag numbers that do not exist."""

import json
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, cast

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import CloudWatchLogsModel, SnsModel, SqsModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.reminders.deliveries import record_deliveries, record_text_deliveries
from functions.reminders.env import Settings
from functions.reminders.models import InboundText, SesSendingEvent, sns_messages, text_deliveries
from functions.reminders.replies import record_inbound_texts
from shared import clock as wallclock
from shared.adapters.aws import QueuedNotifier, S3Store, SqsQueue
from shared.adapters.secrets import secret
from shared.adapters.sending import OneTrySnsSms, TaggedSesMailer
from shared.db.accounts import DynamoAccounts
from shared.db.models import configure
from shared.db.runs import DynamoRunControl, DynamoRunTally
from shared.db.sends import DynamoSendLog
from shared.domain.unsubscribe import UnsubscribeLinks, signing_key
from shared.letters import LetterBox
from shared.observability import logger
from shared.reminders.fanout import FanOut, Part, start_run, work_part
from shared.reminders.sending import Senders
from shared.schedule import ScheduledEvent

settings = Settings()  # type: ignore[call-arg]  # read from the environment
configure(settings.table_name)


def clock() -> datetime:
    """Each send is checked at the instant it goes out, not when the run was due."""
    return wallclock.utcnow()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or [{}]
    if records[0].get("eventSource") == "aws:sqs":  # parts of a fanned-out run
        return _work(parse(event=event, model=SqsModel), context)
    if "awslogs" in event:  # SNS's SMS delivery status logs, through a subscription filter
        reports = text_deliveries(parse(event=event, model=CloudWatchLogsModel))
        return {"texts": record_text_deliveries(reports, DynamoSendLog(), DynamoAccounts())}
    if "Records" in event:  # the SNS topic of the SES configuration set, or the one of two-way SMS
        # SnsEnvelope's two steps by hand: importing powertools' envelopes builds every event model it has (~100 ms).
        messages = sns_messages(parse(event=event, model=SnsModel))
        texts = [m for m in messages if isinstance(m, InboundText)]
        if texts:  # SNS invokes with one record: a message of one topic, never both kinds
            return {"texts": record_inbound_texts(texts, DynamoSendLog(), DynamoAccounts(), clock())}
        events = [m for m in messages if isinstance(m, SesSendingEvent)]
        return {"recorded": record_deliveries(events, DynamoSendLog(), DynamoAccounts())}
    scheduled = parse(event=event, model=ScheduledEvent)
    return start_run(scheduled.time, DynamoAccounts(), _senders(), _notify(), _fan_out(), context.aws_request_id)


def _work(event: SqsModel, context: LambdaContext) -> dict[str, Any]:
    """Each part on its own; one that raised is reported back for SQS to deliver again (the others are done). A
    part stops taking accounts when the invocation nears its timeout (what it did not take is queued again)."""
    fan_out = _fan_out()
    if fan_out is None:
        raise RuntimeError("WORK_QUEUE_URL is not set, so this function fans out no run: it takes no parts")
    senders, failed = _senders(pace=_pace(settings.send_rate, settings.workers)), []
    time_left = lambda: context.get_remaining_time_in_millis() / 1000  # noqa: E731
    for record in event.Records:
        try:
            part = Part.from_json(json.loads(cast(str, record.body)))
            work_part(part, DynamoAccounts(), fan_out, (senders, _notify()), time_left)
        except Exception as exc:  # a bulkhead: this part is retried by SQS, the batch's others are not
            error = type(exc).__name__
            logger.warning("reminder part not finished", extra={"message_id": record.messageId, "error": error})
            failed.append({"itemIdentifier": record.messageId})
    return {"batchItemFailures": failed}


def _senders(pace: Callable[[], object] = lambda: None) -> Senders:
    mailer = TaggedSesMailer(settings.sender_email, settings.configuration_set)
    # Read per run (cached five minutes), not at cold start: delivery events need no key.
    links = UnsubscribeLinks(settings.unsubscribe_url, signing_key(secret(settings.unsubscribe_key_param)))
    letters = LetterBox(S3Store(settings.bucket_name))
    texts = OneTrySnsSms(settings.sms_origination_number)
    return Senders(mailer, texts, DynamoSendLog(), clock, links, letters=letters, pace=pace,
                   control=DynamoRunControl())  # fmt: skip


def _notify() -> tuple[QueuedNotifier, str]:
    return QueuedNotifier(settings.notify_queue_url), settings.report_channel


def _fan_out() -> FanOut | None:
    if settings.work_queue_url is None:
        return None
    queue = SqsQueue(settings.work_queue_url)
    return FanOut(queue, DynamoRunTally(), above=settings.fan_out_above, part_size=settings.part_size)


@cache
def _pace(rate: float, workers: int) -> Callable[[], object]:
    """This worker's share of SES's sending rate: one send every `workers / rate` seconds. One limiter for the
    container's life (each runs a thread of its own), imported here: only workers pace."""
    from pyrate_limiter import Limiter, Rate

    limiter = Limiter(Rate(1, max(1, round(1000 * workers / rate))), buffer_ms=10)
    return lambda: limiter.try_acquire("send")
