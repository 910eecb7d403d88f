"""Helpers shared by the date-based rules: rolling-window caps and 'defer to the first compliant date'."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.domain.compliance.context import Context
from shared.domain.compliance.results import RuleResult, defer
from shared.domain.compliance.timezones import local_date, start_of_day

FirstDate = Callable[[ZoneInfo, date], date | None]


def first_open_date(dates: Iterable[date], today: date, limit: int, days: int) -> date | None:
    """With at most `limit` counted dates in any `days` consecutive dates, the first date one more fits.

    None when today already has room. Otherwise the `limit`-th most recent counted date + `days`.
    """
    past = sorted((d for d in dates if d <= today), reverse=True)
    window_start = today - timedelta(days=days - 1)
    in_window = [d for d in past if d >= window_start]
    if limit <= 0 or len(in_window) < limit:
        return None
    return past[limit - 1] + timedelta(days=days)


def defer_to_date(ctx: Context, at: datetime, rule: str, reason: str, first_ok: FirstDate) -> RuleResult | None:
    """DEFER to 00:00 (day zone) of the first compliant date; the time rules then move it to the window."""
    untils = []
    for tz in ctx.day_zones(at):
        today = local_date(at, tz)
        ok_on = first_ok(tz, today)
        if ok_on is not None and ok_on > today:
            untils.append(start_of_day(ok_on, tz))
    return defer(rule, max(untils), reason) if untils else None
