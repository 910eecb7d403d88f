"""Modal builders and submission readers: Slack's view limits, the account ref round trip, field errors by block."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.slack.modals import (
    AMOUNT,
    DUE,
    LOG_CALL_VIEW,
    MAX_BLOCKS,
    MAX_METADATA,
    MAX_NOTE,
    MAX_TITLE,
    NOTE,
    OUTCOME,
    PROMISE_VIEW,
    CallEntry,
    PromiseEntry,
    SubmissionError,
    log_call_modal,
    outcome_options,
    promise_modal,
    read_log_call,
    read_promise,
)
from shared.domain.errors import InvalidInputError
from shared.domain.outcomes import OUTCOMES as CALL_OUTCOMES

REF = "acme:C-1001"
TODAY = date(2026, 11, 24)


def submitted(view: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The view as a view_submission carries it back: id, hash, and the inputs' state by block and action id."""
    return view | {"id": "V0123ABCD", "hash": "1712.abc", "state": {"values": values}}


def call_state(outcome: str | None, note: str | None = None) -> dict[str, dict[str, Any]]:
    selected = {"text": {"type": "plain_text", "text": outcome}, "value": outcome} if outcome else None
    return {
        OUTCOME[0]: {OUTCOME[1]: {"type": "static_select", "selected_option": selected}},
        NOTE[0]: {NOTE[1]: {"type": "plain_text_input", "value": note}},
    }


def promise_state(amount: str | None, day: str | None) -> dict[str, dict[str, Any]]:
    return {
        AMOUNT[0]: {AMOUNT[1]: {"type": "plain_text_input", "value": amount}},
        DUE[0]: {DUE[1]: {"type": "datepicker", "selected_date": day}},
    }


def assert_view_within_slack_limits(view: dict[str, Any]) -> None:
    assert view["type"] == "modal"
    assert len(view["callback_id"]) <= 255
    assert len(view["private_metadata"]) <= MAX_METADATA
    for key in ("title", "submit", "close"):
        assert view[key]["type"] == "plain_text" and 0 < len(view[key]["text"]) <= MAX_TITLE
    assert 0 < len(view["blocks"]) <= MAX_BLOCKS
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert len({b["block_id"] for b in inputs}) == len(inputs)
    for block in inputs:
        assert len(block["block_id"]) <= 255 and len(block["element"]["action_id"]) <= 255
    json.dumps(view)


@pytest.mark.parametrize("build", [log_call_modal, promise_modal])
def test_modals_any_ref_within_limits_and_ref_in_private_metadata(build: Any) -> None:
    # Given a button's account ref
    # When a modal is built from it
    view = build(REF)

    # Then it fits Slack's view limits and carries the ref privately (and shows it)
    assert_view_within_slack_limits(view)
    assert view["private_metadata"] == REF
    assert REF in view["blocks"][0]["elements"][0]["text"]


def test_log_call_modal_outcome_required_note_optional_multiline() -> None:
    # Given / When the Log call modal is built
    view = log_call_modal(REF)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}

    # Then the outcome is a required select and the note an optional multiline text of bounded length
    assert view["callback_id"] == LOG_CALL_VIEW
    assert inputs[OUTCOME[0]]["optional"] is False
    assert inputs[OUTCOME[0]]["element"]["type"] == "static_select"
    assert inputs[NOTE[0]]["optional"] is True
    assert inputs[NOTE[0]]["element"] == {
        "type": "plain_text_input",
        "multiline": True,
        "max_length": MAX_NOTE,
        "action_id": NOTE[1],
    }


def test_outcome_options_values_are_the_call_outcome_words() -> None:
    # Given / When the outcome options are built
    options = outcome_options()

    # Then one option per CALL_OUTCOMES word, labelled readably within Slack's option limits
    assert [o["value"] for o in options] == list(CALL_OUTCOMES)
    assert {o["text"]["text"] for o in options} >= {"No answer", "Talked", "Wrong number", "Disconnected"}
    assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in options)
    assert len(options) <= 100


def test_promise_modal_amount_text_and_datepicker() -> None:
    # Given / When the Promise modal is built
    view = promise_modal(REF)
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}

    # Then it asks for an amount as text and a day with a datepicker
    assert view["callback_id"] == PROMISE_VIEW
    assert elements[AMOUNT[0]]["type"] == "plain_text_input"
    assert elements[DUE[0]]["type"] == "datepicker"


