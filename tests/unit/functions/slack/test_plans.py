"""Payment plans in Slack, pure parts: `/collect plan` parsing, the plan's blocks on the card, the Plan modal."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from functions.slack.blocks import (
    ACTION_PLAN,
    MAX_SECTION_TEXT,
    account_blocks,
    plan_blocks,
    plan_summary,
    worklist_blocks,
)
from functions.slack.commands import USAGE, PlanTerms, parse_command, parse_plan
from functions.slack.modals import (
    COUNT,
    EVERY,
    FIRST,
    MAX_BLOCKS,
    PLAN_VIEW,
    TOTAL,
    SubmissionError,
    plan_modal,
    read_plan,
)
from shared.domain.accounts import Account, Invoice
from shared.domain.errors import InvalidInputError
from shared.domain.money import Money
from shared.domain.plans import Installment, PaymentPlan, split_installments

REF = "acme:C-1001"
TODAY = date(2026, 11, 24)
CREATED = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def account() -> Account:
    invoices = (Invoice("INV-1", Money(120_000, "USD"), date(2026, 5, 1)),)
    return Account(creditor="acme", account_id="C-1001", debtor="Pat Doe", invoices=invoices)


def plan_with(count: int = 6, paid: int = 0) -> tuple[PaymentPlan, list[Installment]]:
    total = Money(120_000, "USD")
    plan = PaymentPlan("a1b2c3d4e5", "acme#C-1001", total, count, "monthly", CREATED)
    parts = split_installments(total, count, date(2026, 12, 1), "monthly", TODAY)
    return plan, [Installment(i.number, i.amount, i.due, "paid" if i.number <= paid else "open") for i in parts]


def all_texts(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("plan C-1 1200 6 2026-12-01", PlanTerms("C-1", "1200", 6, date(2026, 12, 1))),
        ("plan C-1 1,200.50 12 2026-12-01 weekly", PlanTerms("C-1", "1,200.50", 12, date(2026, 12, 1), "weekly")),
        ("plan C-1 900 3 2027-01-31 BIWEEKLY eur", PlanTerms("C-1", "900", 3, date(2027, 1, 31), "biweekly", "EUR")),
        ("plan C-1 900 3 2027-01-31 EUR weekly", PlanTerms("C-1", "900", 3, date(2027, 1, 31), "weekly", "EUR")),
    ],
)
def test_parse_plan_terms_frequency_and_currency_in_either_order(text: str, terms: PlanTerms) -> None:
    # Given a well-formed `/collect plan`
    # When it is parsed (as the ack does) / Then its terms come back, monthly unless named
    command = parse_command(text)
    assert parse_plan(command.args) == terms


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plan C-1 1200 6", "`plan` needs 4 argument(s)"),
        ("plan C-1 lots 6 2026-12-01", "amount 'lots' is not a number"),
        ("plan C-1 1200 1 2026-12-01", "count '1' must be a whole number from 2 to 60"),
        ("plan C-1 1200 61 2026-12-01", "count '61' must be a whole number from 2 to 60"),
        ("plan C-1 1200 six 2026-12-01", "count 'six' must be"),
        ("plan C-1 1200 6 next-week", "date 'next-week' is not a date"),
        ("plan C-1 1200 6 2026-12-01 daily", "'daily' is neither weekly|biweekly|monthly nor a currency code"),
        ("plan C-1 1200 6 2026-12-01 monthly USD extra", "unexpected words after the plan: 'extra'"),
    ],
)
def test_parse_command_bad_plan_raises_with_usage(text: str, message: str) -> None:
    # Given a plan with one bad part
    # When it is parsed in the ack
    with pytest.raises(InvalidInputError) as caught:
        parse_command(text)

    # Then the message names the part and shows the plan usage
    assert message in str(caught.value)
    assert USAGE["plan"] in str(caught.value)


def test_plan_blocks_list_every_installment_within_section_limit() -> None:
    # Given a plan of 60 installments (the most there can be)
    total = Money(10**12, "USD")
    plan = PaymentPlan("p", "acme#C-1", total, 60, "weekly", CREATED)
    parts = split_installments(total, 60, TODAY, "weekly", TODAY)

    # When its reply is built
    blocks = plan_blocks("Payment plan set up.", plan, parts)

    # Then every installment is listed and each section fits Slack's limit
    assert all(len(b["text"]["text"]) <= MAX_SECTION_TEXT for b in blocks)
    assert "• #60: USD 166,666,666.66 due 2028-01-11" in blocks[1]["text"]["text"]
    assert "• #1: USD 166,666,666.67 due 2026-11-24" in blocks[1]["text"]["text"]


def test_plan_summary_shows_paid_count_and_next_installment() -> None:
    plan, parts = plan_with(count=6, paid=2)
    assert plan_summary(plan, parts) == (
        "USD 1,200.00 in 6 monthly installments · 2 of 6 paid · next: #3 USD 200.00 due 2027-02-01 · `a1b2c3d4e5`"
    )


def test_account_blocks_active_plan_shown_with_next_installment() -> None:
    # Given an account with an active plan, one installment paid
    # When its card is built
    blocks = account_blocks(account(), [], reveal_pii=False, plan=plan_with(paid=1))

    # Then the card shows the plan and the next installment, and offers the Plan button
    shown = all_texts(blocks)
    assert "*Payment plan:* USD 1,200.00 in 6 monthly installments · 1 of 6 paid" in shown
    assert "next: #2 USD 200.00 due 2027-01-01" in shown
    assert ACTION_PLAN in shown


def test_account_blocks_without_plan_no_plan_section() -> None:
    assert "Payment plan" not in all_texts(account_blocks(account(), [], reveal_pii=False))


def test_worklist_rows_keep_three_buttons_without_plan() -> None:
    # Given a full worklist
    rows = [(account(), "note")] * 30

    # When it is rendered / Then no row carries a Plan button (the 24-row text budget stays as it was)
    blocks = worklist_blocks(rows, "U1")
    assert ACTION_PLAN not in all_texts(blocks)
    assert all(len(b["elements"]) == 3 for b in blocks if b["type"] == "actions")


def submitted(values: dict[str, Any], ref: str = REF) -> dict[str, Any]:
    return plan_modal(ref) | {"id": "V0PLAN", "state": {"values": values}}


def plan_state(total: str | None, count: str | None, first: str | None, every: str | None) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": str(every)}, "value": every} if every else None
    return {
        TOTAL[0]: {TOTAL[1]: {"type": "plain_text_input", "value": total}},
        COUNT[0]: {COUNT[1]: {"type": "number_input", "value": count}},
        FIRST[0]: {FIRST[1]: {"type": "datepicker", "selected_date": first}},
        EVERY[0]: {EVERY[1]: {"type": "static_select", "selected_option": option}},
    }


def test_plan_modal_fields_and_limits() -> None:
    # Given / When the Plan modal is built
    view = plan_modal(REF)
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}

    # Then it carries the ref and asks for total, count (2..60), first day and frequency (monthly preselected)
    assert view["callback_id"] == PLAN_VIEW and view["private_metadata"] == REF
    assert len(view["blocks"]) <= MAX_BLOCKS and len(view["title"]["text"]) <= 24
    assert elements[TOTAL[0]]["type"] == "plain_text_input"
    assert (elements[COUNT[0]]["min_value"], elements[COUNT[0]]["max_value"]) == ("2", "60")
    assert elements[COUNT[0]]["is_decimal_allowed"] is False
    assert elements[FIRST[0]]["type"] == "datepicker"
    assert elements[EVERY[0]]["initial_option"]["value"] == "monthly"
    assert [o["value"] for o in elements[EVERY[0]]["options"]] == ["weekly", "biweekly", "monthly"]


def test_read_plan_valid_submission_terms_as_the_command_takes_them() -> None:
    view = submitted(plan_state(" 1,200.00 ", "6", "2026-11-24", "biweekly"))
    assert read_plan(view, TODAY) == PlanTerms(REF, "1,200.00", 6, TODAY, "biweekly")


@pytest.mark.parametrize(
    ("state", "fields"),
    [
        (plan_state("lots", "6", "2026-12-01", "monthly"), {TOTAL[0]}),
        (plan_state("1200", "1", "2026-12-01", "monthly"), {COUNT[0]}),
        (plan_state("1200", None, "2026-12-01", "monthly"), {COUNT[0]}),
        (plan_state("1200", "6", "2026-11-23", "monthly"), {FIRST[0]}),
        (plan_state("1200", "6", None, "monthly"), {FIRST[0]}),
        (plan_state("1200", "6", "2026-12-01", "daily"), {EVERY[0]}),
        (plan_state(None, "99", "2020-01-01", None), {TOTAL[0], COUNT[0], FIRST[0], EVERY[0]}),
    ],
)
def test_read_plan_bad_fields_each_named_by_block(state: dict[str, Any], fields: set[str]) -> None:
    # Given a submission with bad fields
    # When it is read
    with pytest.raises(SubmissionError) as caught:
        read_plan(submitted(state), TODAY)

    # Then each bad field, and only those, has a message beside it
    assert set(caught.value.errors) == fields
    assert all(message[:1].isupper() for message in caught.value.errors.values())
