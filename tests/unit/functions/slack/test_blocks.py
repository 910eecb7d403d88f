"""Block Kit builders: Slack's limits hold for any input, PII is masked unless revealed, times show the debtor's zone."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.slack.blocks import (
    ACTION_ACCOUNT,
    ACTION_LOG_CALL,
    ACTION_PLAN,
    ACTION_PROMISE,
    MAX_ACTION_ELEMENTS,
    MAX_BLOCKS,
    MAX_BUTTON_VALUE,
    MAX_ID,
    MAX_SECTION_TEXT,
    MAX_WORKLIST_ROWS,
    account_blocks,
    account_buttons,
    context,
    decision_text,
    header,
    local_time,
    mask_email,
    mask_phone,
    section,
    worklist_blocks,
)
from shared.domain.accounts import Account, Activity, Invoice
from shared.domain.money import Money

PHONE = "+12145550101"
EMAIL = "pat.doe@example.com"
AT = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)  # Wed 10:00 CDT
HEADER_TEXT = 150
BUTTON_TEXT = 75


def account(**overrides: Any) -> Account:
    fields: dict[str, Any] = {
        "creditor": "acme",
        "account_id": "C-1",
        "debtor": "Pat Doe",
        "invoices": (Invoice("INV-1", Money(10000, "USD"), date(2026, 5, 1)),),
        "timezone": "America/Chicago",
        "phones": ({"number": PHONE, "type": "cell"},),
        "emails": ({"address": EMAIL},),
        "oldest_due": date(2026, 5, 1),
    }
    fields.update(overrides)
    return Account(**fields)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text a person can see in the blocks."""
    found = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [_text(element["text"]) for element in block.get("elements", [])]
    return found


def _text(text: str | dict[str, Any]) -> str:
    return text["text"] if isinstance(text, dict) else text


def assert_actions_within_slack_limits(block: dict[str, Any]) -> None:
    assert 1 <= len(block["elements"]) <= MAX_ACTION_ELEMENTS
    assert len(block["block_id"]) <= MAX_ID
    action_ids = [e["action_id"] for e in block["elements"]]
    assert len(set(action_ids)) == len(action_ids)  # unique within the block
    for element in block["elements"]:
        assert element["type"] == "button"
        assert element["text"]["type"] == "plain_text" and len(element["text"]["text"]) <= BUTTON_TEXT
        assert len(element["action_id"]) <= MAX_ID
        assert 0 < len(element["value"]) <= MAX_BUTTON_VALUE


