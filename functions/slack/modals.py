"""Modals to log a call and record a promise: pure builders, and pure readers of what a collector submitted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from functions.slack.blocks import MAX_ID, context
from functions.slack.commands import CALL_OUTCOMES, check_promise_day, parse_amount, parse_day
from shared.domain.errors import InvalidInputError

View = dict[str, Any]
T = TypeVar("T")
LOG_CALL_VIEW = "arrears_log_call_modal"
PROMISE_VIEW = "arrears_promise_modal"
MAX_BLOCKS = 100
MAX_METADATA = 3000
MAX_TITLE = 24  # title, submit and close texts
MAX_NOTE = 2000
OUTCOME = ("outcome", "outcome_select")  # (block_id, action_id) of each input
NOTE = ("note", "note_input")
AMOUNT = ("amount", "amount_input")
DUE = ("due", "due_date")


@dataclass(frozen=True)
class CallEntry:
    ref: str
    outcome: str  # a key of CALL_OUTCOMES, the word `/collect log` takes
    note: str


@dataclass(frozen=True)
class PromiseEntry:
    ref: str
    amount_text: str
    due: date


class SubmissionError(InvalidInputError):
    """Bad fields of a submitted modal, by block id: what `response_action: errors` shows beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _plain(text: str, limit: int = MAX_TITLE) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def _input(ids: tuple[str, str], label: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    block_id, action_id = ids
    return {
        "type": "input",
        "block_id": block_id[:MAX_ID],
        "label": _plain(label, 2000),
        "optional": optional,
        "element": element | {"action_id": action_id[:MAX_ID]},
    }


def check_ref(ref: str) -> str:
    """An account ref fit to travel in a button value and a modal's private_metadata."""
    if not ref.strip() or len(ref) > MAX_METADATA:
        raise InvalidInputError("This button does not name an account; open the account again and retry.")
    return ref


def _modal(callback_id: str, title: str, ref: str, blocks: list[dict[str, Any]]) -> View:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "private_metadata": check_ref(ref),
        "blocks": [context(f"Account `{ref}`"), *blocks][:MAX_BLOCKS],
    }


def outcome_options() -> list[dict[str, Any]]:
    """One option a call outcome: the value is the word `/collect log … call <outcome>` takes."""
    return [{"text": _plain(word.replace("-", " ").capitalize(), 75), "value": word} for word in CALL_OUTCOMES]


def log_call_modal(ref: str) -> View:
    """Outcome (required) and a note (optional) for a call with the account `ref`."""
    select = {"type": "static_select", "placeholder": _plain("How did it go?", 150), "options": outcome_options()}
    note = {"type": "plain_text_input", "multiline": True, "max_length": MAX_NOTE}
    return _modal(
        LOG_CALL_VIEW, "Log call", ref, [_input(OUTCOME, "Outcome", select), _input(NOTE, "Note", note, True)]
    )


def promise_modal(ref: str) -> View:
    """Amount (in the account's currency) and the day the debtor promised to pay by."""
    amount = {"type": "plain_text_input", "placeholder": _plain("150.00", 150), "max_length": 20}
    day = {"type": "datepicker", "placeholder": _plain("Pay by", 150)}
    return _modal(PROMISE_VIEW, "Promise to pay", ref, [_input(AMOUNT, "Amount", amount), _input(DUE, "Pay by", day)])


def _state(view: View, ids: tuple[str, str]) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    found = (values.get(ids[0]) or {}).get(ids[1])
    return found if isinstance(found, dict) else {}


def _metadata_ref(view: View, first_field: str) -> str:
    try:
        return check_ref(str(view.get("private_metadata") or ""))
    except InvalidInputError as exc:
        raise SubmissionError({first_field: str(exc)}) from exc


def read_log_call(view: View) -> CallEntry:
    """The submitted call; SubmissionError names each bad field."""
    ref = _metadata_ref(view, OUTCOME[0])
    outcome = str((_state(view, OUTCOME).get("selected_option") or {}).get("value") or "")
    if outcome not in CALL_OUTCOMES:
        raise SubmissionError({OUTCOME[0]: "Pick how the call went."})
    note = str(_state(view, NOTE).get("value") or "").strip()
    return CallEntry(ref, outcome, note[:MAX_NOTE])


def _checked(errors: dict[str, str], block_id: str, check: Callable[[], T]) -> T | None:
    """The checked value, or None with the error's message noted beside the field."""
    try:
        return check()
    except InvalidInputError as exc:
        message = str(exc)
        errors[block_id] = message[:1].upper() + message[1:]
        return None


def _pay_by(day_text: str, today: date) -> date:
    if not day_text:
        raise InvalidInputError("pick the day the debtor will pay by")
    return check_promise_day(parse_day(day_text), today)


def read_promise(view: View, today: date) -> PromiseEntry:
    """The submitted promise: an amount as `/collect promise` takes it, a day not before `today`."""
    ref = _metadata_ref(view, AMOUNT[0])
    amount_text = str(_state(view, AMOUNT).get("value") or "").strip()
    errors: dict[str, str] = {}
    _checked(errors, AMOUNT[0], lambda: parse_amount(amount_text))
    due = _checked(errors, DUE[0], lambda: _pay_by(str(_state(view, DUE).get("selected_date") or ""), today))
    if errors or due is None:
        raise SubmissionError(errors)
    return PromiseEntry(ref, amount_text, due)
