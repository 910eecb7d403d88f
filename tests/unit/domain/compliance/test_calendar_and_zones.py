"""Business-day counting with federal holidays, DST-safe local→UTC conversion and phone-zone derivation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from shared.domain.compliance.businessdays import add_business_days, is_holiday, validation_period_end
from shared.domain.compliance.rules.time_rules import Constraint, earliest_allowed, window
from shared.domain.compliance.timezones import phone_zones, to_instant

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("observed", "end"),
    [(True, date(2026, 8, 9)), (False, date(2026, 8, 8))],
)
def test_validation_period_end_observed_independence_day_skipped_by_policy(observed: bool, end: date) -> None:
    # Given a notice sent Thu 2026-07-02, the day before the observed Independence Day (Fri Jul 3)
    sent = date(2026, 7, 2)

    # When the period end is computed with or without observed dates
    got = validation_period_end(sent, observed)

    # Then observed dates push the assumed receipt (and the end) one day later
    assert got == end


def test_add_business_days_juneteenth_and_weekend_skipped() -> None:
    # Given Thu 2026-06-18, before Juneteenth (Fri Jun 19) and a weekend
    start = date(2026, 6, 18)

    # When one counted day is added
    got = add_business_days(start, 1, observed=True)

    # Then Friday's holiday and the weekend are skipped
    assert got == date(2026, 6, 22)


def test_is_holiday_new_year_observed_in_previous_year_counts() -> None:
    # Given 2027-12-31, the observed date of New Year's Day 2028 (a Saturday)
    day = date(2027, 12, 31)

    # When asked with and without observed dates
    # Then only the observed calendar treats it as a holiday
    assert is_holiday(day, observed=True)
    assert not is_holiday(day, observed=False)


def test_to_instant_spring_forward_gap_shifts_forward() -> None:
    # Given 02:30 on 2026-03-08 in New York, a wall time that does not exist
    # When converted to UTC
    got = to_instant(date(2026, 3, 8), time(2, 30), NEW_YORK)

    # Then it lands after the gap (03:30 EDT)
    assert got == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_to_instant_fall_back_overlap_takes_later_instant() -> None:
    # Given 01:30 on 2026-11-01 in New York, a wall time that happens twice
    # When converted to UTC
    got = to_instant(date(2026, 11, 1), time(1, 30), NEW_YORK)

    # Then the later (EST) instant is taken
    assert got == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_earliest_allowed_spring_forward_next_opening_is_0800_edt() -> None:
    # Given Sat 2026-03-07 21:30 EST, after the window, before the DST jump
    at = datetime(2026, 3, 8, 2, 30, tzinfo=UTC)
    constraint = Constraint(NEW_YORK, window(time(8), time(21)), (time(8),))

    # When the earliest allowed instant is searched
    got = earliest_allowed(at, [constraint])

    # Then it is 08:00 EDT on the new local date (12:00Z, not 13:00Z)
    assert got == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_earliest_allowed_window_end_exclusive() -> None:
    # Given 20:59:59 and 21:00:00 local
    allows = window(time(8), time(21))

    # When checked
    # Then the first is inside and the second is not
    assert allows(datetime(2026, 6, 10, 20, 59, 59, tzinfo=NEW_YORK))
    assert not allows(datetime(2026, 6, 10, 21, 0, 0, tzinfo=NEW_YORK))
    assert allows(datetime(2026, 6, 10, 8, 0, 0, tzinfo=NEW_YORK))


@pytest.mark.parametrize(
    ("number", "zones"),
    [("+12125550101", ("America/New_York",)), ("+17025550101", ("America/Los_Angeles",)), ("+18005550100", ())],
)
def test_phone_zones_geographic_and_toll_free(number: str, zones: tuple[str, ...]) -> None:
    # Given a NANP number
    # When its zones are derived with libphonenumber
    # Then geographic numbers give their zone and toll-free numbers give none
    assert phone_zones(number) == zones
