"""Amount text as accounting exports write it ($1,000.00, (250.00), 250.00-, 1.234,56) to an exact Decimal."""

from __future__ import annotations

import re
from decimal import Decimal

from shared.domain.errors import InvalidInputError
from shared.domain.money import normalize_currency

_SYMBOLS = "$€£¥₹₩₽₺₪₫฿¢"
_CODE_PREFIX = re.compile(r"^([A-Za-z]{3})(?=[\s\d$€£¥₹₩₽₺₪₫฿(+-])\s*")
_CODE_SUFFIX = re.compile(r"(?<=[\d\s)\-$€£¥₹₩₽₺₪₫฿])\s*([A-Za-z]{3})$")
_DOT_DECIMAL = re.compile(r"^(\d{1,3}([,\s']\d{3})+|\d+)(\.\d*)?$|^\.\d+$")
_COMMA_DECIMAL = re.compile(r"^(\d{1,3}([.\s']\d{3})+|\d+)(,\d*)?$|^,\d+$")


class AmountError(ValueError):
    """The text is not an amount; the message completes "balance '<text>' ..."."""


def parse_amount(text: str, decimal_comma: bool = False) -> tuple[Decimal, str | None]:
    """Return the signed value and any currency code written beside it (`USD 10.00`, `10.00 eur`).

    Negative forms: leading or trailing minus, parentheses, a minus on either side of the symbol.
    Thousands separators are checked against their grouping, so `1,00` is refused rather than guessed.
    """
    body = text.strip().replace("\u00a0", " ").replace("\u202f", " ").replace("\u2212", "-")
    body, code = _strip_code(body)
    negatives = 0
    if body.startswith("(") and body.endswith(")"):
        negatives, body = 1, body[1:-1]
    for _ in range(2):
        body, found = _strip_sign(body.strip().strip(_SYMBOLS).strip())
        negatives += found
    if negatives > 1:
        raise AmountError("has more than one minus sign")
    value = Decimal(_plain_number(body, decimal_comma))
    return (-value if negatives else value), code


def _strip_code(body: str) -> tuple[str, str | None]:
    for pattern in (_CODE_PREFIX, _CODE_SUFFIX):
        match = pattern.search(body)
        if match:
            return (body[: match.start()] + body[match.end() :]).strip(), match.group(1).upper()
    return body, None


def _strip_sign(body: str) -> tuple[str, int]:
    if body.startswith("-"):
        return body[1:], 1
    if body.endswith("-"):
        return body[:-1], 1
    if body.startswith("+"):
        return body[1:], 0
    return body, 0


def _plain_number(body: str, decimal_comma: bool) -> str:
    body = body.strip()
    pattern = _COMMA_DECIMAL if decimal_comma else _DOT_DECIMAL
    if not body or not pattern.match(body):
        style = "decimal comma (1.234,56)" if decimal_comma else "decimal point (1,234.56)"
        raise AmountError(f"is not an amount in {style} style")
    for separator in (" ", "'", "." if decimal_comma else ","):
        body = body.replace(separator, "")
    plain = body.replace(",", ".") if decimal_comma else body
    return plain.rstrip(".") or "0"


def currency_code(text: str, written: str | None, field: str) -> str:
    """The ISO 4217 code `text` names, which must agree with a code written beside the `field` amount."""
    try:
        code = normalize_currency(text)
    except InvalidInputError as exc:
        raise InvalidInputError(f"currency {text!r} is not a three-letter ISO 4217 code") from exc
    if written and written != code:
        raise InvalidInputError(f"{field} is written in {written} but currency says {code}")
    return code
