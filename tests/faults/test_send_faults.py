"""A reminder run under every fault ends as an uninterrupted one: each debtor gets the step once, none is missed,
and every send has its contact record.

Three accounts are due at 10:00 in Chicago. The run dies before and after each of its AWS calls, or loses each
response once. What AWS does next is played: SES publishes a Send event for every email it accepted (tagged with
the attempt, through the configuration set and SNS), Lambda retries the failed scheduled run after 1 and 3
minutes, and the hourly schedule runs on. The world is then compared with the uninterrupted runs.
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from local.events import LambdaContext, scheduler_event
from shared.adapters.sending import one_try_client
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from tests.factories import account
from tests.faults.harness import ASYNC_RETRIES, Died, Fault, assert_no_diff, diff, fresh_aws, inject
from tests.integration.functions.test_reminders import _publish

MORNING = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/reminders"
DEBTORS = ["C-0001", "C-0002", "C-0003"]
# After the faulty run: Lambda's two retries of it, then the hourly runs (an unknown send settles within the hour).
LATER = [MORNING + delay for delay in ASYNC_RETRIES] + [MORNING + timedelta(hours=h) for h in (1, 2)]


def _load() -> Any:
    one_try_client.cache_clear()
    sys.modules.pop("functions.reminders.handler", None)
    return importlib.import_module("functions.reminders.handler")


def _run(handler: Any, at: datetime) -> bool:
    """One scheduled run at `at`; False when it failed (raised or died), as Lambda would see it."""
    handler.clock = lambda: at
    try:
        handler.lambda_handler(scheduler_event(at, ARN), LambdaContext("reminders", ARN, timeout_s=120))
    except (Died, Exception):
        return False
    return True


def _scenario(monkeypatch: pytest.MonkeyPatch, fault: Fault | None) -> tuple[dict[str, Any], list[str]]:
    with monkeypatch.context() as patch, fresh_aws(patch):
        due = MORNING - timedelta(hours=1)
        account_repo.put_new_accounts([account(a, due=date(2026, 11, 20), next_action_at=due) for a in DEBTORS])
        handler = _load()
        accepted: list[tuple[str, str, str]] = []

        def note_accepted(operation: str, params: dict[str, Any], result: dict[str, Any]) -> None:
            if operation == "SendEmail":  # SES publishes the Send event of what it accepted, response lost or not
                tags = {t["Name"]: t["Value"] for t in params.get("EmailTags", [])}
                accepted.append((params["Destination"]["ToAddresses"][0], tags.get("attempt", ""), result["MessageId"]))

        with inject(fault, note_accepted) as injector:
            ok = _run(handler, MORNING)
        for at in LATER if not ok else LATER[len(ASYNC_RETRIES) :]:
            if accepted:
                _publish(handler, accepted)
                accepted.clear()
            with inject(None, note_accepted):
                _run(handler, at)
        return _world(), injector.calls


def _world() -> dict[str, Any]:
    sent = Counter(
        m.destinations["ToAddresses"][0] for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    )
    contacts = {}
    for a in DEBTORS:
        key = account("C-1001").key.replace("C-1001", a)
        history = activity_repo.query_activity(key, limit=50, kinds=frozenset({"contact"}))
        stored = account_repo.get_account(key)
        # The contacts that reached the debtor, and none left unsettled (an attempt that never reached SES stays
        # in the history as failed: it is not a contact).
        made = sorted(f"{h.channel}:{h.outcome}" for h in history if h.outcome != "failed")
        contacts[a] = (made, stored.dunning_step)
    return {"emails": dict(sent), "accounts": contacts}


@pytest.fixture(scope="module")
def reference() -> tuple[dict[str, Any], list[str]]:
    with pytest.MonkeyPatch.context() as patch:
        return _scenario(patch, None)


def _compare(monkeypatch: pytest.MonkeyPatch, reference: Any, faults: list[Fault]) -> None:
    want, _ = reference
    rows = [(fault.name, diff(want, _scenario(monkeypatch, fault)[0])) for fault in faults]
    assert_no_diff(rows)


def test_reference_run_sends_each_debtor_the_step_once(reference):
    # Given the uninterrupted runs, Then each debtor got one email, recorded as sent, and the cadence moved on
    world, calls = reference
    assert world["emails"] == {f"{a.lower()}@example.com": 1 for a in DEBTORS}
    assert all(step == 1 and records == ["email:sent"] for records, step in world["accounts"].values())
    assert calls.count("SendEmail") == 3


@pytest.mark.parametrize("mode", ["die-before", "die-after", "lost-response"])
def test_reminder_run_survives_each_fault_at_each_aws_call(monkeypatch, reference, mode):
    # Given the run's AWS calls, When `mode` strikes at each one (then AWS redelivers), Then no diff
    _, calls = reference
    faults = [Fault(f"{mode} #{n} {op}", mode, at=n) for n, op in enumerate(calls, start=1)]
    _compare(monkeypatch, reference, faults)
