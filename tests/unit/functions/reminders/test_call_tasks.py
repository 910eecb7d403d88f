"""A cadence's call step sends nothing: it puts a call at the top of the collector's worklist, named, until the
collector has a conversation with the debtor; the cadence goes on after it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from shared.domain.account_actions import after_call
from shared.domain.dunning import Step
from shared.domain.outcomes import OUTCOMES
from shared.domain.settings import Settings
from shared.domain.state import recompute
from shared.reminders.run import run_reminders, summary_text
from tests.factories import account
from tests.fakes import InMemoryNotifier
from tests.unit.functions.reminders.test_run_isolation import (
    MORNING,
    LossyMailer,
    ThrottledAccounts,
    _senders,
    log,
)

__all__ = ["log"]  # the fixture
CADENCE = (Step(1, "email", "friendly"), Step(10, "call", "first-call"), Step(20, "email", "final"))


def test_a_call_step_puts_the_account_first_on_the_worklist_and_sends_nothing(log):
    # Given a creditor whose cadence calls on day 10, an account 12 days past due (at its call step), and an older
    # debt, 40 days past due, with nothing to do today
    store = ThrottledAccounts(creditor_settings={"acme": Settings(cadence=CADENCE)})
    settings = store.settings("acme")
    calling = recompute(account("CALL", due=MORNING.date() - timedelta(days=12)), MORNING, settings)
    calling = replace(calling, dunning_step=1, next_action="reminder", next_action_at=MORNING - timedelta(hours=1),
                      version=None)  # fmt: skip
    older = replace(account("OLDER", due=date(2026, 10, 14), next_action_at=MORNING + timedelta(days=5)), version=None)
    for a in (calling, older):
        store.save(a)
    mailer, channel = LossyMailer(), InMemoryNotifier()

    # When the reminder run comes
    report = run_reminders(MORNING, store, _senders(mailer, log, MORNING), (channel, "C-REPORTS"))

    # Then nothing is sent, the call is the collector's task, first on the worklist, and the summary counts it
    assert report.outcomes["call-task"] == 1 and mailer.outbox == []
    stored = store.get(calling.key)
    assert stored.follow_up == "call due: first-call (reminder step 2)" and stored.dunning_step == 2
    assert [a.account_id for a in store.worklist(None, 5)] == ["CALL", "OLDER"]
    assert "1 call task for collectors" in (summary_text(report.totals()) or "")
    assert stored.next_action == "reminder" and stored.next_action_at is not None  # the final email still comes

    # When the collector calls and talks with the debtor, the task is done; voicemail would not have done it
    assert after_call(stored, OUTCOMES["voicemail"], None, MORNING).follow_up == stored.follow_up
    assert after_call(stored, OUTCOMES["talked"], None, MORNING).follow_up is None


def test_a_broken_promise_on_top_is_not_hidden_by_a_call_task(log):
    store = ThrottledAccounts(creditor_settings={"acme": Settings(cadence=CADENCE)})
    broken = replace(account("CALL", due=MORNING.date() - timedelta(days=12), next_action_at=MORNING - timedelta(hours=1)),
                     dunning_step=1, follow_up="broken promise of $50.00 by 2026-11-20", version=None)  # fmt: skip
    store.save(broken)

    run_reminders(MORNING, store, _senders(LossyMailer(), log, MORNING))

    assert store.get(broken.key).follow_up == "broken promise of $50.00 by 2026-11-20"