@pytest.mark.parametrize("ref", ["", "   ", "x" * (MAX_METADATA + 1)])
def test_modals_ref_empty_or_too_long_refused(ref: str) -> None:
    # Given a ref that cannot travel in private_metadata
    # When a modal is built / Then it is refused as the collector's input, not a crash
    with pytest.raises(InvalidInputError):
        log_call_modal(ref)


@given(ref=st.text(min_size=1, max_size=MAX_METADATA).filter(str.strip))
def test_log_call_private_metadata_round_trips_any_ref(ref: str) -> None:
    # Given any ref a button may carry
    view = submitted(log_call_modal(ref), call_state("talked"))

    # When the submission is read
    # Then the same ref comes back
    assert read_log_call(view).ref == ref


def test_read_log_call_outcome_and_note() -> None:
    # Given a submitted call with outcome and note
    view = submitted(log_call_modal(REF), call_state("no-answer", "  rang twice \n left no message "))

    # When it is read / Then the outcome word and the trimmed note come back
    assert read_log_call(view) == CallEntry(REF, "no-answer", "rang twice \n left no message")


def test_read_log_call_no_note_empty() -> None:
    view = submitted(log_call_modal(REF), call_state("busy", None))
    assert read_log_call(view).note == ""


@pytest.mark.parametrize("outcome", [None, "shouted", ""])
def test_read_log_call_missing_or_unknown_outcome_names_the_field(outcome: str | None) -> None:
    # Given a submission without a known outcome (Slack enforces required fields, a tampered payload may not)
    view = submitted(log_call_modal(REF), call_state(outcome))

    # When it is read / Then the error sits beside the outcome field
    with pytest.raises(SubmissionError) as caught:
        read_log_call(view)
    assert set(caught.value.errors) == {OUTCOME[0]}


def test_read_log_call_lost_metadata_error_on_first_field() -> None:
    view = submitted(log_call_modal(REF), call_state("talked")) | {"private_metadata": ""}
    with pytest.raises(SubmissionError) as caught:
        read_log_call(view)
    assert set(caught.value.errors) == {OUTCOME[0]}


@pytest.mark.parametrize(
    ("amount", "day"), [("150", "2026-11-24"), ("1,500.25", "2026-12-01"), (" 99.99 ", "2099-01-01")]
)
def test_read_promise_valid_amount_and_day_today_or_later(amount: str, day: str) -> None:
    # Given a promise for today or later with an amount the slash command would take
    view = submitted(promise_modal(REF), promise_state(amount, day))

    # When it is read / Then it comes back as entered (trimmed)
    assert read_promise(view, TODAY) == PromiseEntry(REF, amount.strip(), date.fromisoformat(day))


@pytest.mark.parametrize(
    ("amount", "day", "fields"),
    [
        ("lots", "2026-12-01", {AMOUNT[0]}),
        ("0", "2026-12-01", {AMOUNT[0]}),
        ("150,50", "2026-12-01", {AMOUNT[0]}),
        (None, "2026-12-01", {AMOUNT[0]}),
        ("150", "2026-11-23", {DUE[0]}),
        ("150", None, {DUE[0]}),
        ("-5", "2020-01-01", {AMOUNT[0], DUE[0]}),
    ],
)
def test_read_promise_bad_fields_each_named_by_block(amount: str | None, day: str | None, fields: set[str]) -> None:
    # Given a promise with a bad amount, a day in the past, or a missing day
    view = submitted(promise_modal(REF), promise_state(amount, day))

    # When it is read
    with pytest.raises(SubmissionError) as caught:
        read_promise(view, TODAY)

    # Then every bad field, and only those, gets a message that starts with a capital
    assert set(caught.value.errors) == fields
    assert all(message[:1].isupper() for message in caught.value.errors.values())


def test_read_promise_bad_amount_message_quotes_the_amount() -> None:
    view = submitted(promise_modal(REF), promise_state("lots", "2026-12-01"))
    with pytest.raises(SubmissionError) as caught:
        read_promise(view, TODAY)
    assert caught.value.errors == {AMOUNT[0]: "Amount 'lots' is not a number (write it like 150.00)"}
