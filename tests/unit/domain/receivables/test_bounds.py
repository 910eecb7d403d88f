"""Input bounds: a row outside a bound is rejected with a reason naming the field and the bound; the rest imports."""

from __future__ import annotations

import time

import pytest

from shared.domain.receivables import ReceivableRow, UnreadableFileError
from shared.domain.receivables.bounds import MAX_CELL_CHARS, MAX_ID_CHARS, MAX_LINE_CHARS
from shared.domain.receivables.decoding import split_chunks, split_physical
from tests.unit.domain.receivables.support import parse_bytes

HEADER = b"account_id,debtor_name,invoice,invoice_date,due_date,balance,currency,email\n"
GOOD = b"A1,Ann,I-1,2026-09-01,2026-10-01,5.00,USD,ann@example.com\n"
AFTER = b"A9,Zed,I-9,2026-09-01,2026-10-01,9.00,USD,\n"


def row(account: bytes = b"A2", invoice: bytes = b"I-2", due: bytes = b"2026-10-01", balance: bytes = b"5.00") -> bytes:
    return b"%s,Bob,%s,2026-09-01,%s,%s,USD,\n" % (account, invoice, due, balance)


@pytest.mark.parametrize(
    ("poison", "reason"),
    [
        (row(due=b"9999-12-31"), "due_date '9999-12-31' is outside the years 1900..2100 Arrears accepts"),
        (row(due=b"1066-10-14"), "due_date '1066-10-14' is outside the years 1900..2100"),
        (row(balance=b'"1,000,000,000,000.00"'), "is above the bound of 999,999,999,999 units of its currency"),
        (row(balance=b"9" * 309), "balance is 309 characters long, over the bound of 256 characters"),
        (row(account=b"A" * 1100), f"account_id is 1,100 characters long, over the bound of {MAX_ID_CHARS}"),
        (row(invoice=b"I" * 129), f"invoice is 129 characters long, over the bound of {MAX_ID_CHARS}"),
        (b"A2," + b"B" * 300 + b",I-2,2026-09-01,2026-10-01,5.00,USD,\n", "debtor_name is 300 characters long"),
        (row()[:-1] + b'"' + b"m" * 40_000 + b'"\n', f"over the bound of {MAX_CELL_CHARS:,} characters"),
    ],
)
def test_parser_value_out_of_bounds_rejects_the_row_and_keeps_the_rest(poison: bytes, reason: str) -> None:
    # Given a file where one row holds a value past a bound, between two good rows
    data = HEADER + GOOD + poison + AFTER
    # When parsed
    accepted, rejected, parser = parse_bytes(data)
    # Then that row alone is rejected, at its line, with a reason naming the field and the bound
    assert [r.line for r in accepted] == [2, 4]
    assert [r.line for r in rejected] == [3]
    assert reason in rejected[0].reason
    assert parser.report.rows_read == parser.report.accepted + parser.report.rejected == 3


def test_parser_terms_pushing_due_date_past_window_rejects_the_row() -> None:
    # Given a row whose due date is derived from an invoice date at the window's end plus 30 days
    data = (
        b"account_id,debtor_name,invoice,invoice_date,balance,currency,terms\nA1,Ann,I-1,2100-12-15,5.00,USD,Net 30\n"
    )
    # When parsed
    _, rejected, _ = parse_bytes(data)
    # Then it is rejected naming the derived due date and the window
    assert rejected[0].reason == (
        "due_date derived from invoice_date 2100-12-15 and 30 days is outside the years 1900..2100 Arrears accepts"
    )


@pytest.mark.parametrize("size", [140_000, 8 * 1024 * 1024])
def test_parser_line_over_bound_is_rejected_at_its_line_and_the_rest_imports(size: int) -> None:
    # Given a cell longer than csv's field limit (131,072) on line 3 (before: `field larger than field limit`)
    poison = b"A2,Bob," + b"y" * size + b",2026-09-01,2026-10-01,5.00,USD,\n"
    data = HEADER + GOOD + poison + AFTER
    # When parsed
    accepted, rejected, _ = parse_bytes(data)
    # Then line 3 is rejected as too long, with only its start kept, and lines 2 and 4 import
    assert [r.line for r in accepted] == [2, 4]
    assert [(r.line, r.reason) for r in rejected] == [
        (3, f"line is longer than the bound of {MAX_LINE_CHARS:,} characters: its cells were not read")
    ]
    assert len(rejected[0].raw) < 1_100


