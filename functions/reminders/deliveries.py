"""SES delivery events (configuration set -> SNS -> this function): kept against the attempt the email was tagged
with, so the next run can tell a lost response that was sent from one that was not; a permanent bounce or a
complaint also stops email to that address on its account. SNS's SMS delivery reports (delivery status logs ->
CloudWatch Logs subscription -> this function): kept on the text's contact record, delivered or failed; a number
that does not exist is flagged disconnected and, with no number left, the account needs locating."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import replace

from functions.reminders.models import SesSendingEvent, TextDelivery
from shared.domain.account_actions import email_refused, text_undelivered
from shared.domain.accounts import Account, Activity
from shared.domain.errors import NotFoundError
from shared.domain.letters import notice_bounced
from shared.domain.sends import ACCOUNT_TAG, ATTEMPT_TAG, DELIVERED, FAILED, DeliveryEvent, account_of_tag
from shared.domain.texts import number_gone
from shared.observability import logger
from shared.ports import Accounts, SendLog, TextReports
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
    """A permanent bounce marks each bounced address bad, and a first notice emailed there is owed again (by
    mail); a complaint opts its address out (repeats change nothing: SNS delivers at least once). Transient
    bounces only wait for the next try."""
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
    attempt = next(iter(event.mail.tags.get(ATTEMPT_TAG) or []), None)

    def refuse(current: Account) -> tuple[Account, list[Activity]]:
        activities: list[Activity] = []
        for address, is_complaint, detail in refused:
            current, done = email_refused(current, address, is_complaint, at, detail)
            activities += done
            if not is_complaint:  # a bounced notice was never provided: it goes by mail
                current, done = notice_bounced(current, address, at, attempt)
                activities += done
        return current, activities  # refused already: the same account, nothing written

    with suppress(NotFoundError):  # the account is gone (retention)
        change_account(accounts, key, refuse, at)
        logger.info("email refused by the provider", extra={"account": key, "event": event.event_type})


def record_text_deliveries(reports: Iterable[TextDelivery], log: TextReports, accounts: Accounts) -> dict[str, int]:
    """Keep each report on the text it names: by its message id, or (a text whose Publish response was lost) the one
    unsettled text to its number just before it. The report's event then settles that text's attempt on the next
    run, with the message id, instead of it being assumed sent. Returns counts by outcome: `delivered`, `failed`,
    `number-gone` (failed, and the number flagged), `repeat` (the record says so already: Logs and SNS deliver at
    least once), `unmatched` (no reminder's text: another sender's, or one that fits two; logged by message id
    only)."""
    outcomes = Counter(_record_text(report, log, accounts) for report in reports)
    logger.info("text delivery reports recorded", extra={"outcomes": dict(outcomes)})
    return dict(outcomes)


def _record_text(report: TextDelivery, log: TextReports, accounts: Accounts) -> str:
    message_id, at = report.notification.message_id, report.notification.timestamp
    text = log.sent_text(message_id)
    if text is None:  # a text whose Publish response was lost: matched by its number and time, if only one fits
        lost = log.lost_text(report.delivery.destination, at)
        text = replace(lost, message_id=message_id) if lost else None
    if text is None:
        logger.warning("delivery report of a text no reminder settled", extra={"message_id": message_id})
        return "unmatched"
    response = report.delivery.provider_response
    outcome = DELIVERED if report.delivered else FAILED
    log.record_event(DeliveryEvent(text.attempt_id, outcome, at, message_id))
    kept = log.text_delivery(text, outcome, response)
    if outcome == FAILED and number_gone(response):
        with suppress(NotFoundError):  # the account is gone (retention)
            change_account(accounts, text.account_key, lambda a: text_undelivered(a, text.to, at, response), at)
        outcome = "number-gone"
    return outcome if kept else "repeat"
