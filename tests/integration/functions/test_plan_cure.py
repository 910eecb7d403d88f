"""A late installment under a creditor's cure period: the plan does not break at once; the debtor is told the
last day to pay it; paid by then, the plan goes on; not paid, it breaks when the period ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from local.events import LambdaContext, scheduler_event
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import creditors as creditor_repo
from shared.db import plans as plan_repo
from tests import seeding
from tests.factories import account
from tests.integration.functions.test_plans import ARN, CREATED, FIRST_CHECK, KEY, reports, run, statuses
from tests.integration.functions.test_reminders import _sent

CURE_END = datetime(2026, 11, 9, 6, 0, tzinfo=UTC)  # 00:00 Chicago after Nov 8: due Nov 2, 1 day's grace, 5 to cure
MORNING_AFTER = datetime(2026, 11, 4, 16, 0, tzinfo=UTC)  # 10:00 in Chicago, the day the plan run found it late
LATE_LINE = f"{KEY}: plan `p1` installment 1 of 3 (USD 100.00 due 2026-11-02)"


@pytest.fixture
def plans(load_handler: Any, recorder: Any) -> Any:
    account_repo.put_new_accounts([account(minor=30_000)])
    creditor_repo.put_policy("acme", {"collections": {"plan_cure_days": 5}}, "test", CREATED)
    seeding.plan(KEY, 30_000, 3, date(2026, 11, 2), "weekly", CREATED)
    return load_handler("functions.plans.handler", SLACK_API_URL=recorder.api_url)


def remind(load_handler: Any, at: datetime) -> dict[str, Any]:
    reminders = load_handler("functions.reminders.handler")
    reminders.clock = lambda: at
    result: dict[str, Any] = reminders.lambda_handler(scheduler_event(at, ARN), LambdaContext("reminders", ARN))
    return result


def test_a_late_installment_is_told_and_the_plan_goes_on_once_it_is_paid_in_the_cure_period(plans, load_handler,
                                                                                            recorder):  # fmt: skip
    # When the plans run finds installment 1 unpaid after its grace day, and again an hour later
    first = run(plans, FIRST_CHECK)
    again = run(plans, FIRST_CHECK + timedelta(hours=1))

    # Then the plan is not broken: the installment is late until Nov 8, said once, and the collectors are told
    assert first["installments_late"] == [LATE_LINE] and first["plans_broken"] == []
    assert again["installments_late"] == []
    assert statuses() == ("active", ["open", "open", "open"])
    stored = account_repo.get_account(KEY)
    assert stored.commitment is not None and stored.commitment.cure_until == date(2026, 11, 8)
    assert stored.next_action == "installment notice"
    (report,) = reports(recorder)
    assert ":hourglass: installment late" in report
    latest = activity_repo.query_activity(KEY, kinds=frozenset({"plan"}))[0]
    assert latest.summary.endswith("late; the plan breaks unless it is paid by 2026-11-08")

    # When the reminders run comes the next morning
    told = remind(load_handler, MORNING_AFTER)

    # Then the debtor got one email with the last day to pay, and the account waits for the end of the cure period
    assert told["outcomes"] == {"sent": 1}
    (email,) = _sent()
    assert "please pay by 2026-11-08" in email.subject and "USD 100.00" in email.body
    stored = account_repo.get_account(KEY)
    assert stored.commitment is not None and stored.commitment.cure_noticed and stored.next_action == "plan"

    # When the debtor pays it on Nov 6 and the plans run looks again at the next midnight (the period is not over)
    seeding.pay(KEY, 10_000, datetime(2026, 11, 6, 18, 0, tzinfo=UTC))
    next_midnight = run(plans, datetime(2026, 11, 7, 6, 0, tzinfo=UTC))

    # Then the installment is paid and the plan stands on the next one, its own reminder scheduled for 10:00 that
    # day (two days before Nov 9)
    assert next_midnight["installments_paid"] == [LATE_LINE] and next_midnight["plans_broken"] == []
    assert statuses() == ("active", ["paid", "open", "open"])
    stored = account_repo.get_account(KEY)
    assert stored.commitment is not None and stored.commitment.due == date(2026, 11, 9)
    assert stored.commitment.cure_until is None and not stored.commitment.cure_noticed
    assert (stored.next_action, stored.next_action_at) == (
        "installment reminder",
        datetime(2026, 11, 7, 16, 0, tzinfo=UTC),
    )


def test_a_late_installment_still_unpaid_when_the_cure_period_ends_breaks_the_plan(plans):
    run(plans, FIRST_CHECK)

    # Each midnight before the period ends it is looked at again, still late: nothing is decided or said again
    for day in (5, 6, 7, 8):
        looked = run(plans, datetime(2026, 11, day, 6, 0, tzinfo=UTC))
        assert looked["plans_broken"] == looked["installments_late"] == []
        assert statuses() == ("active", ["open", "open", "open"])
    ended = run(plans, CURE_END)

    assert ended["plans_broken"] == [f"{LATE_LINE} missed"]
    assert statuses() == ("broken", ["missed", "cancelled", "cancelled"])
    stored = account_repo.get_account(KEY)
    assert stored.follow_up == "broken payment plan p1" and stored.commitment is None
    assert list(plan_repo.query_due_installments(CURE_END + timedelta(days=60))) == []
