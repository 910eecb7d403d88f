"""Scheduled reminders: every account whose next dunning step is due gets it, if the law allows it now."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared import contacts
from shared.db import activity as activity_repo
from shared.db import keys
from shared.domain.accounts import Account, Activity
from shared.domain.compliance import Decision
from shared.domain.contact_check import ProposedContact
from shared.domain.dunning import Step
from shared.domain.errors import ConflictError, UpstreamUnavailableError
from shared.domain.messages import render_reminder
from shared.observability import logger
from shared.ports import Accounts, Mailer, SlackPoster, SmsSender
from shared.writes import change_account

ACTOR = "reminders"


@dataclass
class RunReport:
    """What one run did, by outcome (sent, deferred, blocked, review, repeat, no-contact, not-due)."""

    at: datetime
    outcomes: Counter[str] = field(default_factory=Counter)
    sent: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)  # accounts whose automation stopped for a collector's review

    def as_dict(self) -> dict[str, object]:
        return {"at": self.at.isoformat(), "outcomes": dict(self.outcomes), "sent": self.sent, "stopped": self.stopped}


@dataclass(frozen=True)
class Senders:
    mailer: Mailer
    sms: SmsSender
    clock: Callable[[], datetime]


def _targets(account: Account, channel: str) -> list[tuple[str, str]]:
    """(channel, address) pairs to try in order: the step's channel first, then email; never an opted-out point."""
    phones = [
        ("sms", p["number"])
        for p in account.phones
        if not p.get("opted_out_at") and not p.get("invalid") and p.get("type") != "landline"
    ]
    emails = [("email", e["address"]) for e in account.emails if not e.get("opted_out_at")]
    return (phones[:1] if channel == "sms" else []) + emails[:1]


def run_reminders(
    now: datetime,
    accounts: Accounts,
    mailer: Mailer,
    sms: SmsSender,
    clock: Callable[[], datetime] | None = None,
    notify: tuple[SlackPoster, str] | None = None,
) -> RunReport:
    """Send every reminder due at the schedule's `now`; each is checked and logged at `clock()`, the instant it
    goes out (a late retry of the run must not send at 21:05 under a 20:58 check). Tests pass a fixed clock.

    Collectors are told (in `notify`'s channel) when automation stopped on an account and how to restart it.
    """
    report = RunReport(now)
    senders = Senders(mailer, sms, clock or (lambda: now))
    for due in accounts.due(now, "REMIND"):
        try:
            outcome = _remind_fresh(accounts, due.key, now, senders)
        except ConflictError:
            outcome = "conflict"  # changed by a collector meanwhile; still due, so the next run takes it
        report.outcomes[outcome] += 1
        if outcome == "sent":
            report.sent.append(due.key)
        if outcome in ("blocked", "review"):
            report.stopped.append(due.key)
    logger.info("reminder run finished", extra=report.as_dict())
    _tell_stopped(report, notify)
    if report.outcomes["failed"]:
        # Raise so Lambda retries; the send markers keep the retry from sending anything twice.
        raise UpstreamUnavailableError(f"{report.outcomes['failed']} reminder(s) could not be delivered")
    return report


def _tell_stopped(report: RunReport, notify: tuple[SlackPoster, str] | None) -> None:
    if not report.stopped or notify is None:
        return
    poster, channel = notify
    lines = [f"• `{key}`" for key in report.stopped[:40]]
    text = (
        ":octagonal_sign: Reminders stopped for review on these accounts (a contact rule blocks every channel): "
        "see `/collect why <id>`, then `/collect resume <id>` to restart.\n" + "\n".join(lines)
    )
    try:
        poster.post(channel, text)
    except UpstreamUnavailableError:
        logger.warning("could not tell Slack about stopped reminders", extra={"accounts": len(report.stopped)})


