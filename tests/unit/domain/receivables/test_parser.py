"""The streaming parser: no row lost, encodings and line endings, header quirks, checkpoints, unreadable files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.errors import InvalidInputError
from shared.domain.receivables import ReceivableRow, ReceivablesParser, UnreadableFileError
from shared.domain.receivables.parser import SAMPLE_LINES
from tests.unit.domain.receivables.support import fixture_bytes, parse_bytes, split_results

HEADER = "account_id,debtor_name,invoice,invoice_date,due_date,balance,currency"
GOOD = "A{n},Debtor {n},INV-{n},2026-06-01,2026-07-01,{n}.25,USD"
BAD = [
    "A{n},Debtor {n},INV-{n},2026-06-01,2026-07-01,abc,USD",
    "A{n},Debtor {n},,2026-06-01,2026-07-01,10.00,USD",
    "A{n},Debtor {n},INV-{n},2026-06-01,3/4/2026,10.00,USD",
    "A{n},Debtor {n},INV-{n},2026-06-01,2026-07-01,10.00,",
    'A{n},"Debtor {n},INV-{n},2026-06-01,2026-07-01,10.00,USD',
]
NON_DATA = ["", ",,,,,,", "91 or more days past due", "Total for Debtor", "Customer Group Name",
            '"Monday, Jul 28, 2026 10:01 AM GMT-07:00"']  # fmt: skip
KINDS = st.lists(
    st.one_of(
        st.just(("good", GOOD)),
        st.sampled_from(BAD).map(lambda text: ("bad", text)),
        st.sampled_from(NON_DATA).map(lambda text: ("skip", text)),
    ),
    max_size=40,
)


@settings(max_examples=150)
@given(rows=KINDS)
def test_parser_random_mix_every_data_row_accounted(rows: list[tuple[str, str]]) -> None:
    # Given a file mixing good rows, bad rows of several kinds and non-data rows
    lines = [HEADER] + [text.format(n=index) for index, (_, text) in enumerate(rows)]
    data = ("\n".join(lines) + "\n").encode()
    # When parsed with its layout named (a lone day/month date in a file of one row would rightly be asked about)
    accepted, rejected, parser = parse_bytes(data, "generic")
    # Then accepted + rejected == data rows, each bad row is reported at its own line, nothing else is lost
    good_lines = [index + 2 for index, (kind, _) in enumerate(rows) if kind == "good"]
    bad_lines = [index + 2 for index, (kind, _) in enumerate(rows) if kind == "bad"]
    report = parser.report
    assert report.accepted + report.rejected == report.rows_read == len(good_lines) + len(bad_lines)
    assert [row.line for row in accepted] == good_lines
    assert [row.line for row in rejected] == bad_lines
    assert report.rows_skipped == sum(1 for kind, _ in rows if kind == "skip")
    assert all(row.reason for row in rejected)


SAMPLE = (
    "Report title\n\naccount_id,debtor_name,invoice,due_date,balance,currency\nA1,Zoë Ünal,I-1,2026-07-01,5.00,EUR\n"
)


@given(
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    final_newline=st.booleans(),
    keepends=st.booleans(),
)
def test_parser_any_encoding_and_line_ending_gives_same_rows(
    encoding: str, newline: str, final_newline: bool, keepends: bool
) -> None:
    # Given the same content in UTF-8, UTF-8 with BOM or Windows-1252, any line ending, with or without
    # a final newline, handed over as lines with or without their endings
    text = SAMPLE.replace("\n", newline)
    data = (text if final_newline else text.rstrip(newline)).encode(encoding)
    lines = data.splitlines(keepends=keepends)
    # When parsed
    parser = ReceivablesParser()
    accepted, rejected = split_results(parser.parse(lines))
    # Then the row and its physical line number are the same every time
    assert rejected == []
    assert [(row.line, row.debtor, row.balance.minor) for row in accepted] == [(4, "Zoë Ünal", 500)]
    assert parser.report.encoding == encoding


def test_parser_crlf_split_across_chunks_counts_one_line() -> None:
    # Given a stream whose CR and LF arrive as separate items
    lines = [b"account_id,debtor_name,invoice,due_date,balance,currency\r", b"\n",
             b"A1,D,I-1,2026-07-01,5.00,USD\r", b"\n", b"A2,E,I-2,2026-07-01,6.00,USD"]  # fmt: skip
    # When parsed / Then line numbers are those of the file
    accepted, _ = split_results(ReceivablesParser().parse(lines))
    assert [row.line for row in accepted] == [2, 3]


def test_parser_quirky_header_is_matched() -> None:
    # Given a header with an empty first column, a single-space cell, `*` markers, odd case and spacing,
    # and every field quoted
    data = (
        b'"","*Account ID"," ","DEBTOR NAME","Invoice","Due-Date","balance ","Currency"\n'
        b'"","0000611365","x","Ann","77","2026-07-01","$1,000.00","usd"\n'
    )
    # When parsed with the generic profile
    accepted, rejected, _ = parse_bytes(data, "generic")
    # Then the columns are found and IDs stay strings
    assert rejected == []
    assert (accepted[0].account_id, accepted[0].invoice, accepted[0].balance.minor) == ("0000611365", "77", 100000)


def test_parser_parse_is_lazy_and_streams() -> None:
    # Given a long file delivered by a generator that counts what it hands out
    consumed = 0

    def source() -> Iterator[bytes]:
        nonlocal consumed
        yield (HEADER + "\n").encode()
        for index in range(100_000):
            consumed += 1
            yield (GOOD.format(n=index) + "\n").encode()

    # When the first row is taken
    rows = ReceivablesParser().parse(source())
    first = next(rows)
    # Then only the header region and the sample that checks its columns were read, not the whole file
    assert isinstance(first, ReceivableRow)
    assert consumed <= SAMPLE_LINES


def test_parser_start_line_skips_rows_already_done() -> None:
    # Given a file with line-item duplicates on both sides of a checkpoint at line 4
    data = (
        HEADER + "\n" + GOOD.format(n=1) + "\n" + GOOD.format(n=2) + "\n" + GOOD.format(n=3) + "\n"
        + GOOD.format(n=2) + "\n" + GOOD.format(n=5) + "\n"
    ).encode()  # fmt: skip
    # When parsing resumes after line 4
    accepted, rejected, parser = parse_bytes(data, start_line=4)
    # Then earlier rows are not yielded or counted, and a repeat of an earlier invoice is still a duplicate
    assert [row.line for row in accepted] == [6]
    assert (parser.report.rows_read, parser.report.duplicates) == (1, 1)
    assert rejected == []


def test_parser_grand_total_mismatch_only_warns() -> None:
    # Given a report whose TOTAL row disagrees with its rows
    data = (HEADER + "\n" + GOOD.format(n=1) + "\nTOTAL,,,,,999.00,\n").encode()
    # When parsed
    accepted, _, parser = parse_bytes(data)
    # Then the rows import and the report carries a warning
    assert len(accepted) == 1
    assert parser.report.rows_skipped == 1
    assert "differs from the accepted rows' sum" in parser.report.warnings[0]


def test_parser_late_non_utf8_line_decoded_with_warning() -> None:
    # Given a UTF-8 file with one Windows-1252 byte after the header region
    lines = [(HEADER + "\n").encode()] + [(GOOD.format(n=i) + "\n").encode() for i in range(SAMPLE_LINES + 10)]
    lines.append("A99,Caf\u00e9,INV-99,2026-06-01,2026-07-01,1.00,USD\n".encode("cp1252"))
    # When parsed
    parser = ReceivablesParser()
    accepted, _ = split_results(parser.parse(lines))
    # Then the row imports and the file report notes the fallback
    assert accepted[-1].debtor == "Café"
    assert "read it as Windows-1252" in parser.report.warnings[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"account_id,debtor_name\x00,invoice\n", "NUL"),
        (b"PK\x03\x04binary", "xlsx"),
        ("account_id,invoice\n".encode("utf-16"), "UTF-16"),
        (b"just,some,text\n" * 60 + HEADER.encode() + b"\n", "no header row"),
        (b"", "the file is empty"),
        (b"\n\n", "the file is empty"),
    ],
)
def test_parser_unreadable_file_raises_at_call(data: bytes, message: str) -> None:
    # Given content that is not a readable receivables CSV
    # When parse is called / Then it raises at once (before iteration), naming the cause
    with pytest.raises(UnreadableFileError, match=message):
        ReceivablesParser().parse(data.splitlines(keepends=True))


def test_parser_unknown_profile_name_is_unreadable() -> None:
    # Given a profile name from an unknown incoming/<profile>/ folder
    # When / Then the file is unreadable, an InvalidInputError the Lambda quarantines
    with pytest.raises(UnreadableFileError, match="unknown profile 'sage'") as caught:
        ReceivablesParser("sage").parse([HEADER.encode()])
    assert isinstance(caught.value, InvalidInputError)


def test_parser_named_profile_without_its_header_is_unreadable() -> None:
    # Given a Stripe export sent to the xero folder
    # When / Then the file is refused with the profile named
    with pytest.raises(UnreadableFileError, match="profile 'xero'"):
        parse_bytes(fixture_bytes("stripe_invoices.csv"), "xero")


def test_parser_repeated_header_row_is_skipped() -> None:
    # Given an export that repeats its header on every page
    data = (HEADER + "\n" + GOOD.format(n=1) + "\n" + HEADER + "\n" + GOOD.format(n=2) + "\n").encode()
    # When parsed / Then the repeat is a skipped row
    accepted, rejected, parser = parse_bytes(data)
    assert (len(accepted), len(rejected), parser.report.rows_skipped) == (2, 0, 1)


def test_parser_unclosed_quote_rejects_one_line_and_continues() -> None:
    # Given a stray quote that never closes, followed by good rows
    data = (HEADER + '\nA1,"Oops,INV-1,2026-06-01,2026-07-01,1.00,USD\n' + GOOD.format(n=2) + "\n").encode()
    # When parsed / Then only the broken line is rejected
    accepted, rejected, _ = parse_bytes(data)
    assert [row.line for row in rejected] == [2]
    assert [row.line for row in accepted] == [3]


def test_parser_debtor_named_total_is_still_data() -> None:
    # Given a Xero-style file whose first column is the contact and a debtor called "Total Wine"
    data = b"*ContactName,*InvoiceNumber,*DueDate,AmountDue,Currency\nTotal Wine & More,INV-9,1/2/2026,10.00,USD\n"
    # When parsed / Then the row is data, not a total row
    accepted, _, parser = parse_bytes(data)
    assert [row.debtor for row in accepted] == ["Total Wine & More"]
    assert parser.report.rows_skipped == 0


def test_parser_default_folds_only_adjacent_repeats_so_memory_stays_flat():
    # Given a line-item export: an invoice repeated on the next row, and once more far below
    from tests.unit.domain.receivables.support import parse_bytes

    data = (
        b"account_id,debtor_name,invoice,due_date,balance,currency\n"
        b"A1,Ann,I-1,2026-10-01,10.00,USD\nA1,Ann,I-1,2026-10-01,10.00,USD\n"
        b"B1,Bob,I-2,2026-10-01,20.00,USD\nA1,Ann,I-1,2026-10-01,10.00,USD\n"
    )
    # When the streaming parser reads it (no file-wide key memory) and when a preview does (file-wide)
    streamed, _, streaming = parse_bytes(data, remember_all=False)
    previewed, _, remembering = parse_bytes(data, remember_all=True)
    # Then the adjacent repeat is folded by both; the scattered one is left to the importer's merge
    assert [r.line for r in streamed] == [2, 4, 5] and streaming.report.duplicates == 1
    assert [r.line for r in previewed] == [2, 4] and remembering.report.duplicates == 2
