"""The dunning cadence: which reminder goes out when, in the debtor's own time zone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.domain.errors import InvalidInputError
from shared.domain.money import Money

SEND_LOCAL_TIME = time(10, 0)  # mid-morning local: inside every contact window, away from its edges
FALLBACK_TZ = "America/New_York"
MIN_GAP_DAYS = 3  # never two reminders closer than this, even for an account that entered the cadence late
REMIND_BEFORE_DAYS = 2  # a promise's or an installment's reminder goes out this many local days before its date


@dataclass(frozen=True)
class Step:
    """One reminder: `offset_days` after the oldest unpaid due date, on `channel` (or, where it has no address or
    the rules refuse it, on each of `fallback` in order), with `template`; skipped when the account owes less than
    `min_balance` (minor units by currency; a currency not named has no minimum) in every currency, given up after
    `max_attempts` sends the provider refused, and never within `min_days_between` local days of the last
    contact."""

    offset_days: int
    channel: str
    template: str
    min_balance: tuple[tuple[str, int], ...] = ()
    max_attempts: int | None = None
    min_days_between: int = MIN_GAP_DAYS
    fallback: tuple[str, ...] = ()

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels the step may go on, in the order they are tried."""
        return (self.channel, *self.fallback)

    def below_minimum(self, owed: dict[str, int]) -> bool:
        """Whether what is owed (minor units by currency) is under this step's minimum in every currency."""
        minimum = dict(self.min_balance)
        owing = {currency: minor for currency, minor in owed.items() if minor > 0}
        return bool(minimum) and bool(owing) and all(c in minimum and m < minimum[c] for c, m in owing.items())


DEFAULT_CADENCE: tuple[Step, ...] = (
    Step(1, "email", "friendly"),
    Step(8, "sms", "nudge", fallback=("email",)),
    Step(15, "email", "firm"),
    Step(30, "email", "final"),
)


# What a cadence step does: send an email, a text or a letter (for the print-and-mail vendor), or put a call on the
# collector's worklist. The first letter, the notice, goes before any step: domain/letters.
CHANNELS = ("email", "sms", "letter", "call")
SENT_CHANNELS = ("email", "sms", "letter")  # those a step may list in its order of fallback
# A step naming one channel: a text falls back to email, as it always has, where its template exists for email
IMPLIED_FALLBACK = {"sms": ("email",)}
MAX_STEPS = 12


ACCOUNT_TYPES = ("consumer", "commercial")
STEP_KEYS = ("offset_days", "channel", "template", "min_balance", "max_attempts", "min_days_between")


def parse_cadences(raw: Any, has_template: Callable[[str, str], bool]) -> dict[str, tuple[Step, ...]]:
    """A creditor's `collections.cadence`: one list of steps for every account, or an object of lists by account
    type (`consumer`, `commercial`; a type not named keeps the default cadence). Returns the cadence by type."""
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - set(ACCOUNT_TYPES))
        if unknown or not raw:
            raise InvalidInputError(f"collections.cadence by account type takes {' and '.join(ACCOUNT_TYPES)} only")
        by_type = {kind: parse_cadence(steps, has_template, f"collections.cadence.{kind}")
                   for kind, steps in raw.items()}  # fmt: skip
        return {kind: by_type.get(kind, DEFAULT_CADENCE) for kind in ACCOUNT_TYPES}
    steps = parse_cadence(raw, has_template)
    return dict.fromkeys(ACCOUNT_TYPES, steps)


