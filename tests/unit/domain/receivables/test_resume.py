"""Checkpoints: results come in line order, so resuming after any yielded line loses and repeats nothing."""

from __future__ import annotations

from itertools import islice

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.receivables import ReceivablesParser
from shared.domain.receivables.parser import Result
from shared.domain.receivables.profiles import Profile
from tests.unit.domain.receivables.support import fixture_profile, split_results

COUNTERS = ("rows_read", "accepted", "rejected", "duplicates", "rows_skipped")
LEDGER = fixture_profile("ledger.json")
LEDGER_HEADER = "Date,Customer No,Customer,Type,Invoice No,Due Date,Amount,Currency"
# Payments before their invoices, rejected rows between them, repeats and a blank row.
LEDGER_FILE = "\n".join([
    LEDGER_HEADER,
    "2026-04-20,C-1,Alpha,Payment,INV-1,,-20.00,USD",  # 2: opens INV-1 before its invoice
    "2026-04-01,C-2,Beta,Invoice,INV-2,2026-05-01,30.00,USD",  # 3: accepted
    "2026-04-01,C-3,Gamma,Invoice,INV-3,2026-05-01,abc,USD",  # 4: rejected while reading
    "2026-04-21,C-1,Alpha,Payment,INV-1,,-5.00,USD",  # 5: folded into INV-1 (a duplicate)
    ",,,,,,,",  # 6: skipped
    "2026-04-01,C-1,Alpha,Invoice,INV-1,2026-05-01,100.00,USD",  # 7: accepted, netted to 75.00 (and folded)
    "2026-04-22,C-4,Delta,Payment,INV-4,,oops,USD",  # 8: rejected while reading
    "2026-04-01,C-2,Beta,Invoice,INV-2,2026-05-01,30.00,USD",  # 9: repeated invoice (a duplicate)
    "2026-04-23,C-5,Eps,Payment,INV-5,,-10.00,USD",  # 10: rejected at the end: no invoice row
    "2026-04-01,C-6,Zeta,Invoice,INV-6,2026-05-01,60.00,EUR",  # 11: accepted
    "2026-04-24,C-7,Eta,Payment,INV-7,,-10.00,USD",  # 12: opens INV-7 before its invoice
    "2026-04-02,C-7,Eta,Invoice,INV-7,2026-05-02,40.00,EUR",  # 13: rejected at the end: currencies differ (folded)
]).encode() + b"\n"  # fmt: skip


def parse(data: bytes, profile: Profile | str | None, start_line: int = 0) -> tuple[list[Result], ReceivablesParser]:
    """Parse as the importer does (adjacent repeats only) and return every result with the parser."""
    parser = ReceivablesParser(profile)
    return list(parser.parse(data.splitlines(keepends=True), start_line=start_line)), parser


def counts(parser: ReceivablesParser) -> dict[str, int]:
    report = parser.report
    return {name: getattr(report, name) for name in COUNTERS} | {f"total {c}": m for c, m in report.totals.items()}


def assert_every_checkpoint_splits_exactly(data: bytes, profile: Profile | str | None) -> None:
    """Take results as the importer does, checkpoint at the last one taken, resume: the two runs make the whole."""
    full, whole = parse(data, profile)
    for taken in range(1, len(full) + 1):
        first = ReceivablesParser(profile)
        before = list(islice(first.parse(data.splitlines(keepends=True)), taken))
        at_checkpoint = counts(first)  # what the importer stores with the checkpoint
        rest, second = parse(data, profile, start_line=before[-1].line)
        after = counts(second)
        assert before + rest == full, f"checkpoint at line {before[-1].line}"
        summed = {name: at_checkpoint.get(name, 0) + after.get(name, 0) for name in at_checkpoint | after}
        assert summed == counts(whole), f"checkpoint at line {before[-1].line}"


def test_parser_ledger_payments_before_invoices_results_in_line_order() -> None:
    # Given a ledger export with payments before their invoices and rejected rows between them
    # When parsed
    results, parser = parse(LEDGER_FILE, LEDGER)
    # Then accepted and rejected rows alike come in ascending line order, each where the file has it
    accepted, rejected = split_results(results)
    assert [row.line for row in results] == [3, 4, 7, 8, 10, 11, 13]
    assert [(row.line, row.invoice, row.balance.minor) for row in accepted] == [
        (3, "INV-2", 3000), (7, "INV-1", 7500), (11, "INV-6", 6000)
    ]  # fmt: skip
    assert [row.line for row in rejected] == [4, 8, 10, 13]
    # and the counts add up as before: each data row is read once or folded into an earlier one
    report = parser.report
    assert report.accepted + report.rejected == report.rows_read == 7
    assert (report.duplicates, report.rows_skipped) == (4, 1)  # lines 5, 7, 9, 13 fold into lines 2, 3, 12


def test_parser_ledger_resume_at_each_checkpoint_loses_and_repeats_nothing() -> None:
    # Given the same ledger export / When an import checkpoints after any result and resumes there
    # Then the results and counts before and after the checkpoint make exactly those of one parse
    assert_every_checkpoint_splits_exactly(LEDGER_FILE, LEDGER)


def test_parser_default_resume_at_each_checkpoint_loses_and_repeats_nothing() -> None:
    # Given a streamed (non-ledger) export with rejected rows, skipped rows and adjacent repeats on both sides
    data = b"\n".join([
        b"account_id,debtor_name,invoice,due_date,balance,currency",
        b"A1,Ann,I-1,2026-07-01,5.00,USD", b"A1,Ann,I-1,2026-07-01,5.00,USD", b"A2,Bo,I-2,2026-07-01,abc,USD",
        b"", b"A3,Cy,I-3,2026-07-01,7.00,EUR", b"A3,Cy,I-3,2026-07-01,7.00,EUR", b'A4,"Di,I-4,2026-07-01,1.00,USD',
        b"A5,Ed,I-5,2026-07-01,9.00,USD",
    ]) + b"\n"  # fmt: skip
    # When an import checkpoints after any result and resumes there / Then nothing is lost or repeated
    assert_every_checkpoint_splits_exactly(data, "generic")


LEDGER_ROWS = st.lists(
    st.one_of(
        st.integers(1, 4).map(lambda n: f"2026-04-01,C-{n},D{n},Invoice,INV-{n},2026-05-01,{n}0.00,USD"),
        st.integers(1, 4).map(lambda n: f"2026-04-02,C-{n},D{n},Payment,INV-{n},,-{n}.00,USD"),
        st.integers(1, 4).map(lambda n: f"2026-04-01,C-{n},D{n},Invoice,INV-{n},2026-05-01,1.00,EUR"),
        st.just("2026-04-01,C-9,Bad,Invoice,INV-9,2026-05-01,abc,USD"),
        st.just("2026-04-02,C-8,Bad,Payment,INV-8,,oops,USD"),
        st.just(",,,,,,,"),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(rows=LEDGER_ROWS)
def test_parser_ledger_any_file_splits_exactly_at_every_checkpoint(rows: list[str]) -> None:
    # Given any mix of invoices, payments (before or after their invoice), repeats, bad and blank rows
    data = ("\n".join([LEDGER_HEADER, *rows]) + "\n").encode()
    # When parsed whole / Then results ascend by line and accepted + rejected == rows read
    results, parser = parse(data, LEDGER)
    lines = [row.line for row in results]
    assert lines == sorted(set(lines))
    assert parser.report.accepted + parser.report.rejected == parser.report.rows_read == len(results)
    # and resuming at any checkpoint neither loses nor repeats a result or a count
    assert_every_checkpoint_splits_exactly(data, LEDGER)
