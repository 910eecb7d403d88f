"""Every worked case of ../shared/compliance/cases through `run_check`, plus check_runner.py itself."""

from __future__ import annotations

import io
import json
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.domain.compliance.cli import run_check

REPO = Path(__file__).resolve().parents[4]
CASES_DIR = REPO.parent / "shared" / "compliance" / "cases"
RUNNER = CASES_DIR.parent / "check_runner.py"

if not CASES_DIR.is_dir():
    pytest.skip("../shared/compliance/cases not found beside the clone", allow_module_level=True)

CASES = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(CASES_DIR.glob("*.json"))]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _decide(check: dict[str, Any]) -> dict[str, Any]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_check([], io.StringIO(json.dumps(check)), stdout, stderr)
    assert status == 0, stderr.getvalue()
    result: dict[str, Any] = json.loads(stdout.getvalue())
    return result


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_run_check_worked_case_matches_expected(case: dict[str, Any]) -> None:
    # Given one worked case and its expected decision
    expected = case["expected"]

    # When the case's input is checked in-process
    got = _decide(case["input"])

    # Then decision, deferral instant and primary rule match, as check_runner.py --strict-primary compares them
    assert got["decision"] == expected["decision"], case["description"]
    if expected["decision"] == "DEFER":
        assert _instant(got["until"]) == _instant(expected["until"])
    if expected["decision"] != "ALLOW":
        accepted = [expected["rules"][0], *expected.get("accept_primary", [])]
        assert got["rules"][0] in accepted


def test_check_runner_all_cases_pass() -> None:
    # Given the shared check runner and the module entry point of the engine
    command = shlex.join([sys.executable, "-m", "shared.domain.compliance", "check"])

    # When the runner checks every case in a subprocess
    proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, str(RUNNER), command, str(CASES_DIR), "--strict-primary"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
        check=False,
    )

    # Then every case passes
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(CASES)} passed, 0 failed" in proc.stdout
