"""A cadence's later letter step (moto): a dunning letter PDF for the print-and-mail vendor, in the day's manifest,
recorded as a contact on its mail date, made once however the run repeats or dies; and a step's channels tried in
the order the creditor's policy lists them."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from pypdf import PdfReader

from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import creditors as creditor_repo
from tests.factories import account
from tests.integration.functions.test_letters import LETTERS, MONDAY, _objects, _run, run_dying_before_settling

FRIDAY_LATE = datetime(2026, 11, 20, 21, 30, tzinfo=UTC)  # 15:30 in Chicago, after the mail vendor's 16:00 ET cut-off
NOTICED = {  # the validation notice went by letter in October: the cadence's later steps may follow
    "initial_communication_at": "2026-10-02T17:00:00Z",
    "validation_notices": {"INV-C-1001": {"sent_at": "2026-10-02T17:00:00Z", "channel": "letter",
                                          "period_end": "2026-11-13"}},
}  # fmt: skip


def _letter_step_due(channel: Any = ("letter", "email"), template: str = "final", **extra: Any) -> Any:
    """A third-party consumer debt 53 days past due whose cadence's second step, at 45 days, is due: by default a
    letter, else email."""
    cadence = [{"offset_days": 1, "channel": "email", "template": "friendly"},
               {"offset_days": 45, "channel": list(channel) if isinstance(channel, tuple) else channel,
                "template": template}]  # fmt: skip
    creditor_repo.put_policy("acme", {"collections": {"letters": LETTERS, "cadence": cadence,
                                                      "payment": {"link": "https://pay.example.com/{account_id}"}}},
                             "test", MONDAY)  # fmt: skip
    due_at = FRIDAY_LATE - timedelta(hours=1)
    debt = account(due=date(2026, 10, 1), collector_role="third_party", next_action_at=due_at)
    debt = replace(debt, flags=NOTICED, dunning_step=1, last_contact_at=due_at - timedelta(days=30), **extra)
    account_repo.put_new_accounts([debt])
    return debt


def _emails() -> list[str]:
    return [
        to for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages for to in m.destinations["ToAddresses"]
    ]


def test_a_letter_step_puts_a_dunning_letter_in_the_days_manifest_once(load_handler):
    handler = load_handler("functions.reminders.handler")
    debt = _letter_step_due()
    # When the step comes due on a Friday after the vendor's cut-off, and the run is delivered again
    first, again = _run(handler, FRIDAY_LATE), _run(handler, FRIDAY_LATE)
    # Then one letter is for the mail and no email goes (the letter is the step's first channel)
    assert first["outcomes"] == {"mailed": 1} and again["outcomes"] == {}
    assert _emails() == []
    stored = _objects("letters/2026-11-23/")
    (pdf,) = [key for key in stored if key.endswith(".pdf")]
    manifest = stored["letters/2026-11-23/manifest.csv"].decode().splitlines()
    assert len(manifest) == 2 and pdf in manifest[1]
    assert manifest[1].startswith("Debtor C-1001,1 Main St,,Dallas,TX,75201,US,")
    assert manifest[1].endswith(",C-1001,dunning,en,2026-11-23,INV-C-1001")
    # And the PDF is the step's letter: the debt collector's disclosure, what is owed and how late, how to pay
    text = " ".join(PdfReader(io.BytesIO(stored[pdf])).pages[0].extract_text().split())
    for printed in [
        "Final reminder: your account is still unpaid",
        "Northwind Recovery LLC is a debt collector",
        "INV-C-1001 October 1, 2026 53 $1,250.00",
        "Pay online at https://pay.example.com/C-1001.",
    ]:
        assert printed in text, printed
    # And the account moved past the step, the letter counted sent at noon of its mail date (Monday) in the debtor's
    # zone, and a contact in its history as the engine read it
    kept = account_repo.get_account(debt.key)
    assert kept.dunning_step == 2 and kept.last_contact_at == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    assert kept.flags["initial_communication_at"] == NOTICED["initial_communication_at"]
    assert kept.flags["validation_notices"] == NOTICED["validation_notices"]  # a dunning letter is no notice
    contact = next(a for a in activity_repo.query_activity(debt.key) if a.kind == "contact")
    assert (contact.channel, contact.outcome, contact.summary) == ("letter", "sent", "final letter by letter")
    assert contact.data["purpose"] == "collection" and contact.debt_ids == ("INV-C-1001",)


def test_without_a_postal_address_the_letter_step_falls_back_to_email(load_handler):
    handler = load_handler("functions.reminders.handler")
    _letter_step_due(address=None)
    assert _run(handler, MONDAY)["outcomes"] == {"sent": 1}
    assert _emails() == ["c-1001@example.com"] and _objects() == {}


def test_a_letter_the_rules_refuse_falls_back_to_email_and_the_refusal_is_kept(load_handler):
    # Given a debtor who asked in writing not to be written to by letter
    handler = load_handler("functions.reminders.handler")
    no_letters = {"channel": "letter", "requested_at": "2026-11-02T15:00:00Z", "written": True}
    debt = _letter_step_due(preferences={"no_contact_channels": [no_letters]})
    # When the letter step comes due
    assert _run(handler, MONDAY)["outcomes"] == {"sent": 1}
    # Then no letter is made: the step's next channel, email, carries it, and the letter's refusal is in the history
    assert _emails() == ["c-1001@example.com"] and _objects() == {}
    decisions = [a for a in activity_repo.query_activity(debt.key) if a.kind == "compliance"]
    assert sorted((d.channel, d.data["decision"]) for d in decisions) == [("email", "ALLOW"), ("letter", "BLOCK")]


def test_a_dunning_letter_stored_before_the_run_died_is_confirmed_not_made_again(load_handler, monkeypatch):
    handler = load_handler("functions.reminders.handler")
    debt = _letter_step_due()
    run_dying_before_settling(handler, MONDAY, monkeypatch)
    # When the next run comes, a minute later
    report = _run(handler, MONDAY + timedelta(minutes=1))
    # Then it finds the stored letter, settles it as sent and moves the account on: one PDF, listed once
    assert report["outcomes"] == {"confirmed": 1}
    stored = _objects()
    assert len([k for k in stored if k.endswith(".pdf")]) == 1
    assert len(stored["letters/2026-11-23/manifest.csv"].decode().splitlines()) == 2
    assert account_repo.get_account(debt.key).dunning_step == 2 and _emails() == []


@pytest.mark.parametrize(("channel", "outcome", "emails"), [
    ("sms", {"sent": 1}, ["c-1001@example.com"]),  # a text alone falls back to email, as it always has
    (("sms",), {"blocked": 1}, []),  # the list says text only: the step stops for a collector's review
])  # fmt: skip
def test_a_step_goes_only_on_the_channels_its_policy_lists(load_handler, channel, outcome, emails):
    # Given the account's only number may not be texted (no consent to automated texts)
    handler = load_handler("functions.reminders.handler")
    (number,) = account().phones
    debt = _letter_step_due(channel, "nudge", phones=(number | {"tcpa_consent": None},))
    assert _run(handler, MONDAY)["outcomes"] == outcome
    assert _emails() == emails
    if not emails:
        assert account_repo.get_account(debt.key).automation == "review"
