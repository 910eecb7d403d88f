"""The `arrears` command line: `check` previews receivables files, `compliance check` decides one contact."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "receivables"
COMPLIANCE = ROOT.parent / "shared" / "compliance"
PREVIEW_KEYS = {"profile", "rows_read", "accepted", "rejected", "totals"}
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


def test_check_json_bad_rows_prints_one_preview_object(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a generic export with good and bad rows
    path = FIXTURES / "bad_rows.csv"

    # When previewed as JSON
    code = main(["check", str(path), "--json"])

    # Then one object with the preview's keys: good rows accepted, bad rows rejected with a reason
    out = capsys.readouterr()
    assert (code, out.err) == (0, "")
    preview = only_json_object(out.out)
    assert set(preview) == PREVIEW_KEYS
    assert (preview["profile"], preview["rows_read"]) == ("generic", 20)
    assert (len(preview["accepted"]), len(preview["rejected"])) == (6, 14)
    assert all(set(item) == ITEM_KEYS for item in preview["accepted"])
    assert preview["accepted"][0] == {
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
    assert {"line": 3, "reason": "invoice is missing"} in preview["rejected"]
    assert preview["totals"] == {"USD": -11000}


def test_check_json_quickbooks_profile_totals_match_report(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a QuickBooks A/R Aging Detail report whose TOTAL row is $4,744.02
    path = FIXTURES / "quickbooks_ar_aging_detail.csv"

    # When previewed as JSON with the quickbooks profile
    code = main(["check", str(path), "--profile", "quickbooks", "--json"])

    # Then every invoice line is accepted (credit memo negative) and the totals equal the report's
    preview = only_json_object(capsys.readouterr().out)
    assert code == 0
    assert set(preview) == PREVIEW_KEYS
    assert (preview["profile"], preview["rows_read"], preview["rejected"]) == ("quickbooks", 6, [])
    assert all(set(item) == ITEM_KEYS for item in preview["accepted"])
    assert [item["invoice"] for item in preview["accepted"]] == ["1001", "1004", "1019", "1027", "1030", "0001042"]
    assert preview["accepted"][4]["balance_minor"] == -5000
    assert preview["totals"] == {"USD": 474402}


def test_check_json_in_subprocess_prints_only_the_object() -> None:
    # Given the quickbooks report, When `arrears check --json` runs as its own process
    result = run_arrears("check", str(FIXTURES / "quickbooks_ar_aging_detail.csv"), "--profile", "quickbooks", "--json")

    # Then stdout is exactly the one object and nothing else was written
    assert (result.returncode, result.stderr) == (0, "")
    preview = only_json_object(result.stdout)
    assert set(preview) == PREVIEW_KEYS
    assert preview["totals"] == {"USD": 474402}


def test_check_without_json_prints_readable_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(FIXTURES / "bad_rows.csv")])

    out = capsys.readouterr().out
    assert code == 0
    assert "Profile: generic" in out
    assert "Rows read: 20 (6 accepted, 14 rejected)" in out
    assert "line 3: invoice is missing" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_check_with_mapping_file_uses_its_profile(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a Windows-1252, semicolon-separated export and the mapping file that describes it
    mapping = FIXTURES / "windows1252_semicolon.yaml"

    # When previewed with the mapping as the profile
    code = main(["check", str(FIXTURES / "windows1252_semicolon.csv"), "--profile", str(mapping), "--json"])

    # Then the mapping's columns were used and the accented names decoded
    preview = only_json_object(capsys.readouterr().out)
    assert code == 0
    assert (preview["profile"], preview["rows_read"], preview["rejected"]) == ("de-erp", 3, [])
    assert [item["debtor"] for item in preview["accepted"]] == ["Müller GmbH", "Café Crème SARL", "Søren Ærø ApS"]
    assert preview["totals"] == {"DKK": 45000, "EUR": 132446}


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
