"""Text from users and files is shown literally in Slack: `<!channel>`, `<@U…>`, links and `&` never act as mrkdwn,
while the mentions and links Arrears builds itself keep working."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.intake.summary import quarantine_text, summary_text
from functions.plans.logic import FollowUpReport, _post_report
from functions.slack import actions
from functions.slack.blocks import account_blocks, worklist_blocks
from functions.slack.commands import parse_command
from functions.slack.modals import promise_modal
from functions.slack.replies import Caller, resolve_account
from shared.domain.accounts import Activity
from shared.domain.errors import ArrearsError
from tests.factories import account
from tests.fakes import InMemoryAccounts, InMemoryNotifier

DEBTOR = "<!channel> Bob & Co <https://x|y>"
SHOWN = "&lt;!channel&gt; Bob &amp; Co &lt;https://x|y&gt;"
NOTE = "<!here>"
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
# a control sequence Slack would act on: a broadcast, a mention, a channel link or a URL; and a bare `&`
RAW = re.compile(r"<[!@#]|<https?:|&(?!amp;|lt;|gt;)")


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn text of the blocks (plain_text cannot ping or link, so it is left as typed)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def tricky_account() -> Any:
    return replace(account("C-1001"), debtor=DEBTOR)


def test_account_card_shows_debtor_and_note_literally() -> None:
    # Given an account whose debtor name and last note carry Slack control sequences
    note = Activity(at=NOW, kind="note", summary=NOTE, actor="<@U999>")

    # When its card is built
    card = account_blocks(tricky_account(), [note], reveal_pii=True)

    # Then no mrkdwn text acts on them, the note is shown escaped, and the plain-text header keeps the name as typed
    texts = mrkdwn_texts(card)
    assert not any(RAW.search(text) for text in texts)
    assert any("&lt;!here&gt;" in text and "&lt;@U999&gt;" in text for text in texts)
    assert card[0]["text"] == {"type": "plain_text", "text": f"{DEBTOR} · C-1001"}


def test_worklist_row_shows_debtor_literally_and_keeps_our_own_mention() -> None:
    # Given a worklist row for the tricky debtor, and an empty worklist
    rows = worklist_blocks([(tricky_account(), "may call now")], "U-ANA")
    empty = worklist_blocks([], "U-ANA")

    # When / Then the row is escaped, and the mention Arrears builds itself still pings the collector
    assert SHOWN in rows[1]["text"]["text"] and not RAW.search(rows[1]["text"]["text"])
    assert empty[0]["text"]["text"].startswith("<@U-ANA>,")


def test_note_reply_names_the_debtor_literally() -> None:
    # Given the tricky debtor
    fake = InMemoryAccounts({account().key: tricky_account()})

    # When a member adds the note `<!here>`
    reply = actions.add_note("C-1001", NOTE, Caller("U-ANA", False, "req-1"), NOW, fake)

    # Then the reply is escaped, and the note is kept exactly as typed (escaping is for display)
    assert reply.text == f"Note added to {SHOWN}."
    assert fake.activities[account().key][0].summary == NOTE


@pytest.mark.parametrize(
    "text",
    ["account <@U123>", "<@U123>", "log C-1 <@U123>", "log C-1 call <@U123>", "hold C-1 <@U123>", "pay C-1 <@U123> R"],
)
def test_command_argument_in_an_error_message_is_escaped(text: str) -> None:
    # Given a command whose argument is a mention
    # When it is parsed
    with pytest.raises(ArrearsError) as caught:
        parse_command(text)

    # Then the error quotes it literally: it cannot ping anybody
    assert "&lt;@U123&gt;" in str(caught.value) and "<@U123>" not in str(caught.value)


def test_unknown_account_ref_from_a_button_is_escaped() -> None:
    with pytest.raises(ArrearsError) as caught:
        resolve_account("acme:<!channel>", InMemoryAccounts())
    assert "&lt;!channel&gt;" in str(caught.value) and "<!channel>" not in str(caught.value)


def test_modal_context_shows_the_ref_literally() -> None:
    view = promise_modal("acme:<!here>")
    assert "&lt;!here&gt;" in json.dumps(view["blocks"]) and view["private_metadata"] == "acme:<!here>"


def test_import_summary_and_quarantine_escape_what_came_from_the_file() -> None:
    # Given an import whose file name, profile reason, creditor, ids and warnings carry control sequences
    counts = {
        "profile": "generic",
        "profile_reason": "column <!channel> matched",
        "missing": 1,
        "creditor": "<@U1>",
        "missing_sample": ["acme:<!here>"],
        "warnings": ["column <https://evil|click> ignored & dropped"],
    }

    # When the channel post texts are built
    texts = [
        summary_text("incoming/<!everyone>.csv", counts, "done", "s3://b/<!here>.errors.csv"),
        quarantine_text("incoming/<!channel>.csv", "row <@U2> & more"),
    ]

    # Then none of them can ping or link, and the emoji and code formatting Arrears adds are intact
    assert not any(RAW.search(text) for text in texts)
    assert "&lt;!everyone&gt;" in texts[0] and "&lt;https://evil|click&gt; ignored &amp; dropped" in texts[0]
    assert texts[1].startswith(":rotating_light: `incoming/&lt;!channel&gt;.csv`")


def test_follow_up_report_lines_are_escaped() -> None:
    # Given a run that closed a promise and found a payment on accounts whose keys came from a file
    report = FollowUpReport(kept=["acme:<!channel>: USD 1.00 due 2026-11-02"], unreconciled=["acme:<!here>: x"])

    # When the report is posted
    poster = InMemoryNotifier()
    _post_report(report, poster, ("C-REPORTS", "C-OPS"), datetime(2026, 11, 4, 12, 0, tzinfo=UTC))

    # Then neither channel post can ping
    assert len(poster.posts) == 2 and not any(RAW.search(post) for post in poster.posts)
    assert "acme:&lt;!channel&gt;" in poster.posts[1] and "acme:&lt;!here&gt;" in poster.posts[0]