def parse_cadence(
    raw: Any, has_template: Callable[[str, str], bool], name: str = "collections.cadence"
) -> tuple[Step, ...]:
    """`[{"offset_days": 1, "channel": "email", "template": "friendly"}, ...]`, offsets (days from the oldest due
    date; negative: a courtesy reminder before it) strictly increasing, each template one that exists for every
    channel of its step; optionally `min_balance` ({"USD": "25.00"}), `max_attempts` and `min_days_between`.
    `channel` is one channel, or a list of channels tried in that order (`["letter", "email"]`: a letter, else an
    email where the account has no postal address or the rules refuse the letter); `"sms"` alone falls back to
    email when the template has an email form, `["sms"]` does not. InvalidInputError names the step and field."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_STEPS:
        raise InvalidInputError(f"{name} must be a list of 1 to {MAX_STEPS} steps")
    steps: list[Step] = []
    for n, item in enumerate(raw, start=1):
        where = f"{name} step {n}"
        if not isinstance(item, dict) or set(item) - set(STEP_KEYS):
            raise InvalidInputError(f"{where} must be an object with {', '.join(STEP_KEYS)} only")
        offset = _whole(item, "offset_days", where, -30, 365)
        channels, template = _channels(item.get("channel"), where), item.get("template")
        if steps and offset <= steps[-1].offset_days:
            raise InvalidInputError(f"{where}: offset_days {offset} must come after step {n - 1}'s")
        for channel in channels:
            if not isinstance(template, str) or not has_template(template, channel):
                raise InvalidInputError(f"{where}: there is no {channel} template {template!r}")
        if isinstance(item.get("channel"), str):  # one channel named: its usual fallback, where the template has it
            channels += tuple(c for c in IMPLIED_FALLBACK.get(channels[0], ()) if has_template(str(template), c))
        minimum, attempts, gap = _limits(item, where)
        steps.append(Step(offset, channels[0], str(template), minimum, attempts, gap, channels[1:]))
    finals = [n for n, step in enumerate(steps, start=1) if step.template == "final" and step.channel != "call"]
    later = [n for n, step in enumerate(steps, start=1) if finals and n > finals[0] and step.channel != "call"]
    if later:
        raise InvalidInputError(f"{name} step {finals[0]}: template 'final' says no reminder follows it, but step "
                                f"{later[0]} sends one: make 'final' the last step that sends")  # fmt: skip
    return tuple(steps)


def _channels(raw: Any, where: str) -> tuple[str, ...]:
    """A step's channels in the order they are tried: one name, or a list of distinct channels that are sent (a
    call step stands alone: it sends nothing to fall back from)."""
    if isinstance(raw, str) and raw in CHANNELS:
        return (raw,)
    if isinstance(raw, list) and raw and len(set(raw)) == len(raw) and all(c in SENT_CHANNELS for c in raw):
        return tuple(raw)
    raise InvalidInputError(f"{where}: channel {raw!r} must be one of {', '.join(CHANNELS)}, or a list of "
                            f"different ones of {', '.join(SENT_CHANNELS)} in the order to try them")  # fmt: skip


def _limits(item: dict[str, Any], where: str) -> tuple[tuple[tuple[str, int], ...], int | None, int]:
    minimum = item.get("min_balance", {})
    if not isinstance(minimum, dict):
        raise InvalidInputError(f'{where}: min_balance must map currencies to amounts, like {{"USD": "25.00"}}')
    try:
        min_balance = tuple(sorted((str(c), Money.from_decimal(str(a), str(c)).minor) for c, a in minimum.items()))
    except (InvalidInputError, ValueError, ArithmeticError) as exc:
        raise InvalidInputError(f"{where}: min_balance {minimum!r}: {exc}") from exc
    attempts = _whole(item, "max_attempts", where, 1, 10) if "max_attempts" in item else None
    gap = _whole(item, "min_days_between", where, 1, 60) if "min_days_between" in item else MIN_GAP_DAYS
    return min_balance, attempts, gap


def _whole(item: dict[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = item.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInputError(f"{where}: {key} {value!r} must be a whole number from {low} to {high}")
    return value


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


def commitment_notice_at(due: date, tz: str | None, grace_days: int = 1) -> datetime:
    """When the notice of a late installment goes out: 10:00 in the debtor's zone the day after its grace day."""
    return _at_send_time(due + timedelta(days=grace_days + 1), tz)


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
        day = max(day, local_day(last_contact, tz) + timedelta(days=cadence[step].min_days_between))
    at = _at_send_time(day, tz)
    if at < now:  # today's send time has passed: the next one
        at = _at_send_time(day + timedelta(days=1), tz)
    return NextReminder(step, at)
