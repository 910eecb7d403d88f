"""The reminders function against moto: due reminders go out once, through the compliance engine."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from local.events import LambdaContext, scheduler_event
from shared.adapters.sending import one_try_client
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import creditors as creditor_repo
from shared.db import keys
from shared.db.accounts import DynamoAccounts
from shared.db.models import AccountItem
from shared.db.runs import DynamoRunControl
from shared.db.sends import DynamoSendLog
from shared.domain.errors import IncompleteRunError
from shared.domain.state import recompute
from shared.reminders.preview import preview_day, preview_run, preview_text
from tests.factories import account
from tests.support import deliver_notices

MORNING = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
LATE = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # 21:30 in Chicago
ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/reminders"
FRESH = date(2026, 11, 20)  # a debt three days past due on MORNING: its cadence is at the first step


def _sent() -> list:
    return ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages


def _run(handler, at: datetime) -> dict:
    handler.clock = lambda: at  # the run sends at the schedule's instant (the handler reads the real clock)
    report = handler.lambda_handler(scheduler_event(at, ARN), LambdaContext("reminders", ARN))
    deliver_notices()  # the Slack notices it queued, delivered as the notify function does
    return report


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
    posts = [c for c in recorder.calls if c.method == "chat.postMessage"]
    (told,) = [c for c in posts if "Reminders stopped for review" in c.params["text"]]
    assert told.params["channel"] == "C-REPORTS" and f"`{stored.key}`" in told.params["text"]
    assert "/collect resume" in told.params["text"] and stored.debtor not in told.params["text"]
    # and the run's summary says a step was blocked and by which rule
    (summary,) = [c for c in posts if "Reminder run" in c.params["text"]]
    assert "1 stopped: blocked by a rule" in summary.params["text"] and "`REGF-CEASE` 1" in summary.params["text"]


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
    stale = list(account_repo.query_due_keys(MORNING))
    stored = account_repo.get_account(due.key)
    cease = {"received_at": "2026-11-23T15:59:00Z", "written": True, "channel": "mail", "debt_ids": None}
    account_repo.save_account(recompute(replace(stored, flags={"cease": cease}), MORNING))
    monkeypatch.setattr(account_repo, "query_due_keys", lambda *_: iter(stale))
    # When the run goes on with its stale copy
    report = _run(handler, MORNING)
    # Then the account is read again: its cease took it off the cadence, and nothing is sent
    assert report["outcomes"] == {"not-due": 1}
    assert _sent() == []


# --- Faults injected through botocore's event hooks: the calls reach moto, the answers are what AWS can give. ---

THROTTLED = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
FORTY = [f"C-{n:04d}" for n in range(1, 41)]


@pytest.fixture(autouse=True)
def _one_try_clients() -> Iterator[None]:
    """The senders' clients are cached per process: each test gets its own, with its own hooks."""
    one_try_client.cache_clear()
    yield
    one_try_client.cache_clear()


