"""One sentence a collector can act on, built from the primary rule result."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from shared.domain.compliance.results import Outcome, RuleResult

CHANNEL_NOUNS = {"call": "call", "sms": "text", "email": "e-mail", "letter": "letter", "voicemail": "voicemail"}


def local_label(instant: datetime, tz: ZoneInfo) -> str:
    local = instant.astimezone(tz)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()} ({instant:%H:%M} UTC)"


def explain(channel: str, primary: RuleResult | None, until: datetime | None, tz: ZoneInfo) -> str:
    noun = CHANNEL_NOUNS.get(channel, channel)
    if primary is None:
        return f"Go ahead: no compliance rule stops this {noun} now."
    if primary.outcome is Outcome.BLOCK:
        return f"Do not send this {noun}: {primary.reason} ({primary.rule})."
    if primary.outcome is Outcome.REVIEW:
        return f"Hold this {noun} for compliance review: {primary.reason} ({primary.rule})."
    when = local_label(until, tz) if until is not None else "later"
    return f"Wait until {when} for this {noun}: {primary.reason} ({primary.rule})."
