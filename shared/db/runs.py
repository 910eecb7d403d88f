"""The RunTally port on DynamoDB: one item a fanned-out reminder run, each part added by one conditional update."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import size
from pynamodb.expressions.update import Action

from shared.db.errors import code_of
from shared.db.models import RunItem
from shared.reminders.run import RunTotals

SK = "RUN"
CONDITION_FAILED = "ConditionalCheckFailedException"
KEEP = timedelta(days=30)
STOPPED_LISTED = 40  # accounts a run's stopped notice names; the counts say how many there were


def _pk(at: datetime) -> str:
    return f"RUN#REMIND#{at.isoformat()}"


def _totals(at: datetime, item: RunItem) -> RunTotals | None:
    """The run's totals when every part it queued was added, else None."""
    done = len(item.parts_done or ())
    if item.parts_total is None or done < int(item.parts_total) + int(item.parts_more or 0):
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

    def open(self, at: datetime) -> bool:
        item = RunItem(_pk(at), SK)
        try:
            item.update(
                actions=[
                    RunItem.outcomes.set(RunItem.outcomes | {}),
                    RunItem.held.set(RunItem.held | {}),
                    RunItem.expires_at.set(at + KEEP),
                ],
                condition=RunItem.parts_total.does_not_exist(),
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

    def add(self, at: datetime, part: str, totals: RunTotals, more_parts: int = 0) -> RunTotals | None:
        if totals.stopped:
            self._list_stopped(at, totals.stopped)
        actions: list[Action] = [RunItem.parts_done.add({part}), RunItem.parts_more.add(more_parts)]
        actions += [RunItem.outcomes[name].add(n) for name, n in totals.outcomes.items() if n]
        actions += [RunItem.held[rule].add(n) for rule, n in totals.held_by.items() if n]
        if totals.letter_days:
            actions.append(RunItem.letter_days.add({d.isoformat() for d in totals.letter_days}))
        item = RunItem(_pk(at), SK)
        try:
            item.update(actions=actions, condition=~RunItem.parts_done.contains(part))
        except UpdateError as exc:
            if code_of(exc) == CONDITION_FAILED:
                return None  # this part was added before (SQS delivered it again)
            raise
        return _totals(at, item)

    @staticmethod
    def _list_stopped(at: datetime, stopped: list[str]) -> None:
        """Name a few stopped accounts while the list is short (the notice names at most STOPPED_LISTED)."""
        listed = RunItem.stopped.does_not_exist() | (size(RunItem.stopped) < STOPPED_LISTED)
        try:
            RunItem(_pk(at), SK).update(actions=[RunItem.stopped.add(set(stopped[:STOPPED_LISTED]))], condition=listed)
        except UpdateError as exc:
            if code_of(exc) != CONDITION_FAILED:
                raise
