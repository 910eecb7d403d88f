"""Scheduled reminders: every account whose next dunning step is due gets it, if the law allows it now."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared import contacts
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import keys
from shared.domain.accounts import Account
from shared.domain.compliance import Decision
from shared.domain.contact_check import ProposedContact
from shared.domain.dunning import DEFAULT_CADENCE, Step, next_reminder, schedule_next
from shared.domain.errors import ConflictError, UpstreamUnavailableError
from shared.domain.messages import render_reminder
from shared.observability import logger
from shared.ports import Mailer, SmsSender

ACTOR = "reminders"


@dataclass
class RunReport:
    """What one run did, by outcome (sent, deferred, blocked, review, repeat, no-contact, done)."""

    at: datetime
    outcomes: Counter[str] = field(default_factory=Counter)
    sent: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"at": self.at.isoformat(), "outcomes": dict(self.outcomes), "sent": self.sent}


def _targets(account: Account, channel: str) -> list[tuple[str, str]]:
    """(channel, address) pairs to try in order: the step's channel first, then email; never an opted-out point."""
    phones = [("sms", p["number"]) for p in account.phones if not p.get("opted_out_at") and p.get("type") != "landline"]
    emails = [("email", e["address"]) for e in account.emails if not e.get("opted_out_at")]
    return (phones[:1] if channel == "sms" else []) + emails[:1]


def run_reminders(
    now: datetime, mailer: Mailer, sms: SmsSender, clock: Callable[[], datetime] | None = None
) -> RunReport:
    """Send every reminder due at the schedule's `now`; each is checked and logged at `clock()`, the instant it
    goes out (a late retry of the run must not send at 21:05 under a 20:58 check). Tests pass a fixed clock."""
    report = RunReport(now)
    send_clock = clock or (lambda: now)
    for due in account_repo.query_due_accounts(now):
        try:
            outcome = _remind_fresh(due.key, now, send_clock(), mailer, sms)
        except ConflictError:
            outcome = "conflict"  # changed by a collector meanwhile; still due, so the next run takes it
        report.outcomes[outcome] += 1
        if outcome == "sent":
            report.sent.append(due.key)
    logger.info("reminder run finished", extra=report.as_dict())
    if report.outcomes["failed"]:
        # Raise so Lambda retries; the send markers keep the retry from sending anything twice.
        raise UpstreamUnavailableError(f"{report.outcomes['failed']} reminder(s) could not be delivered")
    return report


def _remind_fresh(key: str, due_at: datetime, at: datetime, mailer: Mailer, sms: SmsSender) -> str:
    """Re-read the account (the due index is eventually consistent): a hold or payment just recorded counts."""
    account = account_repo.get_account(key)
    if account.next_action_at is None or account.next_action_at > due_at or not account.is_open:
        return "not-due"
    return remind_account(account, at, mailer, sms)


def remind_account(
    account: Account, now: datetime, mailer: Mailer, sms: SmsSender, cadence: tuple[Step, ...] = DEFAULT_CADENCE
) -> str:
    """Send (or defer, or stop) the account's due step; returns the outcome name.

    Each candidate channel is checked and every decision is kept; a channel the rules refuse (say, a text
    to a number without a reassigned-number check) falls back to email before the step is held back.
    """
    nxt = next_reminder(account, cadence)
    if nxt is None:
        account_repo.put_account(schedule_next(account, cadence))
        return "done"
    index, _ = nxt
    targets = _targets(account, cadence[index].channel)
    if not targets:
        account_repo.put_account(schedule_next(replace(account, dunning_step=index + 1), cadence))
        return "no-contact"
    refused: list[contacts.Checked] = []
    for channel, address in targets:
        proposed = ProposedContact(at=now, channel=channel, to=address, automated=True)
        checked = contacts.check_contact(account, proposed)
        if checked.decision.decision == "ALLOW":
            return _send(checked, proposed, cadence[index], index, mailer, sms, cadence)
        contacts.log_decision(checked, proposed, ACTOR)
        refused.append(checked)
    return _hold_back(account, [c.decision for c in refused])


def _hold_back(account: Account, decisions: list[Decision]) -> str:
    """No channel allowed now: wait for the earliest deferral, else stop the cadence for a collector's review."""
    untils = [d.until for d in decisions if d.decision == "DEFER" and d.until is not None]
    if untils:
        account_repo.put_account(replace(account, next_action_at=min(untils)))
        return "deferred"
    account_repo.put_account(replace(account, next_action="review", next_action_at=None))
    return "blocked" if any(d.decision == "BLOCK" for d in decisions) else "review"


def _send(
    checked: contacts.Checked,
    proposed: ProposedContact,
    step: Step,
    index: int,
    mailer: Mailer,
    sms: SmsSender,
    cadence: tuple[Step, ...],
) -> str:
    """Claim the step once, send it, then keep the contact; a repeated run finds the claim and only advances."""
    account = checked.account
    marker = (keys.account_pk(account.key), f"SEND#{account.oldest_due}#{index}")
    if activity_repo.claim_marker(*marker, at=proposed.at, data={"channel": proposed.channel}):
        message = render_reminder(step.template, proposed.channel, account, proposed.at.date())
        try:
            message_id = _deliver(proposed, message.subject, message.body, mailer, sms)
        except UpstreamUnavailableError as exc:
            activity_repo.release_marker(*marker)
            # No traceback: the provider's message can name the recipient; the account key is enough.
            logger.warning(
                "reminder not delivered; it will be retried", extra={"account": account.key, "error": _error_code(exc)}
            )
            return "failed"
        contact = contacts.contact_activity(
            checked,
            proposed,
            ACTOR,
            "sent",
            f"{step.template} reminder by {proposed.channel}",
            {"template": step.template, "step": index, "message_id": message_id},
        )
        contacts.keep_contact(checked, proposed, contact, ACTOR)
        outcome = "sent"
    else:
        outcome = "repeat"
    account_repo.put_account(schedule_next(replace(account, dunning_step=index + 1), cadence, proposed.at))
    return outcome


def _deliver(proposed: ProposedContact, subject: str, body: str, mailer: Mailer, sms: SmsSender) -> str:
    if proposed.to is None:
        raise UpstreamUnavailableError("no address to deliver to")
    if proposed.channel == "sms":
        return sms.send_sms(proposed.to, body)
    return mailer.send_email(proposed.to, subject, body)


def _error_code(exc: Exception) -> str:
    """The provider's error code (e.g. MessageRejected) without its message, which may contain an address."""
    cause = exc.__cause__
    response = getattr(cause, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(cause).__name__))
    return type(cause or exc).__name__
