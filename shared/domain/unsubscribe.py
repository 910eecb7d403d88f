"""Unsubscribe links: a token signed with HMAC-SHA256 that names an account and one of its email addresses.

The address itself never appears in the link: the token carries a keyed digest of it (HMAC of the lower-cased
address under the same key), which the endpoint matches against the account's addresses. Without the key a
digest cannot be tested against a guessed address, and a changed account, address or date breaks the signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from shared.domain.errors import InvalidInputError

# CAN-SPAM wants a link to work for 30 days after sending; a debtor may act on an old reminder much later.
VALID_FOR = timedelta(days=400)
MIN_KEY_BYTES = 32
PATH = "/u"  # where the link points on the endpoint (a Function URL serves every path; local serve routes this one)
ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058: the body of a one-click POST
_DIGEST_BYTES = 12  # of the address digest: enough to tell an account's few addresses apart


class BadTokenError(InvalidInputError):
    """The token is malformed, signed with another key, altered, or too old."""


@dataclass(frozen=True)
class Unsubscribe:
    """What a verified token names: the account and (as a digest) the address, and the day it was issued."""

    account_key: str
    address_digest: str
    issued: date


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: str, message: str) -> bytes:
    return hmac.new(key, f"{purpose}\n{message}".encode(), hashlib.sha256).digest()


def address_digest(key: bytes, address: str) -> str:
    return _b64(_mac(key, "address", address.strip().lower())[:_DIGEST_BYTES])


def signing_key(secret: str) -> bytes:
    """The key as read from its parameter; a short one is refused before anything is signed or sent with it."""
    key = secret.encode()
    if len(key) < MIN_KEY_BYTES:
        raise InvalidInputError(f"the unsubscribe signing key needs at least {MIN_KEY_BYTES} bytes")
    return key


def make_token(key: bytes, account_key: str, address: str, issued: date) -> str:
    """`<payload>.<signature>`, both URL-safe base64: safe in a query string and in a header without escaping."""
    payload = f"{account_key}\n{address_digest(key, address)}\n{issued.isoformat()}"
    return f"{_b64(payload.encode())}.{_b64(_mac(key, 'token', payload))}"


def read_token(key: bytes, token: str, today: date) -> Unsubscribe:
    """The verified content of `token` (signature compared in constant time); BadTokenError otherwise."""
    encoded, _, signature = token.strip().partition(".")
    try:
        payload = _unb64(encoded).decode()
        given = _unb64(signature)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadTokenError("this unsubscribe link is not valid") from exc
    if not hmac.compare_digest(given, _mac(key, "token", payload)):
        raise BadTokenError("this unsubscribe link is not valid")
    account_key, digest, issued_text = payload.rsplit("\n", 2)  # signed by us: always three parts
    issued = date.fromisoformat(issued_text)
    if not today - VALID_FOR <= issued <= today + timedelta(days=1):
        raise BadTokenError("this unsubscribe link has expired")
    return Unsubscribe(account_key, digest, issued)


def matching_address(key: bytes, addresses: list[str], digest: str) -> str | None:
    """The one of `addresses` the token's digest names; None when the account no longer has it."""
    return next((a for a in addresses if hmac.compare_digest(address_digest(key, a), digest)), None)


@dataclass(frozen=True)
class UnsubscribeLinks:
    """Mints the link each email carries, on the endpoint at `base_url` (the Function URL)."""

    base_url: str
    key: bytes = field(repr=False)  # from `signing_key`

    def url(self, account_key: str, address: str, issued: date) -> str:
        query = urlencode({"t": make_token(self.key, account_key, address, issued)})
        return f"{self.base_url.rstrip('/')}{PATH}?{query}"
