"""Field parsers that turn raw JSON values into typed values and name the field when they fail."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.domain.errors import InvalidInputError

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
# Leave room for day arithmetic and zone conversion on either side of any accepted instant.
MIN_YEAR, MAX_YEAR = 1900, 9000
_HHMM = re.compile(r"^(\d{2}):(\d{2})$")


def fail(field: str, value: Any, what: str) -> InvalidInputError:
    """Build the one error shape the CLI prints: `field: value is not what`."""
    return InvalidInputError(f"{field}: {value!r} is not {what}")


def as_dict(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(field, value, "an object")
    return value


def as_list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail(field, value, "a list")
    return value


def as_str(value: Any, field: str, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise fail(field, value, "a string")
    return value


def as_bool(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise fail(field, value, "a boolean")
    return value


def as_number(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(field, value, "a number")
    return float(value)


def as_choice(value: Any, field: str, allowed: frozenset[str], default: str | None = None) -> str:
    if value is None and default is not None:
        return default
    if not isinstance(value, str) or value not in allowed:
        raise fail(field, value, "one of " + ", ".join(sorted(allowed)))
    return value


def as_ids(value: Any, field: str) -> frozenset[str] | None:
    """A list of ids, or None when absent (absent means 'all' wherever the schema says so)."""
    if value is None:
        return None
    return frozenset(as_str(item, f"{field}[{i}]") for i, item in enumerate(as_list(value, field)))


def parse_instant(value: Any, field: str) -> datetime:
    """An RFC 3339 instant with an explicit offset, returned in UTC."""
    if not isinstance(value, str) or not _RFC3339.match(value.strip()):
        raise fail(field, value, "an RFC 3339 instant")
    text = value.strip().replace("z", "Z").replace("Z", "+00:00")
    try:
        instant = datetime.fromisoformat(text).astimezone(UTC)
    except ValueError as exc:
        raise fail(field, value, "an RFC 3339 instant") from exc
    if not MIN_YEAR <= instant.year <= MAX_YEAR:
        raise fail(field, value, f"an instant between {MIN_YEAR} and {MAX_YEAR}")
    return instant


def optional_instant(value: Any, field: str) -> datetime | None:
    return None if value is None else parse_instant(value, field)


def parse_date(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise fail(field, value, "a YYYY-MM-DD date")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise fail(field, value, "a YYYY-MM-DD date") from exc


def optional_date(value: Any, field: str) -> date | None:
    return None if value is None else parse_date(value, field)


def parse_hhmm(value: Any, field: str) -> time:
    """A 24 h time of day "HH:MM"; "24:00" means the midnight that ends the day."""
    match = _HHMM.match(value) if isinstance(value, str) else None
    if match is None:
        raise fail(field, value, "an HH:MM time of day")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if (hours, minutes) == (24, 0):
        return time(0, 0)
    if hours > 23 or minutes > 59:
        raise fail(field, value, "an HH:MM time of day")
    return time(hours, minutes)


def parse_zone(value: Any, field: str) -> ZoneInfo:
    if not isinstance(value, str) or not value:
        raise fail(field, value, "an IANA time zone")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise fail(field, value, "an IANA time zone") from exc


class Reader:
    """Parses instants relative to the as-of instant: anything later than it is not known yet."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def known(self, value: Any, field: str) -> datetime | None:
        instant = optional_instant(value, field)
        return instant if instant is not None and instant <= self.at else None

    def happened(self, raw: dict[str, Any], key: str, field: str) -> datetime | None:
        """The instant at `raw[key]` if it is set and not after the as-of instant."""
        return self.known(raw.get(key), f"{field}.{key}")
