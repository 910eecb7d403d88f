"""Money as integer minor units plus an ISO 4217 currency; amounts of two currencies never mix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import total_ordering

from iso4217 import Currency

from shared.domain.errors import InvalidInputError

_CODE = re.compile(r"^[A-Z]{3}$")
MAX_MAJOR = 10**12  # amounts must stay below a trillion units of their currency (no real receivable is larger)


def normalize_currency(code: str) -> str:
    """Return the upper-case ISO 4217 code for `code` (any case, surrounding spaces allowed)."""
    norm = code.strip().upper()
    if not _CODE.match(norm):
        raise InvalidInputError(f"currency {code!r} is not a three-letter ISO 4217 code")
    if _currency(norm) is None:
        raise InvalidInputError(f"currency {code!r} is not an ISO 4217 currency code")
    return norm


def is_currency(text: str) -> bool:
    """Whether `text` is an ISO 4217 code (any case, surrounding spaces allowed)."""
    return _currency(text.strip().upper()) is not None


def _currency(code: str) -> Currency | None:
    try:
        return Currency(code)
    except ValueError:
        return None


def minor_exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (2 for USD, 0 for JPY, 3 for KWD)."""
    exponent = Currency(normalize_currency(currency)).exponent
    return 2 if exponent is None else exponent  # no minor unit (gold, SDR...): hundredths


@total_ordering
@dataclass(frozen=True)
class Money:
    """An amount in minor units (cents) of one currency."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise InvalidInputError(f"money minor units must be an int, got {self.minor!r}")
        object.__setattr__(self, "currency", normalize_currency(self.currency))

    @classmethod
    def from_decimal(cls, amount: Decimal | str | int, currency: str) -> Money:
        """Exact conversion; refuses floats, non-finite values and more decimals than the currency has."""
        if isinstance(amount, bool | float) or not isinstance(amount, Decimal | str | int):
            raise InvalidInputError(f"amount {amount!r} must be a decimal string, int or Decimal, never a float")
        try:
            value = Decimal(amount)
        except InvalidOperation as exc:
            raise InvalidInputError(f"amount {amount!r} is not a number") from exc
        if not value.is_finite():
            raise InvalidInputError(f"amount {amount!r} is not a finite number")
        if abs(value) >= MAX_MAJOR:
            raise InvalidInputError(
                f"amount {amount} is above the largest amount Arrears accepts ({MAX_MAJOR - 1:,} {currency.upper()})"
            )
        scaled = value.scaleb(minor_exponent(currency))
        if scaled != scaled.to_integral_value():
            raise InvalidInputError(f"amount {amount} has more decimals than {currency} allows")
        return cls(int(scaled), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-minor_exponent(self.currency))

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise InvalidInputError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def format(self) -> str:
        """Human form such as `USD 1,234.50` (sign first for negatives)."""
        exp = minor_exponent(self.currency)
        text = f"{abs(self.to_decimal()):,.{exp}f}"
        return f"{'-' if self.minor < 0 else ''}{self.currency} {text}"


def add_by_currency(totals: dict[str, int], amount: Money) -> None:
    """Accumulate `amount` into a per-currency map of minor units, never mixing currencies."""
    totals[amount.currency] = totals.get(amount.currency, 0) + amount.minor
