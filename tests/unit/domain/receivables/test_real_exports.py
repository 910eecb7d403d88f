"""Real exports written by other systems (tests/fixtures/SOURCES.md): each family reads to exact totals, every
row accounted for; a layout that is not certain is asked about, and reads right once its mapping is confirmed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from shared.domain.receivables import Profile, ReceivableRow, ReceivablesParser, RejectedRow, UnreadableFileError
from shared.domain.receivables.parser import LayoutUncertainError
from tests.fixtures.real_exports import ASKED_ONLY, EXPORTS, NOT_RECEIVABLES, PAYMENTS_ONLY, REAL, Export


def lines(path: str) -> list[bytes]:
    return (REAL / path).read_bytes().splitlines(keepends=True)


def confirmed(path: str, confirm: dict[str, Any]) -> Profile:
    """The profile a person confirms: the proposal, with the form's choices on top."""
    with pytest.raises(LayoutUncertainError) as asked:
        list(ReceivablesParser().parse(lines(path)))
    assert asked.value.proposal is not None
    options = dict(confirm)
    columns = {name: (cell,) for name, cell in options.pop("columns", {}).items()}
    profile = asked.value.proposal.profile(name="confirmed", **options)
    return replace(profile, columns={**profile.columns, **columns})


@pytest.mark.parametrize("export", EXPORTS, ids=[e.path for e in EXPORTS])
def test_real_export_reads_to_exact_totals_with_every_row_accounted(export: Export) -> None:
    # Given a real export (asked about first when its layout is not certain, then confirmed as a person would)
    profile = confirmed(export.path, export.confirm) if export.confirm is not None else None
    parser = ReceivablesParser(profile, remember_all=True)
    # When it is read
    results = list(parser.parse(lines(export.path)))
    owed = [r for r in results if isinstance(r, ReceivableRow) and not r.settled]
    report = parser.report
    # Then the open invoices and their totals per currency are exactly what the file holds
    assert (len(owed), report.totals) == (export.invoices, export.totals)
    by_invoice = {row.invoice: row for row in owed}
    for invoice, minor, due in export.samples:
        assert (by_invoice[invoice].balance.minor, by_invoice[invoice].due_date) == (minor, due)
    # And every row that owes nothing is counted with its reason, none silently imported
    for reason, count in export.skipped.items():
        assert report.not_owed.get(reason) == count
    assert not [r for r in results if isinstance(r, RejectedRow)]
    assert report.accepted == len(owed) and report.rejected == 0


@pytest.mark.parametrize("export", [e for e in EXPORTS if e.confirm is not None], ids=lambda e: e.path)
def test_uncertain_real_export_is_asked_about_with_its_doubt(export: Export) -> None:
    # Given a real export whose layout is not certain / When it is read without a mapping
    with pytest.raises(LayoutUncertainError) as asked:
        list(ReceivablesParser().parse(lines(export.path)))
    # Then it is asked about, saying why, never guessed
    assert export.asks in str(asked.value)


@pytest.mark.parametrize("path", ASKED_ONLY)
def test_real_exports_of_no_single_layout_are_asked_about(path: str) -> None:
    with pytest.raises(LayoutUncertainError) as asked:
        list(ReceivablesParser().parse(lines(path)))
    assert asked.value.proposal is not None and asked.value.proposal.doubts


@pytest.mark.parametrize("path", NOT_RECEIVABLES)
def test_real_file_with_no_receivables_header_is_refused(path: str) -> None:
    with pytest.raises(UnreadableFileError, match="no header row"):
        list(ReceivablesParser().parse(lines(path)))


def test_all_real_fixtures_are_covered() -> None:
    # Every real file kept is in one of the tables above, so none sits untested
    kept = {str(p.relative_to(REAL)) for p in REAL.rglob("*.csv")}
    assert kept == {e.path for e in EXPORTS} | set(ASKED_ONLY) | set(NOT_RECEIVABLES) | set(PAYMENTS_ONLY)
