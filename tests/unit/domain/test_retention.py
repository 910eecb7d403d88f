"""Retention of an account's records: three years after the last activity on it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from shared.domain.retention import RETENTION, retain_until
from tests.factories import account

CREATED = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def test_retain_until_is_three_years_after_the_latest_activity() -> None:
    # Given an account created in January, last contacted in June
    contacted = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
    held = replace(account(), created_at=CREATED, last_contact_at=contacted)
    # When its retention is computed, Then it runs three years (and a month) from the June contact
    until = retain_until(held)
    assert until == contacted + RETENTION
    assert until is not None and until - contacted > timedelta(days=3 * 365)


def test_retain_until_counts_activities_written_with_the_account() -> None:
    # Given a note logged today (it changes no field of the account)
    noted = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    held = replace(account(), created_at=CREATED, last_contact_at=None)
    # When the retention is computed with it, Then the note's instant counts
    assert retain_until(held, [noted]) == noted + RETENTION
