"""The plans repository against moto: one transaction a plan, the due index by deadline, conditional closing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import plans as plan_repo
from shared.domain.accounts import Activity, Commitment
from shared.domain.errors import NotAllowedError
from shared.domain.money import Money
from shared.domain.plans import PaymentPlan, split_installments
from shared.domain.state import recompute
from tests.factories import account

KEY = "acme#C-1001"
CREATED = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
FIRST_DEADLINE = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)  # due Dec 1, grace Dec 2, checked from Dec 3 00:00 CST


def new_plan(plan_id: str = "p1", count: int = 3) -> tuple[PaymentPlan, list]:
    total = Money(30_000, "USD")
    plan = PaymentPlan(plan_id, KEY, total, count, "monthly", CREATED)
    return plan, split_installments(total, count, date(2026, 12, 1), "monthly", CREATED.date())


def entry(summary: str = "plan set up") -> Activity:
    return Activity(at=CREATED, kind="plan", summary=summary, actor="U-ANA")


@pytest.fixture(autouse=True)
def debtor(aws):
    account_repo.put_new_accounts([account("C-1001")])


def put(plan: PaymentPlan, parts: list, request: str) -> bool:
    """Store the plan as Slack does: with the account as the plan leaves it (its commitment), read just before."""
    current = account_repo.get_account(KEY)
    commitment = Commitment("plan", plan.plan_id, parts[0].amount, parts[0].due, CREATED)
    return plan_repo.put_plan(
        plan, parts, recompute(replace(current, commitment=commitment), CREATED), request, entry()
    )


def close(plan: PaymentPlan, closing: list, summary: str, status: str | None = None) -> bool:
    return plan_repo.close_installments(plan, closing, entry(summary), account_repo.get_account(KEY), status)


def test_put_plan_retried_request_writes_once(aws):
    # Given a plan of three installments
    plan, parts = new_plan()

    # When the same Slack request stores it twice
    first = put(plan, parts, "trigger-1")
    second = put(plan, parts, "trigger-1")

    # Then it is stored once, with its installments in due order and one activity entry
    assert (first, second) == (True, False)
    ((stored, installments),) = plan_repo.query_plans(KEY)
    assert replace(stored, version=None) == plan and stored.version == 1
    assert installments == parts
    assert [a.summary for a in activity_repo.query_activity(KEY)] == ["plan set up"]


def test_put_plan_second_active_plan_refused(aws):
    # Given an active plan
    put(*new_plan("p1"), "trigger-1")

    # When another request sets up a second one
    # Then it is refused and nothing of it is written
    with pytest.raises(NotAllowedError, match="already has an active payment plan"):
        put(*new_plan("p2"), "trigger-2")
    assert [p.plan_id for p, _ in plan_repo.query_plans(KEY)] == ["p1"]
    assert len(activity_repo.query_activity(KEY)) == 1


def test_query_due_installments_by_deadline_in_the_debtors_zone(aws):
    # Given a plan whose first installment is due Dec 1 in Chicago
    put(*new_plan(), "trigger-1")

    # When the due index is read just before and at the end of the grace day
    before = list(plan_repo.query_due_installments(FIRST_DEADLINE - timedelta(seconds=1)))
    at = list(plan_repo.query_due_installments(FIRST_DEADLINE))
    two_months_later = list(plan_repo.query_due_installments(FIRST_DEADLINE + timedelta(days=62)))

    # Then only installments whose deadline passed are found, each with its plan
    assert before == []
    assert [(d.account_key, d.plan_id, d.installment.number) for d in at] == [(KEY, "p1", 1)]
    assert [d.installment.number for d in two_months_later] == [1, 2, 3]


def test_close_installments_conditioned_on_open_and_off_the_index(aws):
    # Given a plan with its first installment due
    plan, parts = new_plan()
    put(plan, parts, "trigger-1")
    (stored, _), *_ = plan_repo.query_plans(KEY)

    # When the first installment is closed paid, twice (a repeated run)
    first = close(stored, [(parts[0], "paid")], "paid")
    second = close(stored, [(parts[0], "paid")], "paid")

    # Then it is closed once, leaves the due index, and the plan stays active
    assert (first, second) == (True, False)
    ((after, installments),) = plan_repo.query_plans(KEY)
    assert [i.status for i in installments] == ["paid", "open", "open"]
    assert after.status == "active"
    assert list(plan_repo.query_due_installments(FIRST_DEADLINE)) == []
    assert [a.summary for a in activity_repo.query_activity(KEY)].count("paid") == 1


def test_broken_plan_closed_once_and_frees_the_account_for_a_new_plan(aws):
    # Given an active plan
    plan, parts = new_plan()
    put(plan, parts, "trigger-1")
    stored, _ = plan_repo.get_plan(KEY, "p1")

    # When it is broken (first missed, the rest cancelled), and a stale copy tries the same again
    closing = [(parts[0], "missed"), (parts[1], "cancelled"), (parts[2], "cancelled")]
    assert close(stored, closing, "broken", "broken") is True
    assert close(stored, closing, "broken", "broken") is False

    # Then the plan is broken, nothing of it is due any more, and a new plan may be set up
    broken, installments = plan_repo.get_plan(KEY, "p1")
    assert broken.status == "broken" and broken.version == 2
    assert [i.status for i in installments] == ["missed", "cancelled", "cancelled"]
    assert list(plan_repo.query_due_installments(FIRST_DEADLINE + timedelta(days=90))) == []
    assert put(*new_plan("p2"), "trigger-2") is True
    assert [(p.plan_id, p.status) for p, _ in plan_repo.query_plans(KEY)] == [("p1", "broken"), ("p2", "active")]


def test_put_plan_of_sixty_installments_fits_one_transaction(aws):
    plan, parts = new_plan(count=60)
    assert put(plan, parts, "trigger-1") is True
    assert len(plan_repo.get_plan(KEY, "p1")[1]) == 60
