"""The dunning cadence: which reminder goes out when, in the debtor's own time zone."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.domain.accounts import Account

SEND_LOCAL_TIME = time(10, 0)  # mid-morning local: inside every contact window, away from its edges
FALLBACK_TZ = "America/New_York"


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


MIN_GAP_DAYS = 3  # never two reminders closer than this, even for an account that entered the cadence late


def _at_send_time(day: date, tz: str | None) -> datetime:
    return datetime.combine(day, SEND_LOCAL_TIME, ZoneInfo(tz or FALLBACK_TZ)).astimezone(UTC)


def next_reminder(
    account: Account, cadence: tuple[Step, ...] = DEFAULT_CADENCE, last_sent: datetime | None = None
) -> tuple[int, datetime] | None:
    """The index and instant of the account's next step, or None when the cadence is done or nothing is owed.

    A step falls `offset_days` after the oldest unpaid due date, at 10:00 in the debtor's zone, but never
    sooner than MIN_GAP_DAYS after `last_sent` (the debtor's local date).
    """
    if account.oldest_due is None or not account.is_open or account.dunning_step >= len(cadence):
        return None
    day = account.oldest_due + timedelta(days=cadence[account.dunning_step].offset_days)
    if last_sent is not None:
        sent_day = last_sent.astimezone(ZoneInfo(account.timezone or FALLBACK_TZ)).date()
        day = max(day, sent_day + timedelta(days=MIN_GAP_DAYS))
    return account.dunning_step, _at_send_time(day, account.timezone)


def schedule_next(
    account: Account, cadence: tuple[Step, ...] = DEFAULT_CADENCE, last_sent: datetime | None = None
) -> Account:
    """The account with next_action/next_action_at set from its cadence position."""
    nxt = next_reminder(account, cadence, last_sent)
    if nxt is None:
        return replace(account, next_action=None, next_action_at=None)
    return replace(account, next_action="reminder", next_action_at=nxt[1])
