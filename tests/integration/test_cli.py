"""The `arrears` command line: `check` streams a receivables file's check, `compliance check` decides one contact."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from local.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "receivables"
COMPLIANCE = ROOT.parent / "shared" / "compliance"
SUMMARY_KEYS = {"type", "profile", "rows_read", "accepted", "rejected", "duplicates", "skipped", "totals", "warnings"}
ITEM_KEYS = {"line", "account_id", "invoice", "debtor", "email", "phone", "balance_minor", "currency", "due_date"}
needs_compliance_suite = pytest.mark.skipif(
    not (COMPLIANCE / "check_runner.py").is_file() or not (COMPLIANCE / "cases").is_dir(),
    reason=f"the shared compliance suite ({COMPLIANCE}/check_runner.py and cases/) is not on this machine",
)


def run_arrears(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`arrears ...` as a separate process, the way a shell or check_runner runs it."""
    command = [sys.executable, "-m", "local.cli", *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)  # noqa: S603


def only_json_object(out: str) -> dict[str, Any]:
    """The output parsed, after checking it is exactly one JSON object on one line."""
    assert out.endswith("\n") and out.count("\n") == 1, out
    document = json.loads(out)
    assert isinstance(document, dict)
    return document


def json_lines(out: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The `--json` output parsed: one object a line, the summary last and only there."""
    assert out.endswith("\n"), out
    events = [json.loads(line) for line in out.splitlines()]
    assert [event["type"] for event in events].count("summary") == 1 and events[-1]["type"] == "summary"
    assert set(events[-1]) == SUMMARY_KEYS
    return events[:-1], events[-1]


def write_csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "ar.csv"
    path.write_text("account_id,debtor_name,invoice,due_date,balance,currency\n" + "".join(rows), encoding="utf-8")
    return path


def test_check_json_bad_rows_streams_one_line_per_row_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a generic export with good and bad rows
    path = FIXTURES / "bad_rows.csv"

    # When checked as JSON
    code = main(["check", str(path), "--json"])

    # Then a JSON line per accepted and per rejected row, the summary last, and exit 1 for the rejections
    out = capsys.readouterr()
    assert (code, out.err) == (1, "")
    events, summary = json_lines(out.out)
    rows = [event for event in events if event["type"] == "row"]
    rejected = [event for event in events if event["type"] == "rejected"]
    assert all(set(row) == {"type", *ITEM_KEYS} for row in rows)
    assert rows[0] == {
        "type": "row",
        "line": 2,
        "account_id": "B1",
        "invoice": "G-1",
        "debtor": "Good Row Inc",
        "email": "ok@good.example",
        "phone": None,
        "balance_minor": 10000,
        "currency": "USD",
        "due_date": "2026-07-01",
    }
    assert {"type": "rejected", "line": 3, "reason": "invoice is missing"} in rejected
    assert (summary["profile"], summary["accepted"], summary["rejected"]) == ("generic", len(rows), len(rejected))
    assert summary["rows_read"] == len(events)
    assert summary["totals"] == {"USD": sum(row["balance_minor"] for row in rows)}


def test_check_json_quickbooks_profile_totals_match_report(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a QuickBooks A/R Aging Detail report whose TOTAL row is $4,744.02
    path = FIXTURES / "quickbooks_ar_aging_detail.csv"

    # When checked as JSON with the quickbooks profile
    code = main(["check", str(path), "--profile", "quickbooks", "--json"])

    # Then every invoice line is accepted (credit memo negative), the totals equal the report's, and exit 0
    events, summary = json_lines(capsys.readouterr().out)
    assert code == 0
    assert (summary["profile"], summary["rows_read"], summary["rejected"]) == ("quickbooks", 6, 0)
    assert [event["invoice"] for event in events] == ["1001", "1004", "1019", "1027", "1030", "0001042"]
    assert events[4]["balance_minor"] == -5000
    assert summary["totals"] == {"USD": 474402}


def test_check_json_in_subprocess_prints_only_json_lines() -> None:
    # Given the quickbooks report, When `arrears check --json` runs as its own process
    result = run_arrears("check", str(FIXTURES / "quickbooks_ar_aging_detail.csv"), "--profile", "quickbooks", "--json")

    # Then stdout is the JSON lines and nothing else was written
    assert (result.returncode, result.stderr) == (0, "")
    events, summary = json_lines(result.stdout)
    assert len(events) == 6
    assert summary["totals"] == {"USD": 474402}


def test_check_json_summary_prints_only_the_summary_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a file with an invoice listed twice in a row and a row without an invoice number
    path = write_csv(
        tmp_path,
        "A1,Ann,INV-1,2026-07-01,10.00,USD\n",
        "A1,Ann,INV-1,2026-07-01,10.00,USD\n",
        "A2,Bob,,2026-07-01,5.00,USD\n",
        "A3,Cy,INV-3,2026-07-01,7.50,EUR\n",
    )

    # When checked with --json --summary
    code = main(["check", str(path), "--json", "--summary"])

    # Then one line: the summary, with the folded repeat counted
    assert code == 1
    assert only_json_object(capsys.readouterr().out) == {
        "type": "summary",
        "profile": "generic",
        "rows_read": 3,
        "accepted": 2,
        "rejected": 1,
        "duplicates": 1,
        "skipped": 0,
        "totals": {"EUR": 750, "USD": 1000},
        "warnings": [],
    }


def test_check_every_row_accepted_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path, "A1,Ann,INV-1,2026-07-01,10.00,USD\n", "A2,Bob,INV-2,2026-07-01,2.00,USD\n")

    code = main(["check", str(path)])

    out = capsys.readouterr()
    assert (code, out.err) == (0, "")
    assert "Rows read: 2 (2 accepted, 0 rejected)" in out.out
    assert out.out.endswith("Totals: USD 12.00\n")


def test_check_without_json_prints_readable_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(FIXTURES / "bad_rows.csv")])

    out = capsys.readouterr().out
    assert code == 1
    assert "Profile: generic" in out
    assert "Rows read: " in out and "Duplicates folded: " in out
    assert "line 3: invoice is missing" in out
    assert "Accepted (first " in out and "G-1 " in out
    assert out.splitlines()[-1].startswith("Totals: ")
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_check_summary_prints_no_rows_or_rejections(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path, "A1,Ann,INV-1,2026-07-01,10.00,USD\n", "A2,Bob,,2026-07-01,5.00,USD\n")

    code = main(["check", str(path), "--summary"])

    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("Profile: generic\nRows read: 2 (1 accepted, 1 rejected)\nDuplicates folded: 0 ")
    assert "Rejected" not in out and "INV-1" not in out
    assert out.endswith("Totals: USD 10.00\n")


def test_check_slow_file_prints_progress_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a clock that moves a second each time the check reads it (once at the start, then once a line)
    ticks = iter(range(10_000))
    monkeypatch.setattr(time, "monotonic", lambda: float(next(ticks)))
    path = write_csv(tmp_path, *(f"A{n},Ann,INV-{n},2026-07-01,10.00,USD\n" for n in range(1, 6)))

    # When checked
    code = main(["check", str(path), "--summary"])

    # Then a progress line every 2 s of that clock on stderr, with the share of the file read; stdout unchanged
    out = capsys.readouterr()
    assert code == 0
    size = path.stat().st_size
    assert out.err.splitlines()[0].startswith("arrears check: 2 lines read, 1 lines/s, ")
    assert out.err.splitlines()[-1] == f"arrears check: 6 lines read, 1 lines/s, 0.0 of {size / 2**20:.1f} MiB (100%)"
    assert len(out.err.splitlines()) == 3
    assert out.out.startswith("Profile: generic\n")


def test_check_with_mapping_file_uses_its_profile(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a Windows-1252, semicolon-separated export and the mapping file that describes it
    mapping = FIXTURES / "windows1252_semicolon.yaml"

    # When checked with the mapping as the profile
    code = main(["check", str(FIXTURES / "windows1252_semicolon.csv"), "--profile", str(mapping), "--json"])

    # Then the mapping's columns were used and the accented names decoded
    events, summary = json_lines(capsys.readouterr().out)
    assert code == 0
    assert (summary["profile"], summary["rows_read"], summary["rejected"]) == ("de-erp", 3, 0)
    assert [event["debtor"] for event in events] == ["Müller GmbH", "Café Crème SARL", "Søren Ærø ApS"]
    assert summary["totals"] == {"DKK": 45000, "EUR": 132446}


def test_check_unreadable_file_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a file that is not a receivables export at all
    path = tmp_path / "export.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary zip")

    # When checked, as JSON or not
    for flags in ([], ["--json"]):
        code = main(["check", str(path), *flags])

        # Then nothing on stdout, one line on stderr, exit 2
        out = capsys.readouterr()
        assert (code, out.out) == (2, "")
        assert out.err.startswith("arrears: ") and out.err.count("\n") == 1


def test_check_missing_file_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "no-such-export.csv", "--json"])

    out = capsys.readouterr()
    assert (code, out.out) == (2, "")
    assert out.err.count("\n") == 1
    assert out.err.startswith("arrears: ") and "no-such-export.csv" in out.err


def test_check_missing_file_in_subprocess_has_no_traceback() -> None:
    result = run_arrears("check", "no-such-export.csv")

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and "no-such-export.csv" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("profile", "named"),
    [("nosuch", "unknown profile 'nosuch'"), (str(FIXTURES / "nosuch.yaml"), "nosuch.yaml")],
    ids=["name", "mapping-file"],
)
def test_check_unknown_profile_exits_2_naming_it(capsys: pytest.CaptureFixture[str], profile: str, named: str) -> None:
    code = main(["check", str(FIXTURES / "generic.csv"), "--profile", profile])

    out = capsys.readouterr()
    assert (code, out.out) == (2, "")
    assert out.err.count("\n") == 1 and named in out.err


def test_check_unknown_profile_lists_builtin_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", str(FIXTURES / "generic.csv"), "--profile", "nosuch"])

    assert "generic, quickbooks" in capsys.readouterr().err


def test_check_unparsable_mapping_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given mapping files that are not YAML, and not even text
    broken, binary = tmp_path / "broken.yaml", tmp_path / "binary.yaml"
    broken.write_text("columns: [\n", encoding="utf-8")
    binary.write_bytes(b"\xff\xfe\x00junk")

    for mapping in (broken, binary):
        # When used as the profile
        code = main(["check", str(FIXTURES / "generic.csv"), "--profile", str(mapping)])

        # Then one line says what is wrong, no traceback
        err = capsys.readouterr().err
        assert code == 2
        assert err.count("\n") == 1 and "mapping" in err


@needs_compliance_suite
def test_compliance_check_passes_every_shared_case() -> None:
    # Given the shared case suite and its runner, When the runner drives `arrears compliance check`
    command = f"{sys.executable} -m local.cli compliance check"
    runner = [sys.executable, str(COMPLIANCE / "check_runner.py"), command, str(COMPLIANCE / "cases")]
    result = subprocess.run(runner, capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)  # noqa: S603

    # Then every case passes
    cases = len(list((COMPLIANCE / "cases").glob("*.json")))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == f"{cases} passed, 0 failed"


@needs_compliance_suite
def test_compliance_check_file_reads_the_case_input(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a case the engine must defer (outside the calling window)
    path = COMPLIANCE / "cases" / "TC-02.json"
    expected = json.loads(path.read_text(encoding="utf-8"))["expected"]

    # When checked with --file
    code = main(["compliance", "check", "--file", str(path)])

    # Then the decision is the case's, as one JSON object
    decision = only_json_object(capsys.readouterr().out)
    assert code == 0
    assert (decision["decision"], decision["until"]) == (expected["decision"], expected["until"])
    assert expected["rules"][0] in decision["rules"]


def test_compliance_check_invalid_json_on_stdin_exits_2_with_one_line() -> None:
    result = run_arrears("compliance", "check", stdin="{not json")

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1
    assert "stdin: not valid JSON" in result.stderr


def test_check_reads_a_payments_export_as_payments(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a real Stripe payments export, two of whose charges name no customer
    path = ROOT / "tests" / "fixtures" / "real" / "payments" / "stripe_unified_payments_test.csv"
    # When checked as JSON lines
    code = main(["check", str(path), "--json"])
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # Then each payment is listed as the import would apply it, the two are rejected with the reason, exit 1
    assert code == 1
    payments = [e for e in events if e["type"] == "payment"]
    assert [(p["line"], p["account_id"], p["amount"], p["currency"]) for p in payments] == [
        (2, "cus_Uj7SVORHExKvvJ", "27600.00", "USD"),
        (3, "cus_Uj7SVORHExKvvJ", "27600.00", "USD"),
    ]
    assert [(e["line"], e["reason"]) for e in events if e["type"] == "rejected"] == [
        (4, "customer is missing: the row names no customer id or payer"),
        (5, "customer is missing: the row names no customer id or payer"),
    ]
    summary = events[-1]
    assert (summary["profile"], summary["accepted"], summary["totals"]) == ("payments", 2, {"USD": 5_520_000})
