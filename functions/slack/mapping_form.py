"""The mapping form (pure): a file's columns with one select a field, prefilled with the proposal, and the
mapping YAML a submission makes. Opened from the "Review mapping" button of a file that waits in pending/."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from itertools import islice
from typing import TYPE_CHECKING, Any

from functions.slack.modals import SubmissionError, View, input_block, plain_text
from shared.domain.errors import InvalidInputError
from shared.domain.money import Money
from shared.domain.mrkdwn import escape
from shared.domain.notices import MAPPING_REVIEW

if TYPE_CHECKING:
    from shared.domain.receivables import Profile

MAPPING_VIEW = "arrears_mapping_modal"
ACTION_REVIEW = MAPPING_REVIEW
NAME = ("name", "name_input")
ORDER = ("date_order", "date_order_select")
CURRENCY = ("default_currency", "currency_input")
TERMS = ("terms_days", "terms_input")
PREVIEW_BLOCK = "preview"
# The fields the form offers, in the order a person reads them.
FORM_FIELDS = (
    ("account_id", "Customer id"), ("debtor_name", "Customer name"), ("invoice", "Invoice number"),
    ("invoice_date", "Invoice date"), ("due_date", "Due date"), ("balance", "Open balance"),
    ("total", "Invoice total"), ("amount_paid", "Amount paid"), ("line_amount", "Line amount"),
    ("debit", "Debit"), ("credit", "Credit"), ("currency", "Currency"), ("status", "Status"),
    ("txn_type", "Document type"), ("deleted", "Deleted flag"), ("email", "Email"), ("phone", "Phone"),
    ("terms", "Payment terms"),
)  # fmt: skip
NONE = "-"
MAX_OPTIONS = 100  # Slack's limit on a select's options
PREVIEW_ROWS = 5
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def external_id(pending_key: str, user: str) -> str:
    """The open form's id, so the preview can be filled in by the lazy listener."""
    return "mapping-" + hashlib.sha256(f"{pending_key}\n{user}".encode()).hexdigest()[:32]


def _data(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InvalidInputError("This button does not carry a file's columns; ask for the file again.") from exc
    if not isinstance(data, dict) or not data.get("f") or not isinstance(data.get("c"), list):
        raise InvalidInputError("This button does not carry a file's columns; ask for the file again.")
    return data


def suggested_name(pending_key: str) -> str:
    stem = pending_key.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    return re.sub(r"[^a-z0-9_-]+", "-", stem).strip("-")[:63] or "mapping"


def mapping_modal(value: str, user: str) -> View:
    """The form for the button's proposal: a name, one select a field, the date order and the currency."""
    data = _data(value)
    cells: list[str] = data["c"]
    options = [{"text": plain_text("(not in this file)", 75), "value": NONE}]
    options += [{"text": plain_text(cell or f"(column {i + 1})", 75), "value": str(i)} for i, cell in enumerate(cells)]
    options = options[:MAX_OPTIONS]
    blocks: list[dict[str, Any]] = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"File `{escape(data['f'])}`"}]},
        input_block(
            NAME,
            "Mapping name",
            {"type": "plain_text_input", "max_length": 63, "initial_value": suggested_name(data["f"])},
        ),
    ]
    mapped: dict[str, int] = data.get("m") or {}
    for name, label in FORM_FIELDS:
        select: dict[str, Any] = {"type": "static_select", "options": options}
        index = mapped.get(name)
        if index is not None and index + 1 < len(options):
            select["initial_option"] = options[index + 1]
        blocks.append(input_block((f"f_{name}", "column"), label, select, optional=True))
    orders = [{"text": plain_text(text, 75), "value": code} for code, text in
              (("MDY", "Month first (07/31/2026)"), ("DMY", "Day first (31/07/2026)"),
               ("YMD", "Year first (2026-07-31)"))]  # fmt: skip
    order: dict[str, Any] = {"type": "static_select", "options": orders}
    chosen = next((o for o in orders if o["value"] == data.get("o")), None)
    if chosen:
        order["initial_option"] = chosen
    blocks.append(input_block(ORDER, "Date order", order, optional=True))
    currency: dict[str, Any] = {"type": "plain_text_input", "max_length": 3,
                                "placeholder": plain_text("USD (when no column names it)", 150)}  # fmt: skip
    if data.get("u"):
        currency["initial_value"] = data["u"]
    blocks.append(input_block(CURRENCY, "Currency", currency, optional=True))
    terms = {"type": "plain_text_input", "max_length": 4, "placeholder": plain_text("30 (when no due date)", 150)}
    blocks.append(input_block(TERMS, "Payment terms in days", terms, optional=True))
    blocks.append({"type": "section", "block_id": PREVIEW_BLOCK,
                   "text": {"type": "mrkdwn", "text": "_Reading the first rows for a preview…_"}})  # fmt: skip
    metadata = json.dumps({"f": data["f"], "c": cells, "g": bool(data.get("g"))}, separators=(",", ":"))
    return {
        "type": "modal", "callback_id": MAPPING_VIEW, "external_id": external_id(data["f"], user),
        "title": plain_text("Confirm mapping"), "submit": plain_text("Save and import"), "close": plain_text("Cancel"),
        "private_metadata": metadata[:3000], "blocks": blocks,
    }  # fmt: skip


