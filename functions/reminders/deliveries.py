"""SES delivery events (configuration set -> SNS -> this function): kept against the attempt the email was tagged
with, so the next run can tell a lost response that was sent from one that was not; a permanent bounce or a
complaint also stops email to that address on its account."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress

from functions.reminders.models import SesSendingEvent
from shared.domain.account_actions import email_refused
from shared.domain.accounts import Account, Activity
from shared.domain.errors import NotFoundError
from shared.domain.sends import ACCOUNT_TAG, ATTEMPT_TAG, DeliveryEvent, account_of_tag
from shared.observability import logger
from shared.ports import Accounts, SendLog
from shared.writes import change_account


def record_deliveries(events: Iterable[SesSendingEvent], log: SendLog, accounts: Accounts | None = None) -> int:
    """Keep each event of a tagged reminder; events of other mail are skipped. Returns how many were kept."""
    kept = 0
    for event in events:
        attempt = event.mail.tags.get(ATTEMPT_TAG) or []
        if not attempt:
            continue
        log.record_event(DeliveryEvent(attempt[0], event.event_type, event.mail.timestamp, event.mail.message_id))
        kept += 1
        if accounts is not None:
            _refusals(event, accounts)
    logger.info("delivery events recorded", extra={"kept": kept})
    return kept


def _refusals(event: SesSendingEvent, accounts: Accounts) -> None:
    """A permanent bounce marks each bounced address bad; a complaint opts its address out (repeats change
    nothing: SNS delivers at least once). Transient bounces only wait for the next try."""
    tag = event.mail.tags.get(ACCOUNT_TAG) or []
    bounce, complaint = event.bounce, event.complaint
    refused: list[tuple[str, bool, str]] = []
    if bounce is not None and bounce.bounce_type == "Permanent":
        refused = [(r.email_address, False, bounce.bounce_sub_type or "permanent") for r in bounce.recipients]
    elif complaint is not None:
        refused = [(r.email_address, True, complaint.feedback_type or "complaint") for r in complaint.recipients]
    if not tag or not refused:
        return
    key = account_of_tag(tag[0])
    at = event.mail.timestamp

    def refuse(current: Account) -> tuple[Account, list[Activity]]:
        activities: list[Activity] = []
        for address, is_complaint, detail in refused:
            current, done = email_refused(current, address, is_complaint, at, detail)
            activities += done
        return current, activities  # refused already: the same account, nothing written

    with suppress(NotFoundError):  # the account is gone (retention)
        change_account(accounts, key, refuse, at)
        logger.info("email refused by the provider", extra={"account": key, "event": event.event_type})
