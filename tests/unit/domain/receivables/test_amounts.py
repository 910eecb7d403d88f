"""Amount parsing: every export style round-trips exactly into Money for exponents 0, 2 and 3."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.money import Money, minor_exponent
from shared.domain.receivables.amounts import AmountError, parse_amount

STYLES = ("plain", "symbol", "thousands", "parentheses", "trailing_minus", "decimal_comma", "code")


def _group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(groups)


def format_amount(minor: int, exponent: int, style: str) -> str:
    """Write minor units the way one export style would."""
    whole, fraction = divmod(abs(minor), 10**exponent)
    tail = f"{fraction:0{exponent}d}" if exponent else ""
    negative = minor < 0
    if style == "decimal_comma":
        body = _group(str(whole), ".") + ("," + tail if tail else "")
        return ("-" if negative else "") + body
    point = "." + tail if tail else ""
    grouped = _group(str(whole), ",") + point
    plain = str(whole) + point
    written = {
        "plain": ("-" if negative else "") + plain,
        "symbol": ("-" if negative else "") + "$" + grouped,
        "thousands": ("-" if negative else "") + grouped,
        "parentheses": f"({grouped})" if negative else grouped,
        "trailing_minus": grouped + ("-" if negative else ""),
        "code": ("-" if negative else "") + grouped + " usd",
    }
    return written[style]


@given(
    minor=st.integers(min_value=-(10**11), max_value=10**11),
    currency=st.sampled_from(["USD", "JPY", "KWD"]),
    style=st.sampled_from(STYLES),
)
def test_parse_amount_formatted_value_round_trips_exactly(minor: int, currency: str, style: str) -> None:
    # Given an amount written in one export style for a currency with 0, 2 or 3 decimals
    text = format_amount(minor, minor_exponent(currency), style)
    # When it is parsed and converted to Money
    value, _ = parse_amount(text, decimal_comma=style == "decimal_comma")
    # Then the minor units are exactly those written, never through a float
    assert Money.from_decimal(value, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected", "code"),
    [
        ("$13.50", False, Decimal("13.50"), None),
        ("1,000.00", False, Decimal("1000.00"), None),
        ("-100.00", False, Decimal("-100.00"), None),
        ("(250.00)", False, Decimal("-250.00"), None),
        ("250.00-", False, Decimal("-250.00"), None),
        ("-$1,234.56", False, Decimal("-1234.56"), None),
        ("$-1,234.56", False, Decimal("-1234.56"), None),
        ("1.234,56", True, Decimal("1234.56"), None),
        ("€ 89,90", True, Decimal("89.90"), None),
        ("USD 10.00", False, Decimal("10.00"), "USD"),
        ("10.00 eur", False, Decimal("10.00"), "EUR"),
        ("1 234.50", False, Decimal("1234.50"), None),
        (".50", False, Decimal("0.50"), None),
    ],
)
def test_parse_amount_known_style_gives_exact_decimal(
    text: str, decimal_comma: bool, expected: Decimal, code: str | None
) -> None:
    # Given an amount as a real export writes it
    # When parsed
    value, written = parse_amount(text, decimal_comma)
    # Then the value and any written currency code are exact
    assert (value, written) == (expected, code)


@pytest.mark.parametrize(
    ("text", "decimal_comma"),
    [("abc", False), ("1,00", False), ("12.3.4", False), ("", False), ("(-5.00)", False), ("1,234.56", True),
     ("1e5", False), ("--5", False)],
)  # fmt: skip
def test_parse_amount_malformed_text_raises_amount_error(text: str, decimal_comma: bool) -> None:
    # Given text that is not an amount in the declared style
    # When / Then parsing refuses it instead of guessing
    with pytest.raises(AmountError):
        parse_amount(text, decimal_comma)
