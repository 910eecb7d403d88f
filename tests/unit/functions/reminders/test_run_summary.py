"""After a run that did something, the report channel reads what it did: by outcome, and the rules that held
steps back; a run that did nothing (a repeated schedule delivery) posts nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from shared import contacts
from shared.domain.notices import Notice
from shared.reminders.run import outcome_counts, run_reminders
from tests.factories import account
from tests.unit.functions.reminders.test_run_isolation import (
    FRESH,
    IDS,
    MORNING,
    LossyMailer,
    ThrottledAccounts,
    _senders,
    log,
)

__all__ = ["log"]  # the fixture


@dataclass
class Channel:
    notices: list[Notice] = field(default_factory=list)

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)


def test_a_run_posts_its_summary_with_the_rules_that_held_steps_back(log, monkeypatch):
    # Given 3 accounts due at 10:00 in Chicago, and 2 whose debtors live where it is 02:00 (too early to contact)
    store = ThrottledAccounts()
    due = MORNING - timedelta(hours=1)
    for n, tz in enumerate(["America/Chicago"] * 3 + ["Asia/Tokyo"] * 2):
        store.save(replace(account(IDS[n], due=FRESH, next_action_at=due, tz=tz), version=None))
    decisions: list = []
    monkeypatch.setattr(contacts.activity_repo, "append_activities", decisions.extend)  # the refusals are kept
    channel = Channel()
    # When the run goes out
    report = run_reminders(MORNING, store, _senders(LossyMailer(), log, MORNING), (channel, "C-REPORTS"))
    # Then one summary reaches the report channel: 3 sent, 2 deferred by the time-window rule, no debtor data
    assert report.outcomes["sent"] == 3 and report.outcomes["deferred"] == 2
    (summary,) = [n for n in channel.notices if n.key.startswith("reminders-run:")]
    assert summary.channel == "C-REPORTS"
    assert summary.text.startswith(":mailbox_with_mail: Reminder run 2026-11-23 16:00 UTC: 3 sent · 2 deferred")
    assert "Held back by rule: `REGF-TIME-WINDOW` 2" in summary.text
    assert "@example.com" not in summary.text and "Debtor" not in summary.text
    assert len(decisions) == 2  # each deferral's decision is logged with its rule, as before
    # And the same schedule delivered again does nothing, so it says nothing
    again = run_reminders(MORNING, store, _senders(LossyMailer(), log, MORNING), (channel, "C-REPORTS"))
    assert sum(again.outcomes[o] for o in ("sent", "deferred")) == 0
    assert len([n for n in channel.notices if n.key.startswith("reminders-run:")]) == 1


def test_the_summary_counts_read_as_a_reader_says_them_one_letter_two_letters():
    # Given a run's outcomes: one letter and one call task, two first notices by email, three sent
    outcomes = {"mailed": 1, "call-task": 1, "emailed-notice": 2, "sent": 3, "not-due": 9}
    # Then each count reads with its noun in the right number, in the summary's order, and what is not reported
    # (not due) is left out
    assert outcome_counts(outcomes) == [
        "3 sent", "1 letter for the mail", "2 first notices by email", "1 call task for collectors",
    ]  # fmt: skip