def assert_within_slack_limits(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= HEADER_TEXT
        elif block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
        elif block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(len(e["text"]) <= MAX_SECTION_TEXT for e in block["elements"])
        elif block["type"] == "actions":
            assert_actions_within_slack_limits(block)
        else:
            pytest.fail(f"unexpected block type {block['type']}")
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(set(block_ids)) == len(block_ids)  # unique within the message
    json.dumps(blocks)  # the payload must serialise as Slack receives it


def test_section_header_context_huge_text_clipped_with_ellipsis() -> None:
    # Given texts far beyond Slack's limits
    huge = "x" * 10_000

    # When blocks are built from them
    # Then they are clipped to the limit exactly, marked with an ellipsis
    assert section(huge)["text"]["text"] == "x" * (MAX_SECTION_TEXT - 1) + "…"
    assert len(header(huge)["text"]["text"]) == HEADER_TEXT
    assert header(huge)["text"]["text"].endswith("…")
    assert len(context(huge)["elements"][0]["text"]) == MAX_SECTION_TEXT


def test_section_text_at_limit_unchanged() -> None:
    # Given a text exactly at the limit
    text = "y" * MAX_SECTION_TEXT

    # When a section is built
    # Then nothing is cut
    assert section(text)["text"]["text"] == text


def test_account_blocks_huge_inputs_within_slack_limits() -> None:
    # Given an account with enormous names, 200 invoices and a long history of long notes
    big = account(
        debtor="D" * 5_000,
        account_id="A" * 64,
        creditor="C" * 5_000,
        invoices=tuple(Invoice(f"INV-{n:04d}-" + "n" * 100, Money(n + 1, "USD"), date(2026, 1, 1)) for n in range(200)),
        flags={"cease": {"written": True}, "disputes": [{"debt_id": "x"}]},
    )
    history = [Activity(at=AT - timedelta(hours=n), kind="note", summary="s" * 2_000) for n in range(40)]

    # When the account card is built
    blocks = account_blocks(big, history, reveal_pii=True)

    # Then every block respects Slack's limits, and the invoice list says how many were left out
    assert_within_slack_limits(blocks)
    assert any("…and 185 more" in text for text in texts(blocks))


def test_account_blocks_pii_hidden_masked() -> None:
    # Given a collector not authorised to see contact data
    # When the account card is built
    shown = "\n".join(texts(account_blocks(account(), [], reveal_pii=False)))

    # Then neither the full number nor the full address appears, only their masks
    assert PHONE not in shown
    assert "5550101" not in shown
    assert EMAIL not in shown
    assert "pat.doe" not in shown
    assert "+1•••••0101" in shown
    assert "p•••@example.com" in shown


def test_account_blocks_pii_revealed_full_values() -> None:
    # Given an authorised collector
    # When the account card is built
    shown = "\n".join(texts(account_blocks(account(), [], reveal_pii=True)))

    # Then the full number and address are shown
    assert PHONE in shown
    assert EMAIL in shown


def test_account_blocks_no_contact_points_dash() -> None:
    # Given an account without phones or emails
    # When the card is built
    shown = "\n".join(texts(account_blocks(account(phones=(), emails=()), [], reveal_pii=False)))

    # Then both are shown as a dash
    assert "Phone: —   Email: —" in shown


def test_account_blocks_content_open_invoices_holds_history() -> None:
    # Given an account with a paid and an open invoice, a cease hold and one activity
    acct = account(
        invoices=(
            Invoice("INV-1", Money(10000, "USD"), date(2026, 5, 1)),
            Invoice("INV-0", Money(0, "USD"), date(2026, 4, 1)),
        ),
        flags={"cease": {"written": True}},
    )
    history = [Activity(at=AT, kind="contact", summary="call no answer", actor="U123", rules=("REGF-TIME-WINDOW",))]

    # When the card is built
    blocks = account_blocks(acct, history, reveal_pii=False)
    shown = "\n".join(texts(blocks))

    # Then it names the debtor, lists only open invoices, the hold, and the activity in the debtor's time
    assert blocks[0] == header("Pat Doe · C-1")
    assert "• INV-1: USD 100.00 due 2026-05-01" in shown
    assert "INV-0" not in shown
    assert "*Holds:* cease" in shown
    assert "• Wed Jun 10 10:00 CDT: call no answer (U123) `REGF-TIME-WINDOW`" in shown


def test_the_history_says_whether_a_reminder_was_delivered() -> None:
    # Given reminders by text and email whose delivery reports came in, one still unreported, and a call
    def sent(summary: str, channel: str, outcome: str) -> Activity:
        return Activity(at=AT, kind="contact", summary=summary, actor="reminders", channel=channel,
                        direction="outbound", outcome=outcome)  # fmt: skip

    history = [sent("nudge reminder by sms", "sms", "failed"), sent("friendly reminder by email", "email", "delivered"),
               sent("final reminder by email", "email", "sent"), sent("call no answer", "call", "failed")]  # fmt: skip

    # When the card is built, then each says what its provider reported, and the others nothing
    shown = "\n".join(texts(account_blocks(account(), history, reveal_pii=False)))
    assert "10:00 CDT: nudge reminder by sms — not delivered (reminders)" in shown
    assert "10:00 CDT: friendly reminder by email — delivered (reminders)" in shown
    assert "10:00 CDT: final reminder by email (reminders)" in shown
    assert "10:00 CDT: call no answer (reminders)" in shown


def test_account_blocks_no_history_context_note() -> None:
    # Given an account without activity
    # When the card is built
    blocks = account_blocks(account(), [], reveal_pii=False)

    # Then the card ends with a context note instead of an empty section
    assert blocks[-1] == context("No activity yet.")


@pytest.mark.parametrize(
    ("number", "masked"),
    [("+12145550101", "+1•••••0101"), ("+442071838750", "+4•••••8750"), ("1234567", "12•••••4567"), ("12345", "•••")],
)
def test_mask_phone_keeps_only_prefix_and_last_four(number: str, masked: str) -> None:
    # Given a phone number
    # When it is masked
    # Then only the first two and last four characters remain (short numbers are fully hidden)
    assert mask_phone(number) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [("pat.doe@example.com", "p•••@example.com"), ("a@b.co", "a•••@b.co"), ("no-at-sign", "n•••@")],
)
def test_mask_email_keeps_first_letter_and_domain(address: str, masked: str) -> None:
    # Given an email address
    # When it is masked
    # Then the local part is hidden after its first letter
    assert mask_email(address) == masked


