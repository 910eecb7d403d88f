"""A person's say over the reminder runs: a hold stops every automated send (the accounts stay due) and is told
once; a creditor whose runs wait for approval sends only on a day a person approved."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from shared.domain.settings import Settings
from shared.reminders.control import Hold
from shared.reminders.fanout import FanOut, Part, start_run, work_part
from shared.reminders.preview import preview_run
from tests.factories import account
from tests.fakes import InMemoryNotifier, InMemoryQueue, InMemoryRunControl, InMemoryRunTally
from tests.unit.functions.reminders.test_run_isolation import (
    FRESH,
    MORNING,
    LossyMailer,
    ThrottledAccounts,
    _senders,
    log,
)

__all__ = ["log"]  # the fixture


def due_store(n: int = 3, settings: Settings | None = None) -> ThrottledAccounts:
    store = ThrottledAccounts(creditor_settings={"acme": settings} if settings else {})
    for i in range(n):
        store.save(replace(account(f"H-{i}", due=FRESH, next_action_at=MORNING - timedelta(hours=1)), version=None))
    return store


def test_a_held_run_sends_nothing_says_so_once_and_the_release_lets_the_next_run_send(log):
    store, control, channel = due_store(), InMemoryRunControl(), InMemoryNotifier()
    control.hold(Hold("U-BOSS", "audit", MORNING - timedelta(hours=2)))
    mailer = LossyMailer()

    # When two hourly runs come while the reminders are held
    for hours in (0, 1):
        at = MORNING + timedelta(hours=hours)
        senders = replace(_senders(mailer, log, at), control=control)
        assert start_run(at, store, senders, (channel, "C-REPORTS"), None, "req") == {
            "at": at.isoformat(),
            "held": True,
        }

    # Then nothing went, the accounts are still due, and the hold was told once (one notice key for both runs)
    assert mailer.outbox == []
    assert {n.key for n in channel.notices} == {channel.notices[0].key} and "held by <@U-BOSS>" in channel.notices[
        0
    ].text
    assert all(store.get(account(f"H-{i}").key).dunning_step == 0 for i in range(3))

    # When it is released, the next run sends
    control.release()
    at = MORNING + timedelta(hours=2)
    report = start_run(at, store, replace(_senders(mailer, log, at), control=control), None, None, "req")
    assert report["outcomes"] == {"sent": 3}


def test_a_part_queued_before_the_hold_sends_nothing_and_counts_its_accounts_as_held(log):
    store, control, channel = due_store(12), InMemoryRunControl(), InMemoryNotifier()
    fan_out = FanOut(InMemoryQueue(), InMemoryRunTally(), above=10, part_size=6)
    mailer = LossyMailer()
    senders = replace(_senders(mailer, log, MORNING), control=control)
    start_run(MORNING, store, senders, (channel, "C-REPORTS"), fan_out, "req")
    first, second = (Part.from_json(b) for b in fan_out.queue.take())

    work_part(first, store, fan_out, (senders, (channel, "C-REPORTS")))
    control.hold(Hold("U-BOSS", "wrong letters", MORNING + timedelta(minutes=5)))
    work_part(second, store, fan_out, (senders, (channel, "C-REPORTS")))

    assert len(mailer.outbox) == 6
    (summary,) = [n.text for n in channel.notices if n.key.startswith("reminders-run:")]
    assert "6 sent" in summary and "6 held: reminders are on hold" in summary


def test_a_creditor_waiting_for_approval_sends_only_on_an_approved_day(log):
    store, control = due_store(settings=Settings(run_approval=True)), InMemoryRunControl()
    mailer = LossyMailer()
    senders = replace(_senders(mailer, log, MORNING), control=control)

    # Before approval: the preview and the run both show every account waiting, nothing is sent
    assert preview_run(MORNING, store, log, control).report.outcomes["awaiting-approval"] == 3
    waiting = start_run(MORNING, store, senders, None, None, "req")
    assert waiting["outcomes"] == {"awaiting-approval": 3} and mailer.outbox == []

    # After a manager approves the day, the next run sends them
    control.approve(MORNING.date(), "U-BOSS", MORNING)
    later = MORNING + timedelta(hours=1)
    sent = start_run(later, store, replace(_senders(mailer, log, later), control=control), None, None, "req")
    assert sent["outcomes"] == {"sent": 3}


def test_the_hold_notice_shows_the_reason_as_typed_never_as_a_ping():
    from shared.reminders.control import held_text

    text = held_text(Hold("U-BOSS", "<!channel> stop everything", MORNING))
    assert "<!channel>" not in text and "&lt;!channel&gt; stop everything" in text
