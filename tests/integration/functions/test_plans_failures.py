"""The plans run against moto when a follow-up fails: nothing closed is left unboosted or unreported by the others."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from local.events import LambdaContext, scheduler_event
from local.slack_recorder import SlackRecorder, render_text
from shared.db import accounts as account_repo
from shared.db import ledger as ledger_repo
from shared.db import plans as plan_repo
from shared.domain.accounts import Account, Activity
from shared.domain.errors import ConflictError, UpstreamUnavailableError
from shared.domain.ledger import Promise
from shared.domain.money import Money
from shared.domain.plans import PaymentPlan, split_installments
from tests.factories import account

ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/plans"
CREATED = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
CHECK = datetime(2026, 11, 4, 6, 0, tzinfo=UTC)  # 00:00 Chicago two days after Nov 2: promises and plan broken
FIRST, SECOND, THIRD = (account(f"C-{n}").key for n in (1, 2, 3))
BOOST = 200_000


@pytest.fixture
def plans(load_handler: Any, recorder: SlackRecorder) -> Any:
    """Promises of USD 50.00 due Nov 2 on the first two accounts, a weekly plan from Nov 2 on the third; none paid."""
    account_repo.put_new_accounts([account("C-1"), account("C-2"), account("C-3")])
    entry = Activity(at=CREATED, kind="promise", summary="promised", actor="U-ANA")
    for key in (FIRST, SECOND):
        promise = Promise(f"pr-{key[-1]}", key, Money(5_000, "USD"), date(2026, 11, 2))
        assert ledger_repo.put_promise(promise, "America/Chicago", f"trigger-{key}", entry)
    plan = PaymentPlan("p1", THIRD, Money(30_000, "USD"), 3, "weekly", CREATED)
    parts = split_installments(plan.total, 3, date(2026, 11, 2), "weekly", CREATED.date())
    assert plan_repo.put_plan(plan, parts, "America/Chicago", "trigger-plan", replace(entry, kind="plan"))
    return load_handler("functions.plans.handler", SLACK_API_URL=recorder.api_url)


def run(handler: Any, at: datetime) -> dict[str, Any]:
    result: dict[str, Any] = handler.lambda_handler(scheduler_event(at, ARN), LambdaContext("plans", ARN))
    return result


def reports(recorder: SlackRecorder) -> list[str]:
    calls = recorder.calls
    return [render_text(c) for c in calls if c.method == "chat.postMessage" and c.params["channel"] == "C-REPORTS"]


def priorities() -> list[int]:
    return [account_repo.get_account(key).priority for key in (FIRST, SECOND, THIRD)]


def promise_open(key: str) -> bool:
    return any(p.account_key == key for p, _ in ledger_repo.query_due_promises(CHECK + timedelta(days=30)))


def fail_writes_of(key: str, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    real = account_repo.put_account

    def put_account(changed: Account) -> Account:
        if changed.key == key:
            raise error
        return real(changed)

    monkeypatch.setattr(account_repo, "put_account", put_account)


@pytest.mark.parametrize("conflicted", [FIRST, THIRD], ids=["promise", "plan"])
def test_boost_conflicting_with_a_collector_rereads_boosts_and_reports(plans, recorder, monkeypatch, conflicted):
    # Given a collector who saves the account between the run's read and its boost, once
    real = account_repo.put_account
    raced: list[str] = []

    def put_account(changed: Account) -> Account:
        if changed.key == conflicted and not raced:
            raced.append(changed.key)
            real(replace(account_repo.get_account(changed.key), collector="U-BEA"))
        return real(changed)

    monkeypatch.setattr(account_repo, "put_account", put_account)

    # When the run follows up the broken promises and plan
    result = run(plans, CHECK)

    # Then the boost lost the race once, read the account again and landed, keeping the collector's change
    assert raced == [conflicted]
    stored = account_repo.get_account(conflicted)
    assert stored.priority == BOOST and stored.collector == "U-BEA"
    assert priorities() == [BOOST, BOOST, BOOST]
    assert len(result["broken"]) == 2 and len(result["plans_broken"]) == 1
    (report,) = reports(recorder)
    assert report.count(":x: broken") == 3 and ":warning:" not in report


def test_boost_failing_on_one_promise_still_follows_up_the_others_reports_then_raises(plans, recorder, monkeypatch):
    # Given DynamoDB refusing every write of the first account
    fail_writes_of(FIRST, monkeypatch, UpstreamUnavailableError("DynamoDB rejected the write"))

    # When the run follows up
    with pytest.raises(ExceptionGroup) as raised:
        run(plans, CHECK)

    # Then it raises (so Lambda retries and the failure destination keeps the event) with that one error,
    assert [type(error) for error in raised.value.exceptions] == [UpstreamUnavailableError]
    # the other promise and the plan were closed and boosted, the first promise closed without its boost,
    assert not promise_open(FIRST) and not promise_open(SECOND)
    assert plan_repo.get_plan(THIRD, "p1")[0].status == "broken"
    assert priorities() == [0, BOOST, BOOST]
    # and Slack heard of all three closures and of the failure, by account key only
    (report,) = reports(recorder)
    assert all(f"broken promise: {key}" in report for key in (FIRST, SECOND))
    assert f"broken plan: {THIRD}" in report
    assert f":warning: follow-up failed: {FIRST} (promise: UpstreamUnavailableError)" in report

    # When the retry runs with DynamoDB back / Then it finds nothing left to close, posts nothing, and succeeds
    monkeypatch.undo()
    assert run(plans, CHECK + timedelta(minutes=1))["broken"] == []
    assert len(reports(recorder)) == 1


def test_failure_before_a_close_leaves_it_for_the_retry(plans, recorder, monkeypatch):
    # Given the first account's promise cannot be read through (the account read fails)
    real = account_repo.get_account

    def get_account(key: str) -> Account:
        if key == FIRST:
            raise UpstreamUnavailableError("DynamoDB is unavailable")
        return real(key)

    monkeypatch.setattr(account_repo, "get_account", get_account)

    # When the run follows up
    with pytest.raises(ExceptionGroup):
        run(plans, CHECK)

    # Then that promise stays open while the rest are closed and reported
    assert promise_open(FIRST) and not promise_open(SECOND)
    (report,) = reports(recorder)
    assert f"broken promise: {SECOND}" in report and f"broken promise: {FIRST}" not in report

    # When the retry runs with DynamoDB back / Then it closes, boosts and reports only that promise
    monkeypatch.undo()
    result = run(plans, CHECK + timedelta(minutes=1))
    assert result["broken"] == [f"{FIRST}: USD 50.00 due 2026-11-02"] and result["plans_broken"] == []
    assert priorities() == [BOOST, BOOST, BOOST]
    assert f"broken promise: {FIRST}" in reports(recorder)[-1] and len(reports(recorder)) == 2


def test_conflict_on_every_boost_attempt_is_reported_as_a_failure(plans, recorder, monkeypatch):
    # Given a collector saving the plan's account every time the run tries to boost it
    fail_writes_of(THIRD, monkeypatch, ConflictError("account changed meanwhile"))

    # When the run follows up / Then it gives up after a few attempts, reports the rest and raises
    with pytest.raises(ExceptionGroup) as raised:
        run(plans, CHECK)
    assert [type(error) for error in raised.value.exceptions] == [ConflictError]
    assert priorities() == [BOOST, BOOST, 0]
    (report,) = reports(recorder)
    assert f"broken plan: {THIRD}" in report and f":warning: follow-up failed: {THIRD} (plan: ConflictError)" in report
