"""The Function URL event before Bolt sees it: malformed or unsigned requests are answered here, never crash."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

LAZY_HEADERS = ("x-slack-bolt-lazy-only", "x-slack-bolt-lazy-function-name")


@dataclass(frozen=True)
class Refusal:
    """The HTTP answer to a request that must not reach the app (and so none of its lazy listeners)."""

    status: int
    reason: str

    def response(self) -> dict[str, Any]:
        return {"statusCode": self.status, "headers": {"content-type": "text/plain"}, "body": self.reason}


def _method(event: dict[str, Any]) -> str | None:
    context = event.get("requestContext")
    if not isinstance(context, dict):
        return None
    http = context.get("http")
    method = http.get("method") if isinstance(http, dict) else context.get("httpMethod")
    return method if isinstance(method, str) else None


def _header(headers: dict[str, Any], name: str) -> str:
    value = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == name), "")
    return value if isinstance(value, str) else ""


def _raw_body(event: dict[str, Any]) -> str | None:
    """The body as Slack signed it, or None when it is missing or not valid base64 / UTF-8."""
    body, encoded = event.get("body"), event.get("isBase64Encoded")
    if not isinstance(body, str) or not isinstance(encoded, bool):
        return None
    if not encoded:
        return body
    try:
        return base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _parses(body: str) -> bool:
    """Whether Bolt can read the body: JSON, or a form whose `payload` (if any) is JSON."""
    try:
        if body.lstrip().startswith("{"):
            json.loads(body)
        else:
            for payload in parse_qs(body).get("payload", []):
                json.loads(payload)
    except ValueError:
        return False
    return True


def check_request(event: Any, verifier: SignatureVerifier) -> Refusal | None:
    """Why the event must not reach Bolt (400 malformed, 401 not signed by Slack), or None to let it through.

    Only POSTs are checked (Bolt answers other methods 404 without reading them). The lazy-only headers Bolt's own
    self-invocation adds are refused on events that came over HTTP (a lazy event carries `method: NONE`).
    """
    if not isinstance(event, dict):
        return Refusal(400, "bad request")
    if _method(event) != "POST":
        return None
    headers = event.get("headers")
    if not isinstance(headers, dict):
        return Refusal(401, "invalid request")
    if event.get("method") != "NONE" and any(_header(headers, name) for name in LAZY_HEADERS):
        return Refusal(400, "bad request")
    body = _raw_body(event)
    if body is None:
        return Refusal(400, "bad request")
    timestamp, signature = _header(headers, "x-slack-request-timestamp"), _header(headers, "x-slack-signature")
    # the verifier itself raises on a timestamp that is not a number or a signature that is not ASCII
    well_formed = timestamp.isascii() and timestamp.isdigit() and signature.isascii()
    if not well_formed or not verifier.is_valid(body, timestamp, signature):
        return Refusal(401, "invalid request")
    return None if _parses(body) else Refusal(400, "bad request")
