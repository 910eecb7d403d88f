"""A tiny local stand-in for Slack's Web API and response_url endpoints that records every call."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "U0LOCALBOT"
BOT_ID = "B0LOCALBOT"
TEAM_ID = "T0LOCAL"


@dataclass(frozen=True)
class RecordedCall:
    """One request the app made: a Web API `method` (e.g. `chat.postMessage`) or a `response_url` post."""

    method: str
    params: dict[str, Any]
    path: str
    at: float = field(default_factory=time.time)


def _decode_value(value: str) -> Any:
    """Form-encoded Web API calls carry blocks/attachments/view as JSON strings."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class SlackRecorder:
    """Plays Slack for outbound calls. Use `api_url` as the WebClient `base_url`."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, on_record: Callable[[RecordedCall], None] | None = None
    ) -> None:
        """`on_record` is called (on the server thread) with each call as it arrives, e.g. to print it."""
        self.on_record = on_record
        self.calls: list[RecordedCall] = []
        self.responses: list[RecordedCall] = []
        self._changed = threading.Condition()
        self._ts = itertools.count(1)
        self.limited: list[RecordedCall] = []  # Web API calls answered 429 (see `rate_limit`)
        self._limit_left = 0
        self.retry_after = 0
        self._server = ThreadingHTTPServer((host, port), _handler_class(self))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, tag: str | None = None) -> str:
        """A `response_url` for local slash commands and actions; posts to it land in `responses`."""
        return f"{self.url}/response/{tag or next(self._ts)}"

    def start(self) -> SlackRecorder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SlackRecorder:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def clear(self) -> None:
        with self._changed:
            self.calls.clear()
            self.responses.clear()

    def rate_limit(self, calls: int, retry_after: int = 30) -> None:
        """Answer the next `calls` Web API calls with HTTP 429 and `Retry-After`, as Slack does past its limits."""
        with self._changed:
            self._limit_left, self.retry_after = calls, retry_after

    def take_limit(self, call: RecordedCall) -> bool:
        """Whether `call` is rate-limited (then it is not recorded as delivered)."""
        with self._changed:
            if call.method == "response" or self._limit_left <= 0:
                return False
            self._limit_left -= 1
            self.limited.append(call)
            return True

    def record(self, call: RecordedCall) -> dict[str, Any]:
        with self._changed:
            (self.responses if call.method == "response" else self.calls).append(call)
            self._changed.notify_all()
        if self.on_record:
            self.on_record(call)
        return {"ok": True} if call.method == "response" else self.answer(call)

    def wait_for(self, predicate: Callable[[RecordedCall], bool], timeout: float = 5.0) -> RecordedCall:
        """The first recorded call or response matching `predicate`, waiting up to `timeout` seconds."""

        def find() -> RecordedCall | None:
            return next((call for call in [*self.calls, *self.responses] if predicate(call)), None)

        with self._changed:
            if not self._changed.wait_for(lambda: find() is not None, timeout):
                raise TimeoutError(f"no matching Slack call within {timeout}s; saw {[c.method for c in self.calls]}")
            found = find()
        assert found is not None  # noqa: S101 - wait_for guarantees it
        return found

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def answer(self, call: RecordedCall) -> dict[str, Any]:
        """What Slack answers to `call` (the shapes slack_sdk and Bolt read)."""
        params, ts = call.params, self.next_ts()
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts, **_message_parts(params)}
        answers: dict[str, Callable[[], dict[str, Any]]] = {
            "chat.postMessage": lambda: {"channel": params.get("channel"), "ts": ts, "message": message},
            "chat.update": lambda: {"channel": params.get("channel"), "ts": params.get("ts"), "message": message},
            "chat.postEphemeral": lambda: {"message_ts": ts},
            "views.open": lambda: {"view": {"id": f"V{ts.replace('.', '')}", **dict(params.get("view") or {})}},
            "views.update": lambda: {"view": {"id": params.get("view_id", "V0"), **dict(params.get("view") or {})}},
            "views.push": lambda: {"view": {"id": f"V{ts.replace('.', '')}", **dict(params.get("view") or {})}},
            "conversations.open": lambda: {"channel": {"id": f"D{str(params.get('users', 'U0')).split(',')[0]}"}},
            "auth.test": lambda: {
                "url": "https://local.slack.com/",
                "team": "Local",
                "user": "arrears",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            },
            "users.info": lambda: {"user": _user(str(params.get("user", "U0LOCAL001")))},
        }
        return {"ok": True, **answers.get(call.method, dict)()}


def _message_parts(params: dict[str, Any]) -> dict[str, Any]:
    return {key: params[key] for key in ("text", "blocks", "attachments", "thread_ts") if key in params}


def _user(user_id: str) -> dict[str, Any]:
    name = f"user.{user_id.lower()}"
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": name,
        "real_name": name.title(),
        "tz": "America/New_York",
        "tz_offset": -18000,
        "is_bot": False,
        "profile": {"real_name": name.title(), "display_name": name, "email": f"{name}@example.com"},
    }


def _handler_class(recorder: SlackRecorder) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._handle(b"")

        def do_POST(self) -> None:
            self._handle(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def _handle(self, raw: bytes) -> None:
            parts = urlsplit(self.path)
            params: dict[str, Any] = {k: _decode_value(v) for k, v in parse_qsl(parts.query)}
            if "json" in (self.headers.get("Content-Type") or ""):
                params.update(json.loads(raw or b"{}"))
            else:
                params.update({k: _decode_value(v) for k, v in parse_qsl(raw.decode("utf-8"))})
            is_response = parts.path.startswith("/response/")
            method = "response" if is_response else parts.path.rsplit("/", 1)[-1]
            call = RecordedCall(method, params, parts.path)
            if recorder.take_limit(call):
                body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
                self.send_response(429)
                self.send_header("Retry-After", str(recorder.retry_after))
            else:
                body = json.dumps(recorder.record(call)).encode()
                self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return _Handler


def _text(element: Any) -> str:
    """Plain text of a text object, element or string."""
    if isinstance(element, str):
        return element
    if not isinstance(element, dict):
        return ""
    if element.get("type") == "button":
        return f"[{_text(element.get('text'))}]"
    if element.get("type") == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if "text" in element:
        return _text(element["text"])
    if "placeholder" in element:
        return f"[{_text(element['placeholder'])} v]"
    return f"[{element.get('type', '?')}]"


def _render_block(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "divider":
        return ["-" * 40]
    if kind == "header":
        return [f"== {_text(block.get('text'))} =="]
    if kind == "context":
        return [" | ".join(_text(element) for element in block.get("elements", []))]
    if kind == "actions":
        return ["  ".join(_text(element) for element in block.get("elements", []))]
    if kind == "input":
        return [f"{_text(block.get('label'))}: {_text(block.get('element'))}"]
    lines = [_text(block.get("text"))] if block.get("text") else []
    lines += [f"  {_text(field_)}" for field_ in block.get("fields", [])]
    if block.get("accessory"):
        lines.append(f"  {_text(block['accessory'])}")
    return lines or [f"[{kind}]"]


def render_text(call: RecordedCall | dict[str, Any]) -> str:
    """A recorded message (or modal) as readable plain text: text, then blocks; buttons as [Label]."""
    params = call.params if isinstance(call, RecordedCall) else call
    view = params.get("view")
    if isinstance(view, dict):
        lines = [f"## {_text(view.get('title'))}"]
        blocks = view.get("blocks", [])
    else:
        lines = [str(params["text"])] if params.get("text") else []
        blocks = params.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in blocks:
        lines.extend(_render_block(block))
    return "\n".join(lines)
