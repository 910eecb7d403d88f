"""`arrears check` says what it would ask about, and `--save-mapping` writes a mapping the intake accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.cli import main
from shared.domain.receivables import ReceivablesParser, load_mapping
from tests.fixtures.real_exports import REAL

UNSURE = 'Kunde,Rechnung,Datum,Fällig am,Offen\nMüller GmbH,R-100,03/04/2026,05/06/2026,"1,250.00"\n'


def test_check_of_an_uncertain_layout_prints_the_proposal_and_saves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a file whose day/month order and currency are not certain
    path = tmp_path / "kunden.csv"
    path.write_text(UNSURE, encoding="utf-8")
    saved = tmp_path / "kunden.yaml"
    # When it is checked with --save-mapping
    code = main(["check", str(path), "--save-mapping", str(saved)])
    out = capsys.readouterr().out
    # Then it says what is in doubt and what it proposes, and exits 2: it would not import as it is
    assert code == 2
    assert "day-first and month-first both fit" in out and "choose the currency" in out
    assert "balance ← 'Offen'" in out
    # And the saved proposal, once its doubts are settled, is a valid mapping for exactly this header
    text = saved.read_text(encoding="utf-8") + "date_order: DMY\ndefault_currency: EUR\n"
    profile = load_mapping(text, "yaml")
    assert profile.header == ("kunde", "rechnung", "datum", "falligam", "offen")
    rows = list(ReceivablesParser(layouts=[profile]).parse(UNSURE.encode().splitlines(keepends=True)))
    assert [(r.invoice, r.balance.minor, r.balance.currency, str(r.due_date)) for r in rows] == [
        ("R-100", 125000, "EUR", "2026-06-05")
    ]


def test_check_json_of_an_uncertain_layout_is_one_proposal_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kunden.csv"
    path.write_text(UNSURE, encoding="utf-8")
    assert main(["check", str(path), "--json"]) == 2
    proposal = json.loads(capsys.readouterr().out)
    assert proposal["type"] == "proposal" and proposal["columns"]["invoice"] == "Rechnung"
    assert len(proposal["doubts"]) == 2


def test_save_mapping_of_an_inferred_layout_reads_later_files_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a warehouse table read for certain by inference
    path = REAL / "warehouse" / "xero_invoice_rows201-350.csv"
    saved = tmp_path / "xero-warehouse.yaml"
    # When it is checked with --save-mapping
    assert main(["check", str(path), "--summary", "--save-mapping", str(saved)]) == 0
    # Then the mapping written reads the file to the same totals as the check did
    profile = load_mapping(saved.read_text(encoding="utf-8"), "yaml")
    parser = ReceivablesParser(layouts=[profile])
    list(parser.parse(path.read_bytes().splitlines(keepends=True)))
    assert parser.report.profile == "xero-warehouse"
    assert parser.report.totals == {"GBP": 1273500, "USD": 3010600}
    assert "GBP 12,735.00, USD 30,106.00" in capsys.readouterr().out