def test_parser_quoted_field_growing_past_bound_is_broken_and_next_lines_read_again() -> None:
    # Given a quote opened on line 3 whose continuation lines add up to more than the record bound
    filler = b"".join(b"x" * 30_000 + b"\n" for _ in range(3))
    data = HEADER + GOOD + b'A2,"Bob\n' + filler + AFTER
    # When parsed
    accepted, rejected, _ = parse_bytes(data)
    # Then line 3 is rejected as never closed within the bound, and the following good row still imports
    assert rejected[0].line == 3 and "65,536 characters" in rejected[0].reason
    assert accepted[-1].account_id == "A9"


def test_parser_header_with_too_many_columns_is_unreadable() -> None:
    # Given a header of 300 columns
    data = HEADER[:-1] + b"".join(b",extra%d" % i for i in range(292)) + b"\n" + GOOD
    # When parsed, then the file is refused naming the bound
    with pytest.raises(UnreadableFileError, match="300 columns, over the bound of 256"):
        parse_bytes(data)


@pytest.mark.parametrize("remember_all", [False, True])
def test_parser_valid_row_after_rejected_row_with_same_key_imports(remember_all: bool) -> None:
    # Given a rejected row (bad balance) followed by a valid row with the same account and invoice
    data = HEADER + row(balance=b"abc") + row(balance=b"7.00")
    # When parsed, streaming (the import) or remembering every key (a preview)
    accepted, rejected, parser = parse_bytes(data, remember_all=remember_all)
    # Then the valid row imports rather than being folded into the rejected one
    assert [(r.line, r.balance.minor) for r in accepted] == [(3, 700)]
    assert [r.line for r in rejected] == [2]
    assert parser.report.duplicates == 0


def test_split_chunks_keeps_endings_and_crlf_across_chunks() -> None:
    # Given lines with every ending, chunked so that a CRLF pair is split between chunks
    data = b"a,b\r\nc,d\re,f\ng,h\r\ni"
    chunks = [data[:4], data[4:9], data[9:]]
    # When split
    lines = list(split_chunks(chunks, 100))
    # Then the physical lines are those of the whole, endings kept
    assert b"".join(lines) == data
    assert list(split_physical(lines)) == [b"a,b", b"c,d", b"e,f", b"g,h", b"i"]


def test_split_chunks_cuts_a_long_line_to_the_bound_plus_one() -> None:
    # Given a 1 MB line between two short ones, read in 1 KiB chunks
    data = b"x\n" + b"y" * 1_000_000 + b"\r\nz\n"
    chunks = [data[i : i + 1024] for i in range(0, len(data), 1024)]
    # When split with a bound of 100 bytes
    lines = list(split_chunks(chunks, 100))
    # Then the long line keeps 101 bytes and its ending, the others are whole
    assert lines == [b"x\n", b"y" * 101 + b"\r\n", b"z\n"]


def test_split_chunks_time_is_linear_in_a_long_line() -> None:
    # Given an 8 MiB line and a 32 MiB line in 64 KiB chunks (botocore's iter_lines: 23.6 s for 8 MiB)
    def timed(size: int) -> float:
        data = b"q" * size + b"\n"
        chunks = (data[i : i + 65536] for i in range(0, len(data), 65536))
        start = time.perf_counter()
        assert sum(1 for _ in split_chunks(chunks, 1 << 20)) == 1
        return time.perf_counter() - start

    # When each is split, then both take well under a second
    assert timed(8 << 20) < 1.0
    assert timed(32 << 20) < 2.0


def test_parser_accepts_values_at_their_bounds() -> None:
    # Given ids of exactly 128 characters, a date at the window's edge and the largest amount
    data = HEADER + row(account=b"A" * 128, invoice=b"I" * 128, due=b"2100-12-31", balance=b"999999999999.99")
    # When parsed
    accepted, rejected, _ = parse_bytes(data)
    # Then it is accepted
    assert rejected == [] and isinstance(accepted[0], ReceivableRow)
    assert accepted[0].balance.minor == 99_999_999_999_999
