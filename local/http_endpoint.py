"""Serves the Function URLs locally: Slack's requests (`POST /slack/events`) go to the Slack function, an email's
unsubscribe link (`GET` / `POST /u?t=...`) to the unsubscribe function."""

from __future__ import annotations

import base64
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

logger = logging.getLogger(__name__)
SLACK_PATH = "/slack/events"
UNSUBSCRIBE_PATH = "/u"  # shared.domain.unsubscribe.PATH


class SlackRequestRunner(Protocol):
    def slack_request(self, body: str, headers: dict[str, str], *, raw_path: str = "/") -> dict[str, Any]: ...

    def unsubscribe_request(
        self, method: str, query: str, body: str = "", headers: dict[str, str] | None = None
    ) -> dict[str, Any]: ...


class SlackHttpEndpoint:
    """An HTTP server on 127.0.0.1 that turns signed Slack POSTs into Function URL invocations.

    Signature verification is not done here: it is Bolt's, inside the handler, exactly as on Lambda.
    """

    def __init__(self, runner: SlackRequestRunner, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler_class(runner))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        """Where the Function URLs are served (`http://127.0.0.1:<port>`)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The Slack request URL to configure (slash commands, interactivity, events)."""
        return f"{self.base_url}{SLACK_PATH}"

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


ROUTES = frozenset({(SLACK_PATH, "POST"), (UNSUBSCRIBE_PATH, "GET"), (UNSUBSCRIBE_PATH, "POST")})


def _function_answer(
    runner: SlackRequestRunner, method: str, path: str, query: str, body: str, headers: dict[str, str]
) -> dict[str, Any]:
    """The answer of the function behind `path`; like a Function URL, an unhandled error answers 502."""
    try:
        if path == SLACK_PATH:
            return runner.slack_request(body, headers, raw_path=SLACK_PATH)
        return runner.unsubscribe_request(method, query, body, headers)
    except Exception:  # whatever the handler raised: Lambda's URL answers 502 and the error is in the log
        logger.exception("the function behind %s failed", path)
        return {"statusCode": 502, "body": "Internal Server Error"}


def _handler_class(runner: SlackRequestRunner) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            path, _, query = self.path.partition("?")
            if (path, method) not in ROUTES:
                self._reply(404, {}, b"not found")
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            headers = {name: value for name, value in self.headers.items()}
            result = _function_answer(runner, method, path, query, raw, headers)
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
            logger.debug("function URL endpoint: " + format, *args)

    return _Handler
