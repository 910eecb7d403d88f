"""Policy as data: the SCHEMA §2.4 defaults, merged key by key with a creditor's overrides."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from shared.domain.compliance.fields import (
    as_bool,
    as_choice,
    as_dict,
    as_list,
    as_number,
    fail,
    parse_hhmm,
    parse_zone,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_POLICY: dict[str, Any] = {
    "time_window": {"start": "08:00", "end": "21:00"},
    "dial_buffer_minutes": 0,
    "unknown_tz_candidates": [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "America/Adak",
        "Pacific/Honolulu",
    ],
    "frequency_day_tz": "consumer_primary",
    "attorney_scope": "all_debts",
    "attorney_reasonable_response_days": 30,
    "vn_deadline_days": 5,
    "validation_holidays": "statutory_and_observed",
    "apply_regf_to_first_party": True,
    "nyc_rules_enabled": False,
    "state_packs": {"MA": True, "WA": True, "NY": True, "CA": True},
    "b2b_quiet_hours": {
        "enabled": True,
        "start": "09:00",
        "end": "17:00",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "exclude_federal_holidays": True,
    },
    "b2b_frequency_cap": None,
    "electronic_caps": {"sms_per_day": 1, "sms_per_7_days": 3, "email_per_day": 1, "email_per_7_days": 4},
    "tcpa_residential_prerecorded": {"max_calls": 3, "days": 30},
    "reply_window_minutes": 60,
    "optout_confirmation_window_minutes": 5,
    "deceased_quiet_period_days": 30,
    "call_spacing": None,
}


@dataclass(frozen=True)
class QuietHours:
    enabled: bool
    start: time
    end: time
    days: frozenset[int]
    exclude_holidays: bool


@dataclass(frozen=True)
class Policy:
    window_start: time
    window_end: time
    dial_buffer_minutes: int
    unknown_zones: tuple[ZoneInfo, ...]
    strictest_day_zone: bool
    attorney_per_debt: bool
    attorney_response_days: int
    vn_deadline_days: int
    observed_holidays: bool
    regf_first_party: bool
    nyc_rules: bool
    state_packs: dict[str, bool]
    b2b_hours: QuietHours
    b2b_cap: dict[str, Any] | None
    caps: dict[str, int]
    tcpa_residential: dict[str, int]
    reply_window_minutes: int
    optout_confirmation_minutes: int
    deceased_quiet_days: int
    call_spacing: dict[str, Any] | None


def merge_policy(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Nested objects merge key by key; a null override keeps the default ("not set")."""
    merged = copy.deepcopy(defaults)
    for key, value in overrides.items():
        if value is None:
            continue
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_policy(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _int(raw: dict[str, Any], key: str, field: str) -> int:
    number = as_number(raw.get(key), f"{field}.{key}")
    if number is None or number < 0:
        raise fail(f"{field}.{key}", raw.get(key), "a non-negative number")
    return int(number)


def _weekdays(value: Any, field: str) -> frozenset[int]:
    allowed = frozenset(WEEKDAYS)
    return frozenset(
        WEEKDAYS.index(as_choice(day, f"{field}[{i}]", allowed)) for i, day in enumerate(as_list(value, field))
    )


def _quiet_hours(raw: dict[str, Any]) -> QuietHours:
    field = "policy.b2b_quiet_hours"
    return QuietHours(
        enabled=as_bool(raw.get("enabled"), f"{field}.enabled"),
        start=parse_hhmm(raw.get("start"), f"{field}.start"),
        end=parse_hhmm(raw.get("end"), f"{field}.end"),
        days=_weekdays(raw.get("days"), f"{field}.days"),
        exclude_holidays=as_bool(raw.get("exclude_federal_holidays"), f"{field}.exclude_federal_holidays"),
    )


def _int_map(raw: Any, field: str) -> dict[str, int]:
    table = as_dict(raw, field)
    return {key: _int(table, key, field) for key in table}


def parse_policy(raw: Any) -> Policy:
    """Merge the input's `policy` over the defaults and type every key the engine reads."""
    p = merge_policy(DEFAULT_POLICY, as_dict(raw, "policy"))
    window = as_dict(p["time_window"], "policy.time_window")
    zones = as_list(p["unknown_tz_candidates"], "policy.unknown_tz_candidates")
    return Policy(
        window_start=parse_hhmm(window.get("start"), "policy.time_window.start"),
        window_end=parse_hhmm(window.get("end"), "policy.time_window.end"),
        dial_buffer_minutes=_int(p, "dial_buffer_minutes", "policy"),
        unknown_zones=tuple(parse_zone(z, f"policy.unknown_tz_candidates[{i}]") for i, z in enumerate(zones)),
        strictest_day_zone=as_choice(
            p["frequency_day_tz"],
            "policy.frequency_day_tz",
            frozenset({"consumer_primary", "all_candidates_strictest"}),
        )
        == "all_candidates_strictest",
        attorney_per_debt=as_choice(p["attorney_scope"], "policy.attorney_scope", frozenset({"all_debts", "per_debt"}))
        == "per_debt",
        attorney_response_days=_int(p, "attorney_reasonable_response_days", "policy"),
        vn_deadline_days=_int(p, "vn_deadline_days", "policy"),
        observed_holidays=as_choice(
            p["validation_holidays"],
            "policy.validation_holidays",
            frozenset({"statutory_and_observed", "statutory_only"}),
        )
        == "statutory_and_observed",
        regf_first_party=as_bool(p["apply_regf_to_first_party"], "policy.apply_regf_to_first_party"),
        nyc_rules=as_bool(p["nyc_rules_enabled"], "policy.nyc_rules_enabled"),
        state_packs={k: bool(v) for k, v in as_dict(p["state_packs"], "policy.state_packs").items()},
        b2b_hours=_quiet_hours(as_dict(p["b2b_quiet_hours"], "policy.b2b_quiet_hours")),
        b2b_cap=as_dict(p["b2b_frequency_cap"], "policy.b2b_frequency_cap") or None,
        caps=_int_map(p["electronic_caps"], "policy.electronic_caps"),
        tcpa_residential=_int_map(p["tcpa_residential_prerecorded"], "policy.tcpa_residential_prerecorded"),
        reply_window_minutes=_int(p, "reply_window_minutes", "policy"),
        optout_confirmation_minutes=_int(p, "optout_confirmation_window_minutes", "policy"),
        deceased_quiet_days=_int(p, "deceased_quiet_period_days", "policy"),
        call_spacing=as_dict(p["call_spacing"], "policy.call_spacing") or None,
    )