@dataclass
class SesFaults:
    """Hooks on the reminders' SES client: every accepted email is noted (with its attempt tag, as SES's event
    publishing sees it); for the addresses in `lose`, the response is lost after SES accepted (read timeout)."""

    lose: set[str] = field(default_factory=set)
    accepted: list[tuple[str, str, str]] = field(default_factory=list)  # (to, attempt id, message id)

    def install(self) -> None:
        events = one_try_client("sesv2").meta.events
        events.register("before-parameter-build.sesv2.SendEmail", self._note_request)
        events.register("after-call.sesv2.SendEmail", self._answer)

    def _note_request(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["to"] = params["Destination"]["ToAddresses"][0]
        context["attempt"] = {t["Name"]: t["Value"] for t in params.get("EmailTags", [])}.get("attempt", "")

    def _answer(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        self.accepted.append((context["to"], context["attempt"], parsed["MessageId"]))
        if context["to"] in self.lose:
            raise ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com/")


@dataclass
class TableFaults:
    """Hooks on the table's client: every GetItem of the accounts in `unreadable`, and every TransactWriteItems
    while `throttle_writes` is set (until the next account is read), answered with ThrottlingException before
    reaching moto."""

    unreadable: set[str] = field(default_factory=set)
    throttle_writes: bool = False
    refused: Counter[str] = field(default_factory=Counter)

    def install(self) -> None:
        AccountItem._get_connection().connection.client.meta.events.register("before-call.dynamodb", self._call)

    def _call(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        body = json.loads(params["body"] or b"{}")
        if model.name == "GetItem" and body["Key"]["sk"]["S"] == "A":
            self.throttle_writes = self.throttle_writes and body["Key"]["pk"]["S"] in self.unreadable
        unreadable = model.name == "GetItem" and body["Key"]["pk"]["S"] in self.unreadable
        if unreadable or (model.name == "TransactWriteItems" and self.throttle_writes):
            self.refused[model.name] += 1
            return AWSResponse("https://dynamodb.us-east-1.amazonaws.com/", 400, {}, None), THROTTLED
        return None


def _seed_forty() -> None:
    due = MORNING - timedelta(hours=1)
    account_repo.put_new_accounts([account(a, due=FRESH, next_action_at=due) for a in FORTY])


def _publish(handler: Any, accepted: list[tuple[str, str, str]]) -> dict:
    """What SES's configuration set publishes (a Send event a message, tags included) and SNS delivers."""
    records = [_sns_record(_ses_send_event(to, attempt, message_id)) for to, attempt, message_id in accepted]
    return handler.lambda_handler({"Records": records}, LambdaContext("reminders", ARN))


def _ses_send_event(to: str, attempt: str, message_id: str) -> dict[str, Any]:
    return {
        "eventType": "Send",
        "mail": {
            "timestamp": "2026-11-23T16:00:01.012Z",
            "source": "collections@example.com",
            "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/collections@example.com",
            "sendingAccountId": "123456789012",
            "messageId": message_id,
            "destination": [to],
            "headersTruncated": False,
            "tags": {
                "ses:configuration-set": ["arrears-reminders"],
                "ses:source-ip": ["192.0.2.0"],
                "ses:from-domain": ["example.com"],
                "ses:caller-identity": ["arrears-RemindersFunctionRole"],
                "attempt": [attempt],
            },
        },
        "send": {},
    }


def _sns_record(message: dict[str, Any]) -> dict[str, Any]:
    topic = "arn:aws:sns:us-east-1:123456789012:arrears-reminder-events"
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": "2026-11-23T16:00:02.000Z",
            "Signature": "EXAMPLE",
            "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
            "MessageId": str(uuid.uuid4()),
            "Message": json.dumps(message),
            "MessageAttributes": {},
            "Type": "Notification",
            "UnsubscribeUrl": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic}:x",
            "TopicArn": topic,
            "Subject": None,
        },
    }


def _tally() -> tuple[int, int, int]:
    """(emails sent, debtors emailed twice or more, debtors never emailed) over the forty."""
    per = Counter(m.destinations["ToAddresses"][0] for m in _sent())
    wanted = {f"{a.lower()}@example.com" for a in FORTY}
    return sum(per.values()), sum(1 for n in per.values() if n > 1), len(wanted - set(per))


def test_lost_ses_response_is_settled_by_its_send_event_not_sent_again(load_handler):
    # Given forty due reminders, and SES losing its response (read timeout) after accepting two of them
    handler = load_handler("functions.reminders.handler")
    _seed_forty()
    ses = SesFaults(lose={"c-0007@example.com", "c-0031@example.com"})
    ses.install()

    # When the run goes out, SES's Send events arrive through SNS, and the next hourly run comes
    first = _run(handler, MORNING)
    recorded = _publish(handler, ses.accepted)
    second = _run(handler, MORNING + timedelta(hours=1))

    # Then the two stayed unknown, then were confirmed from their events: 40 sent, 0 doubled, 0 missing
    assert first["outcomes"] == {"sent": 38, "unknown": 2}
    assert recorded == {"recorded": 40}
    assert second["outcomes"] == {"confirmed": 2}
    assert _tally() == (40, 0, 0)
    lost = account("C-0007").key
    (contact,) = activity_repo.query_activity(lost, kinds=frozenset({"contact"}))
    (message_id,) = [mid for to, _, mid in ses.accepted if to == "c-0007@example.com"]
    assert contact.outcome == "sent" and contact.data["message_id"] == message_id
    assert account_repo.get_account(lost).dunning_step == 1


def test_throttled_contact_record_write_after_send_keeps_the_record(load_handler):
    # Given forty due reminders, and DynamoDB throttling every transaction right after C-0012's email went out
    handler = load_handler("functions.reminders.handler")
    _seed_forty()
    ses, table = SesFaults(), TableFaults()
    ses.install()
    table.install()
    events = one_try_client("sesv2").meta.events

    def throttle_after_c12(context: dict[str, Any], **_: Any) -> None:
        table.throttle_writes = context["to"] == "c-0012@example.com"

    events.register("after-call.sesv2.SendEmail", throttle_after_c12)

    # When the run goes out (the throttling ends when the next account is read), then SES's events arrive
    first = _run(handler, MORNING)
    table.throttle_writes = False
    _publish(handler, ses.accepted)
    second = _run(handler, MORNING + timedelta(hours=1))

    # Then the email's contact record was written before the send and kept (unknown, then sent with its message
    # id from the Send event); nothing went twice
    assert table.refused["TransactWriteItems"] >= 3
    assert first["outcomes"]["unrecorded"] == 1 and first["unsettled"] == [account("C-0012").key]
    assert second["outcomes"] == {"confirmed": 1}
    (contact,) = activity_repo.query_activity(account("C-0012").key, kinds=frozenset({"contact"}))
    assert contact.outcome == "sent" and contact.data["message_id"]
    assert _tally() == (40, 0, 0)


