"""Payment plans through Slack against moto: `/collect plan` and the Plan button + modal, each applied once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.slack.blocks import ACTION_PLAN
from functions.slack.modals import COUNT, EVERY, FIRST, PLAN_VIEW, TOTAL
from local.events import slash_command_body
from local.slack_recorder import SlackRecorder, render_text
from shared.db import accounts as account_repo
from shared.db import plans as plan_repo
from tests.factories import account
from tests.integration.functions.test_slack import InlineLambda
from tests.integration.functions.test_slack_interactive import USER, Slack, kinds, submission


@pytest.fixture
def slack(load_handler: Any, recorder: SlackRecorder) -> Slack:
    handler = load_handler("functions.slack.handler", SLACK_API_URL=recorder.api_url, AUTHORIZED_USERS="U-ANA")
    handler.slack_handler.app.listener_runner.lazy_listener_runner.lambda_client = InlineLambda(handler)
    account_repo.put_new_accounts([account("C-1001", minor=100_000)])
    return Slack(handler, recorder)


def plan_values(total: str, count: str, first: str, every: str) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": every.capitalize(), "emoji": True}, "value": every}
    return {
        TOTAL[0]: {TOTAL[1]: {"type": "plain_text_input", "value": total}},
        COUNT[0]: {COUNT[1]: {"type": "number_input", "value": count}},
        FIRST[0]: {FIRST[1]: {"type": "datepicker", "selected_date": first}},
        EVERY[0]: {EVERY[1]: {"type": "static_select", "selected_option": option}},
    }


def stored_plans() -> list[tuple[Any, list[Any]]]:
    return plan_repo.query_plans(account().key)


def test_plan_command_retried_sets_up_one_plan_and_lists_installments(slack: Slack, recorder: SlackRecorder) -> None:
    # Given a monthly plan typed by the collector, anchored on a 31st
    body = slash_command_body(
        "/collect", "plan C-1001 1000 3 2099-01-31", user_id=USER["id"], response_url=recorder.response_url()
    )

    # When the same request arrives twice
    slack.post(body)
    slack.post(body)

    # Then one plan is stored in the account's currency, the reply lists the installments, the repeat says so
    ((plan, installments),) = stored_plans()
    assert (plan.total.format(), plan.count, plan.every, plan.status) == ("USD 1,000.00", 3, "monthly", "active")
    assert [(i.amount.minor, i.due.isoformat()) for i in installments] == [
        (33_334, "2099-01-31"),
        (33_333, "2099-02-28"),
        (33_333, "2099-03-31"),
    ]
    first, second = (render_text(r) for r in recorder.responses[-2:])
    assert "Payment plan set up: Debtor C-1001 pays USD 1,000.00 in 3 monthly installments." in first
    assert "• #2: USD 333.33 due 2099-02-28" in first
    assert "payment plan already recorded" in second
    assert len(kinds("plan")) == 1


def test_plan_command_second_active_plan_refused_with_the_active_one(slack: Slack) -> None:
    # Given an active plan
    slack.command("plan C-1001 1000 3 2099-01-31 weekly")

    # When the collector sets up another one
    reply = render_text(slack.command("plan C-1001 600 2 2099-02-01"))

    # Then it is refused, naming the active plan; only the first is stored
    assert "already has an active payment plan" in reply
    assert "USD 1,000.00 in 3 weekly installments" in reply
    assert len(stored_plans()) == 1


def test_plan_command_bad_count_answered_in_the_ack(slack: Slack, recorder: SlackRecorder) -> None:
    result = slack.post(slash_command_body("/collect", "plan C-1001 1000 99 2099-01-31", user_id=USER["id"]))
    assert "count '99' must be a whole number from 2 to 60" in result["body"]
    assert stored_plans() == []


def test_plan_button_modal_submitted_twice_sets_up_one_plan_and_card_shows_it(slack: Slack) -> None:
    # Given the Plan modal opened from the account card
    view = slack.open_modal(slack.command("account C-1001"), ACTION_PLAN)
    assert view["callback_id"] == PLAN_VIEW and view["private_metadata"] == "acme:C-1001"
    payload = submission(view, plan_values("1,000.00", "5", "2099-01-15", "biweekly"))

    # When it is submitted, and delivered again
    first = slack.submit(payload)
    slack.submit(payload)

    # Then the modal closes, one plan is stored, the collector is DMed both times, and the card shows the plan
    assert first["statusCode"] == 200 and not first.get("body")
    ((plan, installments),) = stored_plans()
    assert (plan.count, plan.every) == (5, "biweekly")
    assert [i.due.isoformat() for i in installments][:2] == ["2099-01-15", "2099-01-29"]
    dm_first, dm_second = slack.posts("U-ANA")
    assert dm_first.startswith("Payment plan set up:") and "already recorded" in dm_second
    card = render_text(slack.command("account C-1001"))
    assert "Payment plan:* USD 1,000.00 in 5 biweekly installments · 0 of 5 paid" in card
    assert "next: #1 USD 200.00 due 2099-01-15" in card and "[Plan]" in card


def test_plan_modal_past_first_date_answers_field_error(slack: Slack) -> None:
    view = slack.open_modal(slack.command("account C-1001"), ACTION_PLAN)
    result = slack.submit(submission(view, plan_values("1000", "4", "2020-01-01", "monthly")))
    answer = json.loads(result["body"])
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {FIRST[0]}
    assert stored_plans() == []
