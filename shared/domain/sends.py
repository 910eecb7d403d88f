"""A reminder step's send attempts: recorded before the provider is called, so a lost response never sends twice.

An attempt is `unknown` from the moment it is recorded until the provider's answer is kept: a run that dies in
the call, or whose response is lost, leaves it so. The provider's delivery events (tagged with the attempt id)
settle it later; with none after `SETTLE`, an email was not accepted and is sent again.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

UNKNOWN, SENT, FAILED = "unknown", "sent", "failed"
ATTEMPT_TAG = "attempt"  # the SES message tag that carries the attempt id into its delivery events
ACCOUNT_TAG = "account"  # and the one that names the account (base32: tag values allow only [A-Za-z0-9_.@-])


def account_tag(account_key: str) -> str:
    return base64.b32encode(account_key.encode()).decode().rstrip("=")


def account_of_tag(value: str) -> str:
    return base64.b32decode(value + "=" * (-len(value) % 8)).decode()


# SES publishes the Send event when it accepts a message; an hour with none means it never took it.
SETTLE = timedelta(hours=1)
REFUSED_EVENTS = frozenset({"Reject", "Rendering Failure"})  # accepted as a request, never sent


@dataclass(frozen=True)
class SendAttempt:
    """One try at one reminder step (`step` = "<oldest due>#<step index>") of one account."""

    account_key: str
    step: str
    at: datetime  # when this try was recorded: the contact's instant
    channel: str
    tries: int = 1
    state: str = UNKNOWN
    message_id: str | None = None
    error: str | None = None

    @property
    def id(self) -> str:
        return attempt_id(self.account_key, self.step, self.tries)


@dataclass(frozen=True)
class DeliveryEvent:
    """A provider event recorded against an attempt (SES: Send, Delivery, Bounce, Reject, ...)."""

    attempt_id: str
    kind: str
    at: datetime
    message_id: str


@dataclass(frozen=True)
class SentText:
    """A text the provider accepted, found by the message id its delivery report names (kept when the attempt is
    settled): the attempt, and so its contact record, and the number it went to."""

    message_id: str
    account_key: str
    attempt_id: str
    at: datetime  # the attempt's instant: its contact record's
    to: str  # E.164


# A text whose Publish response was lost has no message id, so its delivery report matches no settled text; it is
# the number's latest text if that is still without a message id and was sent shortly before the report.
LOST_TEXT_WINDOW = timedelta(days=3)  # carriers report within minutes, rarely days
CLOCK_SKEW = timedelta(minutes=1)


def answers_lost_text(attempt: SendAttempt, reported_at: datetime) -> bool:
    """Whether a report with an unknown message id can be this text's: a text not refused, whose provider's
    message id never came back, sent before the report (give or take clock skew) and within the window."""
    return (
        attempt.channel == "sms"
        and attempt.state != FAILED
        and attempt.message_id is None
        and attempt.at - CLOCK_SKEW <= reported_at <= attempt.at + LOST_TEXT_WINDOW
    )


DELIVERED = "delivered"  # a text's contact record once its delivery report says so (`failed` when it did not arrive)


def attempt_id(account_key: str, step: str, tries: int) -> str:
    """Deterministic, so a rerun names the same attempt; only letters and digits (an SES tag value)."""
    return hashlib.sha256(f"{account_key}\n{step}\n{tries}".encode()).hexdigest()[:32]


def resolve(attempt: SendAttempt, events: Sequence[DeliveryEvent], now: datetime) -> str:
    """What a run does with a step's earlier attempt: `done` (sent), `settle` (events tell its outcome),
    `wait` (unknown, still inside the settling window), `retry` (failed, or an email no event ever confirmed),
    `assume-sent` (an unknown text no delivery report was matched to, `answers_lost_text`: a second text costs
    more than a missed one).
    A letter's event is its PDF found complete in the letter box."""
    if attempt.state == SENT:
        return "done"
    if attempt.state == FAILED:
        return "retry"
    if events:
        return "settle"
    if now - attempt.at < SETTLE:
        return "wait"
    # An email SES never took, or a letter whose PDF is not in the letter box, was not sent: try again. A text
    # that got no delivery report may still have gone.
    return "retry" if attempt.channel in ("email", "letter") else "assume-sent"


def settled(attempt: SendAttempt, events: Sequence[DeliveryEvent]) -> SendAttempt:
    """The attempt as its provider events show it: refused, or sent with the provider's message id."""
    if any(e.kind in REFUSED_EVENTS for e in events):
        return replace(attempt, state=FAILED, error=next(e.kind for e in events if e.kind in REFUSED_EVENTS))
    return replace(attempt, state=SENT, message_id=events[0].message_id)