def pending_key(view: View) -> str:
    try:
        return str(json.loads(str(view.get("private_metadata") or "{}")).get("f") or "")
    except json.JSONDecodeError:
        return ""


def _selected(view: View, block: str, action: str) -> str:
    values = ((view.get("state") or {}).get("values") or {}).get(block) or {}
    element = values.get(action) or {}
    option = element.get("selected_option") or {}
    return str(option.get("value") or element.get("value") or "").strip()


def read_mapping(view: View) -> tuple[str, str, str, Profile]:
    """(mapping name, its YAML, the waiting file, the profile it reads as); SubmissionError names the bad field."""
    from shared.domain.receivables.profiles import dump_mapping, load_mapping  # the parser is no part of the ack path

    try:
        meta = json.loads(str(view.get("private_metadata") or "{}"))
    except json.JSONDecodeError as exc:
        raise SubmissionError({NAME[0]: "This form lost its file; open it again from the message."}) from exc
    cells: list[str] = meta.get("c") or []
    name = _selected(view, *NAME).lower()
    if not _NAME.match(name):
        raise SubmissionError({NAME[0]: "Use lower-case letters, digits, - and _ (up to 63)."})
    columns: dict[str, str] = {}
    for field, _ in FORM_FIELDS:
        chosen = _selected(view, f"f_{field}", "column")
        if chosen and chosen != NONE and chosen.isdigit() and int(chosen) < len(cells):
            columns[field] = cells[int(chosen)]
    mapping: dict[str, Any] = {"name": name, "columns": columns, "header": cells, **_options(view)}
    if meta.get("g"):
        mapping["customer_from_group"] = True
    try:
        profile = load_mapping(json.dumps(mapping), "json")
    except InvalidInputError as exc:
        raise SubmissionError({_block_for(str(exc)): str(exc)}) from exc
    return name, dump_mapping(profile, cells), str(meta.get("f") or ""), profile


def _options(view: View) -> dict[str, Any]:
    """The date order, currency and terms the form sets (each only when given)."""
    options: dict[str, Any] = {}
    order, currency, terms = _selected(view, *ORDER), _selected(view, *CURRENCY).upper(), _selected(view, *TERMS)
    if order:
        options["date_order"] = order
    if currency:
        options["default_currency"] = currency
    if terms:
        if not terms.isdigit():
            raise SubmissionError({TERMS[0]: "Days after the invoice date, such as 30."})
        options["terms_days"] = int(terms)
    return options


def _block_for(message: str) -> str:
    for field, _ in FORM_FIELDS:
        if f"'{field}'" in message:
            return f"f_{field}"
    if "terms_days" in message:
        return TERMS[0]
    return CURRENCY[0] if "currency" in message else NAME[0]


def preview_text(lines: Iterable[bytes], profile: Profile) -> str:
    """The first rows as they would import under the form's proposal, or why they would not."""
    from shared.domain.receivables import ReceivableRow, ReceivablesParser

    try:
        results = list(islice(ReceivablesParser(profile).parse(lines), 20))
    except InvalidInputError as exc:
        return f":warning: With this mapping the file would not import: {escape(str(exc))}"
    shown = []
    for result in results:
        if isinstance(result, ReceivableRow):
            if result.settled:
                shown.append(f"line {result.line}: `{escape(result.invoice)}` skipped ({escape(result.settled)})")
            else:
                amount = Money(result.balance.minor, result.balance.currency).format()
                shown.append(f"line {result.line}: {escape(result.debtor)} · `{escape(result.invoice)}` · "
                             f"{amount} · due {result.due_date}")  # fmt: skip
        else:
            raw = result.raw.strip()[:150]
            shown.append(f"line {result.line}: `{escape(raw)}` would be rejected: {escape(result.reason)}")
        if len(shown) == PREVIEW_ROWS:
            break
    return "*Preview of the first rows as proposed:*\n" + ("\n".join(shown) or "no data rows")
