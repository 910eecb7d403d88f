"""The Function URL request an unsubscribe link makes, and the HTML page it is answered with."""

from __future__ import annotations

import base64
import binascii
import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.domain.errors import InvalidInputError
from shared.domain.unsubscribe import ONE_CLICK


class _Http(BaseModel):
    method: str


class _Context(BaseModel):
    http: _Http


class FunctionUrlEvent(BaseModel):
    """The parts of a Function URL (payload 2.0) event this function reads."""

    model_config = ConfigDict(extra="ignore")

    requestContext: _Context
    rawQueryString: str = ""
    body: str | None = None
    isBase64Encoded: bool = False


@dataclass(frozen=True)
class UnsubscribeRequest:
    method: str
    token: str
    one_click: bool  # the body carries RFC 8058's `List-Unsubscribe=One-Click` (the confirm button sends the same)


def read_request(event: Any) -> UnsubscribeRequest:
    """The method, the link's token (query `t`) and whether the body asks for the one-click unsubscribe;
    InvalidInputError when the event is not such a request."""
    try:
        parsed = FunctionUrlEvent.model_validate(event)
        body = parsed.body or ""
        text = base64.b64decode(body, validate=True).decode() if parsed.isBase64Encoded else body
    except (ValidationError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInputError("this request is not valid") from exc
    token = (parse_qs(parsed.rawQueryString).get("t") or [""])[0]
    if not token:
        raise InvalidInputError("this link has no unsubscribe token")
    # RFC 8058 asks for `List-Unsubscribe=One-Click` in the POST, and mail providers send it form-encoded or as
    # multipart/form-data: the field is looked for anywhere in the body, whatever its encoding.
    return UnsubscribeRequest(parsed.requestContext.http.method.upper(), token, _FIELD in text and _VALUE in text)


HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",  # the page's URL holds the token
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
}
_FIELD, _VALUE = ONE_CLICK.split("=")


@dataclass(frozen=True)
class Page:
    """What the link shows: a status, a title, a sentence and, to confirm, the button that posts the one-click."""

    status: int
    title: str
    text: str
    confirm_token: str | None = None

    def response(self) -> dict[str, Any]:
        form = ""
        if self.confirm_token is not None:
            action = html.escape("?" + urlencode({"t": self.confirm_token}))
            form = (
                f'<form method="post" action="{action}"><input type="hidden" name="{_FIELD}" value="{_VALUE}">'
                '<button type="submit">Unsubscribe</button></form>'
            )
        title, text = html.escape(self.title), html.escape(self.text)
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title></head><body><h1>{title}</h1><p>{text}</p>{form}</body></html>"
        )
        return {"statusCode": self.status, "headers": HEADERS, "body": body}
