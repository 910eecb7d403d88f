"""Modals to log a call, record a promise and set up a plan: pure builders, and pure readers of what was submitted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from functions.slack.blocks import MAX_ID, context
from functions.slack.commands import PlanTerms, check_promise_day, parse_amount, parse_count, parse_day
from shared.domain.errors import InvalidInputError
from shared.domain.holds import HOLDS
from shared.domain.mrkdwn import escape
from shared.domain.outcomes import OUTCOMES
from shared.domain.plans import FREQUENCIES, MAX_INSTALLMENTS, MIN_INSTALLMENTS

View = dict[str, Any]
T = TypeVar("T")
LOG_CALL_VIEW = "arrears_log_call_modal"
PROMISE_VIEW = "arrears_promise_modal"
PLAN_VIEW = "arrears_plan_modal"
MAX_BLOCKS = 100
MAX_METADATA = 3000
MAX_TITLE = 24  # title, submit and close texts
MAX_NOTE = 2000
OUTCOME = ("outcome", "outcome_select")  # (block_id, action_id) of each input
NOTE = ("note", "note_input")
AMOUNT = ("amount", "amount_input")
DUE = ("due", "due_date")
TOTAL = ("total", "total_input")
COUNT = ("count", "count_input")
FIRST = ("first", "first_date")
EVERY = ("every", "every_select")


@dataclass(frozen=True)
class CallEntry:
    ref: str
    outcome: str  # a key of OUTCOMES, the word `/collect log` takes
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


def plain_text(text: str, limit: int = MAX_TITLE) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def input_block(ids: tuple[str, str], label: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    block_id, action_id = ids
    return {
        "type": "input",
        "block_id": block_id[:MAX_ID],
        "label": plain_text(label, 2000),
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
        "title": plain_text(title),
        "submit": plain_text("Save"),
        "close": plain_text("Cancel"),
        "private_metadata": check_ref(ref),
        "blocks": [context(f"Account `{escape(ref)}`"), *blocks][:MAX_BLOCKS],
    }


def outcome_options() -> list[dict[str, Any]]:
    """One option a call outcome: the value is the word `/collect log … call <outcome>` takes."""
    return [{"text": plain_text(word.replace("-", " ").capitalize(), 75), "value": word} for word in OUTCOMES]


def log_call_modal(ref: str) -> View:
    """Outcome (required) and a note (optional) for a call with the account `ref`."""
    select = {"type": "static_select", "placeholder": plain_text("How did it go?", 150), "options": outcome_options()}
    note = {"type": "plain_text_input", "multiline": True, "max_length": MAX_NOTE}
    return _modal(
        LOG_CALL_VIEW, "Log call", ref, [input_block(OUTCOME, "Outcome", select), input_block(NOTE, "Note", note, True)]
    )


def promise_modal(ref: str) -> View:
    """Amount (in the account's currency) and the day the debtor promised to pay by."""
    amount = {"type": "plain_text_input", "placeholder": plain_text("150.00", 150), "max_length": 20}
    day = {"type": "datepicker", "placeholder": plain_text("Pay by", 150)}
    return _modal(
        PROMISE_VIEW, "Promise to pay", ref, [input_block(AMOUNT, "Amount", amount), input_block(DUE, "Pay by", day)]
    )


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
    if outcome not in OUTCOMES:
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


def _frequency_option(every: str) -> dict[str, Any]:
    return {"text": plain_text(every.capitalize(), 75), "value": every}


def plan_modal(ref: str) -> View:
    """Total (in the account's currency), number of installments, first due day and how often (monthly by default)."""
    total = {"type": "plain_text_input", "placeholder": plain_text("1200.00", 150), "max_length": 20}
    count = {
        "type": "number_input",
        "is_decimal_allowed": False,
        "min_value": str(MIN_INSTALLMENTS),
        "max_value": str(MAX_INSTALLMENTS),
    }
    first = {"type": "datepicker", "placeholder": plain_text("First installment due", 150)}
    every = {
        "type": "static_select",
        "options": [_frequency_option(f) for f in FREQUENCIES],
        "initial_option": _frequency_option("monthly"),
    }
    fields = [
        input_block(TOTAL, "Total", total),
        input_block(COUNT, "Installments", count),
        input_block(FIRST, "First due", first),
        input_block(EVERY, "Every", every),
    ]
    return _modal(PLAN_VIEW, "Payment plan", ref, fields)


def _first_due(day_text: str, today: date) -> date:
    if not day_text:
        raise InvalidInputError("pick the day the first installment is due")
    day = parse_day(day_text)
    if day < today:
        raise InvalidInputError(f"first installment date {day} is in the past")
    return day


def _every(value: str) -> str:
    if value not in FREQUENCIES:
        raise InvalidInputError(f"pick one of {', '.join(FREQUENCIES)}")
    return value


def read_plan(view: View, today: date) -> PlanTerms:
    """The submitted plan, as `/collect plan` takes it; SubmissionError names each bad field."""
    ref = _metadata_ref(view, TOTAL[0])
    total_text = str(_state(view, TOTAL).get("value") or "").strip()
    errors: dict[str, str] = {}
    _checked(errors, TOTAL[0], lambda: parse_amount(total_text))
    count = _checked(errors, COUNT[0], lambda: parse_count(str(_state(view, COUNT).get("value") or "")))
    first = _checked(errors, FIRST[0], lambda: _first_due(str(_state(view, FIRST).get("selected_date") or ""), today))
    chosen = str((_state(view, EVERY).get("selected_option") or {}).get("value") or "")
    every = _checked(errors, EVERY[0], lambda: _every(chosen))
    if errors or count is None or first is None or every is None:
        raise SubmissionError(errors)
    return PlanTerms(ref, total_text, count, first, every)


RELEASE_VIEW = "arrears_release_modal"
HOLD = ("hold", "hold_select")
REASON = ("reason", "reason_input")


@dataclass(frozen=True)
class ReleaseEntry:
    ref: str
    hold: str
    reason: str


def release_modal(ref: str) -> View:
    """Which hold to lift and why (both required: the release is on the account's record)."""
    options = [{"text": plain_text(hold.capitalize(), 75), "value": hold} for hold in HOLDS]
    select = {"type": "static_select", "placeholder": plain_text("Hold to lift", 150), "options": options}
    reason = {"type": "plain_text_input", "multiline": True, "max_length": MAX_NOTE}
    return _modal(
        RELEASE_VIEW, "Release hold", ref, [input_block(HOLD, "Hold", select), input_block(REASON, "Why", reason)]
    )


def read_release(view: View) -> ReleaseEntry:
    """The submitted release; SubmissionError names each bad field."""
    ref = _metadata_ref(view, HOLD[0])
    hold = str((_state(view, HOLD).get("selected_option") or {}).get("value") or "")
    reason = str(_state(view, REASON).get("value") or "").strip()
    errors = {}
    if hold not in HOLDS:
        errors[HOLD[0]] = "Pick the hold to lift."
    if not reason:
        errors[REASON[0]] = "Say why the hold is lifted (it stays on the account's record)."
    if errors:
        raise SubmissionError(errors)
    return ReleaseEntry(ref, hold, reason[:MAX_NOTE])
