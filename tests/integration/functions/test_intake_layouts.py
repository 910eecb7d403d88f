"""A file no layout reads for certain waits in pending/; a confirmed mapping imports it and its later twins."""

from __future__ import annotations

import json
from typing import Any

import boto3

from functions.slack import mapping_form
from local.slack_recorder import SlackRecorder
from shared.db import accounts as account_repo
from shared.domain.accounts import account_key
from tests.factories import BUCKET
from tests.integration.functions.test_intake import intake, keys_under, put, read, run

__all__ = ["intake"]  # the fixture, imported for the tests below

# A layout no built-in profile knows, with day/month dates that no row proves either way and no currency.
UNSURE = (
    "Kunde,Rechnung,Datum,Fällig am,Offen\n"
    'Müller GmbH,R-100,03/04/2026,05/06/2026,"1,250.00"\n'
    "Schmidt AG,R-101,04/04/2026,06/06/2026,99.90\n"
).encode()


def _button_value(recorder: SlackRecorder) -> str:
    posted = [c for c in recorder.calls if c.method == "chat.postMessage" and "waits in" in str(c.params.get("text"))]
    blocks = posted[-1].params["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return str(blocks[1]["elements"][0]["value"])


def _confirm(value: str, user: str = "U1", order: str = "DMY", currency: str = "EUR") -> tuple[str, str]:
    """What a person does in the form: keep the proposed columns, choose the date order and the currency."""
    view = mapping_form.mapping_modal(value, user)
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element") or {}
        if block.get("type") != "input":
            continue
        chosen = element.get("initial_option") or (
            {"value": element["initial_value"]} if "initial_value" in element else None
        )
        if chosen:
            values[block["block_id"]] = {element["action_id"]: {"selected_option": chosen}}
    values[mapping_form.ORDER[0]] = {mapping_form.ORDER[1]: {"selected_option": {"value": order}}}
    values[mapping_form.CURRENCY[0]] = {mapping_form.CURRENCY[1]: {"value": currency}}
    name, text, _, _ = mapping_form.read_mapping(view | {"state": {"values": values}})
    return name, text


def test_unsure_layout_waits_then_confirmed_mapping_imports_it_and_later_twins(intake, recorder):
    # Given a file whose dates could be day- or month-first and that names no currency
    result = run(intake, put("incoming/kunden.csv", UNSURE))
    # Then it is not refused: it waits in pending/ with its proposal, and the ops channel is asked with a button
    assert result == {"incoming/kunden.csv": "pending"}
    assert keys_under("pending/") == ["pending/kunden.csv", "pending/kunden.csv.proposal.json"]
    asked = recorder.wait_for(lambda c: "waits in" in str(c.params.get("text")))
    text = str(asked.params["text"])
    assert "day-first and month-first both fit" in text and "choose the currency" in text
    assert "Müller" not in text  # column names only: no row's values in the channel
    proposal = json.loads(read("pending/kunden.csv.proposal.json"))
    cells = proposal["c"]
    assert {name: cells[i] for name, i in proposal["m"].items()} == {
        "debtor_name": "Kunde", "invoice": "Rechnung", "invoice_date": "Datum", "due_date": "Fällig am",
        "balance": "Offen",
    }  # fmt: skip
    # When someone confirms it (day first, euros) and the form saves the mapping
    name, text = _confirm(_button_value(recorder))
    assert name == "kunden"
    confirmed = run(intake, put(f"mappings/{name}.yaml", text.encode()))
    # Then the mapping is said valid, the waiting file is moved to its folder, and that import reads it right
    assert confirmed == {"mappings/kunden.yaml": "mapping-valid"}
    assert keys_under("pending/") == []
    moved = "incoming/kunden/kunden.csv"
    assert run(intake, put(moved, read(moved).encode())) == {moved: "imported"}
    stored = account_repo.get_account(account_key("acme", "Müller GmbH"))
    assert stored is not None
    invoice = stored.invoices[0]
    assert (invoice.number, invoice.balance.minor, invoice.balance.currency) == ("R-100", 125000, "EUR")
    assert invoice.due_date.isoformat() == "2026-06-05"
    # And a later file with the same header, dropped anywhere in incoming/, imports at once with the mapping
    later = UNSURE.replace(b"R-101", b"R-102")
    assert run(intake, put("incoming/kunden-dezember.csv", later)) == {"incoming/kunden-dezember.csv": "imported"}
    again = account_repo.get_account(account_key("acme", "Schmidt AG"))
    assert again is not None and {i.number for i in again.invoices} == {"R-101", "R-102"}


def test_uploaded_mapping_is_checked_and_a_bad_key_named(intake, recorder):
    # Given a mapping with a key that is no field
    bad = b"name: erp\ncolumns:\n  invoice: Nr\n  balance: Offen\n  kunde: Kunde\n"
    # When it is uploaded / Then the reply names the key, and nothing uses it
    assert run(intake, put("mappings/erp.yaml", bad)) == {"mappings/erp.yaml": "mapping-rejected"}
    told = recorder.wait_for(lambda c: "erp.yaml" in str(c.params.get("text")))
    assert "'columns.kunde' is not a field" in str(told.params["text"])
    # And a good one is said valid
    good = b"name: erp\ncolumns:\n  invoice: Nr\n  balance: Offen\n  debtor_name: Kunde\ndefault_currency: EUR\n"
    assert run(intake, put("mappings/erp.yaml", good)) == {"mappings/erp.yaml": "mapping-valid"}
    recorder.wait_for(lambda c: "Mapping `erp` is valid" in str(c.params.get("text")))


def test_empty_file_quarantined_with_a_sentence(intake, recorder):
    assert run(intake, put("incoming/empty.csv", b"")) == {"incoming/empty.csv": "quarantined"}
    reason = read("quarantine/empty.csv.reason.txt")
    assert reason == "the file is empty: it has no header and no rows to import\n"
    assert boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="pending/").get("KeyCount") == 0
