"""The plans function against moto: the hourly run follows installments whose deadline passed and reports to Slack."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from local.events import LambdaContext, scheduler_event
from local.slack_recorder import SlackRecorder, render_text
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import plans as plan_repo
from shared.domain.accounts import Activity
from shared.domain.money import Money
from shared.domain.plans import PaymentPlan, split_installments
from tests.factories import account

ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/plans"
CREATED = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
KEY = account().key
# Weekly installments of USD 100.00 due Nov 2, 9 and 16; each is checked from 00:00 Chicago two days later.
FIRST_CHECK = datetime(2026, 11, 4, 6, 0, tzinfo=UTC)
SECOND_CHECK = datetime(2026, 11, 11, 6, 0, tzinfo=UTC)


@pytest.fixture
def plans(load_handler: Any, recorder: SlackRecorder) -> Any:
    account_repo.put_new_accounts([account()])
    total = Money(30_000, "USD")
    plan = PaymentPlan("p1", KEY, total, 3, "weekly", CREATED)
    parts = split_installments(total, 3, date(2026, 11, 2), "weekly", CREATED.date())
    entry = Activity(at=CREATED, kind="plan", summary="payment plan", actor="U-ANA")
    assert plan_repo.put_plan(plan, parts, "America/Chicago", "trigger-1", entry)
    return load_handler("functions.plans.handler", SLACK_API_URL=recorder.api_url)


def pay(minor: int, at: datetime, currency: str = "USD") -> None:
    data = {"amount_minor": minor, "currency": currency, "ref": f"CHK-{minor}"}
    activity_repo.append_activities([(KEY, Activity(at=at, kind="payment", summary="payment", data=data))])


def run(handler: Any, at: datetime) -> dict[str, Any]:
    result: dict[str, Any] = handler.lambda_handler(scheduler_event(at, ARN), LambdaContext("plans", ARN))
    return result


def reports(recorder: SlackRecorder) -> list[str]:
    return [
        render_text(c) for c in recorder.calls if c.method == "chat.postMessage" and c.params["channel"] == "C-REPORTS"
    ]


def statuses() -> tuple[str, list[str]]:
    plan, installments = plan_repo.get_plan(KEY, "p1")
    return plan.status, [i.status for i in installments]


def test_run_before_any_deadline_changes_nothing(plans, recorder):
    pay(5_000, CREATED + timedelta(hours=1))
    result = run(plans, FIRST_CHECK - timedelta(minutes=1))
    assert result["installments_paid"] == result["plans_broken"] == []
    assert statuses() == ("active", ["open", "open", "open"])
    assert reports(recorder) == []


def test_paid_installment_closed_and_reported_once(plans, recorder):
    # Given the first installment paid on its due day
    pay(10_000, datetime(2026, 11, 2, 18, 0, tzinfo=UTC))

    # When the schedule runs after its deadline, and again (a repeated delivery)
    first = run(plans, FIRST_CHECK)
    second = run(plans, FIRST_CHECK + timedelta(hours=1))

    # Then it is closed paid once, the plan stays active, and Slack hears of it once
    assert first["installments_paid"] == [f"{KEY}: plan `p1` installment 1 of 3 (USD 100.00 due 2026-11-02)"]
    assert second["installments_paid"] == []
    assert statuses() == ("active", ["paid", "open", "open"])
    (report,) = reports(recorder)
    assert ":white_check_mark: installment paid:" in report and "installment 1 of 3" in report


def test_payment_covering_the_rest_completes_the_plan(plans, recorder):
    # Given the first installment paid, then one payment for the other two before the second is due
    pay(10_000, datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    run(plans, FIRST_CHECK)
    pay(20_000, datetime(2026, 11, 8, 18, 0, tzinfo=UTC))

    # When the schedule runs after the second deadline
    result = run(plans, SECOND_CHECK)

    # Then both are paid, the plan is completed, and the account may take a new plan
    assert statuses() == ("completed", ["paid", "paid", "paid"])
    assert result["plans_completed"] == [f"{KEY}: plan `p1` USD 300.00 in 3 installments"]
    assert ":tada: plan completed:" in reports(recorder)[-1]
    latest = activity_repo.query_activity(KEY, kinds=frozenset({"plan"}))[0]
    assert latest.summary == "payment plan completed: USD 300.00 in 3 installments"
    again = PaymentPlan("p2", KEY, Money(20_000, "USD"), 2, "monthly", SECOND_CHECK)
    parts = split_installments(again.total, 2, date(2026, 12, 1), "monthly", SECOND_CHECK.date())
    entry = Activity(at=SECOND_CHECK, kind="plan", summary="payment plan", actor="U-ANA")
    assert plan_repo.put_plan(again, parts, "America/Chicago", "trigger-2", entry) is True


def test_missed_installment_breaks_plan_boosts_priority_and_reports_once(plans, recorder):
    # Given only part of the first installment paid, and a payment in another currency
    pay(5_000, datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    pay(50_000, datetime(2026, 11, 2, 19, 0, tzinfo=UTC), currency="EUR")
    before = account_repo.get_account(KEY).priority

    # When the schedule runs after its deadline, and again
    first = run(plans, FIRST_CHECK)
    second = run(plans, FIRST_CHECK + timedelta(hours=1))

    # Then the plan is broken (the rest cancelled, off the due index), once
    assert statuses() == ("broken", ["missed", "cancelled", "cancelled"])
    assert first["plans_broken"] == [f"{KEY}: plan `p1` installment 1 of 3 (USD 100.00 due 2026-11-02) missed"]
    assert second["plans_broken"] == []
    assert list(plan_repo.query_due_installments(FIRST_CHECK + timedelta(days=60))) == []
    # and the account went to the top of the worklist once, with a history entry and one Slack report
    stored = account_repo.get_account(KEY)
    assert stored.priority == before + 200_000 and stored.next_action == "follow-up: broken payment plan"
    latest = activity_repo.query_activity(KEY, kinds=frozenset({"plan"}))[0]
    assert latest.summary == "payment plan broken: installment 1 of 3 (USD 100.00 due 2026-11-02) missed"
    (report,) = reports(recorder)
    assert ":x: broken plan:" in report and "missed" in report
