"""An unknown layout on the local stack: asked about in the ops channel, confirmed in the signed modal, imported."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.slack import mapping_form
from local.events import interactive_body
from local.runner import LocalRunner
from local.slack_recorder import RecordedCall, SlackRecorder
from shared.db import accounts as account_repo
from shared.domain.accounts import account_key
from tests.integration.functions.test_slack_interactive import click, submission

pytestmark = pytest.mark.e2e
# No built-in layout; its dates could be day- or month-first and it names no currency.
UNSURE = (
    "Kunde,Rechnung,Datum,Fällig am,Offen\n"
    'Müller GmbH,R-100,03/04/2026,05/06/2026,"1,250.00"\n'
    "Schmidt AG,R-101,04/04/2026,06/06/2026,99.90\n"
).encode()


def _selected(view: dict[str, Any]) -> dict[str, Any]:
    """The inputs' state as Slack sends it: what the form was prefilled with."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element") or {}
        if block.get("type") == "input" and element.get("initial_option"):
            values[block["block_id"]] = {element["action_id"]: {"selected_option": element["initial_option"]}}
        elif block.get("type") == "input" and "initial_value" in element:
            values[block["block_id"]] = {element["action_id"]: {"value": element["initial_value"]}}
    return values


def review_and_confirm(
    runner: LocalRunner, recorder: SlackRecorder, asked: RecordedCall, user: str, order: str, currency: str
) -> dict[str, Any]:
    """Click "Review mapping" on the ask, keep the proposal, set the date order and currency, and submit."""
    pressed = click(asked, mapping_form.ACTION_REVIEW, recorder.response_url())
    pressed["user"] = pressed["user"] | {"id": user}
    before = len([c for c in recorder.calls if c.method == "views.open"])
    runner.signed_slack_request(interactive_body(pressed))
    runner.wait_idle()
    opened = [c for c in recorder.calls if c.method == "views.open"][before]
    view = json.loads(opened.params["view"]) if isinstance(opened.params["view"], str) else opened.params["view"]
    values = _selected(view)
    values[mapping_form.ORDER[0]] = {mapping_form.ORDER[1]: {"selected_option": {"value": order}}}
    values[mapping_form.CURRENCY[0]] = {mapping_form.CURRENCY[1]: {"value": currency}}
    submitted = submission(view, values)
    submitted["user"] = submitted["user"] | {"id": user}
    answer = runner.signed_slack_request(interactive_body(submitted))
    runner.wait_idle()
    return answer


def asked_message(recorder: SlackRecorder) -> RecordedCall:
    asked: RecordedCall = recorder.wait_for(lambda c: "waits in" in str(c.params.get("text")))
    blocks = asked.params["blocks"]
    asked.params["blocks"] = json.loads(blocks) if isinstance(blocks, str) else blocks
    return asked


def test_unknown_layout_is_asked_confirmed_in_the_modal_and_imported(runner: LocalRunner, recorder: SlackRecorder):
    # Given a file in a layout Arrears cannot read for certain, dropped in the bucket
    assert runner.put_object("incoming/kunden.csv", UNSURE)[0]["results"] == {"incoming/kunden.csv": "pending"}
    # Then the ops channel is asked, with the file's columns and a button (the notify function posted it)
    asked = asked_message(recorder)
    # When the collector reviews it (signed clicks and submission) choosing day-first dates and euros
    answer = review_and_confirm(runner, recorder, asked, "U-ANA", "DMY", "EUR")
    assert answer["statusCode"] == 200 and not answer.get("body")  # the ack closed the form
    shown = json.dumps(recorder.wait_for(lambda c: c.method == "views.update").params)
    assert "Preview of the first rows" in shown and "R-100" in shown  # the lazy work filled in the preview
    # Then the mapping is saved; its upload (S3 notifies the intake) releases the waiting file, which imports
    checked = runner.notify_object("mappings/kunden.yaml")[0]
    assert checked["results"] == {"mappings/kunden.yaml": "mapping-valid"}
    imported = runner.notify_object("incoming/kunden/kunden.csv")
    assert imported[0]["results"] == {"incoming/kunden/kunden.csv": "imported"}
    stored = account_repo.get_account(account_key("default", "Müller GmbH"))
    assert stored is not None
    invoice = stored.invoices[0]
    assert (invoice.balance.minor, invoice.balance.currency, invoice.due_date.isoformat()) == (
        125000,
        "EUR",
        "2026-06-05",
    )
    # And a later file with the same header imports at once, without asking
    later = runner.put_object("incoming/kunden-2.csv", UNSURE.replace(b"R-101", b"R-102"))
    assert later[0]["results"] == {"incoming/kunden-2.csv": "imported"}
