"""The embedded local stack end to end: the same path `make demo` runs."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from local.demo import reminder_instant, run_demo


@pytest.mark.e2e
def test_demo_thread_passes_every_step_on_embedded_stack():
    # Given the embedded stack built from infra/template.yaml, When the demo runs its thread
    out = io.StringIO()
    ok = run_demo(out)
    # Then every step did its real work: import, reminder emails through SES, Slack replies
    text = out.getvalue()
    assert ok, text
    assert "✘" not in text
    assert "reminder email(s) sent through SES" in text


def test_reminder_instant_is_never_in_the_future():
    assert reminder_instant(datetime(2026, 11, 23, 13, 0, tzinfo=UTC)) == datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
    assert reminder_instant(datetime(2026, 11, 23, 18, 0, tzinfo=UTC)) == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
