"""One contract for the RunTally port (a fanned-out reminder run's parts added up), run against the in-memory fake
and the DynamoDB (pynamodb) version."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from shared.ports import RunTally
from shared.reminders.run import RunTotals
from tests.contract import BOTH, implementation
from tests.fakes import InMemoryRunTally

AT = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


@pytest.fixture(params=BOTH)
def tally(request: pytest.FixtureRequest) -> RunTally:
    port: RunTally = implementation(request, InMemoryRunTally, "shared.db.runs:DynamoRunTally")
    return port


def part(sent: int = 0, deferred: int = 0, rules: dict[str, int] | None = None, stopped: tuple[str, ...] = (),
         days: tuple[date, ...] = ()) -> RunTotals:  # fmt: skip
    outcomes = Counter({"sent": sent, "deferred": deferred})
    return RunTotals(AT, +outcomes, Counter(rules or {}), list(stopped), list(days))


def test_a_run_not_opened_was_not_started(tally: RunTally) -> None:
    assert not tally.started(AT)
    assert tally.open(AT, "req-1")
    assert tally.started(AT)
    assert not tally.open(AT, "req-2")  # a second delivery of the schedule does not plan it too


def test_the_last_part_added_returns_the_whole_run(tally: RunTally) -> None:
    # Given a run of two parts, planned before either finished
    tally.open(AT, "req-1")
    assert tally.planned(AT, 2) is None

    # When the parts finish one after the other
    first = tally.add(AT, "0", part(sent=3, rules={"REGF-7IN7": 1}, stopped=("acme#A-1",)))
    last = tally.add(AT, "1", part(sent=2, deferred=1, rules={"REGF-7IN7": 1, "POL-HOURS": 1},
                                   days=(date(2026, 11, 24),)))  # fmt: skip

    # Then only the last returns the totals: every part's outcomes and rules added
    assert first is None
    assert last is not None
    assert last.outcomes == Counter({"sent": 5, "deferred": 1})
    assert last.held_by == Counter({"REGF-7IN7": 2, "POL-HOURS": 1})
    assert last.stopped == ["acme#A-1"]
    assert last.letter_days == [date(2026, 11, 24)]


def test_a_part_delivered_again_is_added_once(tally: RunTally) -> None:
    tally.open(AT, "req-1")
    tally.planned(AT, 2)
    tally.add(AT, "0", part(sent=3))

    assert tally.add(AT, "0", part(sent=3)) is None  # SQS delivered part 0 again
    totals = tally.add(AT, "1", part(sent=1))

    assert totals is not None and totals.outcomes == Counter({"sent": 4})


def test_parts_all_done_before_planning_ends_are_told_by_the_planner(tally: RunTally) -> None:
    # The workers can finish every part before the planner has counted them
    tally.open(AT, "req-1")
    assert tally.add(AT, "0", part(sent=1)) is None

    totals = tally.planned(AT, 1)

    assert totals is not None and totals.outcomes == Counter({"sent": 1})


def test_a_retry_part_keeps_the_run_open_until_it_is_added(tally: RunTally) -> None:
    tally.open(AT, "req-1")
    tally.planned(AT, 1)

    assert tally.add(AT, "0", part(sent=1), ("0.1",)) is None  # part 0 queued 0.1 for what it could not finish
    totals = tally.add(AT, "0.1", part(sent=1))

    assert totals is not None and totals.outcomes == Counter({"sent": 2})


def test_a_run_planned_whole_does_not_open_again(tally: RunTally) -> None:
    assert tally.open(AT, "req-1")
    assert tally.open(AT, "req-1")  # the planner died before it counted the parts: its retry plans again
    tally.planned(AT, 3)

    assert not tally.open(AT, "req-1")  # once every part was queued, nothing plans it again


def test_an_empty_run_is_whole_as_soon_as_it_is_planned(tally: RunTally) -> None:
    tally.open(AT, "req-1")
    totals = tally.planned(AT, 0)
    assert totals is not None and not totals.outcomes


def test_a_run_told_is_not_told_again_and_an_untold_whole_run_is_given_back_to_a_repeat(tally: RunTally) -> None:
    tally.open(AT, "req-1")
    tally.planned(AT, 1)
    whole = tally.add(AT, "0", part(sent=2))
    assert whole is not None

    # The teller failed before telling: part 0 delivered again is handed the same whole run
    again = tally.add(AT, "0", part(sent=2))
    assert again is not None and again.outcomes == whole.outcomes

    # Once told, neither a redelivery nor a late retry part tells it again
    tally.told(AT)
    assert tally.add(AT, "0", part(sent=2)) is None
    assert tally.add(AT, "0.1", part(sent=1)) is None
