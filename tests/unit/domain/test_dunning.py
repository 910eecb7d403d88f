"""Dunning cadence: each reminder at 10:00 in the debtor's own zone, across DST, spaced, and only while owed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.accounts import Account, Invoice
from shared.domain.dunning import (
    DEFAULT_CADENCE,
    FALLBACK_TZ,
    MIN_GAP_DAYS,
    SEND_LOCAL_TIME,
    Step,
    next_reminder,
    schedule_next,
)
from shared.domain.money import Money
from tests.support import machine_zone

ZONES = ["America/Chicago", "Europe/Berlin", "America/New_York", "Pacific/Honolulu", "Asia/Kolkata", "Australia/Sydney"]


def owing(oldest_due: date | None = date(2026, 6, 1), tz: str | None = "America/Chicago", step: int = 0) -> Account:
    """An open account with one USD 100.00 invoice due on `oldest_due`."""
    due = oldest_due or date(2026, 6, 1)
    return Account(
        creditor="acme",
        account_id="C-1",
        debtor="Pat Doe",
        invoices=(Invoice("INV-1", Money(10000, "USD"), due),),
        timezone=tz,
        oldest_due=oldest_due,
        dunning_step=step,
    )


@pytest.mark.parametrize(
    ("oldest_due", "expected"),
    [
        # Step 0 is due+1 day. Sat Oct 31 is still CDT (UTC-5); Sun Nov 1 2026 is CST (UTC-6).
        (date(2026, 10, 30), datetime(2026, 10, 31, 15, 0, tzinfo=UTC)),
        (date(2026, 10, 31), datetime(2026, 11, 1, 16, 0, tzinfo=UTC)),
        (date(2026, 11, 1), datetime(2026, 11, 2, 16, 0, tzinfo=UTC)),
    ],
)
def test_next_reminder_chicago_across_dst_end_stays_at_ten_local(oldest_due: date, expected: datetime) -> None:
    # Given a Chicago debtor whose first reminder falls around the 2026-11-01 clock change
    account = owing(oldest_due, "America/Chicago")

    # When the next reminder is computed
    result = next_reminder(account)

    # Then it is 10:00 local on the step's day, so the UTC instant moves by the hour the clocks moved
    assert result == (0, expected)
    assert result[1].astimezone(ZoneInfo("America/Chicago")).hour == 10


@pytest.mark.parametrize(
    ("oldest_due", "expected"),
    [
        # Europe/Berlin leaves CEST (UTC+2) on Sun 2026-10-25 and enters it on Sun 2026-03-29.
        (date(2026, 10, 23), datetime(2026, 10, 24, 8, 0, tzinfo=UTC)),
        (date(2026, 10, 24), datetime(2026, 10, 25, 9, 0, tzinfo=UTC)),
        (date(2026, 3, 27), datetime(2026, 3, 28, 9, 0, tzinfo=UTC)),
        (date(2026, 3, 28), datetime(2026, 3, 29, 8, 0, tzinfo=UTC)),
    ],
)
def test_next_reminder_berlin_across_dst_changes_stays_at_ten_local(oldest_due: date, expected: datetime) -> None:
    # Given a Berlin debtor whose first reminder falls on either side of a European clock change
    account = owing(oldest_due, "Europe/Berlin")

    # When the next reminder is computed
    result = next_reminder(account)

    # Then it is 10:00 Berlin time, whichever offset applies that day
    assert result == (0, expected)


@settings(max_examples=200, deadline=None)
@given(
    oldest_due=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    zone=st.sampled_from(ZONES),
    step=st.integers(min_value=0, max_value=len(DEFAULT_CADENCE) - 1),
)
def test_next_reminder_any_step_is_ten_local_on_offset_day(oldest_due: date, zone: str, step: int) -> None:
    # Given an open account at any step of the default cadence, in any zone
    account = owing(oldest_due, zone, step)

    # When the next reminder is computed without a previous send
    result = next_reminder(account)

    # Then it is the step's own offset after the oldest due date, at 10:00 local, as an aware UTC instant
    assert result is not None
    index, at = result
    local = at.astimezone(ZoneInfo(zone))
    assert index == step
    assert at.utcoffset() == timedelta(0)
    assert local.date() == oldest_due + timedelta(days=DEFAULT_CADENCE[step].offset_days)
    assert local.time() == SEND_LOCAL_TIME


def test_next_reminder_recent_send_pushes_to_min_gap() -> None:
    # Given step 1 (due+8 = Jun 9) but a reminder sent on Wed Jun 10 10:00 CDT
    account = owing(date(2026, 6, 1), "America/Chicago", step=1)
    last_sent = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)

    # When the next reminder is computed
    result = next_reminder(account, last_sent=last_sent)

    # Then it waits MIN_GAP_DAYS local days: Sat Jun 13 10:00 CDT
    assert MIN_GAP_DAYS == 3
    assert result == (1, datetime(2026, 6, 13, 15, 0, tzinfo=UTC))


def test_next_reminder_send_late_evening_counts_debtor_local_date() -> None:
    # Given a reminder sent Jun 10 22:00 CDT, which is already Jun 11 in UTC
    account = owing(date(2026, 6, 1), "America/Chicago", step=1)
    last_sent = datetime(2026, 6, 11, 3, 0, tzinfo=UTC)

    # When the next reminder is computed
    result = next_reminder(account, last_sent=last_sent)

    # Then the gap counts from the debtor's date (Jun 10), not the UTC date
    assert result == (1, datetime(2026, 6, 13, 15, 0, tzinfo=UTC))


def test_next_reminder_old_send_step_day_wins() -> None:
    # Given step 2 (due+15 = Jun 16) and a reminder sent long before, on Jun 2
    account = owing(date(2026, 6, 1), "America/Chicago", step=2)
    last_sent = datetime(2026, 6, 2, 15, 0, tzinfo=UTC)

    # When the next reminder is computed
    result = next_reminder(account, last_sent=last_sent)

    # Then the cadence's own day applies
    assert result == (2, datetime(2026, 6, 16, 15, 0, tzinfo=UTC))


@settings(max_examples=200, deadline=None)
@given(
    oldest_due=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    sent_offset_minutes=st.integers(min_value=0, max_value=60 * 24 * 60),
    zone=st.sampled_from(ZONES),
    step=st.integers(min_value=0, max_value=len(DEFAULT_CADENCE) - 1),
)
def test_next_reminder_never_closer_than_min_gap_local_days(
    oldest_due: date, sent_offset_minutes: int, zone: str, step: int
) -> None:
    # Given any previous send in the two months after the oldest due date
    account = owing(oldest_due, zone, step)
    tz = ZoneInfo(zone)
    last_sent = datetime.combine(oldest_due, SEND_LOCAL_TIME, tz) + timedelta(minutes=sent_offset_minutes)

    # When the next reminder is computed
    result = next_reminder(account, last_sent=last_sent)

    # Then it is at least MIN_GAP_DAYS debtor-local dates later, and never earlier than the step's own day
    assert result is not None
    next_local = result[1].astimezone(tz)
    assert (next_local.date() - last_sent.astimezone(tz).date()).days >= MIN_GAP_DAYS
    assert next_local.date() >= oldest_due + timedelta(days=DEFAULT_CADENCE[step].offset_days)
    assert next_local.time() == SEND_LOCAL_TIME


@pytest.mark.parametrize(
    "account",
    [
        replace(owing(), status="paid"),
        replace(owing(), status="settled"),
        replace(owing(), invoices=(Invoice("INV-1", Money(0, "USD"), date(2026, 6, 1)),)),
        replace(owing(), credits={"USD": 10000}),
        owing(step=len(DEFAULT_CADENCE)),
        owing(oldest_due=None),
    ],
    ids=["status-paid", "status-settled", "zero-balance", "credit-covers", "cadence-done", "no-due-date"],
)
def test_next_reminder_nothing_to_send_none(account: Account) -> None:
    # Given an account that is paid, settled, covered by credit, through its cadence or without a due date
    # When the next reminder is computed
    # Then there is none
    assert next_reminder(account) is None


def test_next_reminder_custom_cadence_done_none() -> None:
    # Given a one-step cadence already sent
    cadence = (Step(2, "email", "friendly"),)

    # When the next step is asked for
    # Then the cadence is done, even though the default one has more steps
    assert next_reminder(owing(step=1), cadence) is None
    assert next_reminder(owing(step=0), cadence) == (0, datetime(2026, 6, 3, 15, 0, tzinfo=UTC))


def test_next_reminder_unknown_zone_uses_fallback() -> None:
    # Given an account without a time zone
    account = owing(date(2026, 1, 10), tz=None)

    # When the next reminder is computed
    result = next_reminder(account)

    # Then it is 10:00 in the fallback zone (New York, EST in January)
    assert FALLBACK_TZ == "America/New_York"
    assert result == (0, datetime(2026, 1, 11, 15, 0, tzinfo=UTC))


def test_next_reminder_unknown_zone_gap_counts_in_fallback_zone() -> None:
    # Given no time zone and a send at 23:30 New York time on Jan 20 (already Jan 21 in UTC)
    account = owing(date(2026, 1, 10), tz=None, step=1)
    last_sent = datetime(2026, 1, 21, 4, 30, tzinfo=UTC)

    # When the next reminder is computed
    result = next_reminder(account, last_sent=last_sent)

    # Then the gap counts from Jan 20 in the fallback zone
    assert result == (1, datetime(2026, 1, 23, 15, 0, tzinfo=UTC))


@pytest.mark.parametrize("machine", ["UTC", "Asia/Kolkata", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_next_reminder_machine_time_zone_changes_nothing(machine: str) -> None:
    # Given a Berlin debtor around the October clock change and a send late in the evening
    account = owing(date(2026, 10, 18), "Europe/Berlin", step=1)  # step day Oct 26
    last_sent = datetime(2026, 10, 24, 21, 30, tzinfo=UTC)  # Sat Oct 24 23:30 CEST
    expected = (1, datetime(2026, 10, 27, 9, 0, tzinfo=UTC))  # Tue Oct 27 10:00 CET

    # When it is computed on a machine set to another local zone
    with machine_zone(machine):
        result = next_reminder(account, last_sent=last_sent)
        scheduled = schedule_next(owing(date(2026, 10, 31), None)).next_action_at

    # Then the result is the same instant everywhere
    assert result == expected
    assert scheduled == datetime(2026, 11, 1, 15, 0, tzinfo=UTC)  # 10:00 EST, the day New York leaves DST


def test_schedule_next_open_account_sets_reminder_and_instant() -> None:
    # Given an open account at step 0
    account = owing(date(2026, 6, 1), "America/Chicago")

    # When its next action is scheduled
    scheduled = schedule_next(account)

    # Then a reminder is due at the step's instant and nothing else changes
    assert scheduled.next_action == "reminder"
    assert scheduled.next_action_at == datetime(2026, 6, 2, 15, 0, tzinfo=UTC)
    assert replace(scheduled, next_action=None, next_action_at=None) == account


def test_schedule_next_paid_account_clears_next_action() -> None:
    # Given a paid account that still has a reminder scheduled
    account = replace(
        owing(), status="paid", next_action="reminder", next_action_at=datetime(2026, 6, 2, 15, 0, tzinfo=UTC)
    )

    # When its next action is scheduled
    scheduled = schedule_next(account)

    # Then nothing is scheduled any more
    assert scheduled.next_action is None
    assert scheduled.next_action_at is None
