"""build_check: the compliance engine's SCHEMA input from a stored account, and decisions through the pure engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.domain.accounts import Account, Activity, Invoice
from shared.domain.compliance import evaluate
from shared.domain.contact_check import ProposedContact, build_check
from shared.domain.money import Money

PHONE = "+12145550101"
EMAIL = "pat@example.com"
# Wed 2026-06-10 10:00 CDT
AT = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)


def dallas_account(**overrides: Any) -> Account:
    """A Dallas consumer with one open and one paid invoice, a cell phone with consent and an email."""
    fields: dict[str, Any] = {
        "creditor": "acme",
        "account_id": "C-1",
        "debtor": "Pat Doe",
        "invoices": (
            Invoice("INV-1", Money(245050, "USD"), date(2026, 5, 1), date(2026, 4, 1)),
            Invoice("INV-0", Money(0, "USD"), date(2026, 3, 1)),
        ),
        "collector_role": "third_party",
        "timezone": "America/Chicago",
        "address": {"line1": "100 Main St", "city": "Dallas", "state": "TX", "postal_code": "75201"},
        "phones": (
            {
                "number": PHONE,
                "type": "cell",
                "source": "provided_to_creditor",
                "tcpa_consent": {
                    "given_at": "2026-01-01T00:00:00Z",
                    "source": "provided_to_creditor",
                    "revoked_at": None,
                },
                "opted_out_at": None,
                "voicemail_private_verified": False,
                "reassigned_check": None,
            },
        ),
        "emails": (
            {
                "address": EMAIL,
                "work_email": False,
                "source": "provided_to_creditor",
                "opted_out_at": None,
                "written_consent_at": None,
            },
        ),
        "oldest_due": date(2026, 5, 1),
    }
    fields.update(overrides)
    return Account(**fields)


def call(at: datetime = AT) -> ProposedContact:
    return ProposedContact(at=at, channel="call", to=PHONE, automated=False)


def email(at: datetime = AT) -> ProposedContact:
    return ProposedContact(at=at, channel="email", to=EMAIL, automated=True)


def contact(at: datetime, direction: str = "outbound", **data: Any) -> Activity:
    return Activity(
        at=at,
        kind="contact",
        summary="call",
        id=f"A-{at:%d%H%M}",
        channel="call",
        direction=direction,
        outcome="no_answer",
        debt_ids=("INV-1",),
        data=data,
    )


def test_build_check_top_level_keys_and_proposed_shape() -> None:
    # Given a proposed automated email
    # When the engine input is built
    check = build_check(dallas_account(), [], email())

    # Then it has the SCHEMA's four parts and the proposed contact in its shape, as of proposed.at
    assert set(check) == {"account", "history", "proposed", "policy"}
    proposed = check["proposed"]
    assert proposed["at"] == "2026-06-10T15:00:00Z"
    assert (proposed["channel"], proposed["to"], proposed["automated"]) == ("email", EMAIL, True)
    assert proposed["recipient_role"] == "consumer"
    assert proposed["purpose"] == "collection"
    assert proposed["content_flags"]["has_opt_out_notice"] is True
    assert check["policy"] == {}


def test_build_check_proposed_at_other_offset_written_in_utc() -> None:
    # Given a proposed instant expressed in Chicago time
    at = datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo("America/Chicago"))

    # When the engine input is built
    # Then the instant is RFC 3339 UTC with Z, as the SCHEMA requires
    assert build_check(dallas_account(), [], call(at))["proposed"]["at"] == "2026-06-10T15:00:00Z"


def test_build_check_debts_only_open_invoices() -> None:
    # Given one open invoice and one paid invoice
    # When the engine input is built
    check = build_check(dallas_account(), [], call())

    # Then only the open one is a debt, with its balance in currency units and its origin date
    [debt] = check["account"]["debts"]
    assert debt["id"] == "INV-1"
    assert debt["balance"] == pytest.approx(2450.50)
    assert debt["originated_on"] == "2026-04-01"
    assert debt["creditor"] == "acme"
    # And the proposed contact is about the open debts by default
    assert check["proposed"]["debt_ids"] == ["INV-1"]


def test_build_check_named_debt_ids_kept() -> None:
    # Given a contact about one named debt
    proposed = replace(call(), debt_ids=("INV-7",))

    # When the engine input is built
    # Then those ids are used, not every open invoice
    assert build_check(dallas_account(), [], proposed)["proposed"]["debt_ids"] == ["INV-7"]


def test_build_check_history_only_contacts_at_or_before_proposed() -> None:
    # Given contacts before, exactly at and after the proposed instant, and a note and a payment before it
    history = [
        contact(AT - timedelta(days=1)),
        contact(AT),
        contact(AT + timedelta(minutes=1)),
        replace(contact(AT - timedelta(hours=1)), kind="note"),
        replace(contact(AT - timedelta(hours=2)), kind="payment"),
    ]

    # When the engine input is built
    check = build_check(dallas_account(), history, call())

    # Then only the contacts up to and including proposed.at are history
    assert [e["at"] for e in check["history"]] == ["2026-06-09T15:00:00Z", "2026-06-10T15:00:00Z"]


def test_build_check_inbound_event_uses_from_outbound_uses_to() -> None:
    # Given an outbound call to the phone and an inbound call from it
    history = [
        contact(AT - timedelta(days=2), "outbound", to=PHONE, automated=True, decision_id="D-1"),
        contact(AT - timedelta(days=1), "inbound", **{"from": PHONE}),
    ]

    # When the engine input is built
    outbound, inbound = build_check(dallas_account(), history, call())["history"]

    # Then each side names the number in the SCHEMA's key for its direction
    assert outbound["to"] == PHONE
    assert "from" not in outbound
    assert outbound["automated"] is True
    assert outbound["decision_id"] == "D-1"
    assert inbound["from"] == PHONE
    assert "to" not in inbound
    assert inbound["direction"] == "inbound"


def test_build_check_address_carries_timezone_and_jurisdiction() -> None:
    # Given an account whose stored address has no zone key, but the account has one
    # When the engine input is built
    facts = build_check(dallas_account(), [], call())["account"]

    # Then the address carries the IANA zone, and the jurisdiction is its state
    assert facts["address"]["timezone"] == "America/Chicago"
    assert facts["jurisdiction"] == {"state": "TX", "city": None}
    assert facts["id"] == "acme#C-1"
    assert facts["collector_role"] == "third_party"
    assert facts["debtor"] == {"name": "Pat Doe", "natural_person": True}


def test_build_check_address_own_timezone_kept_and_account_not_changed() -> None:
    # Given a stored address that already names its zone
    account = dallas_account(address={"state": "TX", "timezone": "America/Chicago"}, timezone="America/Denver")

    # When the engine input is built
    facts = build_check(account, [], call())["account"]

    # Then the address's own zone is used and the stored account's dict is not modified
    assert facts["address"]["timezone"] == "America/Chicago"
    assert account.address == {"state": "TX", "timezone": "America/Chicago"}


def test_build_check_address_timezone_none_uses_account_zone() -> None:
    # Given an address stored with timezone None while the account's zone is known
    account = dallas_account(address={"line1": "100 Main St", "timezone": None})

    # When the engine input is built
    facts = build_check(account, [], call())["account"]

    # Then the address still carries the zone (SCHEMA §2.1: `timezone` is always present)
    assert facts["address"]["timezone"] == "America/Chicago"


def test_build_check_no_zone_anywhere_address_dropped_state_kept() -> None:
    # Given an address without a zone on an account whose zone is unknown too
    account = dallas_account(address={"line1": "100 Main St", "state": "TX", "timezone": None}, timezone=None)

    # When the engine input is built
    facts = build_check(account, [], call())["account"]

    # Then no zone-less address reaches the engine (it falls back to phone and candidate zones) but the state counts
    assert facts["address"] is None
    assert facts["jurisdiction"]["state"] == "TX"


def test_evaluate_build_check_zone_only_on_account_still_deferred_at_night() -> None:
    # Given a Puerto Rico debtor (UTC-4, outside the default candidate zones) whose stored address lost its zone
    account = dallas_account(
        address={"line1": "1 Calle Sol", "timezone": None}, timezone="America/Puerto_Rico", phones=()
    )

    # When an email is checked at 21:30 local (20:30 in New York, inside every US candidate window)
    decision = evaluate(build_check(account, [], email(datetime(2026, 1, 15, 1, 30, tzinfo=UTC))))

    # Then the debtor's own zone applies and the email waits until 08:00 local
    assert decision.decision == "DEFER"
    assert decision.until == datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def test_build_check_flags_and_preferences_have_schema_keys() -> None:
    # Given an account with a cease flag and no preferences
    cease = {"received_at": "2026-06-01T15:00:00Z", "written": True}
    facts = build_check(dallas_account(flags={"cease": cease}), [], call())["account"]

    # When the engine input is built
    # Then every flag and preference key is present, unset ones as null or []
    assert facts["flags"]["cease"] == cease
    assert facts["flags"]["bankruptcy"] is None
    assert facts["flags"]["disputes"] == []
    assert facts["preferences"] == {
        "inconvenient_times": [],
        "inconvenient_places": [],
        "no_contact_channels": [],
        "known_locations": [],
        "consents": [],
    }


def test_evaluate_build_check_call_at_ten_pm_local_deferred_to_eight_next_day() -> None:
    # Given a manual call proposed at Wed Jun 10 22:00 CDT (Jun 11 03:00 UTC)
    proposed = call(datetime(2026, 6, 11, 3, 0, tzinfo=UTC))

    # When the pure engine decides on the built input
    decision = evaluate(build_check(dallas_account(), [], proposed))

    # Then it waits until Thu Jun 11 08:00 CDT
    assert decision.decision == "DEFER"
    assert decision.until == datetime(2026, 6, 11, 13, 0, tzinfo=UTC)
    assert decision.rules[0] == "REGF-TIME-WINDOW"


def test_evaluate_build_check_call_at_ten_am_local_allowed() -> None:
    # Given the same call at 10:00 CDT
    # When the pure engine decides
    # Then it may go ahead (the time rule above is the only thing that deferred it)
    assert evaluate(build_check(dallas_account(), [], call())).decision == "ALLOW"


def test_evaluate_build_check_email_after_cease_blocked() -> None:
    # Given a written cease received on Jun 5
    cease = {"received_at": "2026-06-05T15:00:00Z", "written": True, "channel": "mail", "debt_ids": None}
    account = dallas_account(flags={"cease": cease})

    # When an automated email is checked on Jun 10
    decision = evaluate(build_check(account, [], email()))

    # Then it is blocked by the cease rule
    assert decision.decision == "BLOCK"
    assert decision.rules[0] == "REGF-CEASE"


def test_evaluate_build_check_email_before_cease_received_allowed() -> None:
    # Given a cease received only on Jun 12
    cease = {"received_at": "2026-06-12T15:00:00Z", "written": True, "channel": "mail", "debt_ids": None}

    # When an email is checked on Jun 10
    decision = evaluate(build_check(dallas_account(flags={"cease": cease}), [], email()))

    # Then the later cease does not apply yet
    assert decision.decision == "ALLOW"
