"""Federal holidays (5 U.S.C. 6103(a)) and the validation-period arithmetic of 12 CFR 1006.34(b)(5)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


@lru_cache(maxsize=64)
def federal_holidays(year: int, observed: bool) -> frozenset[date]:
    """Legal public holidays of `year`; with `observed`, also the weekday on which each is observed."""
    import holidays  # on first use: its country tables take about 190 ms to import, no part of a cold start

    table = holidays.country_holidays("US", years=year, observed=observed)
    days = set(table.keys())
    if observed:
        days |= federal_holidays(year, observed=False)
    return frozenset(days)


def is_holiday(day: date, observed: bool) -> bool:
    # Observed dates can fall in the neighbouring year (Jan 1 on a Saturday → Dec 31).
    return any(day in federal_holidays(year, observed) for year in (day.year, day.year + 1))


def is_business_day(day: date, observed: bool) -> bool:
    return day.weekday() < 5 and not is_holiday(day, observed)


def add_business_days(start: date, count: int, observed: bool) -> date:
    """The date `count` counted days after `start`, skipping Saturdays, Sundays and holidays."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day, observed):
            remaining -= 1
    return day


def validation_period_end(notice_sent_on: date, observed: bool) -> date:
    """Assumed receipt = 5 counted days after the notice; the period ends 30 calendar days later."""
    return add_business_days(notice_sent_on, 5, observed) + timedelta(days=30)
