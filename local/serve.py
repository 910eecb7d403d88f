"""`arrears serve` and `arrears tick`: a long-running embedded stack with a Slack endpoint and a control port."""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.http_endpoint import SLACK_PATH, UNSUBSCRIBE_PATH, SlackHttpEndpoint
from local.runner import LocalRunner, embedded_aws
from local.slack_recorder import RecordedCall, SlackRecorder, render_text

CONTROL_PORT = 8790


def _print_slack(call: RecordedCall) -> None:
    target = call.params.get("channel") or call.path
    print(f"\n[slack {call.method} → {target}]\n{render_text(call)}", flush=True)


def _control_handler(runner: LocalRunner) -> type[BaseHTTPRequestHandler]:
    class _Control(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if url.path == "/tick":
                at = datetime.fromisoformat(query["at"]) if "at" in query else datetime.now(UTC)
                result: Any = runner.tick(at)
            elif url.path == "/put" and "key" in query:
                result = runner.put_object(query["key"], body)
            else:
                self.send_error(404, "use POST /tick?at=ISO or POST /put?key=incoming/...")
                return
            payload = json.dumps(result, default=str).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return _Control


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_serve(port: int = 0) -> int:
    """Run until Ctrl-C; print how to reach the endpoint and how to sign a test request.

    The endpoint's port is chosen before the stack is deployed: the Function URLs resolve to it, so the
    unsubscribe links in the reminder emails open here."""
    port = port or _free_port()
    with (
        SlackRecorder(on_record=_print_slack) as recorder,
        embedded_aws(recorder.api_url, function_url=f"http://127.0.0.1:{port}") as runner,
    ):
        control = ThreadingHTTPServer(("127.0.0.1", CONTROL_PORT), _control_handler(runner))
        threading.Thread(target=control.serve_forever, daemon=True).start()
        with SlackHttpEndpoint(runner, port=port) as endpoint:
            print(_banner(endpoint.url, runner, recorder), flush=True)
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                print("\nstopping", flush=True)
            finally:
                control.shutdown()
    return 0


def _banner(url: str, runner: LocalRunner, recorder: SlackRecorder) -> str:
    return f"""Arrears is running on embedded AWS (moto at {runner.stack.endpoint_url}).
  Slack request URL : {url}
  Unsubscribe links : {url.removesuffix(SLACK_PATH)}{UNSUBSCRIBE_PATH}?t=...  (in the reminder emails)
  Slack signing secret (local): {runner.stack.signing_secret}
  Slack Web API recorder      : {recorder.api_url}
  Control                     : http://127.0.0.1:{CONTROL_PORT}  (arrears tick [--at ISO]; POST /put?key=incoming/...)

Send a signed test command (the signature is Slack's v0 HMAC over "v0:<ts>:<body>"):
  BODY='command=%2Fcollect&text=help&user_id=U1&response_url={recorder.response_url("cli")}&trigger_id=1'
  TS=$(date +%s)
  SIG=v0=$(printf 'v0:%s:%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac '{runner.stack.signing_secret}' | cut -d' ' -f2)
  curl -s -X POST {url} -H "X-Slack-Request-Timestamp: $TS" -H "X-Slack-Signature: $SIG" --data "$BODY"
Drop a file: curl -s -X POST 'http://127.0.0.1:{CONTROL_PORT}/put?key=incoming/generic/ar.csv' --data-binary @ar.csv
Ctrl-C stops."""


def run_tick(control_url: str, at: datetime | None) -> int:
    query = f"?at={urllib.parse.quote(at.isoformat())}" if at else ""
    request = urllib.request.Request(f"{control_url}/tick{query}", data=b"", method="POST")  # noqa: S310 - local
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 - the local control port
            print(json.dumps(json.loads(answer.read()), indent=2))
    except OSError as exc:
        print(f"arrears tick: no `arrears serve` answering at {control_url} ({exc}); start it first")
        return 2
    return 0
