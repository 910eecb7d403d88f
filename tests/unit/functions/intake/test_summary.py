"""The import summary posted to Slack: counts, per-currency totals, warnings and the rejected-rows link."""

from __future__ import annotations

from typing import Any

import pytest

from functions.intake.summary import quarantine_text, summary_blocks, summary_text

KEY = "incoming/QuickBooks AR Aging Detail.csv"
URL = "s3://arrears-inbox/rejected/qb.csv.errors.csv"


def counts(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "profile": "quickbooks_ar_aging_detail",
        "profile_reason": "header matched",
        "rows_read": 120,
        "accepted": 115,
        "rejected": 5,
        "duplicates": 3,
        "rows_skipped": 7,
        "new": 40,
        "updated": 12,
        "unchanged": 8,
        "totals": {"USD": 1234567, "JPY": 150000, "KWD": 1500},
    }
    values.update(overrides)
    return values


def test_summary_text_done_counts_and_accounts() -> None:
    # Given a finished import
    # When its summary is written
    text = summary_text(KEY, counts(), "done", None)

    # Then the head names the file and profile, and each count is shown
    lines = text.split("\n")
    assert lines[0] == f":white_check_mark: Imported `{KEY}` (profile *quickbooks_ar_aging_detail*: header matched)"
    assert lines[1] == (
        "Rows: 120 read · 115 accepted · 5 rejected · 3 duplicate lines folded · 7 non-data lines skipped"
    )
    assert lines[2] == "Accounts: 40 new · 12 updated · 8 unchanged"


def test_summary_text_totals_per_currency_formatted_never_summed() -> None:
    # Given totals in three currencies with different minor units
    # When the summary is written
    text = summary_text(KEY, counts(), "done", None)

    # Then each currency is formatted with its own places, sorted by code, and never added together
    assert "Totals: JPY 150,000, KWD 1.500, USD 12,345.67" in text


def test_summary_text_running_no_totals_dash_and_zero_counts() -> None:
    # Given an import that has just started (no counts yet)
    # When its progress message is written
    text = summary_text(KEY, {}, "running", None)

    # Then it says it is importing, counts are zero, and totals are a dash
    assert text.startswith(f":hourglass_flowing_sand: Importing `{KEY}` (profile *?*: )")
    assert "Rows: 0 read · 0 accepted · 0 rejected" in text
    assert "Totals: —" in text


def test_summary_text_errors_location_only_when_given() -> None:
    # Given the same import with and without a rejected-rows file (its S3 location, never a link that opens unsigned)
    # When the summaries are written
    with_link = summary_text(KEY, counts(), "done", URL)
    without = summary_text(KEY, counts(), "done", None)
    empty = summary_text(KEY, counts(), "done", "")

    # Then the location appears exactly when one is given
    assert with_link.endswith(f"Rejected rows with reasons: `{URL}`")
    assert "Rejected rows" not in without
    assert "<" not in without
    assert "Rejected rows" not in empty


def test_summary_text_at_most_five_warnings() -> None:
    # Given eight parser warnings
    warnings = [f"warning {n}" for n in range(8)]

    # When the summary is written
    text = summary_text(KEY, counts(warnings=warnings), "done", None)

    # Then the first five are shown, each flagged
    assert [line for line in text.split("\n") if line.startswith(":warning:")] == [
        f":warning: warning {n}" for n in range(5)
    ]


def test_summary_blocks_one_section_within_slack_limit() -> None:
    # Given a summary text longer than a section allows
    text = "x" * 5_000

    # When it becomes blocks
    blocks = summary_blocks(text)

    # Then it is one mrkdwn section of at most 3,000 characters
    assert blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}}]


def test_quarantine_text_names_file_and_reason() -> None:
    # Given a file that could not be read
    # When the quarantine notice is written
    # Then it names the file and the reason
    assert quarantine_text(KEY, "not a CSV") == (
        f":rotating_light: `{KEY}` could not be read and was moved to quarantine: not a CSV"
    )


@pytest.mark.parametrize(
    ("action", "said"),
    [
        ("close", "closed as paid per source"),
        ("confirm", "reminders stopped until someone confirms paid or still owed"),
    ],
)
def test_summary_text_full_snapshot_left_out_invoices_named_with_what_was_done(action: str, said: str) -> None:
    # Given a full-snapshot import that left out open invoices of two accounts of the creditor
    # When the summary is written
    missing = counts(missing=2, creditor="acme", missing_sample=["acme:C-9", "acme:C-12"], missing_action=action)
    text = summary_text(KEY, missing, "done", None)

    # Then operations learn how many, of which creditor, what the creditor's rule did, and which ones
    assert f"Full snapshot: 2 account(s) of acme have open invoices this file leaves out: {said}" in text
    assert "`acme:C-9`, `acme:C-12`" in text


def test_summary_blocks_confirm_mode_has_paid_and_owed_buttons_per_account() -> None:
    # Given a snapshot held for confirmation on two accounts
    missing = counts(missing=2, missing_sample=["acme:C-9", "acme:C-12"], missing_action="confirm")

    # When the blocks are built
    blocks = summary_blocks("text", missing)

    # Then each account has a Paid and a Still owed button carrying its reference
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"].split(":")[0], e["value"]) for e in buttons] == [
        ("snapshot_paid", "acme:C-9"),
        ("snapshot_owed", "acme:C-9"),
        ("snapshot_paid", "acme:C-12"),
        ("snapshot_owed", "acme:C-12"),
    ]
    assert summary_blocks("text", counts(missing_action="close")) == blocks[:1]


def test_summary_text_not_a_snapshot_no_missing_line() -> None:
    # Given an ordinary (partial) import
    # When the summary is written
    # Then nothing is said about missing accounts
    assert "Full snapshot" not in summary_text(KEY, counts(), "done", None)
