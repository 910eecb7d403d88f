"""The dunning cadence: which reminder goes out when, in the debtor's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SEND_LOCAL_TIME = time(10, 0)  # mid-morning local: inside every contact window, away from its edges
FALLBACK_TZ = "America/New_York"
MIN_GAP_DAYS = 3  # never two reminders closer than this, even for an account that entered the cadence late


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


def _at_send_time(day: date, tz: str | None) -> datetime:
    return datetime.combine(day, SEND_LOCAL_TIME, ZoneInfo(tz or FALLBACK_TZ)).astimezone(UTC)


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