def row(n: int) -> tuple[Account, str]:
    return account(account_id=f"C-{n}", debtor=f"Debtor {n}"), ":white_check_mark: may call now"


@pytest.mark.parametrize(("count", "shown"), [(1, 1), (23, 23), (24, 24), (25, 24), (200, 24)])
def test_worklist_blocks_paged_at_24_rows_each_with_buttons(count: int, shown: int) -> None:
    # Given a worklist of `count` accounts
    rows = [row(n) for n in range(1, count + 1)]

    # When it is rendered
    blocks = worklist_blocks(rows, "U123")

    # Then a header with the total, at most 24 ranked rows each followed by its buttons, and the context line
    assert MAX_WORKLIST_ROWS == 24
    assert_within_slack_limits(blocks)
    assert len(blocks) == 2 * shown + 2
    assert blocks[0] == header(f"Worklist · {count} accounts")
    assert blocks[-1]["type"] == "context"
    assert "can-call" in blocks[-1]["elements"][0]["text"]
    body = [b["text"]["text"] for b in blocks[1:-1:2]]
    assert all(b.startswith(f"*{n}. Debtor {n}*") for n, b in enumerate(body, start=1))
    buttons = blocks[2:-1:2]
    assert all(b["type"] == "actions" for b in buttons)
    assert [b["elements"][0]["value"] for b in buttons] == [f"acme:C-{n}" for n in range(1, shown + 1)]


def test_worklist_blocks_row_buttons_log_call_promise_account_carry_ref() -> None:
    # Given one account of creditor acme
    # When the worklist is rendered
    actions = worklist_blocks([row(7)], "U123")[2]

    # Then its row has Log call, Promise and Account buttons, each carrying `creditor:account_id`
    assert [(e["text"]["text"], e["action_id"]) for e in actions["elements"]] == [
        ("Log call", ACTION_LOG_CALL),
        ("Promise", ACTION_PROMISE),
        ("Account", ACTION_ACCOUNT),
    ]
    assert {e["value"] for e in actions["elements"]} == {"acme:C-7"}


def test_account_blocks_buttons_log_call_promise_and_plan() -> None:
    # Given an account
    # When its card is built
    blocks = account_blocks(account(), [], reveal_pii=False)

    # Then it offers Log call, Promise and Plan (not Account: the card is the account) carrying the ref
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions) == 1
    assert [e["action_id"] for e in actions[0]["elements"]] == [ACTION_LOG_CALL, ACTION_PROMISE, ACTION_PLAN]
    assert {e["value"] for e in actions[0]["elements"]} == {"acme:C-1"}


@pytest.mark.parametrize("ref", ["", "x" * (MAX_BUTTON_VALUE + 1)])
def test_account_buttons_ref_empty_or_too_long_no_block(ref: str) -> None:
    # Given a ref that cannot travel in a button value
    # When the buttons are built
    # Then there are none (the row or card is still shown without them)
    assert account_buttons(ref, "b", with_account=True) is None


def test_account_buttons_ref_at_limit_and_long_block_id_within_limits() -> None:
    # Given a ref exactly at the value limit and an over-long block id
    block = account_buttons("x" * MAX_BUTTON_VALUE, "b" * 1_000, with_account=True)

    # When / Then the block keeps the whole value and clips the block id
    assert block is not None
    assert_actions_within_slack_limits(block)
    assert all(e["value"] == "x" * MAX_BUTTON_VALUE for e in block["elements"])


def test_worklist_blocks_row_shows_balance_due_and_note() -> None:
    # Given one account with its call-now note
    # When the worklist is rendered
    text = worklist_blocks([row(7)], "U123")[1]["text"]["text"]

    # Then the row shows id, creditor, balance, oldest due date and the note
    assert text == "*1. Debtor 7* · `C-7` · acme\nUSD 100.00 · oldest due 2026-05-01 · :white_check_mark: may call now"


def test_worklist_blocks_empty_one_section_to_collector() -> None:
    # Given no accounts to work
    # When the worklist is rendered
    # Then the collector is told so in one section
    assert worklist_blocks([], "U123") == [section("<@U123>, nothing to work right now.")]