def test_account_throttled_on_every_get_leaves_the_others_sent_then_the_run_raises(load_handler):
    # Given forty-one due reminders, and DynamoDB throttling every GetItem of one account
    handler = load_handler("functions.reminders.handler")
    _seed_forty()
    stuck = account("C-0099", due=FRESH, next_action_at=MORNING - timedelta(hours=1))
    account_repo.put_new_accounts([stuck])
    table = TableFaults(unreadable={keys.account_pk(stuck.key)})
    table.install()

    # When the run goes out
    with pytest.raises(IncompleteRunError) as raised:
        _run(handler, MORNING)

    # Then the forty others went out, the stuck account was tried three times and is named in the report, and the
    # run raised only after the others (so Lambda retries it and the alarm sees it)
    assert _tally() == (40, 0, 0)
    assert table.refused["GetItem"] == 3
    assert raised.value.report["unfinished"] == [stuck.key]
    assert raised.value.report["outcomes"] == {"sent": 40, "unfinished": 1}

    # When DynamoDB recovers and the next run comes / Then only the stuck one is sent, still due
    table.unreadable.clear()
    again = _run(handler, MORNING + timedelta(hours=1))
    assert again["outcomes"] == {"sent": 1}
    assert len(_sent()) == 41


def test_stale_data_stops_automated_contact_and_the_summary_says_so_until_a_fresh_import(load_handler, recorder):
    # Given a creditor whose policy allows 7 days of data age, last imported 10 days ago, and a due reminder
    handler = load_handler("functions.reminders.handler", SLACK_API_URL=recorder.api_url)
    creditor_repo.put_policy("acme", {"collections": {"data_max_age_days": 7}}, "test", MORNING)
    creditor_repo.mark_imported("acme", "incoming/acme.csv@1", MORNING - timedelta(days=10))
    account_repo.put_new_accounts([account(due=FRESH, next_action_at=MORNING - timedelta(hours=1))])
    # When the run comes
    held = _run(handler, MORNING)
    # Then nothing is sent, the step stays due, and the summary names the gate
    assert held["outcomes"] == {"stale": 1} and held["held_by"] == {"POL-DATA-FRESHNESS": 1}
    assert _sent() == []
    stored = account_repo.get_account(account().key)
    assert stored.dunning_step == 0 and stored.next_action == "reminder"
    (summary,) = [c for c in recorder.calls if "Reminder run" in c.params.get("text", "")]
    assert "1 held: the creditor's last import is older than its policy allows" in summary.params["text"]
    assert "`POL-DATA-FRESHNESS` 1" in summary.params["text"]
    # When a fresh import finishes and the next run comes
    creditor_repo.mark_imported("acme", "incoming/acme.csv@2", MORNING + timedelta(minutes=30))
    again = _run(handler, MORNING + timedelta(hours=1))
    # Then the reminder goes out
    assert again["outcomes"] == {"sent": 1} and len(_sent()) == 1


def test_preview_shows_what_the_run_then_does_and_writes_or_sends_nothing(load_handler):
    # Given a due reminder the rules allow, one too early in Honolulu, and one under a cease request
    handler = load_handler("functions.reminders.handler")
    cease = {"received_at": "2026-11-01T15:00:00Z", "written": True, "channel": "mail", "debt_ids": None}
    due = MORNING - timedelta(hours=1)
    seeded = [
        account("C-1", due=FRESH, next_action_at=due),
        account("C-2", due=FRESH, tz="Pacific/Honolulu", state="HI", next_action_at=due),
        account("C-3", due=FRESH, next_action_at=due, flags={"cease": cease}),
    ]
    account_repo.put_new_accounts(seeded)
    before = {a.key: account_repo.get_account(a.key) for a in seeded}
    # When the run at MORNING is previewed
    preview = preview_run(MORNING, DynamoAccounts(), DynamoSendLog())
    # Then nothing was sent or written
    assert _sent() == []
    assert {k: account_repo.get_account(k) for k in before} == before
    assert all(activity_repo.query_activity(k) == [] for k in before)
    # When the run itself comes at that instant
    report = _run(handler, MORNING)
    # Then it does exactly what the preview showed: outcomes, who was sent to, what held the others and until when
    assert dict(preview.report.outcomes) == report["outcomes"] == {"sent": 1, "deferred": 1, "blocked": 1}
    assert preview.report.sent == report["sent"] == [seeded[0].key]
    assert preview.report.stopped == report["stopped"] and dict(preview.report.held_by) == report["held_by"]
    assert preview.steps == {("step 1", "email"): 1}
    assert preview.until == {seeded[1].key: account_repo.get_account(seeded[1].key).defer_until}


