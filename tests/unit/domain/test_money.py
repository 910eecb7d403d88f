"""Money: exact decimal round-trips per currency exponent, no mixing of currencies, and the human format."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import InvalidInputError
from shared.domain.money import Money, add_by_currency, minor_exponent, normalize_currency

# One currency for each minor-unit exponent collectors see: cents, none, and thousandths.
EXPONENTS = {"USD": 2, "JPY": 0, "KWD": 3}
currencies = st.sampled_from(sorted(EXPONENTS))
minor_units = st.integers(min_value=-(10**11), max_value=10**11)  # below MAX_MAJOR in every currency


@given(minor=minor_units, currency=currencies)
def test_money_to_decimal_from_decimal_round_trip_exact(minor: int, currency: str) -> None:
    # Given an amount in minor units of a currency with exponent 0, 2 or 3
    money = Money(minor, currency)

    # When it goes to a Decimal and back, also through its string form
    back = Money.from_decimal(money.to_decimal(), currency)
    back_from_text = Money.from_decimal(str(money.to_decimal()), currency)

    # Then nothing is lost and the decimal has the currency's number of places
    assert back == money
    assert back_from_text == money
    assert money.to_decimal() * (10 ** EXPONENTS[currency]) == minor


@given(
    whole=st.integers(min_value=0, max_value=10**9),
    fraction=st.integers(min_value=0, max_value=999),
    currency=currencies,
)
def test_money_from_decimal_text_scales_by_exponent(whole: int, fraction: int, currency: str) -> None:
    # Given a decimal text with exactly as many places as the currency allows
    places = EXPONENTS[currency]
    fraction %= 10**places if places else 1
    text = f"{whole}.{fraction:0{places}d}" if places else str(whole)

    # When it is converted
    money = Money.from_decimal(text, currency)

    # Then the minor units are the digits without the point
    assert money.minor == whole * 10**places + fraction


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1.5", "JPY"), ("10.001", "USD"), ("0.0001", "KWD"), ("1e-400", "USD")],
)
def test_money_from_decimal_too_many_decimals_raises_invalid_input(amount: str, currency: str) -> None:
    # Given an amount finer than the currency's minor unit
    # When it is converted
    # Then it is refused rather than rounded
    with pytest.raises(InvalidInputError, match="more decimals"):
        Money.from_decimal(amount, currency)


def test_money_from_decimal_trailing_zeros_accepted() -> None:
    # Given an amount written with more places than needed, all zeros
    # When it is converted
    # Then it is the same amount (no precision is lost)
    assert Money.from_decimal("12.500", "USD") == Money(1250, "USD")
    assert Money.from_decimal("12.000", "JPY") == Money(12, "JPY")


@pytest.mark.parametrize("amount", ["abc", "1,234.50", "", "12 50"])
def test_money_from_decimal_not_a_number_raises_invalid_input(amount: str) -> None:
    # Given text that is not a plain decimal number
    # When it is converted
    # Then the error is the domain's own, naming the amount
    with pytest.raises(InvalidInputError, match="not a number"):
        Money.from_decimal(amount, "USD")


@pytest.mark.parametrize("amount", ["Infinity", "-Infinity", "NaN", "sNaN"])
def test_money_from_decimal_not_finite_raises_invalid_input(amount: str) -> None:
    # Given an infinite or not-a-number amount
    # When it is converted
    # Then it is refused with the domain error every trigger maps to a response (not OverflowError)
    with pytest.raises(InvalidInputError):
        Money.from_decimal(amount, "USD")


@given(a=minor_units, b=minor_units)
def test_money_add_and_sub_same_currency_is_integer_arithmetic(a: int, b: int) -> None:
    # Given two amounts of one currency
    # When they are added and subtracted
    # Then the result is exact integer arithmetic in that currency
    assert Money(a, "USD") + Money(b, "USD") == Money(a + b, "USD")
    assert Money(a, "USD") - Money(b, "USD") == Money(a - b, "USD")
    assert -Money(a, "KWD") == Money(-a, "KWD")


@given(a=minor_units, b=minor_units, pair=st.permutations(sorted(EXPONENTS)))
def test_money_combine_two_currencies_raises_invalid_input(a: int, b: int, pair: list[str]) -> None:
    # Given amounts in two different currencies
    left, right = Money(a, pair[0]), Money(b, pair[1])

    # When they are added or subtracted
    # Then the operation is refused, whatever the amounts
    with pytest.raises(InvalidInputError, match="cannot combine"):
        _ = left + right
    with pytest.raises(InvalidInputError, match="cannot combine"):
        _ = left - right


def test_money_compare_two_currencies_raises_invalid_input() -> None:
    # Given 500 yen and 1 dollar
    yen, dollar = Money(500, "JPY"), Money(100, "USD")

    # When they are ordered (as max() or sorted() would)
    # Then the comparison is refused instead of claiming 500 yen is more than a dollar
    for compare in (lambda: yen > dollar, lambda: yen < dollar, lambda: yen >= dollar, lambda: yen <= dollar):
        with pytest.raises(InvalidInputError, match="cannot combine"):
            compare()
    with pytest.raises(InvalidInputError):
        max(yen, dollar)


@given(a=minor_units, b=minor_units)
def test_money_compare_same_currency_orders_by_amount(a: int, b: int) -> None:
    # Given two amounts of one currency
    left, right = Money(a, "KWD"), Money(b, "KWD")

    # When they are compared
    # Then the order is the order of the amounts, and equal amounts are equal
    assert (left < right) == (a < b)
    assert (left >= right) == (a >= b)
    assert (left == right) == (a == b)
    assert (Money(a, "KWD") == Money(a, "JPY")) is False


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(123450, "USD"), "USD 1,234.50"),
        (Money(5, "USD"), "USD 0.05"),
        (Money(0, "USD"), "USD 0.00"),
        (Money(-5, "USD"), "-USD 0.05"),
        (Money(1234567, "JPY"), "JPY 1,234,567"),
        (Money(1234, "KWD"), "KWD 1.234"),
        (Money(-1234567, "KWD"), "-KWD 1,234.567"),
        (Money(10**8, "EUR"), "EUR 1,000,000.00"),
    ],
)
def test_money_format_examples_grouped_with_currency_places(money: Money, text: str) -> None:
    # Given an amount
    # When it is formatted for a person
    # Then it shows the code, thousands groups, the currency's places and the sign first
    assert money.format() == text


@given(minor=minor_units, currency=currencies)
def test_money_format_parses_back_to_same_amount(minor: int, currency: str) -> None:
    # Given any amount
    text = Money(minor, currency).format()

    # When the formatted text is read back (sign, code and separators removed)
    sign = -1 if text.startswith("-") else 1
    code, _, number = text.lstrip("-").partition(" ")

    # Then it is the same amount, so reminders never misstate a balance
    assert code == currency
    assert sign * Money.from_decimal(number.replace(",", ""), currency).minor == minor


@pytest.mark.parametrize("minor", [1.0, 150.5, True, False, "100", Decimal("1")])
def test_money_minor_not_int_raises_invalid_input(minor: Any) -> None:
    # Given minor units that are a float, a bool, a string or a Decimal
    # When Money is built
    # Then it is refused: minor units are whole integers only
    with pytest.raises(InvalidInputError, match="must be an int"):
        Money(minor, "USD")


@pytest.mark.parametrize("amount", [1.5, 0.1, 2.0, True, False, None, [1]])
def test_money_from_decimal_float_bool_or_other_raises_invalid_input(amount: Any) -> None:
    # Given a float, a bool or something else where a Decimal, text or int is expected
    # When it is converted
    # Then it is refused, even when the binary float happens to be exact
    with pytest.raises(InvalidInputError):
        Money.from_decimal(amount, "USD")


def test_money_from_decimal_whole_int_units_scaled() -> None:
    # Given whole currency units as an int
    # When they are converted
    # Then they are scaled by the currency's exponent
    assert Money.from_decimal(15, "USD") == Money(1500, "USD")
    assert Money.from_decimal(15, "JPY") == Money(15, "JPY")
    assert Money.from_decimal(15, "KWD") == Money(15000, "KWD")


@pytest.mark.parametrize(("code", "norm"), [("usd", "USD"), (" eur ", "EUR"), ("JpY", "JPY"), ("kwd\n", "KWD")])
def test_money_currency_any_case_normalised_to_upper(code: str, norm: str) -> None:
    # Given a currency code in any case with surrounding spaces
    # When money is built with it
    money = Money(100, code)

    # Then the code is stored upper case, equal to the canonical one, with its exponent
    assert money.currency == norm
    assert money == Money(100, norm)
    assert minor_exponent(code) == minor_exponent(norm)


def test_money_lower_case_code_keeps_exponent() -> None:
    # Given amounts converted with lower-case codes of 0- and 3-place currencies
    # When they are converted
    # Then the exponent of the canonical code applies
    assert Money.from_decimal("1500", "jpy") == Money(1500, "JPY")
    assert Money.from_decimal("1.500", "kwd") == Money(1500, "KWD")


@pytest.mark.parametrize("code", ["US", "USDX", "U$D", "", "12A", "US D"])
def test_normalize_currency_not_three_letters_raises_invalid_input(code: str) -> None:
    # Given something that is not a three-letter code
    # When it is normalised
    # Then it is refused, naming the code
    with pytest.raises(InvalidInputError, match="ISO 4217"):
        normalize_currency(code)


def test_add_by_currency_keeps_currencies_apart() -> None:
    # Given a running total and amounts in two currencies
    totals: dict[str, int] = {}

    # When they are accumulated
    for amount in (Money(100, "USD"), Money(5, "JPY"), Money(250, "usd")):
        add_by_currency(totals, amount)

    # Then each currency has its own sum
    assert totals == {"USD": 350, "JPY": 5}


@pytest.mark.parametrize(
    ("amount", "currency"), [("1000000000000", "USD"), ("-1000000000000", "JPY"), ("9" * 48, "USD")]
)
def test_money_from_decimal_above_the_bound_names_the_bound(amount: str, currency: str) -> None:
    # A fuzzed payment once produced a balance of -99999999999999999999999999999999999999999875000 USD
    with pytest.raises(InvalidInputError, match=f"largest amount Arrears accepts \\(999,999,999,999 {currency}\\)"):
        Money.from_decimal(amount, currency)
