"""Date text to `date`, in the day/month order the profile declares; numeric dates are never guessed."""

from __future__ import annotations

import re
from datetime import date, timedelta

from shared.domain.receivables.bounds import date_in_window, date_window

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d.*)?$")
_NUMERIC = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})$")
_MONTH_NAME_FIRST = re.compile(r"^([A-Za-z]{3,9})\.?[\s\-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s\-]+(\d{2,4})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]{3,9})\.?,?[\s\-]+(\d{2,4})$")
_WEEKDAY = re.compile(r"^[A-Za-z]+day,?\s+|^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
_TIME = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?(\s*[AaPp]\.?[Mm]\.?)?(\s+.*)?$")
_TERMS_NET = re.compile(r"net\s*(\d{1,3})", re.IGNORECASE)
_TERMS_DAYS = re.compile(r"^(\d{1,3})(\s*days?)?$", re.IGNORECASE)
_TERMS_NOW = re.compile(r"receipt|immediate|\bcod\b|cash on delivery|upon", re.IGNORECASE)
DATE_ORDERS = ("MDY", "DMY", "YMD")


class DateError(ValueError):
    """The text is not a date; the message completes "due_date '<text>' ..."."""


def parse_date(text: str, order: str | None) -> date:
    """Parse ISO dates and timestamps (the written date, offset ignored), month-name dates and numeric dates.

    A numeric date whose year is not first needs `order` (MDY or DMY): without it the row is refused,
    even when the value could only be read one way, so that a file is never read half one way, half another.
    """
    value = _WEEKDAY.sub("", text.strip())
    iso = _ISO.match(value)
    if iso:
        return _make(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    value = _TIME.sub("", value)
    numeric = _NUMERIC.match(value)
    if numeric:
        return _numeric(numeric.group(1), numeric.group(3), numeric.group(4), order)
    return _named(value)


def _numeric(first: str, second: str, third: str, order: str | None) -> date:
    if len(first) == 4:
        return _make(int(first), int(second), int(third))
    if order == "MDY":
        return _make(_year(third), int(first), int(second))
    if order == "DMY":
        return _make(_year(third), int(second), int(first))
    if order == "YMD":
        raise DateError("is not a year-first date as the profile's date_order YMD declares")
    raise DateError("is ambiguous: declare date_order DMY or MDY in the profile")


def _named(value: str) -> date:
    month_first = _MONTH_NAME_FIRST.match(value)
    if month_first:
        month, day, year = month_first.groups()
        return _make(_year(year), _month(month), int(day))
    day_first = _DAY_FIRST.match(value)
    if day_first:
        day, month, year = day_first.groups()
        return _make(_year(year), _month(month), int(day))
    raise DateError("is not a date")


def _month(name: str) -> int:
    number = _MONTHS.get(name.lower())
    if number is None:
        raise DateError(f"has an unknown month name {name!r}")
    return number


def _year(text: str) -> int:
    if len(text) == 2:
        year = int(text)
        return 2000 + year if year < 70 else 1900 + year
    if len(text) != 4:
        raise DateError("has a year that is neither two nor four digits")
    return int(text)


def _make(year: int, month: int, day: int) -> date:
    try:
        value = date(year, month, day)
    except ValueError as exc:
        raise DateError(f"is not a valid date ({exc})") from exc
    if not date_in_window(value):
        raise DateError(f"is outside {date_window()}")
    return value


def parse_terms(text: str) -> int:
    """Days from invoice to due date for `Net 30`, `30`, `30 days`, `2/10 Net 30`, `Due on receipt`."""
    value = text.strip()
    net = _TERMS_NET.search(value)
    if net:
        return int(net.group(1))
    days = _TERMS_DAYS.match(value)
    if days:
        return int(days.group(1))
    if _TERMS_NOW.search(value):
        return 0
    raise DateError("is not payment terms such as 'Net 30', '30' or 'Due on receipt'")


def add_days(start: date, days: int) -> date:
    """`start` plus `days`; DateError when the result leaves the accepted window of years."""
    try:
        value = start + timedelta(days=days)
    except OverflowError as exc:
        raise DateError(f"is outside {date_window()}") from exc
    if not date_in_window(value):
        raise DateError(f"is outside {date_window()}")
    return value
