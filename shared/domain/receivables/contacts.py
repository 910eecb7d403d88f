"""Debtor contact fields: email syntax, phone numbers to E.164, the address dict and its time zone."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

from shared.domain.letterhead import LANGUAGES  # what reminders and letters are written in
from shared.domain.receivables.timezones import zone_for_address, zone_for_phone

_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_EMAIL_SPLIT = re.compile(r"[;,\s]+")
ADDRESS_KEYS = ("line1", "city", "state", "postal_code", "country")


def clean_email(text: str) -> tuple[str | None, list[str]]:
    """The first address if its syntax is valid, else None with a warning; the row is kept either way."""
    parts = [part for part in _EMAIL_SPLIT.split(text.strip()) if part]
    if not parts:
        return None, []
    first = parts[0].strip("<>")
    if not _EMAIL.match(first):
        return None, [f"email {text.strip()!r} is not a valid address; the field was dropped"]
    warnings = [f"email field held {len(parts)} addresses; kept the first"] if len(parts) > 1 else []
    return first.lower() if first.isascii() else first, warnings


def clean_phone(text: str, region: str | None) -> tuple[str | None, list[str]]:
    """E.164 form of a valid number (national numbers need the profile's default_region), else a warning."""
    if not text.strip():
        return None, []
    e164 = _e164(text.strip(), region)
    if e164 is None:
        where = f" for region {region}" if region else " (no default_region to read a national number)"
        return None, [f"phone {text.strip()!r} is not a valid number{where}; the field was dropped"]
    return e164, []


@lru_cache(maxsize=4096)  # debtors repeat across invoices; bounded, so memory stays flat
def _e164(text: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def read_language(text: str) -> tuple[str | None, list[str]]:
    """The language a row asks the debtor be written in: a code (`es`, `es-MX`, `en_US`) or a name in English or
    Spanish (`Spanish`, `Español`); another language is dropped with a warning (the row is kept)."""
    value = text.strip()
    if not value:
        return None, []
    language = _languages().get(value.casefold()) or _code(value)
    if language in LANGUAGES:
        return language, []
    return None, [f"language {value!r} is not one Arrears writes in ({', '.join(LANGUAGES)}); the field was dropped"]


@lru_cache(maxsize=1)
def _languages() -> dict[str, str]:
    """Each supported language's name in each supported language, as Babel's CLDR data spells them."""
    from babel import Locale  # on first language cell: most exports have none

    names = {}
    for language in LANGUAGES:
        for shown_in in LANGUAGES:
            name = Locale(shown_in).languages[language].casefold()
            names[name] = language
            names[unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()] = language  # espanol
    return names


@lru_cache(maxsize=256)  # an export spells its languages a few ways, on every row
def _code(value: str) -> str | None:
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(value.replace("-", "_")).language)
    except (ValueError, UnknownLocaleError):
        return None


def build_address(values: dict[str, str]) -> dict[str, str] | None:
    """Only the non-empty parts, keyed line1, city, state, postal_code, country; None when all are empty."""
    address = {key: values[key].strip() for key in ADDRESS_KEYS if values.get(key, "").strip()}
    return address or None


def derive_timezone(address: dict[str, str] | None, phone: str | None) -> str | None:
    """Address first (a state or single-zone country), then the phone number's zone."""
    if address:
        zone = zone_for_address(address.get("state", ""), address.get("country", ""))
        if zone:
            return zone
    return zone_for_phone(phone) if phone else None
