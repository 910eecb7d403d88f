"""Collectors' writes from Slack under every fault end as uninterrupted ones: one payment, one promise, one call.

A collector posts a payment, records a promise and logs a call. The lazy work behind each command (Bolt's
asynchronous self-invocation) dies before or after each of its AWS calls, or loses each response once. What
follows is what happens in production: Lambda retries a lazy invocation that failed (twice), and a collector
told "Not recorded" or "Not confirmed" (or told nothing at all) runs the command again, as the reply asks. The account is then compared with the
uninterrupted run: ledger, balance, promise, history.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import pytest

from local.events import LambdaContext, function_url_event, sign_slack_request, slash_command_body
from local.slack_recorder import SlackRecorder
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from tests.conftest import SIGNING_SECRET
from tests.factories import account
from tests.faults.harness import ASYNC_RETRIES, Died, Fault, assert_no_diff, diff, fresh_aws, inject

ARN = "arn:aws:lambda:us-east-1:123456789012:function:arrears-slack"
COMMANDS = ["pay C-1001 250.00 CHK-77", "promise C-1001 100 2099-01-15", "log C-1001 call talked agreed to pay"]


class QueuedLambda:
    """Stands in for the Lambda service: lazy self-invocations are queued, to be run (and retried) by the test."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    def invoke(self, FunctionName: str, InvocationType: str, Payload: str) -> dict[str, Any]:
        self.payloads.append(json.loads(Payload))
        return {"StatusCode": 202}


def _invoke(handler: Any, event: dict[str, Any]) -> bool:
    try:
        handler.lambda_handler(event, LambdaContext("arrears-slack", ARN))
    except (Died, Exception):
        return False
    return True


def _command(handler: Any, lambdas: QueuedLambda, recorder: SlackRecorder, text: str) -> None:
    """The command's ack, then its lazy work, then Lambda's retries of a failed lazy invocation."""
    body = slash_command_body("/collect", text, user_id="U-ANA", response_url=recorder.response_url())
    _invoke(handler, function_url_event(body, sign_slack_request(SIGNING_SECRET, body)))
    lazy = lambdas.payloads.pop()
    ok = _invoke(handler, lazy)
    for _ in ASYNC_RETRIES if not ok else ():
        if _invoke(handler, lazy):
            break


def _scenario(monkeypatch: pytest.MonkeyPatch, recorder: SlackRecorder, fault: Fault | None) -> tuple[Any, list]:
    with monkeypatch.context() as patch, fresh_aws(patch):
        patch.setenv("SLACK_API_URL", recorder.api_url)
        patch.setenv("AUTHORIZED_USERS", "U-ANA")
        account_repo.put_new_accounts([account("C-1001")])
        sys.modules.pop("functions.slack.handler", None)
        handler = importlib.import_module("functions.slack.handler")
        lambdas = QueuedLambda()
        handler.slack_handler.app.listener_runner.lazy_listener_runner.lambda_client = lambdas
        with inject(fault) as injector:  # the fault strikes once, at its call of the whole run
            for text in COMMANDS:
                recorder.clear()
                _command(handler, lambdas, recorder, text)
                said = json.dumps([r.params for r in recorder.responses])
                if "Not recorded" in said or "Not confirmed" in said or not recorder.responses:
                    _command(handler, lambdas, recorder, text)  # the collector does as the reply says
        return _world(), injector.calls


def _world() -> dict[str, Any]:
    stored = account_repo.get_account(account("C-1001").key)
    history = activity_repo.query_activity(stored.key, limit=50)
    return {
        "balance": stored.balances,
        "ledger": sorted((e.kind, e.amount.minor, e.ref or "") for e in stored.entries),
        "promise": (stored.commitment.kind, stored.commitment.amount.minor) if stored.commitment else None,
        "history": sorted(f"{a.kind}:{a.channel}:{a.outcome}" for a in history),
    }


@pytest.fixture(scope="module")
def slack_recorder() -> Any:
    with SlackRecorder() as recorder:
        yield recorder


@pytest.fixture(scope="module")
def reference(slack_recorder) -> tuple[dict[str, Any], list[str]]:
    with pytest.MonkeyPatch.context() as patch:
        return _scenario(patch, slack_recorder, None)


def test_reference_writes_are_one_payment_one_promise_one_call(reference):
    world, calls = reference
    assert world["balance"] == {"USD": 100_000}
    assert [kind for kind, _, _ in world["ledger"]] == ["payment"]
    assert world["promise"] == ("promise", 10_000)
    assert "contact:phone:talked" in world["history"] or any("contact" in h for h in world["history"])
    assert calls


@pytest.mark.parametrize("mode", ["die-before", "die-after", "lost-response"])
def test_slack_writes_survive_each_fault_at_each_aws_call(monkeypatch, slack_recorder, reference, mode):
    # Given the writes' AWS calls (counted across the three commands), When `mode` strikes at each one
    want, calls = reference
    rows = []
    for n, op in enumerate(calls, start=1):
        got, _ = _scenario(monkeypatch, slack_recorder, Fault(f"{mode} #{n} {op}", mode, at=n))
        rows.append((f"{mode} #{n} {op}", diff(want, got)))
    # Then each ends as the uninterrupted run: nothing doubled, nothing lost
    assert_no_diff(rows)
