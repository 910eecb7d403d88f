"""The dunning cadence: which reminder goes out when, in the debtor's own time zone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.domain.errors import InvalidInputError

SEND_LOCAL_TIME = time(10, 0)  # mid-morning local: inside every contact window, away from its edges
FALLBACK_TZ = "America/New_York"
MIN_GAP_DAYS = 3  # never two reminders closer than this, even for an account that entered the cadence late
REMIND_BEFORE_DAYS = 2  # a promise's or an installment's reminder goes out this many local days before its date


@dataclass(frozen=True)
class Step:
    """One reminder: `offset_days` after the oldest unpaid due date, on `channel`, with `template`."""

    offset_days: int
    channel: str
    template: str


DEFAULT_CADENCE: tuple[Step, ...] = (
    Step(1, "email", "friendly"),
    Step(8, "sms", "nudge"),
    Step(15, "email", "firm"),
    Step(30, "email", "final"),
)


# What a cadence step does: send an email or a text, or put a call on the collector's worklist (the first letter
# goes before any step: domain/letters)
CHANNELS = ("email", "sms", "call")
MAX_STEPS = 12


def parse_cadence(raw: Any, has_template: Callable[[str, str], bool]) -> tuple[Step, ...]:
    """A creditor's `collections.cadence`: `[{"offset_days": 1, "channel": "email", "template": "friendly"}, ...]`,
    offsets (days from the oldest due date; negative: a courtesy reminder before it) strictly increasing, each
    template one that exists for its channel. InvalidInputError names the step and field."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_STEPS:
        raise InvalidInputError(f"collections.cadence must be a list of 1 to {MAX_STEPS} steps")
    steps: list[Step] = []
    for n, item in enumerate(raw, start=1):
        where = f"collections.cadence step {n}"
        if not isinstance(item, dict) or set(item) - {"offset_days", "channel", "template"}:
            raise InvalidInputError(f"{where} must be an object with offset_days, channel and template only")
        offset, channel, template = item.get("offset_days"), item.get("channel"), item.get("template")
        if not isinstance(offset, int) or isinstance(offset, bool) or not -30 <= offset <= 365:
            raise InvalidInputError(f"{where}: offset_days {offset!r} must be a whole number from -30 to 365")
        if steps and offset <= steps[-1].offset_days:
            raise InvalidInputError(f"{where}: offset_days {offset} must come after step {n - 1}'s")
        if channel not in CHANNELS:
            raise InvalidInputError(f"{where}: channel {channel!r} is not one of {', '.join(CHANNELS)}")
        if not isinstance(template, str) or not has_template(template, channel):
            raise InvalidInputError(f"{where}: there is no {channel} template {template!r}")
        steps.append(Step(offset, channel, template))
    return tuple(steps)


def _at_send_time(day: date, tz: str | None) -> datetime:
    return datetime.combine(day, SEND_LOCAL_TIME, ZoneInfo(tz or FALLBACK_TZ)).astimezone(UTC)


def commitment_reminder_at(due: date, reminded: date | None, made_at: datetime, tz: str | None) -> datetime | None:
    """When the reminder of a promise's date or an installment's goes out: 10:00 in the debtor's zone,
    REMIND_BEFORE_DAYS before it. None when it went out for this date, or when the commitment was made after that
    instant (the collector has just agreed the date with the debtor)."""
    if reminded == due:
        return None
    at = _at_send_time(due - timedelta(days=REMIND_BEFORE_DAYS), tz)
    return None if at <= made_at else at


def local_day(at: datetime, tz: str | None) -> date:
    return at.astimezone(ZoneInfo(tz or FALLBACK_TZ)).date()


def step_for_age(cadence: tuple[Step, ...], days_past_due: int) -> int:
    """The step an account this many days past due is at: the last one whose offset it has reached."""
    reached = [i for i, step in enumerate(cadence) if step.offset_days <= days_past_due]
    return reached[-1] if reached else 0


@dataclass(frozen=True)
class NextReminder:
    step: int
    at: datetime


def next_reminder(
    oldest_due: date | None,
    done_steps: int,
    tz: str | None,
    now: datetime,
    last_contact: datetime | None = None,
    cadence: tuple[Step, ...] = DEFAULT_CADENCE,
) -> NextReminder | None:
    """The account's next step and its instant, or None when the cadence is done.

    An account that enters late (or resumes after a broken promise) starts at the step its age calls for, not at
    the first, and never gets several steps within MIN_GAP_DAYS: the step waits for its own offset and for the gap
    after the last contact (debtor's local dates), at 10:00 in the debtor's zone, and is never in the past (a step
    whose day has gone by is sent at the next 10:00).
    """
    if oldest_due is None:
        return None
    today = local_day(now, tz)
    step = max(done_steps, step_for_age(cadence, (today - oldest_due).days))
    if step >= len(cadence):
        return None
    day = max(oldest_due + timedelta(days=cadence[step].offset_days), today)
    if last_contact is not None:
        day = max(day, local_day(last_contact, tz) + timedelta(days=MIN_GAP_DAYS))
    at = _at_send_time(day, tz)
    if at < now:  # today's send time has passed: the next one
        at = _at_send_time(day + timedelta(days=1), tz)
    return NextReminder(step, at)
