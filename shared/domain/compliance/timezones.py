"""Time-zone facts: phone zones from libphonenumber, candidate and primary zones, DST-safe local↔UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_timezone

from shared.domain.compliance.model import Account
from shared.domain.compliance.policy import Policy


@lru_cache(maxsize=512)
def phone_zones(number: str) -> tuple[str, ...]:
    """Zones libphonenumber gives a geographic number; toll-free and unknown numbers give none."""
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return ()
    if not phonenumbers.is_number_geographical(parsed):
        return ()
    return tuple(z for z in phone_timezone.time_zones_for_number(parsed) if z != "Etc/Unknown")


@lru_cache(maxsize=256)
def zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def to_instant(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """Local wall time → UTC. In a DST gap shift forward; in a fall-back overlap take the later instant."""
    naive = datetime.combine(day, clock)
    earlier = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    later = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return max(earlier, later)


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    return to_instant(day, time(0, 0), tz)


def primary_zone(account: Account, policy: Policy) -> ZoneInfo:
    """Address zone, else the first zone of the first phone, else the first unknown-zone candidate."""
    if account.address_zone:
        return zone(account.address_zone)
    for phone in account.phones:
        if phone.zones:
            return zone(phone.zones[0])
    return policy.unknown_zones[0] if policy.unknown_zones else ZoneInfo("America/New_York")


def candidate_zones(account: Account, policy: Policy, instant: datetime) -> tuple[ZoneInfo, ...]:
    """Every zone the consumer might be in at `instant` (SCHEMA §3); the unknown list if none is known."""
    keys: list[str] = [
        loc.zone
        for loc in account.prefs.locations
        if _within(local_date(instant, zone(loc.zone)), loc.start_on, loc.end_on)
    ]
    if account.address_zone:
        keys.append(account.address_zone)
    keys.extend(z for phone in account.phones for z in phone.zones)
    unique = tuple(dict.fromkeys(keys))
    return tuple(zone(k) for k in unique) if unique else policy.unknown_zones


def _within(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
