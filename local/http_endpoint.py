"""Serves Slack's HTTP requests (`POST /slack/events`) by handing them to the local Slack function."""

from __future__ import annotations

import base64
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

logger = logging.getLogger(__name__)
SLACK_PATH = "/slack/events"


class SlackRequestRunner(Protocol):
    def slack_request(self, body: str, headers: dict[str, str], *, raw_path: str = "/") -> dict[str, Any]: ...


class SlackHttpEndpoint:
    """An HTTP server on 127.0.0.1 that turns signed Slack POSTs into Function URL invocations.

    Signature verification is not done here: it is Bolt's, inside the handler, exactly as on Lambda.
    """

    def __init__(self, runner: SlackRequestRunner, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler_class(runner))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        """The Slack request URL to configure (slash commands, interactivity, events)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{SLACK_PATH}"

    def start(self) -> SlackHttpEndpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SlackHttpEndpoint:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _response_body(result: dict[str, Any]) -> bytes:
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        return base64.b64decode(body)
    return str(body).encode("utf-8")


def _handler_class(runner: SlackRequestRunner) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path.split("?", 1)[0] != SLACK_PATH:
                self._reply(404, {}, b"not found")
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name: value for name, value in self.headers.items()}
            try:
                result = runner.slack_request(raw.decode("utf-8"), headers, raw_path=SLACK_PATH)
            except Exception:  # like a Function URL: an unhandled error answers 502
                logger.exception("the Slack function failed")
                result = {"statusCode": 502, "body": "Internal Server Error"}
            self._reply(int(result.get("statusCode", 200)), dict(result.get("headers") or {}), _response_body(result))

        def _reply(self, status: int, headers: dict[str, Any], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, str(value))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("slack endpoint: " + format, *args)

    return _Handler
