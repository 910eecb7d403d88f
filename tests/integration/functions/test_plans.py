"""The plans function against moto: the hourly run follows promises and installments whose deadline passed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from local.events import LambdaContext, scheduler_event
from local.slack_recorder import SlackRecorder, render_text
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import plans as plan_repo
from tests import seeding
from tests.factories import account
from tests.support import deliver_notices

ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/plans"
CREATED = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
KEY = account().key
# Weekly installments of USD 100.00 due Nov 2, 9 and 16; each is checked from 00:00 Chicago two days later.
FIRST_CHECK = datetime(2026, 11, 4, 6, 0, tzinfo=UTC)
SECOND_CHECK = datetime(2026, 11, 11, 6, 0, tzinfo=UTC)


@pytest.fixture
def handler(load_handler: Any, recorder: SlackRecorder) -> Any:
    account_repo.put_new_accounts([account(minor=30_000)])
    return load_handler("functions.plans.handler", SLACK_API_URL=recorder.api_url)


@pytest.fixture
def plans(handler: Any) -> Any:
    seeding.plan(KEY, 30_000, 3, date(2026, 11, 2), "weekly", CREATED)
    return handler


def run(handler: Any, at: datetime) -> dict[str, Any]:
    """The scheduled run, then the Slack notices it queued, delivered as the notify function does."""
    result: dict[str, Any] = handler.lambda_handler(scheduler_event(at, ARN), LambdaContext("plans", ARN))
    deliver_notices()
    return result


def reports(recorder: SlackRecorder) -> list[str]:
    return [
        render_text(c) for c in recorder.calls if c.method == "chat.postMessage" and c.params["channel"] == "C-REPORTS"
    ]


def statuses() -> tuple[str, list[str]]:
    plan, installments = plan_repo.get_plan(KEY, "p1")
    return plan.status, [i.status for i in installments]


def test_plan_pauses_reminders_until_it_ends(plans):
    # Given an account with an active plan
    stored = account_repo.get_account(KEY)

    # Then no reminder is scheduled and it is off the worklist: the installments are the commitment
    assert (stored.next_action, stored.next_action_at, stored.on_worklist) == ("plan", None, False)


def test_run_before_any_deadline_changes_nothing(plans, recorder):
    seeding.pay(KEY, 5_000, CREATED + timedelta(hours=1))
    result = run(plans, FIRST_CHECK - timedelta(minutes=1))
    assert result["installments_paid"] == result["plans_broken"] == []
    assert statuses() == ("active", ["open", "open", "open"])
    assert reports(recorder) == []


def test_paid_installment_closed_and_reported_once(plans, recorder):
    # Given the first installment paid on its due day
    seeding.pay(KEY, 10_000, datetime(2026, 11, 2, 18, 0, tzinfo=UTC))

    # When the schedule runs after its deadline, and again (a repeated delivery)
    first = run(plans, FIRST_CHECK)
    second = run(plans, FIRST_CHECK + timedelta(hours=1))

    # Then it is closed paid once, the plan stays active (its next installment the commitment), Slack hears once
    assert first["installments_paid"] == [f"{KEY}: plan `p1` installment 1 of 3 (USD 100.00 due 2026-11-02)"]
    assert second["installments_paid"] == []
    assert statuses() == ("active", ["paid", "open", "open"])
    assert account_repo.get_account(KEY).commitment.due == date(2026, 11, 9)
    (report,) = reports(recorder)
    assert ":white_check_mark: installment paid:" in report and "installment 1 of 3" in report


def test_payment_covering_the_rest_completes_the_plan(plans, recorder):
    # Given the first installment paid, then one payment for the other two before the second is due
    seeding.pay(KEY, 10_000, datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    run(plans, FIRST_CHECK)
    seeding.pay(KEY, 20_000, datetime(2026, 11, 8, 18, 0, tzinfo=UTC))

    # When the schedule runs after the second deadline
    result = run(plans, SECOND_CHECK)

    # Then both are paid, the plan is completed, the account owes nothing and may take a new plan
    assert statuses() == ("completed", ["paid", "paid", "paid"])
    assert result["plans_completed"] == [f"{KEY}: plan `p1` USD 300.00 in 3 installments"]
    assert ":tada: plan completed:" in reports(recorder)[-1]
    latest = activity_repo.query_activity(KEY, kinds=frozenset({"plan"}))[0]
    assert latest.summary == "payment plan completed: USD 300.00 in 3 installments"
    stored = account_repo.get_account(KEY)
    assert (stored.commitment, stored.status, stored.next_action) == (None, "paid", None)


def test_missed_installment_breaks_plan_puts_it_first_and_resumes_reminders(plans, recorder):
    # Given only part of the first installment paid
    seeding.pay(KEY, 5_000, datetime(2026, 11, 2, 18, 0, tzinfo=UTC))

    # When the schedule runs after its deadline, and again
    first = run(plans, FIRST_CHECK)
    second = run(plans, FIRST_CHECK + timedelta(hours=1))

    # Then the plan is broken (the rest cancelled, off the due index), once
    assert statuses() == ("broken", ["missed", "cancelled", "cancelled"])
    assert first["plans_broken"] == [f"{KEY}: plan `p1` installment 1 of 3 (USD 100.00 due 2026-11-02) missed"]
    assert second["plans_broken"] == []
    assert list(plan_repo.query_due_installments(FIRST_CHECK + timedelta(days=60))) == []
    # and the account waits for the collector at the top of the worklist, with reminders on again
    stored = account_repo.get_account(KEY)
    assert stored.follow_up == "broken payment plan p1" and stored.rank.startswith("1#")
    assert (stored.commitment, stored.next_action, stored.on_worklist) == (None, "reminder", True)
    latest = activity_repo.query_activity(KEY, kinds=frozenset({"plan"}))[0]
    assert latest.summary == "payment plan broken: installment 1 of 3 (USD 100.00 due 2026-11-02) missed"
    (report,) = reports(recorder)
    assert ":x: broken plan:" in report and "missed" in report


def test_promise_kept_by_money_received_and_broken_without_it(handler, recorder):
    # Given promises of USD 50.00 by Nov 2 on two accounts; only the first debtor pays, after the promise
    account_repo.put_new_accounts([account("C-2")])
    second = account("C-2").key
    seeding.promise(KEY, 5_000, date(2026, 11, 2), CREATED)
    seeding.promise(second, 5_000, date(2026, 11, 2), CREATED)
    seeding.pay(KEY, 2_000, CREATED + timedelta(hours=1))
    seeding.pay(KEY, 3_000, CREATED + timedelta(hours=2))

    # When the follow-up runs after the grace day
    result = run(handler, FIRST_CHECK)

    # Then the first was kept at once (the second payment covered it), the second is broken at its deadline
    assert result["kept"] == [] and result["broken"] == [f"{second}: USD 50.00 due 2026-11-02"]
    assert account_repo.get_account(KEY).commitment is None
    broken = account_repo.get_account(second)
    assert (broken.commitment, broken.follow_up) == (None, "broken promise of USD 50.00 by 2026-11-02")
    assert broken.next_action == "reminder"
