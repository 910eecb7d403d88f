"""A parse resumed from a byte offset yields exactly what one parse from the top yields: no row lost, repeated or
read under the wrong customer, however the file is cut."""

from __future__ import annotations

from itertools import islice

import pytest

from shared.domain.receivables import ReceivablesParser, get_profile
from shared.domain.receivables.bounds import READ_LINE_BYTES
from shared.domain.receivables.decoding import ByteLines, split_chunks
from shared.domain.receivables.parser import SAMPLE_LINES


def report_download(customers: int) -> bytes:
    """A QuickBooks Open Invoices report: customer group rows, payments, multi-line quoted memos, a line-item
    repeat of an invoice on the next line, totals, CRLF endings."""
    lines = ["Craftwork Supply Co.", "Open Invoices", '"As of December 1, 2026"', "",
             ",Date,Transaction Type,Num,Term,Due Date,Past Due,Amount,Open Balance"]  # fmt: skip
    for n in range(customers):
        lines.append(f"Customer {n:04d}")
        lines.append(f',10/02/2026,Invoice,{n}-1,Net 30,11/01/2026,30,"1,{n % 10}50.00","1,{n % 10}50.00"')
        if n % 3 == 0:
            lines.append(f',10/02/2026,Invoice,{n}-1,Net 30,11/01/2026,30,"1,{n % 10}50.00","1,{n % 10}50.00"')
        if n % 4 == 0:
            lines.append(f',10/05/2026,"Invoice\nmemo on two lines",{n}-2,Net 30,11/04/2026,27,20.00,20.00')
        if n % 5 == 0:
            lines.append(",10/20/2026,Payment,,,10/20/2026,,-200.00,-200.00")
        lines.append(f"Total for Customer {n:04d},,,,,,,,")
    lines.append("TOTAL,,,,,,,,")
    return ("\r\n".join(lines) + "\r\n").encode()


def chunked(data: bytes, size: int) -> list[bytes]:
    """An object as S3 hands it over: reads of `size` bytes, split into lines (a CRLF may be cut between two)."""
    return [data[i : i + size] for i in range(0, len(data), size)]


def reader(data: bytes, read: int, start: int = 0, first_line: int = 1) -> ByteLines:
    return ByteLines(lambda at: split_chunks(chunked(data[at:], read), READ_LINE_BYTES), start, first_line)


@pytest.mark.parametrize(("every", "read"), [(7, 4096), (50, 333), (1, 97)])
def test_a_parse_resumed_at_each_checkpoint_yields_what_one_parse_yields(every, read):
    data = report_download(160)
    assert data.count(b"\n") > SAMPLE_LINES + 100  # past the head, where a resume reads from its offset
    profile = get_profile("quickbooks")
    whole = ReceivablesParser(profile)
    expected = list(whole.parse(reader(data, read)))
    # When the file is imported `every` rows at a time, each continuation reading on from the byte it stopped at
    got, resumes, checkpoint, resume = [], 0, 0, None
    while True:
        parser = ReceivablesParser(profile)
        head = reader(data, read)
        rest = reader(data, read, resume.byte, resume.line) if resume else head
        rows = list(islice(parser.parse(head, start_line=checkpoint, resume=resume, rest=rest), every))
        resumes += parser.resumed
        if not rows:
            break
        got += rows
        checkpoint = rows[-1].line
        resume = parser.resume_point((rest if parser.resumed else head).start_of)
    # Then the rows, their lines, customers and repeats folded are exactly those of one uninterrupted parse
    assert got == expected
    assert resumes > 0  # and the continuations past the head did not read the file from the top
    assert {r.account_id for r in expected} >= {"Customer 0000", "Customer 0159"}


def test_a_reader_that_cut_a_line_knows_no_offsets_so_the_import_reads_from_the_top():
    lines = ByteLines(lambda _: iter([b"header\n", b"x" * 11 + b"\n", b"next\n"]), limit=10)
    assert list(lines)[1] == b"x" * 11 + b"\n"
    assert lines.start_of(3) is None


def test_a_reader_knows_where_each_recent_line_starts_across_crlf_split_between_reads():
    pieces = [b"a,b\r", b"\n", b"1,2\r\n", b"3,4\r", b"\n"]
    lines = ByteLines(lambda _: iter(pieces))
    read = list(lines)
    assert read == pieces
    assert [lines.start_of(n) for n in (1, 2, 3, 4)] == [0, 5, 10, 15]
