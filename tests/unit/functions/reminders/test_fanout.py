"""A reminder run too big for one invocation fans out to workers through a queue: every step is still sent once
however the parts are repeated or overlap, what a part could not finish is retried on its own, and the report
channel reads one summary of the whole run."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.domain.errors import IncompleteRunError
from shared.reminders.fanout import RETRIES, RETRY_DELAY, FanOut, Part, start_run, work_part
from tests.factories import account
from tests.fakes import InMemoryNotifier, InMemoryQueue, InMemoryRunTally
from tests.unit.functions.reminders.test_run_isolation import (
    FRESH,
    MORNING,
    LossyMailer,
    ThrottledAccounts,
    _senders,
    log,
)

__all__ = ["log"]  # the fixture
DUE = [f"F-{n:04d}" for n in range(40)]


@pytest.fixture
def store() -> ThrottledAccounts:
    fake = ThrottledAccounts()
    for account_id in DUE:
        fake.save(replace(account(account_id, due=FRESH, next_action_at=MORNING - timedelta(hours=1)), version=None))
    return fake


@pytest.fixture
def fan_out() -> FanOut:
    return FanOut(InMemoryQueue(), InMemoryRunTally(), above=10, part_size=8)


def summaries(channel: InMemoryNotifier) -> list[str]:
    return [n.text for n in channel.notices if n.key.startswith("reminders-run:")]


def test_a_big_run_is_queued_in_parts_and_each_step_sent_once_however_parts_repeat(log, store, fan_out):
    mailer, channel = LossyMailer(), InMemoryNotifier()
    senders = _senders(mailer, log, MORNING)
    notify = (channel, "C-REPORTS")

    # When 40 are due (more than the 10 one invocation sends) and the schedule fires, twice
    first = start_run(MORNING, store, senders, notify, fan_out, "req-1")
    again = start_run(MORNING, store, senders, notify, fan_out, "req-2")

    # Then the first queued 5 parts of 8 and sent nothing itself; the repeat queued nothing
    assert first == {"at": MORNING.isoformat(), "fanned_out": 5}
    assert again == {"at": MORNING.isoformat(), "fanned_out": 0}
    assert mailer.outbox == []
    parts = [Part.from_json(body) for body in fan_out.queue.take()]
    assert [len(p.keys) for p in parts] == [8] * 5
    assert sorted(k for p in parts for k in p.keys) == sorted(account(a).key for a in DUE)

    # When the workers take the parts, each delivered twice (SQS delivers at least once)
    for part in parts:
        work_part(part, store, fan_out, (senders, notify))
        work_part(part, store, fan_out, (senders, notify))

    # Then every debtor got one email, and the report channel one summary of the whole run
    assert Counter(mailer.sent_to()) == Counter({f"{a.lower()}@example.com": 1 for a in DUE})
    (summary,) = summaries(channel)
    assert summary.startswith(":mailbox_with_mail: Reminder run 2026-11-23 16:00 UTC: 40 sent")


def test_a_run_of_a_few_is_sent_in_the_scheduled_invocation(log, store, fan_out):
    for account_id in DUE[10:]:
        store.accounts.pop(account(account_id).key)
    mailer, channel = LossyMailer(), InMemoryNotifier()

    report = start_run(MORNING, store, _senders(mailer, log, MORNING), (channel, "C-REPORTS"), fan_out, "req-1")

    assert report["outcomes"] == {"sent": 10}
    assert fan_out.queue.messages == [] and not fan_out.tally.started(MORNING)
    assert len(summaries(channel)) == 1


def test_what_a_part_could_not_finish_is_retried_later_and_counted_once(log, store, fan_out):
    mailer, channel = LossyMailer(), InMemoryNotifier()
    senders, notify = _senders(mailer, log, MORNING), (channel, "C-REPORTS")
    start_run(MORNING, store, senders, notify, fan_out, "req-1")
    parts = [Part.from_json(body) for body in fan_out.queue.take()]
    stuck = parts[0].keys[:2]
    store.throttled = frozenset(stuck)  # DynamoDB throttles every read of two accounts of part 0

    # When the workers send every part
    for part in parts:
        work_part(part, store, fan_out, (senders, notify))

    # Then the two were queued again as a part of their own, delayed; the run is not over, so nothing is posted
    ((retry, delay),) = fan_out.queue.messages
    fan_out.queue.take()
    assert Part.from_json(retry).keys == stuck and Part.from_json(retry).part == "0.1"
    assert delay == RETRY_DELAY
    assert summaries(channel) == []

    # When the throttling has passed and the retry part comes
    store.throttled = frozenset()
    work_part(Part.from_json(retry), store, fan_out, (senders, notify))

    # Then all 40 are sent once and the summary counts each once, by what became of it
    assert len(mailer.outbox) == 40 and len(set(mailer.sent_to())) == 40
    (summary,) = summaries(channel)
    assert ": 40 sent" in summary and "not finished" not in summary


def test_a_part_still_failing_after_its_retries_raises_and_the_summary_says_so(log, store, fan_out):
    mailer, channel = LossyMailer(), InMemoryNotifier()
    senders, notify = _senders(mailer, log, MORNING), (channel, "C-REPORTS")
    start_run(MORNING, store, senders, notify, fan_out, "req-1")
    parts = [Part.from_json(body) for body in fan_out.queue.take()]
    store.throttled = frozenset(parts[-1].keys[:1])
    for part in parts:
        work_part(part, store, fan_out, (senders, notify))

    # When its retries keep failing (each delivered later than the one before)
    delays = []
    for _ in range(RETRIES - 1):
        ((body, delay),) = fan_out.queue.messages
        delays.append(delay)
        fan_out.queue.take()
        work_part(Part.from_json(body), store, fan_out, (senders, notify))
    ((body, delay),) = fan_out.queue.messages
    delays.append(delay)
    fan_out.queue.take()
    with pytest.raises(IncompleteRunError):  # SQS retries that part, then parks it in the alarmed dead-letter queue
        work_part(Part.from_json(body), store, fan_out, (senders, notify))

    # Then the run is over: 39 sent, 1 not finished, told once
    assert delays == [RETRY_DELAY * 2**n for n in range(RETRIES)]
    (summary,) = summaries(channel)
    assert "39 sent" in summary and "1 not finished" in summary


def test_a_part_that_died_after_queuing_its_retry_tells_the_run_once(log, store, fan_out):
    mailer, channel = LossyMailer(), InMemoryNotifier()
    senders, notify = _senders(mailer, log, MORNING), (channel, "C-REPORTS")
    start_run(MORNING, store, senders, notify, fan_out, "req-1")
    parts = [Part.from_json(body) for body in fan_out.queue.take()]
    store.throttled = frozenset(parts[0].keys[:1])

    # Given part 0 queued its retry and then died before it was added (the tally refuses, as a timeout would)
    real_add = fan_out.tally.add

    def dies(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise TimeoutError("the invocation timed out")

    fan_out.tally.add = dies  # type: ignore[method-assign]
    with pytest.raises(TimeoutError):
        work_part(parts[0], store, fan_out, (senders, notify))
    fan_out.tally.add = real_add  # type: ignore[method-assign]
    (retry,) = fan_out.queue.take()

    # When SQS delivers part 0 again (the account now reads), the other parts run, then the retry part comes
    store.throttled = frozenset()
    for part in parts:
        work_part(part, store, fan_out, (senders, notify))
    work_part(Part.from_json(retry), store, fan_out, (senders, notify))

    # Then every account was sent once and the run told once, though the retry part came after it was told
    assert len(mailer.outbox) == 40 and len(set(mailer.sent_to())) == 40
    assert len(summaries(channel)) == 1


def test_a_part_stops_taking_accounts_near_the_timeout_and_the_rest_is_retried(log, store, fan_out):
    mailer, channel = LossyMailer(), InMemoryNotifier()
    senders, notify = _senders(mailer, log, MORNING), (channel, "C-REPORTS")
    start_run(MORNING, store, senders, notify, fan_out, "req-1")
    first = Part.from_json(fan_out.queue.take()[0])
    clock = iter([60.0, 60.0, 60.0, 5.0])  # seconds left before each account: the fourth finds too little

    work_part(first, store, fan_out, (senders, notify), time_left=lambda: next(clock, 5.0))

    ((body, delay),) = fan_out.queue.messages
    assert Part.from_json(body).keys == first.keys[3:] and delay == RETRY_DELAY
    assert len(mailer.outbox) == 3
