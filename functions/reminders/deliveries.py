"""SES delivery events (configuration set -> SNS -> this function): kept against the attempt the email was tagged
with, so the next run can tell a lost response that was sent from one that was not."""

from __future__ import annotations

from collections.abc import Iterable

from functions.reminders.models import SesSendingEvent
from shared.domain.sends import ATTEMPT_TAG, DeliveryEvent
from shared.observability import logger
from shared.ports import SendLog


def record_deliveries(events: Iterable[SesSendingEvent], log: SendLog) -> int:
    """Keep each event of a tagged reminder; events of other mail are skipped. Returns how many were kept."""
    kept = 0
    for event in events:
        attempt = event.mail.tags.get(ATTEMPT_TAG) or []
        if not attempt:
            continue
        log.record_event(DeliveryEvent(attempt[0], event.event_type, event.mail.timestamp, event.mail.message_id))
        kept += 1
    logger.info("delivery events recorded", extra={"kept": kept})
    return kept
