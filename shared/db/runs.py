"""The RunTally port on DynamoDB: one item a fanned-out reminder run, each part added by one conditional update."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import size
from pynamodb.expressions.update import Action

from shared.db.errors import code_of
from shared.db.models import MarkerItem, RunItem
from shared.reminders.control import Hold
from shared.reminders.run import RunTotals

SK = "RUN"
CONDITION_FAILED = "ConditionalCheckFailedException"
KEEP = timedelta(days=30)
STOPPED_LISTED = 40  # accounts a run's stopped notice names; the counts say how many there were


def _pk(at: datetime) -> str:
    return f"RUN#REMIND#{at.isoformat()}"


def _totals(at: datetime, item: RunItem) -> RunTotals | None:
    """The run's totals when every part it expects was added and it was not told yet, else None."""
    if item.parts_total is None or item.told is not None:
        return None
    expected = {str(n) for n in range(int(item.parts_total))} | set(item.parts_more or ())
    if not expected <= set(item.parts_done or ()):
        return None
    outcomes = Counter({k: int(v) for k, v in item.outcomes.as_dict().items()})
    held = Counter({k: int(v) for k, v in item.held.as_dict().items()})
    days = [date.fromisoformat(d) for d in sorted(item.letter_days or ())]
    return RunTotals(at, outcomes, held, sorted(item.stopped or ()), days)


class DynamoRunTally:
    def started(self, at: datetime) -> bool:
        try:
            RunItem.get(_pk(at), SK, attributes_to_get=["pk"])
        except DoesNotExist:
            return False
        return True

    def open(self, at: datetime, planner: str) -> bool:
        item = RunItem(_pk(at), SK)
        try:
            item.update(
                actions=[
                    RunItem.outcomes.set(RunItem.outcomes | {}),
                    RunItem.held.set(RunItem.held | {}),
                    RunItem.planner.set(planner),
                    RunItem.expires_at.set(at + KEEP),
                ],
                condition=RunItem.parts_total.does_not_exist()
                & (RunItem.planner.does_not_exist() | (RunItem.planner == planner)),
            )
        except UpdateError as exc:
            if code_of(exc) == CONDITION_FAILED:
                return False
            raise
        return True

    def planned(self, at: datetime, parts: int) -> RunTotals | None:
        item = RunItem(_pk(at), SK)
        item.update(actions=[RunItem.parts_total.set(parts)])
        return _totals(at, item)

    def add(self, at: datetime, part: str, totals: RunTotals, more: tuple[str, ...] = ()) -> RunTotals | None:
        if totals.stopped:
            self._list_stopped(at, totals.stopped)
        actions: list[Action] = [RunItem.parts_done.add({part})]
        if more:
            actions.append(RunItem.parts_more.add(set(more)))
        actions += [RunItem.outcomes[name].add(n) for name, n in totals.outcomes.items() if n]
        actions += [RunItem.held[rule].add(n) for rule, n in totals.held_by.items() if n]
        if totals.letter_days:
            actions.append(RunItem.letter_days.add({d.isoformat() for d in totals.letter_days}))
        item = RunItem(_pk(at), SK)
        try:
            item.update(actions=actions, condition=~RunItem.parts_done.contains(part))
        except UpdateError as exc:
            if code_of(exc) != CONDITION_FAILED:
                raise
            # added before (SQS delivered it again): the run may be whole but untold (its teller failed)
            return _totals(at, RunItem.get(_pk(at), SK, consistent_read=True))
        return _totals(at, item)

    def told(self, at: datetime) -> None:
        RunItem(_pk(at), SK).update(actions=[RunItem.told.set(datetime.now(UTC))])

    @staticmethod
    def _list_stopped(at: datetime, stopped: list[str]) -> None:
        """Name a few stopped accounts while the list is short (the notice names at most STOPPED_LISTED)."""
        listed = RunItem.stopped.does_not_exist() | (size(RunItem.stopped) < STOPPED_LISTED)
        try:
            RunItem(_pk(at), SK).update(actions=[RunItem.stopped.add(set(stopped[:STOPPED_LISTED]))], condition=listed)
        except UpdateError as exc:
            if code_of(exc) != CONDITION_FAILED:
                raise


NOT_YET_SECONDS = 30.0
CONTROL_PK = "RUNCTL#REMIND"  # the reminder runs' hold (sk HOLD) and approved days (sk APPROVED#<day>)
HOLD_SK = "HOLD"


class DynamoRunControl:
    """An approved day stays approved, so one instance (the reminders function makes one an invocation) reads it
    once; a day not approved yet is read again after NOT_YET_SECONDS. A run checks every account of a creditor
    that waits: one read, not one an account."""

    def __init__(self) -> None:
        self._not_yet: dict[date, float] = {}
        self._approved: set[date] = set()

    def hold_of(self) -> Hold | None:
        try:
            item = MarkerItem.get(CONTROL_PK, HOLD_SK, consistent_read=True)
        except DoesNotExist:
            return None
        if item.data.get("released"):
            return None
        return Hold(str(item.data["by"]), str(item.data["reason"]), item.at)

    def hold(self, hold: Hold) -> None:
        MarkerItem(CONTROL_PK, HOLD_SK, at=hold.at, data={"by": hold.by, "reason": hold.reason}).save()

    def release(self) -> bool:
        """Kept, marked released (a put: the functions need no delete), conditioned on the hold it read."""
        current = self.hold_of()
        if current is None:
            return False
        released = {"by": current.by, "reason": current.reason, "released": True}
        item = MarkerItem(CONTROL_PK, HOLD_SK, at=current.at, data=released)
        try:
            item.save(condition=MarkerItem.at == current.at)
        except PutError as exc:
            if code_of(exc) == CONDITION_FAILED:
                return False  # held or released again meanwhile
            raise
        return True

    def approved(self, day: date) -> bool:
        if day in self._approved:
            return True
        if self._not_yet.get(day, 0.0) > time.monotonic():
            return False
        try:
            MarkerItem.get(CONTROL_PK, f"APPROVED#{day.isoformat()}", attributes_to_get=["pk"])
        except DoesNotExist:
            self._not_yet[day] = time.monotonic() + NOT_YET_SECONDS
            return False
        self._approved.add(day)
        return True

    def approve(self, day: date, by: str, at: datetime) -> bool:
        item = MarkerItem(CONTROL_PK, f"APPROVED#{day.isoformat()}", at=at, data={"by": by}, expires_at=at + KEEP)
        try:
            item.save(condition=MarkerItem.pk.does_not_exist())
        except PutError as exc:
            if code_of(exc) != CONDITION_FAILED:
                raise
            return False  # approved before
        finally:
            self._not_yet.pop(day, None)
        self._approved.add(day)
        return True
