"""`arrears check`: the streamed check (events, summary, progress, human text) and the held JSON preview."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest

from shared.domain.receivables import UnreadableFileError, preview, render_preview
from shared.domain.receivables.preview import HumanCheck, Progress, ProgressMeter, check_rows
from tests.unit.domain.receivables.support import fixture_bytes

HEADER = "account_id,debtor_name,invoice,due_date,balance,currency\n"
ITEM_KEYS = {"line", "account_id", "invoice", "debtor", "email", "phone", "balance_minor", "currency", "due_date"}
ROW_KEYS = {"type", *ITEM_KEYS}


def good(n: int, balance: str = "10.00", currency: str = "USD") -> str:
    return f"A{n},Debtor {n},INV-{n},2026-07-01,{balance},{currency}\n"


def csv_lines(*rows: str) -> list[bytes]:
    return (HEADER + "".join(rows)).encode().splitlines(keepends=True)


def events_of(lines: list[bytes]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    events = list(check_rows(lines, None))
    return events[:-1], events[-1]


def test_check_rows_mixed_file_streams_rows_and_rejections_in_line_order_then_summary() -> None:
    # Given two good rows around a row without an invoice number
    lines = csv_lines(good(1, "10.00"), "A2,Debtor 2,,2026-07-01,5.00,USD\n", good(3, "2.50", "EUR"))
    # When checked
    events, summary = events_of(lines)
    # Then one event per data row in line order, each a JSON line, and the summary last
    assert [(e["type"], e["line"]) for e in events] == [("row", 2), ("rejected", 3), ("row", 4)]
    assert events[1] == {"type": "rejected", "line": 3, "reason": "invoice is missing"}
    assert set(events[0]) == ROW_KEYS
    assert all(json.loads(json.dumps(e, ensure_ascii=False)) == e for e in [*events, summary])
    assert summary == {
        "type": "summary", "profile": "generic", "rows_read": 3, "accepted": 2, "rejected": 1,
        "duplicates": 0, "skipped": 0, "totals": {"EUR": 250, "USD": 1000}, "warnings": [],
    }  # fmt: skip


def test_check_rows_summary_totals_equal_the_sum_of_the_row_events() -> None:
    # Given rows in three currencies, credits included
    rows = [good(n, f"{n}.{n:02d}", "USD") if n % 3 else good(n, f"{n * 100}", "JPY") for n in range(1, 60)]
    rows[4:6] = [good(5, "-40.00", "EUR"), good(6, "7.25", "EUR")]
    # When checked
    events, summary = events_of(csv_lines(*rows))
    # Then the summary's totals and counts are what the row events add up to
    totals: dict[str, int] = {}
    for event in events:
        totals[event["currency"]] = totals.get(event["currency"], 0) + event["balance_minor"]
    assert summary["totals"] == totals
    assert totals["EUR"] == -3275
    assert summary["accepted"] == len(events) == summary["rows_read"] == 59


def test_check_rows_adjacent_repeat_is_counted_as_duplicate() -> None:
    # Given an invoice listed twice in a row (a line-item export)
    lines = csv_lines(good(1), good(1), good(2))
    # When checked
    events, summary = events_of(lines)
    # Then the repeat is folded and counted, not accepted
    assert [e["line"] for e in events] == [2, 4]
    assert (summary["accepted"], summary["duplicates"]) == (2, 1)


def test_check_rows_scattered_repeat_is_accepted_where_the_held_preview_folds_it() -> None:
    # Given an invoice repeated further down the file
    lines = csv_lines(good(1), good(2), good(1))
    # When checked (streaming) and previewed (holding every key)
    events, summary = events_of(lines)
    held = preview(lines, None)
    # Then the check keeps no key memory: the repeat is accepted here (the import folds it), the preview folds it
    assert [e["line"] for e in events] == [2, 3, 4] and summary["duplicates"] == 0
    assert [row["line"] for row in held["accepted"]] == [2, 3]


def test_check_rows_without_scattered_repeats_gives_the_held_previews_rows() -> None:
    # Given the bad-rows fixture without its one scattered repeat (line 24 repeats line 2)
    lines = fixture_bytes("bad_rows.csv").splitlines(keepends=True)
    assert lines.pop(23) == lines[1]
    # When checked and previewed
    events, summary = events_of(lines)
    held = preview(lines, None)
    # Then both see the same accepted rows, rejections and totals
    assert [{k: v for k, v in e.items() if k != "type"} for e in events if e["type"] == "row"] == held["accepted"]
    assert [{"line": e["line"], "reason": e["reason"]} for e in events if e["type"] == "rejected"] == held["rejected"]
    assert (summary["totals"], summary["rows_read"]) == (held["totals"], held["rows_read"])


def test_check_rows_reads_lazily_so_the_first_event_comes_before_the_file_ends() -> None:
    # Given a long file whose lines are counted as the check pulls them
    pulled = count()

    def source() -> Iterator[bytes]:
        yield HEADER.encode()
        for n in range(1, 5001):
            next(pulled)
            yield good(n).encode()

    # When the first event is taken
    first = next(check_rows(source(), None))
    # Then only the head of the file was read (the header search reads ahead a bounded number of lines)
    assert first["line"] == 2
    assert next(pulled) < 1000


def test_check_rows_unreadable_file_raises_before_any_event() -> None:
    events = check_rows([b"PK\x03\x04\x00\x00binary zip\n"], None)

    with pytest.raises(UnreadableFileError):
        next(events)


def test_check_rows_slow_check_reports_progress_every_two_seconds_of_the_clock() -> None:
    # Given a clock that moves half a second each time it is read (once at the start, once a line)
    ticks = count(0.0, 0.5)
    reports: list[Progress] = []
    lines = csv_lines(*(good(n) for n in range(1, 20)))
    meter = ProgressMeter(lambda: next(ticks), reports.append, size_bytes=sum(map(len, lines)))
    # When checked
    list(check_rows(lines, None, meter))
    # Then nothing in the first 2 s, then a report each 2 s, with the lines and bytes read so far
    assert [(p.lines, p.elapsed_s) for p in reports] == [(4, 2.0), (8, 4.0), (12, 6.0), (16, 8.0), (20, 10.0)]
    assert [p.bytes_read for p in reports] == [sum(map(len, lines[:n])) for n in (4, 8, 12, 16, 20)]
    assert reports[-1].bytes_read == meter.size_bytes


def test_check_rows_fast_check_reports_no_progress() -> None:
    reports: list[Progress] = []
    meter = ProgressMeter(lambda: 100.0, reports.append, size_bytes=1)

    list(check_rows(csv_lines(*(good(n) for n in range(1, 50))), None, meter))

    assert reports == []


def test_progress_render_gives_rate_and_share_of_the_file() -> None:
    progress = Progress(lines=1000, bytes_read=2**19, size_bytes=2**20, elapsed_s=2.0)

    assert progress.render() == "arrears check: 1,000 lines read, 500 lines/s, 0.5 of 1.0 MiB (50%)"
    assert Progress(10, 2**20, 0, 1.0).render().endswith("10 lines/s, 1.0 MiB")  # size unknown (a pipe)


def test_human_check_prints_each_rejection_as_it_comes() -> None:
    # Given the human form fed a row, then two rejections
    human = HumanCheck()
    events, _ = events_of(csv_lines(good(1), "A2,D,,2026-07-01,1.00,USD\n", "A3,D,INV-3,2026-07-01,abc,USD\n"))
    # When fed, Then rows print nothing yet and each rejection prints at once, under one heading
    assert [human.feed(e) for e in events] == [
        "",
        "Rejected:\n  line 3: invoice is missing\n",
        "  line 4: balance 'abc' is not an amount in decimal point (1,234.56) style\n",
    ]


def test_human_check_shows_the_first_20_accepted_rows_then_the_summary() -> None:
    # Given 25 accepted rows with an adjacent repeat and a rejection
    rows = [good(n) for n in range(1, 26)]
    events, summary = events_of(csv_lines(*rows[:3], rows[2], *rows[3:], "A99,D,,2026-07-01,1.00,USD\n"))
    human = HumanCheck()
    # When fed every event
    text = "".join(human.feed(e) for e in [*events, summary])
    # Then it keeps only 20 rows, lists them, and ends with the counts, duplicates and totals
    assert len(human.shown) == 20
    assert "Accepted (first 20 of 25):" in text
    assert "INV-20 " in text and "INV-21 " not in text
    assert text.index("Rejected:") < text.index("Accepted (first") < text.index("Profile: generic")
    assert text.endswith("Totals: USD 250.00\n")
    assert "Rows read: 26 (25 accepted, 1 rejected)" in text
    assert "Duplicates folded: 1 " in text


def test_human_check_summary_only_prints_no_rows_or_rejections() -> None:
    human = HumanCheck(summary_only=True)
    events, summary = events_of(csv_lines(good(1), "A2,D,,2026-07-01,1.00,USD\n"))

    text = "".join(human.feed(e) for e in [*events, summary])

    assert text.startswith("Profile: generic\nRows read: 2 (1 accepted, 1 rejected)\n")
    assert "Rejected" not in text and "INV-1" not in text and human.shown == []
    assert text.endswith("Totals: USD 10.00\n")


def test_preview_stripe_fixture_gives_exact_json_shape() -> None:
    # Given the Stripe fixture (one invoice paid: it owes nothing and is neither accepted nor rejected)
    lines = fixture_bytes("stripe_invoices.csv").splitlines(keepends=True)
    # When previewed
    result = preview(lines, None)
    # Then the object has exactly the documented keys and is JSON-serialisable
    assert set(result) == {"profile", "rows_read", "accepted", "rejected", "totals"}
    assert result["profile"] == "stripe"
    assert result["rows_read"] == len(result["accepted"]) + len(result["rejected"]) == 4
    assert result["accepted"][0] == {
        "line": 2, "account_id": "cus_QhX1aB2cD3eF4g", "invoice": "8D3F21A0-0001", "debtor": "Northwind Traders",
        "email": "ap@northwind.example", "phone": "+17205550100", "balance_minor": 4900, "currency": "USD",
        "due_date": "2026-07-01",
    }  # fmt: skip
    assert "8D3F21A0-0003" not in [row["invoice"] for row in result["accepted"]]
    assert result["rejected"] == [
        {"line": 5, "reason": "due_date is missing and there are no terms to derive it (set terms_days)"}
    ]
    assert result["totals"] == {"EUR": 1550, "JPY": 1200, "USD": 4900}
    json.dumps(result)


def test_render_preview_lists_summary_rejections_and_rows() -> None:
    # Given a preview of a file with a good row, a bad one and a credit
    result = preview(csv_lines(good(1, "30.00"), "A2,D,,2026-07-01,1.00,USD\n", good(3, "-5.00")), None)
    # When rendered for a person
    text = render_preview(result)
    # Then it shows the profile, the counts, the totals, each rejection and the accepted rows
    assert "Profile: generic" in text
    assert "Rows read: 3 (2 accepted, 1 rejected)" in text
    assert "Totals: USD 25.00" in text
    assert "line 3: invoice is missing" in text
    assert "INV-3" in text