@settings(max_examples=25, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=120),
    name_length=st.integers(min_value=1, max_value=4_000),
    note_length=st.integers(min_value=0, max_value=4_000),
)
def test_worklist_blocks_any_size_within_slack_limits(count: int, name_length: int, note_length: int) -> None:
    # Given any number of accounts with names and notes of any length
    rows = [(account(debtor="N" * name_length, account_id=f"C-{n}"), "z" * note_length) for n in range(count)]

    # When the worklist is rendered
    # Then it always fits Slack's limits
    assert_within_slack_limits(worklist_blocks(rows, "U123"))


@pytest.mark.parametrize(
    ("at", "tz", "text"),
    [
        (datetime(2026, 6, 10, 15, 0, tzinfo=UTC), "America/Chicago", "Wed Jun 10 10:00 CDT"),
        (datetime(2026, 1, 14, 16, 0, tzinfo=UTC), "America/Chicago", "Wed Jan 14 10:00 CST"),
        (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "America/Chicago", "Sun Nov 01 01:30 CDT"),
        (datetime(2026, 11, 1, 7, 30, tzinfo=UTC), "America/Chicago", "Sun Nov 01 01:30 CST"),
        (datetime(2026, 6, 10, 15, 0, tzinfo=UTC), "Europe/Berlin", "Wed Jun 10 17:00 CEST"),
        (datetime(2026, 6, 10, 15, 0, tzinfo=UTC), None, "Wed Jun 10 15:00 UTC"),
    ],
)
def test_local_time_debtor_zone_with_abbreviation(at: datetime, tz: str | None, text: str) -> None:
    # Given an instant and the debtor's zone (unknown = UTC)
    # When it is shown to a collector
    # Then it is the debtor's wall time with the zone abbreviation, which tells the repeated 01:30 apart
    assert local_time(at, tz) == text


def test_decision_text_defer_shows_until_in_debtor_zone_and_rules() -> None:
    # Given a deferral until 08:00 Chicago time
    until = datetime(2026, 6, 11, 13, 0, tzinfo=UTC)

    # When it is explained
    text = decision_text("DEFER", "outside hours.", until, ("REGF-TIME-WINDOW",), "America/Chicago")

    # Then the collector sees when, in the debtor's zone, and why
    assert text == (
        ":hourglass: *DEFER*: outside hours. Next allowed: *Thu Jun 11 08:00 CDT*. Rules: `REGF-TIME-WINDOW`."
    )


def test_decision_text_allow_no_until_no_rules() -> None:
    # Given an allowed contact
    # When it is explained
    # Then there is neither a next-allowed time nor rules
    assert decision_text("ALLOW", "go ahead.", None, (), None) == ":white_check_mark: *ALLOW*: go ahead."


def test_account_blocks_mark_contacts_that_may_no_longer_be_used() -> None:
    # Given a number found not in service, another the debtor opted out of, and an address that bounced for good
    phones = ({"number": "+12145550101", "invalid": {"reason": "disconnected", "at": "2026-11-02T16:00:00Z"}},
              {"number": "+12145550102", "opted_out_at": "2026-11-02T16:00:00Z"}, {"number": "+12145550103"})  # fmt: skip
    emails = ({"address": "gone@example.com", "invalid": True, "opted_out_at": None},)
    shown = "\n".join(texts(account_blocks(account(phones=phones, emails=emails), [], reveal_pii=True)))
    # Then each says why it is not to be used, and the good number says nothing
    assert "Phone: +12145550101 (not in service), +12145550102 (opted out), +12145550103" in shown
    assert "Email: gone@example.com (bounced)" in shown


def test_the_locate_queue_shows_why_only_to_authorized_users_and_says_when_more_wait() -> None:
    from functions.slack.blocks import locate_blocks
    from shared.domain.account_actions import needs_locating
    from tests.factories import account

    # Given an account whose only email bounced: the reason names the address
    flagged = needs_locating(account("C-1"), "2026-11-10T15:00:00Z", "contact", "email pat@example.com bounced")
    rows = [(flagged, "phone or email")]

    # When a collector without contact rights, then an authorized one, reads the queue
    plain = json.dumps(locate_blocks(rows, "U-1", reveal_pii=False), ensure_ascii=False)
    full = json.dumps(locate_blocks(rows, "U-1", reveal_pii=True, more=True), ensure_ascii=False)

    # Then only the authorized one sees the reason, and a cut queue says more are waiting
    assert "pat@example.com" not in plain and "pat@example.com" in full
    assert "Locate queue · 1 account" in plain
    assert "Locate queue · the 1 waiting longest (more are waiting)" in full
