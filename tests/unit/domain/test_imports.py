"""Merging imported rows into accounts: new, updated or unchanged, inferred payments, contacts and scheduling."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from shared.domain.accounts import Account
from shared.domain.dunning import DEFAULT_CADENCE
from shared.domain.imports import merge_rows
from shared.domain.ledger import LedgerEntry, received_since
from shared.domain.money import Money
from shared.domain.receivables import ReceivableRow

NOW = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)
LATER = datetime(2026, 6, 17, 14, 0, tzinfo=UTC)
ADDRESS = {"line1": "100 Main St", "city": "Dallas", "state": "TX", "postal_code": "75201"}


def row(invoice: str = "INV-1", minor: int = 10000, due: date = date(2026, 6, 1), **overrides: Any) -> ReceivableRow:
    fields: dict[str, Any] = {
        "line": 2,
        "account_id": "C-1",
        "invoice": invoice,
        "debtor": "Pat Doe",
        "email": "pat@example.com",
        "phone": "+12145550101",
        "timezone": "America/Chicago",
        "address": dict(ADDRESS),
        "balance": Money(minor, "USD"),
        "invoice_date": date(2026, 5, 1),
        "due_date": due,
        "warnings": (),
        "raw": f"C-1,{invoice},{minor}",
    }
    fields.update(overrides)
    return ReceivableRow(**fields)


def imported(*rows: ReceivableRow) -> Account:
    """The account as the first import of `rows` stores it."""
    return merge_rows(None, "acme", list(rows), "first.csv", NOW).account


def test_merge_rows_first_import_new_account_scheduled() -> None:
    # Given the first file naming customer C-1 with two invoices
    rows = [row("INV-1", 10000, date(2026, 6, 1)), row("INV-2", 2550, date(2026, 5, 20))]

    # When it is merged
    merge = merge_rows(None, "acme", rows, "first.csv", NOW)

    # Then a new open account exists with both invoices, contacts, zone and its first reminder scheduled
    account = merge.account
    assert merge.change == "new"
    assert (account.creditor, account.account_id, account.debtor) == ("acme", "C-1", "Pat Doe")
    assert {i.number: i.balance for i in account.invoices} == {
        "INV-1": Money(10000, "USD"),
        "INV-2": Money(2550, "USD"),
    }
    assert account.status == "open"
    assert account.oldest_due == date(2026, 5, 20)
    assert account.next_action == "reminder"
    # 21 days past due when it enters: it starts at the step its age calls for (firm, due+15), whose day has passed,
    # so at 10:00 CDT that same day (the import ran at 09:00 CDT)
    assert (account.dunning_step, account.next_action_at) == (2, datetime(2026, 6, 10, 15, 0, tzinfo=UTC))
    assert account.priority > 0
    assert account.created_at == NOW
    assert account.source == "first.csv"
    assert account.timezone == "America/Chicago"
    assert account.address == {**ADDRESS, "timezone": "America/Chicago"}
    assert [e["address"] for e in account.emails] == ["pat@example.com"]
    assert [p["number"] for p in account.phones] == ["+12145550101"]


def test_merge_rows_same_rows_again_unchanged() -> None:
    # Given an account stored from a first import
    existing = imported(row("INV-1"), row("INV-2", 500))

    # When the same rows are imported a week later
    merge = merge_rows(existing, "acme", [row("INV-1"), row("INV-2", 500)], "second.csv", LATER)

    # Then nothing changed: the stored account is returned as it was, with no activity
    assert merge.change == "unchanged"
    assert merge.account == existing
    assert merge.activities == []


def test_merge_rows_balance_drop_inferred_payment_activity() -> None:
    # Given an account owing USD 100.00 on INV-1
    existing = imported(row("INV-1", 10000))

    # When the next file shows USD 60.00 left
    merge = merge_rows(existing, "acme", [row("INV-1", 6000)], "second.csv", LATER)

    # Then the account is updated and a payment of USD 40.00 received at the source is in the ledger
    assert merge.change == "updated"
    assert merge.account.balances == {"USD": 6000}
    [entry] = merge.account.entries
    assert (entry.kind, entry.amount, entry.state, entry.origin) == (
        "inferred_payment",
        Money(4000, "USD"),
        "matched",
        "source",
    )
    assert received_since(merge.account.entries, "USD", NOW) == Money(4000, "USD")
    # And the history says what the books showed and what was inferred
    change, payment = merge.activities
    assert (change.kind, change.data["invoice"], change.data["source"]) == ("import", "INV-1", "second.csv")
    assert (payment.kind, payment.data["inferred"], payment.data["amount_minor"]) == ("payment", True, 4000)
    assert "USD 40.00" in payment.summary and payment.at == LATER


def test_merge_rows_balance_rise_not_a_payment() -> None:
    # Given an account owing USD 100.00 on INV-1
    existing = imported(row("INV-1", 10000))

    # When the next file shows USD 120.00 (fees added)
    merge = merge_rows(existing, "acme", [row("INV-1", 12000)], "second.csv", LATER)

    # Then it is an import note, never a (negative) payment
    [activity] = merge.activities
    assert activity.kind == "import"
    assert merge.account.entries == ()
    assert merge.account.balances == {"USD": 12000}


def test_merge_rows_lagging_export_keeps_a_payment_posted_in_arrears() -> None:
    # Given an account owing 500 with a payment of 200 posted in Slack (pending in the source)
    posted = LedgerEntry("pay:WIRE-9", "payment", Money(20000, "USD"), NOW, "U-1", "WIRE-9")
    existing = replace(imported(row("INV-1", 50000)), entries=(posted,))

    # When the next export still says 500, then catches up at 300
    lagging = merge_rows(existing, "acme", [row("INV-1", 50000)], "day2.csv", LATER)
    caught = merge_rows(lagging.account, "acme", [row("INV-1", 30000)], "day3.csv", LATER)

    # Then the balance is 300 throughout, and the payment is matched once, never inferred again
    assert lagging.account.balances == {"USD": 30000}
    assert caught.account.balances == {"USD": 30000}
    assert [(e.ref, e.state) for e in caught.account.entries] == [("WIRE-9", "matched")]
    assert received_since(caught.account.entries, "USD", NOW) == Money(20000, "USD")
    assert [a.kind for a in caught.activities] == ["import", "ledger"]


def test_merge_rows_new_invoice_on_existing_account_import_activity() -> None:
    # Given an account with INV-1
    existing = imported(row("INV-1", 10000))

    # When the next file adds INV-2 for the same customer
    merge = merge_rows(existing, "acme", [row("INV-1", 10000), row("INV-2", 7500, date(2026, 6, 5))], "b.csv", LATER)

    # Then both invoices are on the account and the new one is recorded as an import activity
    assert merge.change == "updated"
    assert sorted(i.number for i in merge.account.invoices) == ["INV-1", "INV-2"]
    assert merge.account.balances == {"USD": 17500}
    [activity] = merge.activities
    assert activity.kind == "import"
    assert "INV-2" in activity.summary
    assert "USD 75.00" in activity.summary
    assert activity.data["source"] == "b.csv"


def test_merge_rows_contact_points_added_once() -> None:
    # Given an account with pat@example.com and one phone
    existing = imported(row("INV-1"))

    # When the next file repeats them (email in another case) and adds a new phone and email
    rows = [
        row("INV-1", email="Pat@Example.COM"),
        row("INV-2", phone="+12145550199", email="billing@example.com"),
        row("INV-3", phone="+12145550101", email="PAT@example.com"),
    ]
    merge = merge_rows(existing, "acme", rows, "second.csv", LATER)

    # Then each contact point appears once, and only the new ones are added
    emails = [e["address"].lower() for e in merge.account.emails]
    phones = [p["number"] for p in merge.account.phones]
    assert emails == ["pat@example.com", "billing@example.com"]
    assert phones == ["+12145550101", "+12145550199"]


def test_merge_rows_same_email_other_case_only_unchanged() -> None:
    # Given a stored account
    existing = imported(row("INV-1"))

    # When the same file comes again with the email upper-cased
    merge = merge_rows(existing, "acme", [row("INV-1", email="PAT@EXAMPLE.COM")], "again.csv", LATER)

    # Then it is not a change and no duplicate contact appears
    assert merge.change == "unchanged"
    assert len(merge.account.emails) == 1


def test_merge_rows_imported_phone_has_consent_and_cell_type() -> None:
    # Given a number the debtor gave the creditor
    # When it is imported
    [phone] = imported(row("INV-1")).phones

    # Then it carries the compliance schema's fields: consent given at import, treated as a cell
    assert phone["type"] == "cell"
    assert phone["source"] == "provided_to_creditor"
    assert phone["tcpa_consent"] == {
        "given_at": "2026-06-10T14:00:00Z",
        "source": "provided_to_creditor",
        "revoked_at": None,
    }
    assert phone["opted_out_at"] is None


def test_merge_rows_fully_paid_reimport_paid_and_unscheduled() -> None:
    # Given an open account with a reminder scheduled
    existing = imported(row("INV-1", 10000), row("INV-2", 500, date(2026, 6, 3)))
    assert existing.next_action_at is not None

    # When the next file shows both invoices at zero
    merge = merge_rows(existing, "acme", [row("INV-1", 0), row("INV-2", 0, date(2026, 6, 3))], "paid.csv", LATER)

    # Then the account is paid, nothing is scheduled, and both drops are inferred payments
    account = merge.account
    assert merge.change == "updated"
    assert account.status == "paid"
    assert account.oldest_due is None
    assert account.next_action is None
    assert account.next_action_at is None
    assert account.on_worklist is False
    assert [(e.kind, e.amount) for e in account.entries] == [("inferred_payment", Money(10500, "USD"))]


def test_merge_rows_paid_account_new_invoice_reopened_and_scheduled() -> None:
    # Given an account that was paid off
    paid = merge_rows(imported(row("INV-1", 10000)), "acme", [row("INV-1", 0)], "paid.csv", NOW).account
    assert paid.status == "paid"

    # When a new invoice arrives for it
    merge = merge_rows(paid, "acme", [row("INV-9", 3000, date(2026, 6, 15))], "new.csv", LATER)

    # Then it is open again with the new oldest due date and a reminder scheduled
    assert merge.account.status == "open"
    assert merge.account.oldest_due == date(2026, 6, 15)
    assert merge.account.next_action_at == datetime(2026, 6, 17, 15, 0, tzinfo=UTC)  # due+1 passed: 10:00 today


def test_merge_rows_paid_after_full_cadence_new_invoice_scheduled() -> None:
    # Given an account that went through the whole cadence and was then paid off
    done = replace(imported(row("INV-1", 10000)), dunning_step=len(DEFAULT_CADENCE))
    paid = merge_rows(done, "acme", [row("INV-1", 0)], "paid.csv", NOW).account
    assert paid.status == "paid"

    # When a new invoice arrives for it
    merge = merge_rows(paid, "acme", [row("INV-9", 3000, date(2026, 6, 15))], "new.csv", LATER)

    # Then the new debt is open and its cadence starts again from the first step
    assert merge.account.status == "open"
    assert merge.account.dunning_step == 0
    assert merge.account.next_action == "reminder"
    assert merge.account.next_action_at == datetime(2026, 6, 17, 15, 0, tzinfo=UTC)


def test_merge_rows_oldest_invoice_paid_reschedules_from_next_due() -> None:
    # Given two invoices, the older due May 20
    existing = imported(row("INV-1", 10000, date(2026, 6, 1)), row("INV-2", 2550, date(2026, 5, 20)))

    # When the older one is paid off
    merge = merge_rows(existing, "acme", [row("INV-2", 0, date(2026, 5, 20))], "b.csv", LATER)

    # Then the oldest due date moves to Jun 1 and the next reminder follows it: 16 days past that, the firm step
    # (due+15) the account had reached, not the first one again
    assert merge.account.oldest_due == date(2026, 6, 1)
    assert (merge.account.dunning_step, merge.account.next_action_at) == (2, datetime(2026, 6, 17, 15, 0, tzinfo=UTC))
    assert merge.account.invoices != existing.invoices


def test_merge_rows_stored_state_kept_on_update() -> None:
    # Given a stored account that a collector works (assigned, at step 2, with a hold flag)
    existing = replace(
        imported(row("INV-1", 10000)), collector="U123", dunning_step=2, flags={"cease": {"written": True}}, version=7
    )

    # When the next file lowers the balance
    merge = merge_rows(existing, "acme", [row("INV-1", 9000)], "b.csv", LATER)

    # Then the import does not reset what the collector and the cadence did
    account = merge.account
    assert (account.collector, account.dunning_step, account.flags, account.version) == (
        "U123",
        2,
        {"cease": {"written": True}},
        7,
    )
    assert account.created_at == NOW


def test_merge_rows_later_row_without_address_keeps_known_one() -> None:
    # Given an account with an address
    existing = imported(row("INV-1"))

    # When a new file has no address or zone for it
    merge = merge_rows(existing, "acme", [row("INV-2", address=None, timezone=None)], "b.csv", LATER)

    # Then the known address and zone are kept
    assert merge.account.address == {**ADDRESS, "timezone": "America/Chicago"}
    assert merge.account.timezone == "America/Chicago"


def test_language_column_sets_the_language_reminders_and_letters_use():
    # Given an export whose row names Spanish for a new debtor
    account = merge_rows(None, "acme", [row(language="es")], "first.csv", NOW).account
    # Then the account is written to in Spanish, as the creditor's books say
    assert account.preferences == {"language": "es", "language_from": "import"}
    # And the next export may change what an export set (the account counts as updated)
    merge = merge_rows(account, "acme", [row(language="en")], "second.csv", LATER)
    assert merge.account.preferences["language"] == "en" and merge.change == "updated"


def test_language_the_debtor_asked_for_outranks_the_export():
    from shared.domain.account_actions import set_language

    # Given a debtor imported in English who then asked a collector for Spanish
    imported = merge_rows(None, "acme", [row(language="en")], "first.csv", NOW).account
    asked, activities = set_language(imported, "es", NOW, "U1")
    assert asked.preferences == {"language": "es"} and activities
    # When the next export still says English (or says nothing)
    for rows in ([row(language="en")], [row()]):
        merge = merge_rows(asked, "acme", rows, "second.csv", LATER)
        # Then the debtor's choice stands
        assert merge.account.preferences == {"language": "es"}
