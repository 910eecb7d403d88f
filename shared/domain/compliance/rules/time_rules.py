"""Time rules: consumer-designated times and places, the 08:00–21:00 window in every zone, B2B hours."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.domain.compliance.businessdays import is_holiday
from shared.domain.compliance.context import Context, same_medium
from shared.domain.compliance.model import PHONE_CHANNELS, TIMED_CHANNELS, TimePref
from shared.domain.compliance.results import RuleResult, block, defer, review
from shared.domain.compliance.timezones import days_between, local_date, to_instant, zone

HORIZON_DAYS = 21
DAY_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Constraint:
    """Allowed local times in one zone, and the local times at which a forbidden stretch ends."""

    tz: ZoneInfo
    allows: Callable[[datetime], bool]
    openings: Sequence[time]


def seconds(clock: time) -> int:
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def earliest_allowed(at: datetime, constraints: Sequence[Constraint]) -> datetime | None:
    """The first instant ≥ `at` every constraint allows: `at` itself or some constraint's opening."""
    candidates = {at}
    for c in constraints:
        first = local_date(at, c.tz) - timedelta(days=1)
        for day in days_between(first, first + timedelta(days=HORIZON_DAYS)):
            candidates.update(to_instant(day, clock, c.tz) for clock in c.openings)
    for instant in sorted(x for x in candidates if x >= at):
        if all(c.allows(instant.astimezone(c.tz)) for c in constraints):
            return instant
    return None


def _timed_result(rule: str, at: datetime, constraints: Sequence[Constraint], reason: str) -> RuleResult | None:
    until = earliest_allowed(at, constraints)
    if until is None:
        return review("ENGINE-DEFER-LOOP", f"{rule} finds no allowed time in the next {HORIZON_DAYS} days")
    return None if until == at else defer(rule, until, reason)


def window(start: time, end: time, buffer_minutes: int = 0) -> Callable[[datetime], bool]:
    first, last = seconds(start), (seconds(end) or DAY_SECONDS) - buffer_minutes * 60
    return lambda local: first <= seconds(local.time()) < last


def _exempt(ctx: Context, at: datetime) -> bool:
    return ctx.is_reply(at) or ctx.has_consent(at)


def _timed(ctx: Context) -> bool:
    return ctx.check.proposed.channel in TIMED_CHANNELS and ctx.check.proposed.role != "attorney"


def check_time_window(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.6(b)(1)(i): only 08:00–21:00 local time in every zone the consumer may be in."""
    if not ctx.regf or not _timed(ctx) or _exempt(ctx, at):
        return None
    return _window_result(ctx, at, "REGF-TIME-WINDOW")


def check_rosenthal_window(ctx: Context, at: datetime) -> RuleResult | None:
    """Cal. Civ. Code 1788.17 via SB 1286: the FDCPA time window for covered commercial debt."""
    if not ctx.ca_covered_commercial or not _timed(ctx) or ctx.is_reply(at):
        return None
    return _window_result(ctx, at, "ST-CA-ROSENTHAL")


def _window_result(ctx: Context, at: datetime, rule: str) -> RuleResult | None:
    policy = ctx.check.policy
    allows = window(policy.window_start, policy.window_end, policy.dial_buffer_minutes)
    constraints = [Constraint(tz, allows, (policy.window_start,)) for tz in ctx.zones(at)]
    start, end = policy.window_start.strftime("%H:%M"), policy.window_end.strftime("%H:%M")
    return _timed_result(rule, at, constraints, f"it is outside {start}–{end} where the consumer may be")


def check_b2b_hours(ctx: Context, at: datetime) -> RuleResult | None:
    """[P] Commercial accounts: business days and hours in every zone of the business."""
    hours = ctx.check.policy.b2b_hours
    if not ctx.check.account.commercial or not hours.enabled or not _timed(ctx) or ctx.is_reply(at):
        return None
    in_hours = window(hours.start, hours.end)

    def allows(local: datetime) -> bool:
        day = local.date()
        closed = hours.exclude_holidays and is_holiday(day, observed=True)
        return day.weekday() in hours.days and not closed and in_hours(local)

    constraints = [Constraint(tz, allows, (hours.start,)) for tz in ctx.zones(at)]
    return _timed_result("B2B-QUIET-HOURS", at, constraints, "it is outside the business's working hours")


def _day_ok(pref: TimePref, day: date) -> bool:
    in_days = pref.days is None or day.weekday() in pref.days
    return in_days and (pref.start_on is None or pref.start_on <= day) and (pref.end_on is None or day <= pref.end_on)


def inconvenient(pref: TimePref, local: datetime) -> bool:
    """Whether `local` falls in the half-open range [start, end), which wraps past midnight if start > end."""
    now, start, end = seconds(local.time()), seconds(pref.start), seconds(pref.end)
    today, yesterday = local.date(), local.date() - timedelta(days=1)
    if start == end:
        return _day_ok(pref, today)
    if start < end:
        return start <= now < end and _day_ok(pref, today)
    return (now >= start and _day_ok(pref, today)) or (now < end and _day_ok(pref, yesterday))


def _applies(pref: TimePref, channel: str) -> bool:
    return pref.channels is None or any(same_medium(c, channel) for c in pref.channels)


def _preference_constraint(pref: TimePref, primary: ZoneInfo) -> Constraint:
    """Allowed outside the range; a range ends at `end`, a whole designated day at midnight."""

    def allows(local: datetime) -> bool:
        return not inconvenient(pref, local)

    opening = pref.end if pref.start != pref.end else time(0, 0)
    return Constraint(zone(pref.zone) if pref.zone else primary, allows, (opening,))


def check_time_preferences(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.6(b)(1): times the consumer called inconvenient are deferred to the end of the range."""
    if not ctx.regf or not ctx.to_consumer or not _timed(ctx) or _exempt(ctx, at):
        return None
    channel = ctx.check.proposed.channel
    constraints = [
        _preference_constraint(pref, ctx.primary) for pref in ctx.check.account.prefs.times if _applies(pref, channel)
    ]
    if not constraints:
        return None
    return _timed_result("REGF-TIME-CONSUMER-PREF", at, constraints, "the consumer said this time is inconvenient")


def check_place_preference(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.6(b)(1)(ii): a consumer who said work is inconvenient is not contacted at work."""
    proposed = ctx.check.proposed
    if not ctx.regf or not ctx.to_consumer or not ctx.check.account.prefs.no_work or ctx.is_reply(at):
        return None
    at_work = (proposed.channel in PHONE_CHANNELS and ctx.phone is not None and ctx.phone.type == "work") or (
        proposed.channel == "email" and ctx.email is not None and ctx.email.work
    )
    if not at_work:
        return None
    return block("REGF-TIME-CONSUMER-PREF", "the consumer asked not to be contacted at work")
