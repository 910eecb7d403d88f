"""One reminder step's send: recorded as an `unknown` attempt before the provider is called, settled after it
answers, and resolved by a later run when the answer was lost, so no step is ever sent twice."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from shared import contacts
from shared.domain.accounts import Account
from shared.domain.contact_check import ProposedContact
from shared.domain.errors import DeliveryUnknownError, UpstreamUnavailableError
from shared.domain.letters import Notice, mail_date
from shared.domain.messages import Message, render_reminder
from shared.domain.sends import FAILED, SENT, UNKNOWN, DeliveryEvent, SendAttempt, resolve, settled
from shared.domain.settings import Settings
from shared.domain.unsubscribe import UnsubscribeLinks
from shared.letters import Letter, LetterBox, notice_email_of, render_letter
from shared.observability import logger
from shared.ports import RunControl, SendLog, TrackedMailer, TrackedSms

ACTOR = "reminders"
KEEP_TRIES = 3  # writes of a send's outcome; then the attempt stays unknown and its delivery events settle it


@dataclass(frozen=True)
class Senders:
    mailer: TrackedMailer
    sms: TrackedSms
    log: SendLog
    clock: Callable[[], datetime]
    links: UnsubscribeLinks  # every email carries its address's unsubscribe link
    sleep: Callable[[float], None] = time.sleep
    letters: LetterBox | None = None  # where letters go for the print-and-mail vendor; None: no letters
    # Keeps the decision of a channel the rules refused (a preview keeps none)
    keep_decision: Callable[[contacts.Checked, ProposedContact, str], None] = contacts.log_decision
    # Waits, before each email or text, for this sender's share of the provider's sending rate (fanned-out workers)
    pace: Callable[[], object] = lambda: None
    control: RunControl | None = None  # a person's hold over the runs and approved days (None: neither applies)


def step_of(account: Account, index: int) -> str:
    """One reminder step of one debt: the oldest due date and the cadence index."""
    return f"{account.oldest_due}#{index}"


COMMITMENT_STEP = "C#"


def commitment_step(account: Account) -> str:
    """The reminder before the account's promise date or next installment, `C#<promise or plan id>#<its date>`; the
    notice of a late installment, that and `#late`."""
    commitment = account.commitment
    if commitment is None:
        raise ValueError(f"{account.key} has no promise or plan")
    late = "#late" if commitment.notice_pending else ""
    return f"{COMMITMENT_STEP}{commitment.id}#{commitment.due.isoformat()}{late}"


def resolve_earlier(
    senders: Senders, account: Account, step: str, now: datetime
) -> tuple[str | None, SendAttempt | None]:
    """Settle the step's earlier attempt, if any. Returns an outcome when that decides the step (`repeat`: sent
    before; `confirmed`: its delivery events show it sent; `unsettled`: unknown, waiting for them), else None and
    the attempt a new try replaces (None: the first try)."""
    previous = senders.log.attempt(account.key, step)
    if previous is None:
        return None, None
    events = _events_of(senders, account, previous) if previous.state == UNKNOWN else []
    action = resolve(previous, events, now)
    if action in ("done", "wait"):
        return ("repeat" if action == "done" else "unsettled"), previous
    if action != "retry" or previous.state == UNKNOWN:
        previous = _outcome_of(previous, events, action)
        senders.log.settle(previous)
    return ("confirmed" if previous.state == SENT else None), previous


def _events_of(senders: Senders, account: Account, attempt: SendAttempt) -> list[DeliveryEvent]:
    """What shows an unknown attempt's outcome: the provider's delivery events; for a letter, its PDF stored
    complete in the letter box (on the mail date the attempt's instant gave it)."""
    if attempt.channel != "letter":
        return senders.log.events(attempt.id)
    found = senders.letters.kept(mail_date(attempt.at), attempt.id) if senders.letters else None
    return [DeliveryEvent(attempt.id, "Kept", attempt.at, found.key)] if found else []


def _outcome_of(attempt: SendAttempt, events: list[DeliveryEvent], action: str) -> SendAttempt:
    if action == "settle":
        return settled(attempt, events)
    if action == "assume-sent":
        return replace(attempt, state=SENT, error="no answer; counted as sent")
    return replace(attempt, state=FAILED, error="no delivery event within the settling window")


def next_attempt(account_key: str, step: str, proposed: ProposedContact, previous: SendAttempt | None) -> SendAttempt:
    """The try of `step` that sending `proposed` makes now: the one after `previous`."""
    return SendAttempt(account_key, step, proposed.at, proposed.channel, previous.tries + 1 if previous else 1)


def send_step(
    senders: Senders,
    checked: contacts.Checked,
    proposed: ProposedContact,
    template: str,
    step: str,
    previous: SendAttempt | None,
    notice: Notice | None = None,
    settings: Settings | None = None,
) -> str:
    """Record the attempt (with the decision and the contact as `unknown`), then call the provider, then keep its
    answer. Outcomes: sent, unknown (response lost), failed (refused), unrecorded (sent, outcome not kept yet),
    unsettled (another run claimed this try a moment ago)."""
    account = checked.account
    attempt = next_attempt(account.key, step, proposed, previous)
    link = _unsubscribe_url(senders, account, proposed)
    payment, own = (settings.payment, settings.templates) if settings else (None, None)
    content = render_letter(notice) if notice else render_reminder(template, proposed.channel, account,
                                                                    proposed.at.date(), link, payment, own)  # fmt: skip
    what = "reminder" if notice is None else "letter" if notice.kind == "dunning" else "notice"
    summary = f"{template} {what} by {proposed.channel}"
    extra = {"template": template, "step": step, "attempt_id": attempt.id, "tries": attempt.tries}
    contact = replace(contacts.contact_activity(checked, proposed, ACTOR, UNKNOWN, summary, extra), id=attempt.id)
    if not senders.log.claim(attempt, previous, [contacts.decision_activity(checked, proposed, ACTOR), contact]):
        return "unsettled"
    try:
        message_id = _deliver(proposed, attempt, content, senders, link)
    except DeliveryUnknownError as exc:
        _warn("reminder response lost; the next run resolves it", attempt, exc)
        return "unknown"
    except UpstreamUnavailableError as exc:
        _warn("reminder not delivered; it will be retried", attempt, exc)
        _keep(senders, replace(attempt, state=FAILED, error=_error_code(exc)))  # if not kept: unknown, retried later
        return "failed"
    return "sent" if _keep(senders, replace(attempt, state=SENT, message_id=message_id)) else "unrecorded"


def _keep(senders: Senders, attempt: SendAttempt) -> bool:
    """Write the send's outcome, a few tries with backoff; False leaves the attempt unknown (its record says which
    message it is, and a later run settles it from the provider's events)."""
    for n in range(KEEP_TRIES):
        try:
            senders.log.settle(attempt)
            return True
        except UpstreamUnavailableError:
            senders.sleep(0.1 * 2**n)
    logger.warning("send outcome not recorded; it stays unknown", extra={"account": attempt.account_key})
    return False


def _unsubscribe_url(senders: Senders, account: Account, proposed: ProposedContact) -> str:
    """The link an email carries in its body and its List-Unsubscribe header; texts have STOP instead."""
    if proposed.channel != "email" or proposed.to is None:
        return ""
    return senders.links.url(account.key, proposed.to, proposed.at.date())


def _deliver(
    proposed: ProposedContact, attempt: SendAttempt, content: Message | Letter, senders: Senders, link: str
) -> str:
    if proposed.to is None:
        raise UpstreamUnavailableError("no address to deliver to")
    if isinstance(content, Letter):
        if senders.letters is None:
            raise UpstreamUnavailableError("no letter box to put the letter in")
        kept = senders.letters.keep(content, attempt.id)  # an emailed notice: the PDF it attaches, kept first
        if proposed.channel == "letter":
            return kept
        senders.pace()
        mail = notice_email_of(content, link)
        return senders.mailer.send_email(proposed.to, mail.subject, mail.text, attempt.id, attempt.account_key, link,
                                         html=mail.html, attachment=mail.attachment)  # fmt: skip
    senders.pace()
    if proposed.channel == "sms":
        return senders.sms.send_sms(proposed.to, content.body)
    return senders.mailer.send_email(proposed.to, content.subject, content.body, attempt.id, attempt.account_key, link)


def _warn(message: str, attempt: SendAttempt, exc: Exception) -> None:
    # No traceback: the provider's message can name the recipient; the account key is enough.
    logger.warning(message, extra={"account": attempt.account_key, "attempt": attempt.id, "error": _error_code(exc)})


def _error_code(exc: Exception) -> str:
    """The provider's error code (e.g. MessageRejected) without its message, which may contain an address."""
    cause = exc.__cause__
    response = getattr(cause, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(cause).__name__))
    return type(cause or exc).__name__
