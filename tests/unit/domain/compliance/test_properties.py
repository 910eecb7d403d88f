"""Property-based tests of the compliance engine's time rules (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.compliance import evaluate
from shared.domain.compliance.decision import format_instant
from tests.support import machine_zone
from tests.unit.domain.compliance.factories import consumer_check, phone

ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Adak",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/St_Johns",
]
# Around the 2026 US DST transitions (Mar 8, Nov 1) and a quiet summer stretch.
PERIODS = [datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 6, 9, tzinfo=UTC), datetime(2026, 10, 30, tzinfo=UTC)]

instants = st.builds(
    lambda start, seconds: start + timedelta(seconds=seconds),
    st.sampled_from(PERIODS),
    st.integers(min_value=0, max_value=4 * 24 * 3600),
)
zone_sets = st.lists(st.sampled_from(ZONES), min_size=1, max_size=4, unique=True)


def _check(at: datetime, zones: list[str], channel: str = "call") -> dict[str, Any]:
    check = consumer_check(at=format_instant(at), channel=channel)
    account = check["account"]
    account["address"]["timezone"] = zones[0]
    account["phones"] = [phone(zones=zones[1:] or [zones[0]])]
    if channel != "call":
        check["proposed"]["to"] = (
            account["emails"][0]["address"] if channel == "email" else account["phones"][0]["number"]
        )
    return check


def _inside_window(at: datetime, zones: list[str]) -> bool:
    return all(8 <= at.astimezone(ZoneInfo(z)).hour < 21 for z in zones)


@settings(max_examples=300, deadline=None)
@given(at=instants, zones=zone_sets)
def test_evaluate_call_outside_window_in_any_zone_never_allowed(at: datetime, zones: list[str]) -> None:
    # Given a call to a consumer whose candidate zones are `zones`
    check = _check(at, zones)

    # When it is evaluated
    decision = evaluate(check)

    # Then it is allowed exactly when the local time is inside 08:00–21:00 in every candidate zone
    if not _inside_window(at, zones):
        assert decision.decision != "ALLOW"
        assert decision.decision == "DEFER"
    else:
        assert decision.decision == "ALLOW"


pref_ranges = st.tuples(st.integers(0, 23), st.integers(0, 23)).filter(lambda r: r[0] != r[1])


@settings(max_examples=200, deadline=None)
@given(at=instants, zones=zone_sets, channel=st.sampled_from(["call", "sms", "email"]), pref=st.none() | pref_ranges)
def test_evaluate_defer_until_is_itself_allowed(
    at: datetime, zones: list[str], channel: str, pref: tuple[int, int] | None
) -> None:
    # Given a contact that may fall outside the window or inside a designated inconvenient range
    check = _check(at, zones, channel)
    if pref is not None:
        start, end = pref
        check["account"]["preferences"]["inconvenient_times"] = [
            {"start": f"{start:02d}:00", "end": f"{end:02d}:00", "captured_at": "2026-01-01T00:00:00Z"}
        ]

    # When it is deferred
    first = evaluate(check)
    if first.decision != "DEFER":
        return
    assert first.until is not None and first.until > at

    # Then the same contact at `until` passes every time rule
    check["proposed"]["at"] = format_instant(first.until)
    assert evaluate(check).decision == "ALLOW"
    assert _inside_window(first.until, zones)


@settings(max_examples=60, deadline=None)
@given(at=instants, zones=zone_sets)
def test_evaluate_machine_time_zone_changes_nothing(at: datetime, zones: list[str]) -> None:
    # Given one check
    check = _check(at, zones)

    # When it is evaluated on machines set to different local zones
    results = []
    for machine in ("UTC", "Asia/Kolkata", "America/Los_Angeles", "Pacific/Kiritimati"):
        with machine_zone(machine):
            results.append(evaluate(check).to_json())

    # Then every machine gives the same decision
    assert all(result == results[0] for result in results)
