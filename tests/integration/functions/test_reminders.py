"""The reminders function against moto: due reminders go out once, through the compliance engine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from local.events import LambdaContext, scheduler_event
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import keys
from shared.domain.state import recompute
from tests.factories import account

MORNING = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
LATE = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # 21:30 in Chicago
ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/reminders"
FRESH = date(2026, 11, 20)  # a debt three days past due on MORNING: its cadence is at the first step


def _sent() -> list:
    return ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages


def _run(handler, at: datetime) -> dict:
    handler.clock = lambda: at  # the run sends at the schedule's instant (the handler reads the real clock)
    return handler.lambda_handler(scheduler_event(at, ARN), LambdaContext("reminders", ARN))


def test_reminder_due_in_window_sends_one_email_and_logs_decision(load_handler):
    # Given an overdue account whose first reminder is due
    handler = load_handler("functions.reminders.handler")
    account_repo.put_new_accounts([account(due=FRESH, next_action_at=MORNING - timedelta(hours=1))])
    # When the schedule runs at 10:00 local, twice (a repeated delivery)
    first = _run(handler, MORNING)
    second = _run(handler, MORNING)
    # Then exactly one email went out, to the debtor, and the cadence moved to the next step
    assert first["outcomes"] == {"sent": 1}
    assert second["outcomes"] == {}
    assert [m.destinations["ToAddresses"] for m in _sent()] == [["c-1001@example.com"]]
    stored = account_repo.get_account(account().key)
    assert stored.dunning_step == 1 and stored.next_action_at > MORNING
    kinds = [a.kind for a in activity_repo.query_activity(stored.key)]
    assert sorted(kinds) == ["compliance", "contact"]


def test_reminder_outside_window_is_deferred_to_local_morning(load_handler):
    # Given a due reminder and a run at 21:30 in the debtor's zone
    handler = load_handler("functions.reminders.handler")
    account_repo.put_new_accounts([account(next_action_at=LATE - timedelta(hours=1))])
    # When the schedule runs
    report = _run(handler, LATE)
    # Then nothing is sent, the reminder waits for the next morning's send time (10:00 local, inside the 08:00
    # window), and the decision is kept with its rule
    assert report["outcomes"] == {"deferred": 1}
    assert _sent() == []
    stored = account_repo.get_account(account().key)
    assert stored.defer_until == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert stored.next_action_at == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    decision = activity_repo.query_activity(stored.key)[0]
    assert decision.kind == "compliance" and "REGF-TIME-WINDOW" in decision.rules


def test_blocked_send_after_cease_is_not_sent_and_logged_with_rule(load_handler, recorder):
    handler = load_handler("functions.reminders.handler", SLACK_API_URL=recorder.api_url)
    cease = {"received_at": "2026-11-01T15:00:00Z", "written": True, "channel": "mail", "debt_ids": None}
    account_repo.put_new_accounts([account(next_action_at=MORNING, flags={"cease": cease})])
    report = _run(handler, MORNING)
    assert report["outcomes"] == {"blocked": 1}
    assert _sent() == []
    stored = account_repo.get_account(account().key)
    assert (stored.automation, stored.next_action, stored.next_action_at) == ("review", "hold: cease", None)
    assert "REGF-CEASE" in activity_repo.query_activity(stored.key, kinds=frozenset({"compliance"}))[0].rules
    # and the collectors are told where automation stopped and how to restart it (no debtor data)
    (told,) = [c for c in recorder.calls if c.method == "chat.postMessage"]
    assert told.params["channel"] == "C-REPORTS" and f"`{stored.key}`" in told.params["text"]
    assert "/collect resume" in told.params["text"] and stored.debtor not in told.params["text"]


def test_reminder_already_claimed_by_earlier_delivery_is_not_sent_again(load_handler):
    # Given a run that crashed after sending (its send marker exists) but before moving the cadence
    handler = load_handler("functions.reminders.handler")
    due = account(due=FRESH, next_action_at=MORNING)
    account_repo.put_new_accounts([due])
    activity_repo.claim_marker(keys.account_pk(due.key), f"SEND#{due.oldest_due}#0", MORNING)
    # When the retry runs
    report = _run(handler, MORNING)
    # Then it sends nothing and only advances the cadence
    assert report["outcomes"] == {"repeat": 1}
    assert _sent() == []
    assert account_repo.get_account(due.key).dunning_step == 1


def test_late_retry_of_a_run_is_checked_at_send_time_not_schedule_time(load_handler):
    # Given a run scheduled at 20:58 in Chicago whose (retried) delivery executes at 21:03
    handler = load_handler("functions.reminders.handler")
    scheduled = datetime(2026, 11, 24, 2, 58, tzinfo=UTC)
    account_repo.put_new_accounts([account(next_action_at=scheduled - timedelta(hours=1))])
    handler.clock = lambda: scheduled + timedelta(minutes=5)
    # When it runs
    report = handler.lambda_handler(scheduler_event(scheduled, ARN), LambdaContext("reminders", ARN))
    # Then the 21:03 send is refused by the time window, though the run was due at 20:58
    assert report["outcomes"] == {"deferred": 1}
    assert _sent() == []


def test_hold_recorded_after_the_due_index_was_read_stops_the_send(load_handler, monkeypatch):
    # Given a due account, and a cease recorded right after the run read the due index
    from dataclasses import replace

    handler = load_handler("functions.reminders.handler")
    due = account(next_action_at=MORNING)
    account_repo.put_new_accounts([due])
    stale = list(account_repo.query_due_accounts(MORNING))
    stored = account_repo.get_account(due.key)
    cease = {"received_at": "2026-11-23T15:59:00Z", "written": True, "channel": "mail", "debt_ids": None}
    account_repo.save_account(recompute(replace(stored, flags={"cease": cease}), MORNING))
    monkeypatch.setattr(account_repo, "query_due_accounts", lambda *_: iter(stale))
    # When the run goes on with its stale copy
    report = _run(handler, MORNING)
    # Then the account is read again: its cease took it off the cadence, and nothing is sent
    assert report["outcomes"] == {"not-due": 1}
    assert _sent() == []
