"""A reminder run too big for one invocation, fanned out: the scheduled run queues its due accounts in parts (SQS),
workers send the parts in parallel (at most the event source's MaximumConcurrency at once, each paced under its
share of SES's sending rate), and the part that finishes the run tells Slack, once.

Sending stays at most once per step however the workers overlap or SQS repeats a part: every send is claimed by a
conditional write on its attempt first (shared/reminders/sending.py). The run's totals are added up in a RunTally,
each part once, so its summary says what the whole run did.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import chain, islice
from typing import Any

from shared.chunks import chunked
from shared.domain.errors import IncompleteRunError
from shared.observability import logger
from shared.ports import Accounts, Notifier, Queue, RunTally
from shared.reminders.control import HELD, tell_held
from shared.reminders.run import RunReport, RunTotals, remind_due, run_reminders, tell_run
from shared.reminders.sending import Senders

PART_SIZE = 50  # accounts a message: at ~100 ms a send on AWS, 5 s of a worker's time
FAN_OUT_ABOVE = 200  # due accounts one invocation sends itself; above, the run fans out
RETRIES = 3  # a part's accounts not finished are queued again this many times (later each time), then it fails
RETRY_DELAY = 60  # seconds before the first retry part is delivered; doubled each time
BATCH = 100  # messages handed to the queue at once (it sends them ten a call)
INLINE_MAX = 4_000  # due accounts a run without a work queue takes (the rest wait for the next run)
TIME_MARGIN = 20.0  # seconds of the invocation left when a part stops taking accounts (the rest is retried)


@dataclass(frozen=True)
class FanOut:
    queue: Queue
    tally: RunTally
    above: int = FAN_OUT_ABOVE
    part_size: int = PART_SIZE


@dataclass(frozen=True)
class Part:
    """One message of a fanned-out run: the run's instant, the part's id (`7`; its retries `7.1`, `7.2`...) and
    the accounts it sends."""

    at: datetime
    part: str
    keys: tuple[str, ...]

    @property
    def generation(self) -> int:
        _, _, retry = self.part.partition(".")
        return int(retry or 0)

    def retry(self, keys: tuple[str, ...]) -> Part:
        return Part(self.at, f"{self.part.partition('.')[0]}.{self.generation + 1}", keys)

    def as_json(self) -> dict[str, Any]:
        return {"kind": "reminder-part", "at": self.at.isoformat(), "part": self.part, "keys": list(self.keys)}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Part:
        return cls(datetime.fromisoformat(body["at"]), str(body["part"]), tuple(body["keys"]))


def start_run(
    now: datetime,
    accounts: Accounts,
    senders: Senders,
    notify: tuple[Notifier, str] | None,
    fan_out: FanOut | None,
    planner: str,
) -> dict[str, Any]:
    """The scheduled run (`planner`: this invocation's id): up to `fan_out.above` due accounts are sent here and
    now; more are fanned out. A repeat of a schedule whose run fanned out never runs it again here (its parts are
    queued or being sent); without a work queue a run takes INLINE_MAX. While a person holds the runs, nothing is
    sent and the hold is told once."""
    hold = senders.control.hold_of() if senders.control else None
    if hold is not None:
        tell_held(hold, notify)
        return {"at": now.isoformat(), "held": True}
    due = accounts.due_keys(now, "REMIND")
    if fan_out is None:
        return run_reminders(now, accounts, senders, notify, islice(due, INLINE_MAX)).as_dict()
    first = list(islice(due, fan_out.above + 1))
    if len(first) > fan_out.above or fan_out.tally.started(now):
        parts = plan_run(now, chain(first, due), fan_out, (senders, notify), planner)
        return {"at": now.isoformat(), "fanned_out": parts}
    return run_reminders(now, accounts, senders, notify, first).as_dict()


Tell = tuple[Senders, tuple[Notifier, str] | None]  # what the run's end needs: its letters and Slack


def plan_run(now: datetime, due: Iterable[str], fan_out: FanOut, tell: Tell, planner: str) -> int:
    """Queue the due accounts in parts of `fan_out.part_size`, ten messages a call; returns how many parts (0:
    the run was planned whole before, or another invocation plans it: a repeated schedule). The planner's own
    retry (Lambda's, same request id) plans again: a part queued twice sends nothing twice."""
    if not fan_out.tally.open(now, planner):
        return 0
    parts = 0
    for messages in chunked(_parts(now, due, fan_out.part_size), BATCH):
        fan_out.queue.send_many([part.as_json() for part in messages])
        parts += len(messages)
    logger.info("reminder run fanned out", extra={"at": now.isoformat(), "parts": parts})
    totals = fan_out.tally.planned(now, parts)
    if totals is not None:  # every part was sent before the last was counted here (or there were none)
        finish(totals, fan_out, tell)
    return parts


def _parts(now: datetime, due: Iterable[str], size: int) -> Iterator[Part]:
    for n, keys in enumerate(chunked(due, size)):
        yield Part(now, str(n), tuple(keys))


def work_part(
    part: Part,
    accounts: Accounts,
    fan_out: FanOut,
    tell: Tell,
    time_left: Callable[[], float] = lambda: float("inf"),
) -> None:
    """Send one part, taking no account once less than TIME_MARGIN seconds of the invocation are left. Accounts
    it could not finish (or did not take, or whose send the provider refused) are queued again as a part of
    their own, later; after RETRIES that part raises IncompleteRunError (SQS retries it, then parks it in the
    dead-letter queue, which alarms). Each account's outcome is counted once, in its last part."""
    control = tell[0].control
    if control is not None and control.hold_of() is not None:  # held after the part was queued: nothing is sent
        _add(part, RunTotals(part.at, Counter({HELD: len(part.keys)}), Counter(), []), (), fan_out, tell)
        return
    taken: list[str] = []

    def in_time() -> Iterator[str]:
        for key in part.keys:
            if time_left() < TIME_MARGIN:
                return
            taken.append(key)
            yield key

    report, _ = remind_due(part.at, accounts, tell[0], in_time())
    again = tuple(dict.fromkeys(report.unfinished + report.failed + list(part.keys[len(taken) :])))
    retry = part.retry(again) if again and part.generation < RETRIES else None
    if retry is not None:  # queued before this part is added: the run cannot look whole while it is out
        fan_out.queue.send(retry.as_json(), delay_seconds=RETRY_DELAY * 2**part.generation)
    _add(part, _counted(report, retry is not None), (retry.part,) if retry else (), fan_out, tell)
    if again and retry is None:
        raise IncompleteRunError(f"{len(again)} account(s) of part {part.part} not finished", report.as_dict())


def _add(part: Part, totals: RunTotals, more: tuple[str, ...], fan_out: FanOut, tell: Tell) -> None:
    """Add the part to the run's tally; the part that makes the run whole tells it."""
    whole = fan_out.tally.add(part.at, part.part, totals, more)
    if whole is not None:
        finish(whole, fan_out, tell)


def _counted(report: RunReport, retried: bool) -> RunTotals:
    """The part's totals, less the accounts its retry takes again (counted there, once, by what became of them)."""
    totals = report.totals()
    if retried:
        for outcome in ("unfinished", "failed"):
            totals.outcomes[outcome] = 0
    return replace(totals, outcomes=+totals.outcomes)


def finish(totals: RunTotals, fan_out: FanOut, tell: Tell) -> None:
    """The run's last part is done: each day it mailed letters on gets its manifest listed whole (parts running
    side by side may each have written one that missed the other's letters), Slack is told, then the tally
    marks it told. A teller that fails before that leaves it to the next delivery of a part (the same totals,
    the same message: the notify queue delivers it once)."""
    senders, notify = tell
    if senders.letters is not None:
        for day in totals.letter_days:
            senders.letters.write_manifest(day)
    logger.info("reminder run finished", extra={"at": totals.at.isoformat(), "outcomes": dict(totals.outcomes)})
    tell_run(totals, notify)
    fan_out.tally.told(totals.at)
