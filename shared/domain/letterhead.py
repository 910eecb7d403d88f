"""Who a creditor's letters come from (`collections.letters` in its policy): read by the settings, used by
`shared/domain/letters.py`. Kept apart so reading settings imports no letter or compliance code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.domain.errors import InvalidInputError

LANGUAGES = ("en", "es")
MAIL_CLASSES = ("first_class", "standard", "certified")
# How a first notice goes: `mail` always; `email`: in the body of an email when that email is the first contact
# and the rules allow it (12 CFR 1006.42(c)(1)), else by mail.
NOTICE_DELIVERIES = ("mail", "email")


@dataclass(frozen=True)
class Letterhead:
    """Who the letter is from: the name and the mailing address that accepts disputes, how to reach it."""

    name: str
    address: tuple[str, ...]
    phone: str
    hours: str = ""
    email: str = ""
    website: str = ""
    mail_class: str = "first_class"
    language: str = "en"
    notice_delivery: str = "mail"


def parse_letterhead(raw: Any) -> Letterhead:
    """The creditor's `collections.letters` settings; InvalidInputError names the bad field."""
    if not isinstance(raw, dict):
        raise InvalidInputError("collections.letters must be an object with name, address and phone")
    known = ("name", "address", "phone", "hours", "email", "website", "mail_class", "language", "notice_delivery")
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise InvalidInputError(f"unknown collections.letters key(s) {', '.join(unknown)}; known: {', '.join(known)}")
    for name in ("name", "phone"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise InvalidInputError(f"collections.letters.{name} is required (text)")
    address = raw.get("address")
    if not isinstance(address, list) or not address or not all(isinstance(a, str) and a.strip() for a in address):
        raise InvalidInputError("collections.letters.address must be a list of address lines")
    mail_class, language = raw.get("mail_class", "first_class"), raw.get("language", "en")
    delivery = raw.get("notice_delivery", "mail")
    if delivery not in NOTICE_DELIVERIES:
        raise InvalidInputError(
            f"collections.letters.notice_delivery: {delivery!r} is not one of {', '.join(NOTICE_DELIVERIES)}"
        )
    if mail_class not in MAIL_CLASSES:
        raise InvalidInputError(
            f"collections.letters.mail_class: {mail_class!r} is not one of {', '.join(MAIL_CLASSES)}"
        )
    if language not in LANGUAGES:
        raise InvalidInputError(f"collections.letters.language: {language!r} is not one of {', '.join(LANGUAGES)}")
    extras = {k: str(raw.get(k) or "") for k in ("hours", "email", "website")}
    return Letterhead(raw["name"].strip(), tuple(a.strip() for a in address), raw["phone"].strip(), **extras,
                      mail_class=mail_class, language=language, notice_delivery=delivery)  # fmt: skip
