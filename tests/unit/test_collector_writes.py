"""A collector's writes through `/collect`, on the in-memory account store: money rules, promises, holds.

Each finding of the account-truth issue that a command exposed is a test here, at the use-case tier (no AWS).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from functions.plans.promises import decide_promise
from functions.slack.commands import parse_command
from functions.slack.logic import run_command
from functions.slack.replies import Caller
from shared.domain.account_actions import after_call
from shared.domain.errors import InvalidInputError
from shared.domain.imports import merge_rows
from shared.domain.ledger import received_since
from shared.domain.money import Money
from shared.domain.outcomes import OUTCOMES, parse_outcome
from shared.domain.receivables import ReceivableRow
from shared.domain.state import recompute
from tests.factories import account
from tests.fakes import InMemoryAccounts

NOW = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
KEY = account("D-1").key


@pytest.fixture
def store() -> InMemoryAccounts:
    fake = InMemoryAccounts()
    fake.save(replace(account("D-1", minor=54_673, due=date(2026, 10, 1)), version=None))
    return fake


def collect(store: InMemoryAccounts, text: str, request: str = "T-1", at: datetime = NOW) -> str:
    """The reply a collector reads for `/collect <text>` (bad input raises, as the ack would answer it)."""
    return run_command(parse_command(text), Caller("U-ANA", True, request), at, store).text


def test_pay_more_than_owed_is_refused_unless_confirmed_and_then_kept_as_credit(store) -> None:
    # Given USD 546.73 owed (finding 4: `pay ... 99999` once closed the account at -97,600.23)
    with pytest.raises(InvalidInputError, match="add `overpaid`"):
        collect(store, "pay D-1 99999 REF-1")
    assert store.get(KEY).balances == {"USD": 54_673}

    # When the collector confirms the overpayment
    reply = collect(store, "pay D-1 600 REF-2 overpaid")

    # Then it is recorded, the account is paid and the excess is a credit, said as such
    assert store.get(KEY).status == "paid"
    assert "credit USD 53.27" in reply


def test_pay_in_a_currency_the_account_does_not_owe_is_refused(store) -> None:
    with pytest.raises(InvalidInputError, match="owes nothing in EUR"):
        collect(store, "pay D-1 10 REF-1 EUR")


def test_promise_above_the_balance_and_plan_below_it_are_refused(store) -> None:
    with pytest.raises(InvalidInputError, match=r"more than the USD 546\.73 owed"):
        collect(store, "promise D-1 100000 2026-11-20")
    with pytest.raises(InvalidInputError, match="settlement"):
        collect(store, "plan D-1 100 3 2026-11-20")


def test_amount_above_the_bound_is_refused_in_the_ack_naming_the_bound() -> None:
    with pytest.raises(InvalidInputError, match=r"largest amount Arrears accepts \(999,999,999,999\)"):
        parse_command("pay D-1 99999999999999999999999999999 REF-1")


def test_promise_counts_only_money_received_once_through_a_lagging_export(store) -> None:
    # Given D-1 at 500 (finding 1): a promise of 400, then a payment of 200 posted in Slack
    store.save(recompute(replace(store.get(KEY), invoices=(_invoice(50_000),)), NOW))
    collect(store, "promise D-1 400 2026-11-10", request="T-1")
    collect(store, "pay D-1 200 WIRE-9", request="T-2")

    # When the next export still says 500, and the one after catches up at 300
    for day, minor in ((1, 50_000), (2, 30_000)):
        merged = merge_rows(store.get(KEY), "acme", [_row(minor)], f"export-{day}", NOW + timedelta(days=day))
        store.save(merged.account)

    # Then the balance stayed 300 (never back to 500), 200 was received once, and the promise breaks, not kept
    account = store.get(KEY)
    assert account.balances == {"USD": 30_000}
    assert received_since(account.entries, "USD", NOW - timedelta(days=1)) == Money(20_000, "USD")
    later = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)
    outcome, after, _ = decide_promise(account, later)
    assert outcome == "broken" and after.follow_up == "broken promise of USD 400.00 by 2026-11-10"
    assert recompute(after, later).next_action == "reminder"


def test_payment_covering_the_promise_keeps_it_at_once_and_dunning_resumes(store) -> None:
    collect(store, "promise D-1 100 2026-11-10", request="T-1")
    assert store.get(KEY).next_action == "promise reminder"  # two days before the date; then its deadline
    reply = collect(store, "pay D-1 100 CHK-1", request="T-2")
    assert "The open promise is kept." in reply
    assert (store.get(KEY).commitment, store.get(KEY).next_action) == (None, "reminder")


def test_reverse_reopens_what_the_payment_paid(store) -> None:
    collect(store, "pay D-1 546.73 CHK-7", request="T-1")
    assert store.get(KEY).status == "paid"
    reply = collect(store, "reverse D-1 CHK-7 NSF returned by the bank", request="T-2")
    assert "Balance now USD 546.73" in reply
    assert store.get(KEY).status == "open" and store.get(KEY).next_action == "reminder"


def test_hold_twice_changes_nothing_and_release_lifts_it_with_who_and_why(store) -> None:
    # Given a dispute placed (finding 7: a repeated dispute appended duplicates; nothing could lift it)
    collect(store, "hold D-1 dispute", request="T-1")
    again = collect(store, "hold D-1 dispute", request="T-2")
    held = store.get(KEY)
    assert "already has a dispute hold; nothing changed" in again
    assert len(held.flags["disputes"]) == 1 and held.next_action == "hold: dispute"

    # When it is released with a reason
    reply = collect(store, "release D-1 dispute verification mailed", request="T-3")

    # Then the hold is gone, reminders are back at once, and the release is on record
    released = store.get(KEY)
    assert "Holds now: none" in reply and released.next_action == "reminder"
    assert released.flags["released"][0] | {"record": None} == {
        "hold": "dispute",
        "at": "2026-11-02T16:00:00Z",
        "by": "U-ANA",
        "reason": "verification mailed",
        "record": None,
    }
    with pytest.raises(InvalidInputError, match="no open dispute to release"):
        collect(store, "release D-1 dispute again", request="T-4")


def test_resume_restarts_reminders_stopped_for_review(store) -> None:
    store.save(recompute(replace(store.get(KEY), automation="review"), NOW))
    assert store.get(KEY).next_action == "review"
    assert "Reminders restarted" in collect(store, "resume D-1 consent confirmed")
    assert store.get(KEY).next_action == "reminder"
    with pytest.raises(InvalidInputError, match="not stopped for review"):
        collect(store, "resume D-1", request="T-2")


def test_pause_stops_one_accounts_reminders_until_resume(store) -> None:
    store.save(recompute(store.get(KEY), NOW))
    assert store.get(KEY).next_action == "reminder"
    assert "Reminders stopped for" in collect(store, "pause D-1 the creditor is checking a credit note")
    assert (store.get(KEY).next_action, store.get(KEY).next_action_at) == ("review", None)  # off the due index
    assert store.history(KEY)[-1] == "reminders stopped by hand: the creditor is checking a credit note"
    with pytest.raises(InvalidInputError, match="stopped already"):
        collect(store, "pause D-1", request="T-2")
    assert "Reminders restarted" in collect(store, "resume D-1 credit note applied", request="T-3")
    assert store.get(KEY).next_action == "reminder"


def test_call_outcomes_are_a_closed_set_and_wrong_numbers_are_not_conversations() -> None:
    # A typo is an error that lists the outcomes (finding 6: `noanswer` was logged as a conversation)
    with pytest.raises(InvalidInputError, match="call outcome 'noanswer' is not one of talked, promised"):
        parse_command("log D-1 call noanswer")
    with pytest.raises(InvalidInputError, match="call outcome '' is not one of"):
        parse_command("log D-1 call")
    assert not parse_outcome("wrong-number").conversation and parse_outcome("talked").conversation
    assert {o.engine for o in OUTCOMES.values()} <= {
        "answered_conversation", "answered_no_conversation", "no_answer", "voicemail", "busy", "not_connected"
    }  # fmt: skip

    # And a wrong number is flagged, so the debtor is located instead of called there
    base = account("D-1")
    flagged = after_call(base, parse_outcome("wrong-number"), base.phones[0]["number"], NOW)
    assert flagged.phones[0]["invalid"] == {"reason": "wrong_number", "at": "2026-11-02T16:00:00Z"}
    assert flagged.flags["needs_locate"] == {"since": "2026-11-02T16:00:00Z", "missing": "phone"}


def _invoice(minor: int):  # type: ignore[no-untyped-def]
    from shared.domain.accounts import Invoice

    return Invoice("INV-D-1", Money(minor, "USD"), date(2026, 10, 1), date(2026, 9, 1), source="export-0")


def _row(minor: int) -> ReceivableRow:
    return ReceivableRow(
        line=2, account_id="D-1", invoice="INV-D-1", debtor="Debtor D-1", email=None, phone=None, timezone=None,
        address=None, balance=Money(minor, "USD"), invoice_date=date(2026, 9, 1), due_date=date(2026, 10, 1),
        warnings=(), raw="",
    )  # fmt: skip


def test_a_disconnected_number_puts_the_account_on_top_to_locate_and_a_number_found_takes_it_off(store) -> None:
    # Given the debtor's only number found not in service on a call
    before = store.get(KEY)
    store.save(recompute(after_call(before, parse_outcome("disconnected"), before.phones[0]["number"], NOW), NOW))
    lost = store.get(KEY)
    assert lost.flags["needs_locate"]["missing"] == "phone"
    assert lost.follow_up is not None and lost.follow_up.startswith("locate the debtor: no usable phone number")
    assert lost.rank.startswith("1#")  # on top of the worklist, with the task as its note

    # And the locate queue lists it, saying what is missing and how to add what was found
    queue = run_command(parse_command("locate"), Caller("U-ANA", True, "T-Q"), NOW, store)
    assert queue.text == "Locate queue: 1 account"
    rows = [b["text"]["text"] for b in queue.blocks if b["type"] == "section"]
    assert rows == ["*1. Debtor D-1* · `acme:D-1` · pool\nno usable phone number since 2026-11-02 · USD 546.73"]
    assert "/collect contact <id> phone|email" in queue.blocks[-1]["elements"][0]["text"]

    # When the collector adds the number the consumer gave them, typed as people type it
    reply = collect(store, "contact D-1 phone (312) 555-0177 consumer", request="T-2")

    # Then it is on file with the consumer's consent to calls about this debt, and the account is located
    found = store.get(KEY)
    assert found.phones[-1] | {"tcpa_consent": None} == {
        "number": "+13125550177", "type": "cell", "source": "consumer_provided_to_collector", "tcpa_consent": None,
        "opted_out_at": None, "voicemail_private_verified": False, "reassigned_check": None}  # fmt: skip
    assert found.phones[-1]["tcpa_consent"]["source"] == "consumer_provided_to_collector"
    assert "needs_locate" not in found.flags and found.follow_up is None
    assert "phone ending 0177 (consumer). It no longer needs locating." in reply
    assert store.history(KEY)[-2:] == ["phone ending 0177 added (consumer)", "located: phone ending 0177"]
    assert collect(store, "locate", request="T-Q2") == "Locate queue: 0 accounts"  # and it leaves the queue

    # And the same number again, or one that is no number, is refused naming it
    with pytest.raises(InvalidInputError, match="ending 0177 is already on the account"):
        collect(store, "contact D-1 phone +13125550177 consumer", request="T-3")
    with pytest.raises(InvalidInputError, match="'555' is not a valid phone number"):
        collect(store, "contact D-1 phone 555 consumer", request="T-4")


def test_a_skip_traced_email_is_added_without_consent_and_the_command_names_what_it_needs(store) -> None:
    collect(store, "contact D-1 email Pat.Doe@Example.com skip-trace")
    added = store.get(KEY).emails[-1]
    assert (added["address"], added["source"], added["written_consent_at"]) == ("pat.doe@example.com", "skip_trace",
                                                                               None)  # fmt: skip
    with pytest.raises(InvalidInputError, match="'fax' is not one of phone, email"):
        parse_command("contact D-1 fax 555-0100 consumer")
    with pytest.raises(InvalidInputError, match="say where it came from last: 'friend' is not one of consumer"):
        parse_command("contact D-1 phone 555-0100 friend")
    with pytest.raises(InvalidInputError, match="`contact` needs 4 argument"):
        parse_command("contact D-1 phone consumer")


def test_a_debtor_who_asks_for_spanish_gets_spanish_reminders(store) -> None:
    from shared.domain.messages import render_reminder

    assert "in Spanish" in collect(store, "language D-1 es")
    assert store.get(KEY).preferences["language"] == "es"
    assert store.history(KEY)[-1] == "writes in Spanish from now on (the debtor's request)"
    assert render_reminder("friendly", "email", store.get(KEY), NOW.date()).subject.startswith("Un recordatorio")
    writes = store.writes
    collect(store, "language D-1 ES", request="T-2")  # the same again: nothing written
    assert store.writes == writes
    with pytest.raises(InvalidInputError, match="say one of en, es: 'fr' is not"):
        parse_command("language D-1 fr")


def test_a_phone_in_the_next_export_locates_the_debtor_too(store) -> None:
    before = store.get(KEY)
    lost = after_call(before, parse_outcome("disconnected"), before.phones[0]["number"], NOW)
    assert lost.flags["needs_locate"]
    row = replace(_row(54_673), phone="+13125550188")
    merged = merge_rows(lost, "acme", [row], "export-2", NOW).account
    assert "needs_locate" not in merged.flags and merged.follow_up is None
    assert merged.phones[-1]["number"] == "+13125550188"
