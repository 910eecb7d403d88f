"""Engine behaviour: deferral loop, overrides, as-of filtering, policy merging and the CLI contract."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.domain.compliance import RULES_VERSION, evaluate
from shared.domain.compliance.cli import run_check
from shared.domain.compliance.policy import DEFAULT_POLICY, merge_policy
from shared.domain.errors import InvalidInputError
from tests.unit.domain.compliance.factories import call_event, consumer_check, phone


def test_evaluate_conversation_deferral_moves_to_window_in_travel_zone() -> None:
    # Given a conversation on Mon Jun 1 and the consumer in Honolulu for June
    check = consumer_check(at="2026-06-03T15:00:00Z")
    check["history"] = [call_event("E-1", "2026-06-01T15:00:00Z", outcome="answered_conversation")]
    check["account"]["preferences"]["known_locations"] = [
        {
            "timezone": "Pacific/Honolulu",
            "from": "2026-06-01",
            "until": "2026-06-30",
            "captured_at": "2026-06-01T15:00:00Z",
        }
    ]

    # When a call is checked on Wed Jun 3
    decision = evaluate(check)

    # Then the date rule defers to Jun 8 and the loop moves it to 08:00 HST
    assert decision.decision == "DEFER"
    assert decision.until == datetime(2026, 6, 8, 18, 0, tzinfo=UTC)
    assert decision.rules[0] == "REGF-CALL-FREQ-CONVO"
    assert "REGF-TIME-WINDOW" in decision.rules


def test_evaluate_no_common_window_review_engine_defer_loop() -> None:
    # Given candidate zones so far apart that 08:00–21:00 never holds in all of them
    check = consumer_check()
    check["account"]["address"]["timezone"] = "Europe/London"
    check["account"]["phones"] = [phone(zones=["America/Los_Angeles", "Asia/Shanghai"])]

    # When a call is checked
    decision = evaluate(check)

    # Then the engine gives up and asks for review
    assert decision.decision == "REVIEW"
    assert decision.rules[0] == "ENGINE-DEFER-LOOP"


def test_evaluate_override_hard_rule_still_blocks_and_soft_review_lifted() -> None:
    # Given a written cease and an override for it, and separately an unknown SOL with lawsuit language
    ceased = consumer_check()
    ceased["account"]["flags"]["cease"] = {"received_at": "2026-06-01T15:00:00Z", "written": True}
    ceased["proposed"]["overrides"] = [{"rule": "REGF-CEASE", "expires_at": "2026-07-01T00:00:00Z"}]
    legal = consumer_check(channel="letter", to="100 Main St")
    legal["account"]["debts"][0]["sol_expires_on"] = None
    legal["proposed"]["content_flags"]["mentions_lawsuit"] = True
    legal["proposed"]["overrides"] = [{"rule": "REGF-TIMEBARRED", "expires_at": "2026-07-01T00:00:00Z"}]

    # When both are evaluated
    # Then the hard rule is not lifted and the soft review is
    assert evaluate(ceased).decision == "BLOCK"
    assert evaluate(legal).decision == "ALLOW"


def test_evaluate_flags_after_proposed_at_ignored() -> None:
    # Given a bankruptcy notice received the day after the proposed call
    check = consumer_check()
    check["account"]["flags"]["bankruptcy"] = {
        "chapter": 7,
        "filed_at": "2026-06-09",
        "notice_received_at": "2026-06-11T15:00:00Z",
        "status": "open",
    }

    # When the call is checked as of its own instant
    # Then the notice is not known yet
    assert evaluate(check).decision == "ALLOW"


def test_merge_policy_nested_key_overrides_only_that_key() -> None:
    # Given a creditor overriding only the window end
    merged = merge_policy(DEFAULT_POLICY, {"time_window": {"end": "20:00"}, "dial_buffer_minutes": None})

    # When merged
    # Then the start keeps its default and a null keeps the default
    assert merged["time_window"] == {"start": "08:00", "end": "20:00"}
    assert merged["dial_buffer_minutes"] == 0


def test_evaluate_dial_buffer_policy_defers_last_minutes() -> None:
    # Given a 15-minute dial buffer and a call at 20:50 CDT
    check = consumer_check(at="2026-06-11T01:50:00Z")
    check["policy"] = {"dial_buffer_minutes": 15}

    # When checked
    decision = evaluate(check)

    # Then it waits for 08:00 CDT the next day
    assert decision.decision == "DEFER"
    assert decision.until == datetime(2026, 6, 11, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"at": "2026-13-01"}, "proposed.at"),
        ({"at": None}, "proposed.at"),
        ({"at": "2026-06-10T15:00:00"}, "proposed.at"),
        ({"channel": "fax"}, "proposed.channel"),
    ],
)
def test_evaluate_invalid_input_error_names_field(patch: dict[str, object], field: str) -> None:
    # Given a check with one malformed proposed field
    check = consumer_check()
    check["proposed"].update(patch)

    # When evaluated
    # Then the error names the field
    with pytest.raises(InvalidInputError, match=field.replace(".", r"\.")):
        evaluate(check)


def test_run_check_bad_json_exit_2_one_line() -> None:
    # Given stdin that is not JSON
    stdout, stderr = io.StringIO(), io.StringIO()

    # When the command runs
    status = run_check([], io.StringIO("{nope"), stdout, stderr)

    # Then it exits 2 with one error line and no output
    assert status == 2
    assert stdout.getvalue() == ""
    assert len(stderr.getvalue().strip().splitlines()) == 1


def test_run_check_bad_instant_names_field() -> None:
    # Given a check whose proposed.at is not an instant
    check = consumer_check(at="2026-13-01")
    stdout, stderr = io.StringIO(), io.StringIO()

    # When the command runs
    status = run_check([], io.StringIO(json.dumps(check)), stdout, stderr)

    # Then the message names the field and the value
    assert status == 2
    assert "proposed.at: '2026-13-01' is not an RFC 3339 instant" in stderr.getvalue()


def test_run_check_file_case_or_bare_input_same_decision(tmp_path: Path) -> None:
    # Given the same check as a whole case file and as a bare input file
    check = consumer_check(at="2026-06-11T02:00:00Z")
    case_file, bare_file = tmp_path / "case.json", tmp_path / "bare.json"
    case_file.write_text(json.dumps({"id": "TC-X", "input": check}), encoding="utf-8")
    bare_file.write_text(json.dumps(check), encoding="utf-8")
    outputs = []

    # When both are checked with --file
    for path in (case_file, bare_file):
        stdout = io.StringIO()
        assert run_check(["--file", str(path)], io.StringIO(""), stdout, io.StringIO()) == 0
        outputs.append(json.loads(stdout.getvalue()))

    # Then both give the same DEFER with a Z instant and the rules version
    assert outputs[0] == outputs[1]
    assert outputs[0]["until"] == "2026-06-11T13:00:00Z"
    assert outputs[0]["rules_version"] == RULES_VERSION
