"""Dunning cadence: each reminder at 10:00 in the debtor's own zone, across DST, spaced, at the step its age calls for."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.dunning import (
    DEFAULT_CADENCE,
    FALLBACK_TZ,
    MIN_GAP_DAYS,
    SEND_LOCAL_TIME,
    Step,
    next_reminder,
)
from shared.domain.errors import InvalidInputError
from shared.domain.policies import parse_policy_file
from shared.domain.settings import parse_settings
from tests.support import machine_zone

ZONES = ["America/Chicago", "Europe/Berlin", "America/New_York", "Pacific/Honolulu", "Asia/Kolkata", "Australia/Sydney"]


def nxt(
    oldest_due: date | None = date(2026, 6, 1),
    tz: str | None = "America/Chicago",
    step: int = 0,
    *,
    now: datetime | None = None,
    last_sent: datetime | None = None,
    cadence: tuple[Step, ...] = DEFAULT_CADENCE,
) -> tuple[int, datetime] | None:
    """The next reminder as (step, instant); `now` defaults to the due date's start in the debtor's zone."""
    at = now or datetime.combine(oldest_due or date(2026, 6, 1), time(0), ZoneInfo(tz or FALLBACK_TZ))
    found = next_reminder(oldest_due, step, tz, at, last_sent, cadence)
    return None if found is None else (found.step, found.at)


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
    # When the next reminder is computed
    result = nxt(oldest_due, "America/Chicago")

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
    # When the next reminder is computed
    result = nxt(oldest_due, "Europe/Berlin")

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
    # When the next reminder is computed without a previous send
    result = nxt(oldest_due, zone, step)

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
    last_sent = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)

    # When the next reminder is computed
    result = nxt(date(2026, 6, 1), "America/Chicago", 1, last_sent=last_sent)

    # Then it waits MIN_GAP_DAYS local days: Sat Jun 13 10:00 CDT
    assert MIN_GAP_DAYS == 3
    assert result == (1, datetime(2026, 6, 13, 15, 0, tzinfo=UTC))


def test_next_reminder_send_late_evening_counts_debtor_local_date() -> None:
    # Given a reminder sent Jun 10 22:00 CDT, which is already Jun 11 in UTC
    last_sent = datetime(2026, 6, 11, 3, 0, tzinfo=UTC)

    # When the next reminder is computed
    result = nxt(date(2026, 6, 1), "America/Chicago", 1, last_sent=last_sent)

    # Then the gap counts from the debtor's date (Jun 10), not the UTC date
    assert result == (1, datetime(2026, 6, 13, 15, 0, tzinfo=UTC))


def test_next_reminder_old_send_step_day_wins() -> None:
    # Given step 2 (due+15 = Jun 16) and a reminder sent long before, on Jun 2
    last_sent = datetime(2026, 6, 2, 15, 0, tzinfo=UTC)

    # When the next reminder is computed
    result = nxt(date(2026, 6, 1), "America/Chicago", 2, last_sent=last_sent)

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
    tz = ZoneInfo(zone)
    last_sent = datetime.combine(oldest_due, SEND_LOCAL_TIME, tz) + timedelta(minutes=sent_offset_minutes)

    # When the next reminder is computed
    result = nxt(oldest_due, zone, step, last_sent=last_sent)

    # Then it is at least MIN_GAP_DAYS debtor-local dates later, and never earlier than the step's own day
    assert result is not None
    next_local = result[1].astimezone(tz)
    assert (next_local.date() - last_sent.astimezone(tz).date()).days >= MIN_GAP_DAYS
    assert next_local.date() >= oldest_due + timedelta(days=DEFAULT_CADENCE[step].offset_days)
    assert next_local.time() == SEND_LOCAL_TIME


@pytest.mark.parametrize(("step", "due"), [(len(DEFAULT_CADENCE), date(2026, 6, 1)), (0, None)], ids=["done", "no-due"])
def test_next_reminder_cadence_done_or_no_due_date_none(step: int, due: date | None) -> None:
    # Given an account through its cadence, or one with no due date
    # When the next reminder is computed
    # Then there is none (paid and settled accounts are the recompute's: see test_state)
    assert nxt(due, step=step, now=datetime(2026, 6, 1, tzinfo=UTC)) is None


def test_next_reminder_custom_cadence_done_none() -> None:
    # Given a one-step cadence already sent
    cadence = (Step(2, "email", "friendly"),)

    # When the next step is asked for
    # Then the cadence is done, even though the default one has more steps
    assert nxt(step=1, cadence=cadence) is None
    assert nxt(step=0, cadence=cadence) == (0, datetime(2026, 6, 3, 15, 0, tzinfo=UTC))


def test_next_reminder_unknown_zone_uses_fallback() -> None:
    # Given an account without a time zone
    # When the next reminder is computed
    result = nxt(date(2026, 1, 10), tz=None)

    # Then it is 10:00 in the fallback zone (New York, EST in January)
    assert FALLBACK_TZ == "America/New_York"
    assert result == (0, datetime(2026, 1, 11, 15, 0, tzinfo=UTC))


def test_next_reminder_unknown_zone_gap_counts_in_fallback_zone() -> None:
    # Given no time zone and a send at 23:30 New York time on Jan 20 (already Jan 21 in UTC)
    last_sent = datetime(2026, 1, 21, 4, 30, tzinfo=UTC)

    # When the next reminder is computed
    result = nxt(date(2026, 1, 10), tz=None, step=1, last_sent=last_sent)

    # Then the gap counts from Jan 20 in the fallback zone
    assert result == (1, datetime(2026, 1, 23, 15, 0, tzinfo=UTC))


@pytest.mark.parametrize("machine", ["UTC", "Asia/Kolkata", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_next_reminder_machine_time_zone_changes_nothing(machine: str) -> None:
    # Given a Berlin debtor around the October clock change and a send late in the evening
    last_sent = datetime(2026, 10, 24, 21, 30, tzinfo=UTC)  # Sat Oct 24 23:30 CEST
    expected = (1, datetime(2026, 10, 27, 9, 0, tzinfo=UTC))  # Tue Oct 27 10:00 CET

    # When it is computed on a machine set to another local zone
    with machine_zone(machine):
        result = nxt(date(2026, 10, 18), "Europe/Berlin", 1, last_sent=last_sent)  # step day Oct 26
        fallback = nxt(date(2026, 10, 31), None)

    # Then the result is the same instant everywhere
    assert result == expected
    assert fallback == (0, datetime(2026, 11, 1, 15, 0, tzinfo=UTC))  # 10:00 EST, the day New York leaves DST


def test_next_reminder_late_entry_starts_at_the_step_its_age_calls_for() -> None:
    # Given an account first seen 20 days past due, never reminded
    now = datetime(2026, 6, 21, 12, 0, tzinfo=UTC)

    # When the next reminder is computed
    result = nxt(date(2026, 6, 1), now=now)

    # Then it is the firm step (offset 15), not the friendly one; its day has passed, so it goes at 10:00 today
    assert result == (2, datetime(2026, 6, 21, 15, 0, tzinfo=UTC))


def test_next_reminder_after_a_pause_resumes_at_one_step_then_spaces_the_next() -> None:
    # Given a promise paused the cadence after step 0; it broke when the account was 40 days past due
    due, now = date(2026, 6, 1), datetime(2026, 7, 11, 12, 0, tzinfo=UTC)
    resumed = nxt(due, step=1, now=now, last_sent=datetime(2026, 6, 2, 15, 0, tzinfo=UTC))

    # When the resumed step has gone out, the one after it is computed
    assert resumed is not None and resumed[0] == 3  # the final step, once: not the three missed ones
    after = nxt(due, step=4, now=now, last_sent=now)

    # Then the cadence is done (no burst of missed steps)
    assert after is None


@settings(max_examples=200, deadline=None)
@given(
    days_late=st.integers(min_value=0, max_value=90),
    zone=st.sampled_from(ZONES),
)
def test_next_reminder_consecutive_sends_are_never_within_min_gap(days_late: int, zone: str) -> None:
    # Given an account entering the cadence `days_late` days past due, each step sent the moment it is due
    due = date(2026, 3, 1)
    now = datetime.combine(due + timedelta(days=days_late), time(12), ZoneInfo(zone))
    step, last, sends = 0, None, []
    while (found := nxt(due, zone, step, now=now, last_sent=last)) is not None:
        step, at = found
        sent = max(at, now)
        sends.append(sent.astimezone(ZoneInfo(zone)).date())
        step, last, now = step + 1, sent, sent

    # Then consecutive reminders are at least MIN_GAP_DAYS local days apart, and at most one per step
    assert all((b - a).days >= MIN_GAP_DAYS for a, b in pairwise(sends))
    assert len(sends) <= len(DEFAULT_CADENCE)


def test_a_creditors_cadence_is_read_from_its_policy_with_a_courtesy_step_before_the_due_date():
    cadence = parse_settings({"collections": {"cadence": [
        {"offset_days": -3, "channel": "email", "template": "courtesy"},
        {"offset_days": 5, "channel": "sms", "template": "nudge"},
        {"offset_days": 20, "channel": "email", "template": "final"},
    ]}}).cadence_for("consumer")  # fmt: skip
    # (a text falls back to email, as the default cadence's does)
    assert cadence == (Step(-3, "email", "courtesy"), Step(5, "sms", "nudge", fallback=("email",)),
                       Step(20, "email", "final"))  # fmt: skip


LETTERHEAD = {"name": "Acme Collections", "address": ["1 Main St", "Springfield, IL 62701"], "phone": "800-555-0100"}


def test_a_step_lists_its_channels_in_the_order_they_are_tried():
    cadence = parse_settings({"collections": {"letters": LETTERHEAD, "cadence": [
        {"offset_days": 1, "channel": ["sms"], "template": "nudge"},
        {"offset_days": 15, "channel": ["email", "sms"], "template": "nudge"},
        {"offset_days": 45, "channel": ["letter", "email"], "template": "firm"},
        {"offset_days": 60, "channel": "letter", "template": "final"},
    ]}}).cadence_for("consumer")  # fmt: skip
    # A list is the order, and nothing else: a text alone has no email after it
    assert [step.channels for step in cadence] == [("sms",), ("email", "sms"), ("letter", "email"), ("letter",)]


def test_a_call_step_names_the_collectors_task():
    cadence = parse_settings({"collections": {"cadence": [
        {"offset_days": 1, "channel": "email", "template": "friendly"},
        {"offset_days": 10, "channel": "call", "template": "first-call"},
    ]}}).cadence_for("commercial")  # fmt: skip
    assert cadence[1] == Step(10, "call", "first-call")


def test_a_cadence_by_account_type_with_a_minimum_balance_attempts_and_spacing():
    settings = parse_settings({"collections": {"cadence": {
        "commercial": [
            {"offset_days": 5, "channel": "email", "template": "friendly", "min_balance": {"USD": "250.00", "JPY": "30000"},
             "max_attempts": 2, "min_days_between": 7},
            {"offset_days": 20, "channel": "call", "template": "owner-call"},
        ],
    }}})  # fmt: skip
    commercial = settings.cadence_for("commercial")
    assert commercial[0] == Step(5, "email", "friendly", (("JPY", 30_000), ("USD", 25_000)), 2, 7)
    assert commercial[1].min_days_between == MIN_GAP_DAYS and commercial[1].max_attempts is None
    assert settings.cadence_for("consumer") == DEFAULT_CADENCE  # a type the creditor did not name keeps the default
    # The minimum holds in every currency owed: under it in USD and no other debt skips; a yen debt over its own does not
    assert commercial[0].below_minimum({"USD": 24_999})
    assert not commercial[0].below_minimum({"USD": 24_999, "JPY": 40_000})
    assert not commercial[0].below_minimum({"USD": 24_999, "EUR": 100})  # no minimum named for euros
    assert not commercial[0].below_minimum({"USD": 25_000})


def test_spacing_after_the_last_contact_is_the_steps_own():
    # Given a step that wants 7 days after the last contact, and a contact 3 days ago
    cadence = (Step(1, "email", "friendly"), Step(8, "email", "firm", min_days_between=7))
    last = datetime(2026, 6, 20, 15, 0, tzinfo=UTC)
    found = next_reminder(date(2026, 6, 10), 1, "America/Chicago", last + timedelta(days=3), last, cadence)
    # Then the step waits until 7 local days after it, at 10:00
    assert found is not None and found.at == datetime(2026, 6, 27, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("steps", "named"),
    [
        ([], "a list of 1 to 12 steps"),
        ([{"offset_days": 1, "channel": "fax", "template": "friendly"}], "step 1: channel 'fax' must be one of"),
        ([{"offset_days": 1, "channel": ["sms", "sms"], "template": "nudge"}], "step 1: channel ['sms', 'sms'] must"),
        ([{"offset_days": 1, "channel": ["call", "email"], "template": "friendly"}], "step 1: channel ['call', 'email']"),
        ([{"offset_days": 1, "channel": [], "template": "friendly"}], "step 1: channel [] must be one of"),
        ([{"offset_days": 1, "channel": ["email", "sms"], "template": "friendly"}], "step 1: there is no sms template"),
        ([{"offset_days": 1, "channel": ["letter"], "template": "friendly"}], "step 1: there is no letter template"),
        ([{"offset_days": 1, "channel": "letter", "template": "_letter"}], "step 1: there is no letter template"),
        ([{"offset_days": 30, "channel": "email", "template": "final"},
          {"offset_days": 45, "channel": "email", "template": "firm"}], "step 1: template 'final' says no reminder"),
        ([{"offset_days": 1, "channel": "sms", "template": "friendly"}], "step 1: there is no sms template"),
        ([{"offset_days": 1, "channel": "email", "template": "../../etc/passwd"}], "there is no email template"),
        ([{"offset_days": 1, "channel": "call", "template": "call me <b>"}], "step 1: there is no call template"),
        ([{"offset_days": 1, "channel": "email", "template": "friendly", "min_balance": {"USD": "ten"}}],
         "step 1: min_balance {'USD': 'ten'}"),
        ([{"offset_days": 1, "channel": "email", "template": "friendly", "max_attempts": 0}],
         "step 1: max_attempts 0 must be a whole number from 1 to 10"),
        ({"business": []}, "collections.cadence by account type takes consumer and commercial only"),
        ({"commercial": [{"offset_days": 1, "channel": "fax", "template": "friendly"}]},
         "collections.cadence.commercial step 1: channel 'fax'"),
        ([{"offset_days": 9, "channel": "email", "template": "friendly"},
          {"offset_days": 9, "channel": "email", "template": "firm"}], "step 2: offset_days 9 must come after"),
        ([{"offset_days": "1", "channel": "email", "template": "friendly"}], "step 1: offset_days '1' must be"),
        ([{"offset_days": 1, "channel": "email", "template": "friendly", "when": "x"}], "step 1 must be an object"),
    ],
)  # fmt: skip
def test_a_bad_cadence_is_refused_naming_the_step_and_field(steps: list[Any], named: str):
    with pytest.raises(InvalidInputError, match=re.escape(named)):
        parse_policy_file(json.dumps({"collections": {"cadence": steps}}))


def test_a_letter_step_needs_the_letterhead_it_is_printed_under():
    steps = [{"offset_days": 45, "channel": ["letter", "email"], "template": "final"}]
    with pytest.raises(InvalidInputError, match=r"letter step: collections\.letters must give the letterhead"):
        parse_policy_file(json.dumps({"collections": {"cadence": steps}}))
    with_letterhead = parse_settings({"collections": {"cadence": steps, "letters": LETTERHEAD}})
    assert with_letterhead.cadence_for("consumer")[0].channels == ("letter", "email")


@pytest.mark.parametrize(
    ("payment", "named"),
    [
        ({"link": "http://pay.example.com"}, "collections.payment.link 'http://pay.example.com' must be an https://"),
        ({"link": "https://pay.example.com/{debtor}"}, "must be an https:// address"),
        ({"instructions": ""}, "collections.payment.instructions must be text of 1 to 300 characters"),
        ({"url": "https://x"}, "collections.payment must be an object with link and/or instructions"),
    ],
)
def test_a_bad_payment_setting_is_refused_naming_the_field(payment: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(named)):
        parse_policy_file(json.dumps({"collections": {"payment": payment}}))


def test_a_payment_link_is_read_from_the_policy() -> None:
    settings = parse_settings({"collections": {"payment": {"link": "https://pay.example.com/{account_id}"}}})
    assert settings.payment.link_for("A-1") == "https://pay.example.com/A-1" and settings.payment.instructions is None
