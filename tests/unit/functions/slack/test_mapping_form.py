"""A bad mapping-form submission is answered beside the field it names, and nothing is saved."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.slack import mapping_form
from functions.slack.modals import SubmissionError

CELLS = ["Kunde", "Rechnung", "Datum", "Fällig am", "Offen", "Währung"]
PROPOSAL = {"debtor_name": 0, "invoice": 1, "invoice_date": 2, "due_date": 3, "balance": 4, "currency": 5}


def submitted(
    name: str = "kunden", columns: dict[str, int] | None = None, currency: str = "", terms: str = "", order: str = "DMY"
) -> dict[str, Any]:
    """The form as Slack sends it back: the modal opened from the button, with the person's values in its state."""
    value = json.dumps({"f": "pending/kunden.csv", "c": CELLS, "m": PROPOSAL})
    view = mapping_form.mapping_modal(value, "U1")
    chosen = PROPOSAL if columns is None else columns
    values: dict[str, Any] = {
        f"f_{field}": {"column": {"selected_option": {"value": str(index)}}} for field, index in chosen.items()
    }
    values[mapping_form.NAME[0]] = {mapping_form.NAME[1]: {"value": name}}
    values[mapping_form.ORDER[0]] = {mapping_form.ORDER[1]: {"selected_option": {"value": order}}}
    values[mapping_form.CURRENCY[0]] = {mapping_form.CURRENCY[1]: {"value": currency}}
    values[mapping_form.TERMS[0]] = {mapping_form.TERMS[1]: {"value": terms}}
    return view | {"state": {"values": values}}


def test_a_good_submission_makes_the_mapping_it_shows():
    name, text, pending, profile = mapping_form.read_mapping(submitted(terms="30"))
    assert (name, pending) == ("kunden", "pending/kunden.csv")
    assert profile.columns["invoice"][0] == "Rechnung" and profile.date_order == "DMY"
    assert "terms_days: 30" in text


@pytest.mark.parametrize(
    ("form", "block", "says"),
    [
        ({"name": "Kunden Liste!"}, mapping_form.NAME[0], "lower-case letters, digits, - and _"),
        ({"name": ""}, mapping_form.NAME[0], "lower-case letters"),
        ({"terms": "30d"}, mapping_form.TERMS[0], "Days after the invoice date, such as 30."),
        ({"currency": "EU1"}, mapping_form.CURRENCY[0], "EU1"),
        # no column chosen for the invoice number: the mapping could not read a single row
        ({"columns": {k: v for k, v in PROPOSAL.items() if k != "invoice"}}, "f_invoice", "invoice"),
    ],
)
def test_a_bad_submission_names_the_field_beside_which_slack_shows_it(form, block, says):
    with pytest.raises(SubmissionError) as raised:
        mapping_form.read_mapping(submitted(**form))
    assert list(raised.value.errors) == [block]
    assert says in raised.value.errors[block]


def test_a_form_that_lost_its_file_says_so():
    view = submitted() | {"private_metadata": "{not json"}
    with pytest.raises(SubmissionError, match="lost its file"):
        mapping_form.read_mapping(view)
