"""The embedded local stack end to end: the same path `make demo` runs."""

from __future__ import annotations

import io

import pytest

from local.demo import run_demo


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
