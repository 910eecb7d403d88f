"""The bounds a receivables file must keep: a row outside them is rejected with a reason naming the bound."""

from __future__ import annotations

from datetime import date

from shared.domain.money import MAX_MAJOR

# One physical line, and one record joined from lines (a quoted field may span them): far above any real export
# row (under 1 KiB) and below csv's field_size_limit (131,072), which would otherwise raise on the whole file.
MAX_LINE_CHARS = 65_536
READ_LINE_BYTES = 4 * MAX_LINE_CHARS  # the longest line a reader keeps whole: MAX_LINE_CHARS in UTF-8 at most
MAX_CELL_CHARS = 32_768  # any cell, mapped or not (memo columns included)
MAX_COLUMNS = 256  # in the header
# Account ids and invoice numbers key DynamoDB items and index sort keys (1,024 bytes at most): 128 characters
# are 512 bytes at worst in UTF-8.
MAX_ID_CHARS = 128
MAX_FIELD_CHARS = 256  # every other mapped field: names, address parts, email (254 by RFC 5321), amounts, dates
MIN_YEAR, MAX_YEAR = 1900, 2100  # a due or invoice date outside is a typo or a placeholder such as 9999-12-31
MAX_AMOUNT = MAX_MAJOR  # balances stay below a trillion units of their currency (Money's own bound)
# Invoices embedded in one account item (DynamoDB: 400 KB an item). Measured with account_codec.to_item: 100
# invoices are 27 KB as exports write them and 278 KB with every field at its bound (1 KiB S3 key, 128-character
# numbers, the longest contact warnings), leaving room for the ledger entries, contacts and flags.
MAX_INVOICES_PER_ACCOUNT = 100
_ID_FIELDS = ("account_id", "invoice")
_SHOWN = 40  # characters of an offending value quoted in a reason


def field_limit(name: str) -> int:
    """The most characters a mapped field may hold."""
    return MAX_ID_CHARS if name in _ID_FIELDS else MAX_FIELD_CHARS


def shown(text: str) -> str:
    """An offending value as a reason quotes it: whole when short, else its start and its length."""
    if len(text) <= _SHOWN:
        return repr(text)
    return f"{text[:_SHOWN]!r}… ({len(text):,} characters)"


def too_long(what: str, length: int, limit: int, unit: str = "characters") -> str:
    return f"{what} is {length:,} {unit} long, over the bound of {limit:,} {unit}"


def date_in_window(value: date) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


def date_window() -> str:
    return f"the years {MIN_YEAR}..{MAX_YEAR} Arrears accepts"
