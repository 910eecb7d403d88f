"""The debtor's IANA time zone from the address (US state, single-zone country) or else the phone number."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import timezone as phone_timezone

_EASTERN, _CENTRAL, _MOUNTAIN, _PACIFIC = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    ("America/Los_Angeles"),
)
# Each state's majority zone (by population) where a state spans two.
_STATES: dict[str, tuple[str, str]] = {
    "AL": ("alabama", _CENTRAL), "AK": ("alaska", "America/Anchorage"), "AZ": ("arizona", "America/Phoenix"),
    "AR": ("arkansas", _CENTRAL), "CA": ("california", _PACIFIC), "CO": ("colorado", _MOUNTAIN),
    "CT": ("connecticut", _EASTERN), "DE": ("delaware", _EASTERN), "DC": ("district of columbia", _EASTERN),
    "FL": ("florida", _EASTERN), "GA": ("georgia", _EASTERN), "HI": ("hawaii", "Pacific/Honolulu"),
    "ID": ("idaho", "America/Boise"), "IL": ("illinois", _CENTRAL),
    "IN": ("indiana", "America/Indiana/Indianapolis"), "IA": ("iowa", _CENTRAL), "KS": ("kansas", _CENTRAL),
    "KY": ("kentucky", _EASTERN), "LA": ("louisiana", _CENTRAL), "ME": ("maine", _EASTERN),
    "MD": ("maryland", _EASTERN), "MA": ("massachusetts", _EASTERN), "MI": ("michigan", "America/Detroit"),
    "MN": ("minnesota", _CENTRAL), "MS": ("mississippi", _CENTRAL), "MO": ("missouri", _CENTRAL),
    "MT": ("montana", _MOUNTAIN), "NE": ("nebraska", _CENTRAL), "NV": ("nevada", _PACIFIC),
    "NH": ("new hampshire", _EASTERN), "NJ": ("new jersey", _EASTERN), "NM": ("new mexico", _MOUNTAIN),
    "NY": ("new york", _EASTERN), "NC": ("north carolina", _EASTERN), "ND": ("north dakota", _CENTRAL),
    "OH": ("ohio", _EASTERN), "OK": ("oklahoma", _CENTRAL), "OR": ("oregon", _PACIFIC),
    "PA": ("pennsylvania", _EASTERN), "RI": ("rhode island", _EASTERN), "SC": ("south carolina", _EASTERN),
    "SD": ("south dakota", _CENTRAL), "TN": ("tennessee", _CENTRAL), "TX": ("texas", _CENTRAL),
    "UT": ("utah", _MOUNTAIN), "VT": ("vermont", _EASTERN), "VA": ("virginia", _EASTERN),
    "WA": ("washington", _PACIFIC), "WV": ("west virginia", _EASTERN), "WI": ("wisconsin", _CENTRAL),
    "WY": ("wyoming", _MOUNTAIN),
}  # fmt: skip
_STATE_ZONES = {key: zone for code, (name, zone) in _STATES.items() for key in (code.lower(), name)}
# Countries with one zone (or one zone for all but a few islands of little population).
_COUNTRY_ZONES = {
    "GB": "Europe/London", "IE": "Europe/Dublin", "FR": "Europe/Paris", "DE": "Europe/Berlin",
    "IT": "Europe/Rome", "NL": "Europe/Amsterdam", "BE": "Europe/Brussels", "CH": "Europe/Zurich",
    "AT": "Europe/Vienna", "SE": "Europe/Stockholm", "NO": "Europe/Oslo", "DK": "Europe/Copenhagen",
    "FI": "Europe/Helsinki", "PL": "Europe/Warsaw", "CZ": "Europe/Prague", "HU": "Europe/Budapest",
    "GR": "Europe/Athens", "RO": "Europe/Bucharest", "BG": "Europe/Sofia", "IS": "Atlantic/Reykjavik",
    "LU": "Europe/Luxembourg", "SK": "Europe/Bratislava", "SI": "Europe/Ljubljana", "HR": "Europe/Zagreb",
    "IN": "Asia/Kolkata", "JP": "Asia/Tokyo", "KR": "Asia/Seoul", "SG": "Asia/Singapore",
    "HK": "Asia/Hong_Kong", "CN": "Asia/Shanghai", "TW": "Asia/Taipei", "PH": "Asia/Manila",
    "TH": "Asia/Bangkok", "VN": "Asia/Ho_Chi_Minh", "IL": "Asia/Jerusalem", "AE": "Asia/Dubai",
    "SA": "Asia/Riyadh", "QA": "Asia/Qatar", "KW": "Asia/Kuwait", "BH": "Asia/Bahrain", "OM": "Asia/Muscat",
    "JO": "Asia/Amman", "EG": "Africa/Cairo", "ZA": "Africa/Johannesburg", "NG": "Africa/Lagos",
    "KE": "Africa/Nairobi", "GH": "Africa/Accra", "NZ": "Pacific/Auckland", "JM": "America/Jamaica",
    "PR": "America/Puerto_Rico", "CO": "America/Bogota", "PE": "America/Lima", "UY": "America/Montevideo",
    "CR": "America/Costa_Rica", "PA": "America/Panama", "GT": "America/Guatemala",
    "DO": "America/Santo_Domingo",
}  # fmt: skip
_COUNTRY_NAMES = {
    "usa": "US", "us": "US", "u.s.": "US", "u.s.a.": "US", "united states": "US",
    "united states of america": "US", "america": "US", "uk": "GB", "u.k.": "GB", "united kingdom": "GB",
    "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "ireland": "IE", "france": "FR", "germany": "DE", "deutschland": "DE", "italy": "IT",
    "netherlands": "NL", "the netherlands": "NL", "belgium": "BE", "switzerland": "CH", "austria": "AT",
    "sweden": "SE", "norway": "NO", "denmark": "DK", "finland": "FI", "poland": "PL", "india": "IN",
    "japan": "JP", "singapore": "SG", "hong kong": "HK", "china": "CN", "israel": "IL",
    "united arab emirates": "AE", "south africa": "ZA", "new zealand": "NZ", "canada": "CA",
    "australia": "AU", "mexico": "MX", "brazil": "BR", "spain": "ES", "portugal": "PT",
}  # fmt: skip


_NON_GEOGRAPHIC = {
    phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST, phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.VOIP, phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
}  # fmt: skip


def country_code(country: str) -> str | None:
    """ISO 3166 alpha-2 code for a country name or code as people type it, or None."""
    key = country.strip().lower()
    if len(key) == 2 and key.isalpha():
        return "GB" if key == "uk" else key.upper()
    return _COUNTRY_NAMES.get(key)


def zone_for_address(state: str, country: str) -> str | None:
    """US state (code or name) → its majority zone; else a single-zone country's zone; else None."""
    code = country_code(country) if country.strip() else None
    state_zone = _STATE_ZONES.get(state.strip().lower().rstrip("."))
    if state_zone and code in (None, "US"):
        return state_zone
    return _COUNTRY_ZONES.get(code) if code else None


@lru_cache(maxsize=4096)
def zone_for_phone(e164: str) -> str | None:
    """The first zone phonenumbers knows for the number, ignoring Etc/Unknown.

    Non-geographic numbers (toll-free, premium, shared cost, UAN, VoIP, personal) say nothing about where
    the debtor is: phonenumbers lists every zone of the country for them, so they give None.
    """
    number = phonenumbers.parse(e164, None)
    if phonenumbers.number_type(number) in _NON_GEOGRAPHIC:
        return None
    zones = [zone for zone in phone_timezone.time_zones_for_number(number) if zone != "Etc/Unknown"]
    return zones[0] if zones else None
