"""The invocation that acks a Slack request (within 3 s, often cold) loads the listeners without the use cases:
the compliance engine, the ledger and the reminder run are imported by the lazy work that runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
HEAVY = ["functions.slack.logic", "functions.slack.actions", "shared.contacts", "shared.domain.compliance.engine",
         "shared.reminders.run"]  # fmt: skip


def test_registering_every_listener_imports_no_use_case() -> None:
    # Given a fresh interpreter with the Slack function's settings (no AWS is called: nothing here reads secrets)
    env = os.environ | {"TABLE_NAME": "t", "SLACK_BOT_TOKEN_PARAM": "/x/bot", "SLACK_SIGNING_SECRET_PARAM": "/x/sig",
                        "SLACK_API_URL": "http://127.0.0.1:9/api/", "REPORT_CHANNEL": "C-1"}  # fmt: skip
    probe = "import sys, json, functions.slack.listeners; print(json.dumps(sorted(sys.modules)))"

    # When the listeners are imported, as the handler does at cold start
    command = [sys.executable, "-c", probe]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60)  # noqa: S603

    # Then none of the use cases is loaded, and the lazy work still finds them
    loaded = set(json.loads(done.stdout))
    assert "functions.slack.listeners.collect" in loaded
    assert [name for name in HEAVY if name in loaded] == []
    from functions.slack.logic import run_command

    assert callable(run_command)