def _remind_fresh(accounts: Accounts, key: str, due_at: datetime, senders: Senders) -> str:
    """Re-read the account (the due index is eventually consistent): a hold or payment just recorded counts."""
    account = accounts.get(key)
    if account.next_action != "reminder" or account.next_action_at is None or account.next_action_at > due_at:
        return "not-due"
    return remind_account(accounts, account, senders)


def remind_account(accounts: Accounts, account: Account, senders: Senders) -> str:
    """Send (or defer, or stop) the account's due step; returns the outcome name.

    Each candidate channel is checked and every decision is kept; a channel the rules refuse (say, a text
    to a number without a reassigned-number check) falls back to email before the step is held back.
    """
    cadence = accounts.settings(account.creditor).cadence
    index = account.dunning_step
    if index >= len(cadence):
        return "done"
    at = senders.clock()
    targets = _targets(account, cadence[index].channel)
    if not targets:
        _advance(accounts, account.key, at, index + 1, None)
        return "no-contact"
    refused: list[contacts.Checked] = []
    for channel, address in targets:
        proposed = ProposedContact(at=at, channel=channel, to=address, automated=True)
        checked = contacts.check_contact(account, proposed)
        if checked.decision.decision == "ALLOW":
            return _send(accounts, checked, proposed, cadence[index], index, senders)
        contacts.log_decision(checked, proposed, ACTOR)
        refused.append(checked)
    return _hold_back(accounts, account, at, [c.decision for c in refused])


def _advance(accounts: Accounts, key: str, at: datetime, step: int, sent_at: datetime | None) -> None:
    def advance(current: Account) -> tuple[Account, list[Activity]]:
        last = sent_at or current.last_contact_at
        return replace(
            current, dunning_step=max(current.dunning_step, step), last_contact_at=last, defer_until=None
        ), []

    change_account(accounts, key, advance, at)


def _hold_back(accounts: Accounts, account: Account, at: datetime, decisions: list[Decision]) -> str:
    """No channel allowed now: wait for the earliest deferral, else stop the cadence for a collector's review."""
    untils = [d.until for d in decisions if d.decision == "DEFER" and d.until is not None]
    if untils:
        until = min(untils)
        change_account(accounts, account.key, lambda a: (replace(a, defer_until=until), []), at)
        return "deferred"
    summary = "reminders stopped for review: " + "; ".join(d.explanation for d in decisions)
    stop = Activity(
        at=at, kind="status", actor=ACTOR, summary=summary, rules=tuple(r for d in decisions for r in d.rules)
    )
    change_account(accounts, account.key, lambda a: (replace(a, automation="review"), [stop]), at)
    return "blocked" if any(d.decision == "BLOCK" for d in decisions) else "review"


def _send(
    accounts: Accounts,
    checked: contacts.Checked,
    proposed: ProposedContact,
    step: Step,
    index: int,
    senders: Senders,
) -> str:
    """Claim the step once, send it, then keep the contact; a repeated run finds the claim and only advances."""
    account = checked.account
    marker = (keys.account_pk(account.key), f"SEND#{account.oldest_due}#{index}")
    if activity_repo.claim_marker(*marker, at=proposed.at, data={"channel": proposed.channel}):
        message = render_reminder(step.template, proposed.channel, account, proposed.at.date())
        try:
            message_id = _deliver(proposed, message.subject, message.body, senders)
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
    _advance(accounts, account.key, proposed.at, index + 1, proposed.at)
    return outcome


def _deliver(proposed: ProposedContact, subject: str, body: str, senders: Senders) -> str:
    if proposed.to is None:
        raise UpstreamUnavailableError("no address to deliver to")
    if proposed.channel == "sms":
        return senders.sms.send_sms(proposed.to, body)
    return senders.mailer.send_email(proposed.to, subject, body)


def _error_code(exc: Exception) -> str:
    """The provider's error code (e.g. MessageRejected) without its message, which may contain an address."""
    cause = exc.__cause__
    response = getattr(cause, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(cause).__name__))
    return type(cause or exc).__name__