def test_a_days_preview_is_what_its_hourly_runs_then_do_across_zones(load_handler):
    # Given steps due at 10:00 local on the 23rd in Chicago, Denver and Los Angeles (16:00, 17:00, 18:00 UTC), and
    # one due the next day
    handler = load_handler("functions.reminders.handler")
    zones = {"C-CHI": ("America/Chicago", "IL", 16), "C-DEN": ("America/Denver", "CO", 17),
             "C-LAX": ("America/Los_Angeles", "CA", 18), "C-TOMORROW": ("America/Chicago", "IL", 16 + 24)}  # fmt: skip
    seeded = [account(ref, due=FRESH, tz=tz, state=state,
                      next_action_at=datetime(2026, 11, 23, tzinfo=UTC) + timedelta(hours=hours))
              for ref, (tz, state, hours) in zones.items()]  # fmt: skip
    account_repo.put_new_accounts(seeded)
    # When the 23rd is previewed
    preview = preview_day(date(2026, 11, 23), DynamoAccounts(), DynamoSendLog())
    assert _sent() == []
    # And then its hourly runs come, one after another
    sent: list[str] = []
    outcomes: Counter[str] = Counter()
    for hour in range(24):
        report = _run(handler, datetime(2026, 11, 23, hour, tzinfo=UTC))
        sent += report["sent"]
        outcomes.update(report["outcomes"])
    # Then the preview showed exactly those runs: the three due that day, each in its own hour's run, not tomorrow's
    assert len(preview.runs) == 24 and preview.runs[16] == datetime(2026, 11, 23, 16, tzinfo=UTC)
    assert dict(preview.report.outcomes) == dict(outcomes) == {"sent": 3}
    assert preview.report.sent == sent == [seeded[0].key, seeded[1].key, seeded[2].key]
    assert "The 24 hourly reminder runs of 2026-11-23 (00:00 to 23:00 UTC)" in preview_text(preview)


def test_a_days_preview_counts_an_account_waiting_all_day_once(load_handler):
    # Given a creditor whose runs wait for a manager's approval, and one of its steps due at 16:00 UTC
    load_handler("functions.reminders.handler")
    creditor_repo.put_policy("acme", {"collections": {"run_approval": True}}, "test", MORNING)
    waiting = account(due=FRESH, next_action_at=datetime(2026, 11, 23, 16, tzinfo=UTC))
    account_repo.put_new_accounts([waiting])
    # When the day is previewed (each of its runs from 16:00 on finds the step due and unapproved)
    preview = preview_day(date(2026, 11, 23), DynamoAccounts(), DynamoSendLog(), DynamoRunControl())
    # Then it is one account waiting for the day's approval, not one a run
    assert dict(preview.report.outcomes) == {"awaiting-approval": 1}
    assert "1 waiting for the day's approval" in preview_text(preview)


def test_a_creditors_own_cadence_sends_its_courtesy_step_before_the_due_date(load_handler):
    # Given a creditor whose cadence starts 3 days before the due date, and an invoice due on the 26th
    handler = load_handler("functions.reminders.handler")
    steps = [{"offset_days": -3, "channel": "email", "template": "courtesy"},
             {"offset_days": 7, "channel": "email", "template": "final"}]  # fmt: skip
    creditor_repo.put_policy("acme", {"collections": {"cadence": steps}}, "test", MORNING)
    upcoming = recompute(
        account(due=date(2026, 11, 26)), MORNING - timedelta(hours=2), DynamoAccounts().settings("acme")
    )
    assert (upcoming.next_action, upcoming.next_action_at) == ("reminder", MORNING)  # the 23rd, 10:00 in Chicago
    account_repo.put_new_accounts([upcoming])
    # When the run comes that morning
    report = _run(handler, MORNING)
    # Then the courtesy email goes out (not a past-due one), and the next step is its own: 7 days after the due date
    assert report["outcomes"] == {"sent": 1}
    assert _sent()[0].subject == "Your invoice with acme is coming due"
    stored = account_repo.get_account(upcoming.key)
    assert stored.dunning_step == 1 and stored.next_action_at == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
