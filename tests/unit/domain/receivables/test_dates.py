"""Date parsing: each declared order round-trips; numeric dates are never guessed; terms derive due dates."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.receivables.dates import DateError, parse_date, parse_terms

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_date(value: date, order: str, separator: str, padded: bool, short_year: bool) -> str:
    day = f"{value.day:02d}" if padded else str(value.day)
    month = f"{value.month:02d}" if padded else str(value.month)
    year = f"{value.year % 100:02d}" if short_year else str(value.year)
    parts = {"MDY": (month, day, year), "DMY": (day, month, year), "YMD": (str(value.year), month, day)}
    return separator.join(parts[order])


@given(
    value=st.dates(min_value=date(1970, 1, 1), max_value=date(2069, 12, 31)),
    order=st.sampled_from(["MDY", "DMY", "YMD"]),
    separator=st.sampled_from(["/", "-", "."]),
    padded=st.booleans(),
    short_year=st.booleans(),
)
def test_parse_date_declared_order_round_trips(
    value: date, order: str, separator: str, padded: bool, short_year: bool
) -> None:
    # Given a date written in the order the profile declares
    text = format_date(value, order, separator, padded, short_year and order != "YMD")
    # When parsed with that order
    # Then the same date comes back
    assert parse_date(text, order) == value


@given(value=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), style=st.integers(0, 4))
def test_parse_date_unambiguous_forms_need_no_order(value: date, style: int) -> None:
    # Given ISO dates, ISO timestamps with offsets and month-name dates
    month = MONTH_NAMES[value.month - 1]
    text = [
        value.isoformat(),
        f"{value.isoformat()}T23:30:00-05:00",
        f"{month} {value.day} {value.year}",
        f"{value.day} {month} {value.year}",
        f"{month} {value.day}, {value.year}",
    ][style]
    # When parsed with no declared order
    # Then the written date comes back (a timestamp keeps its own calendar date)
    assert parse_date(text, None) == value


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("1/6/2012", "MDY", date(2012, 1, 6)),
        ("29/3/2019", "DMY", date(2019, 3, 29)),
        ("2021-01-28", None, date(2021, 1, 28)),
        ("Jan 28 2021", None, date(2021, 1, 28)),
        ("28 Jan 2021", None, date(2021, 1, 28)),
        ("28-Jan-21", None, date(2021, 1, 28)),
        ("2026-06-01 14:03", None, date(2026, 6, 1)),
        ("2021-01-28T10:00:00Z", None, date(2021, 1, 28)),
        ("1/6/2012 0:00", "MDY", date(2012, 1, 6)),
        ("Monday, Jul 28, 2026", None, date(2026, 7, 28)),
        ("2021/01/28", "DMY", date(2021, 1, 28)),
    ],
)
def test_parse_date_export_forms_parse(text: str, order: str | None, expected: date) -> None:
    # Given a date as an export writes it / When parsed / Then it is the intended day
    assert parse_date(text, order) == expected


@pytest.mark.parametrize("text", ["29/3/2019", "1/6/2012", "01-02-03"])
def test_parse_date_numeric_without_order_is_ambiguous(text: str) -> None:
    # Given a numeric day/month date and no declared order
    # When / Then it is refused with the fix named, never guessed
    with pytest.raises(DateError, match="ambiguous: declare date_order DMY or MDY"):
        parse_date(text, None)


@pytest.mark.parametrize(("text", "order"), [("13/13/2020", "DMY"), ("2/30/2020", "MDY"), ("soon", None),
                                            ("28/01/2021", "YMD"), ("Foo 3 2021", None)])  # fmt: skip
def test_parse_date_impossible_text_raises_date_error(text: str, order: str | None) -> None:
    # Given text that is no date in the declared order / When / Then it is refused
    with pytest.raises(DateError):
        parse_date(text, order)


@pytest.mark.parametrize(
    ("text", "days"),
    [("Net 30", 30), ("NET15", 15), ("30", 30), ("45 days", 45), ("2/10 Net 30", 30), ("Due on receipt", 0)],
)
def test_parse_terms_common_wording_gives_days(text: str, days: int) -> None:
    # Given payment terms as accounting packages write them / When / Then the days are read
    assert parse_terms(text) == days


def test_parse_terms_unknown_wording_raises_date_error() -> None:
    # Given terms nobody can read / When / Then they are refused
    with pytest.raises(DateError):
        parse_terms("whenever")
