"""Two-way SMS against moto: a reminder text goes out, the consumer replies STOP (End User Messaging -> SNS -> the
reminders function), the number is opted out, and the next text step goes by email instead; other replies are
kept in the history. SNS's delivery reports (delivery status logs -> a Logs subscription -> the same function) mark
the text delivered or failed, and a number that does not exist is never texted again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from local.events import LambdaContext, logs_event, scheduler_event, sms_delivery_log, sns_event
from shared.adapters.sending import one_try_client
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db.accounts import DynamoAccounts
from shared.domain.dunning import Step
from shared.domain.settings import Settings
from tests.factories import account, phone

MORNING = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/reminders"
TOPIC = "arn:aws:sns:us-east-1:123456789012:arrears-inbound-texts"
NUMBER = "+12145550101"  # the factory debtor's cell
OURS = "+18885550199"  # the number the reminders' texts go from
NOTICE = {"sent_at": "2026-11-02T18:00:00Z", "channel": "letter", "period_end": "2026-12-09"}
NOTICE_MAILED = {"initial_communication_at": NOTICE["sent_at"], "validation_notices": {"INV-C-1001": NOTICE}}
# A creditor whose cadence texts twice (each text falling back to email, as `"channel": "sms"` reads): the second
# text is what a STOP must stop.
TWO_TEXTS = (Step(1, "email", "friendly"), Step(8, "sms", "nudge", fallback=("email",)),
             Step(12, "sms", "nudge", fallback=("email",)), Step(30, "email", "final"))  # fmt: skip


@pytest.fixture(autouse=True)
def _two_texts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    one_try_client.cache_clear()
    monkeypatch.setattr(DynamoAccounts, "settings", lambda self, creditor: Settings(cadence=TWO_TEXTS))
    yield
    one_try_client.cache_clear()


def _texts() -> list[tuple[str, str, str]]:
    """(message id, number, body) of every text moto's SNS sent."""
    sent = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages
    return [(message_id, number, body) for message_id, (number, body, *_) in sent.items()]


def _emailed() -> list[list[str]]:
    return [m.destinations["ToAddresses"] for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages]


def _run(handler: Any, at: datetime) -> dict[str, Any]:
    handler.clock = lambda: at
    report: dict[str, Any] = handler.lambda_handler(scheduler_event(at, ARN), LambdaContext("reminders", ARN))
    return report


def _reply(handler: Any, body: str, at: datetime, replies_to: str | None, inbound_id: str = "in-1") -> dict[str, Any]:
    """What End User Messaging publishes for a text to our number, as SNS delivers it (same id on a redelivery)."""
    message = {"originationNumber": NUMBER, "destinationNumber": OURS, "messageKeyword": "", "messageBody": body,
               "inboundMessageId": inbound_id, "previousPublishedMessageId": replies_to}  # fmt: skip
    event = sns_event(message, TOPIC, at, message_id=f"sns-{inbound_id}")
    result: dict[str, Any] = handler.lambda_handler(event, LambdaContext("reminders", ARN))
    return result


def _texted_debtor() -> Any:
    """A debt ten days past due whose cadence is at its first text, due now: its validation notice was mailed, and
    its cell number has consent and the reassigned-numbers database shows it not reassigned."""
    cell = phone(NUMBER, "America/Chicago") | {
        "reassigned_check": {"checked_at": "2026-11-01T00:00:00Z", "result": "not_reassigned"}}  # fmt: skip
    debt = account(due=date(2026, 11, 13), next_action_at=MORNING - timedelta(hours=1),
                   flags=NOTICE_MAILED)  # fmt: skip
    debt = replace(debt, phones=(cell,), dunning_step=1)
    account_repo.put_new_accounts([debt])
    return debt


def test_stop_reply_opts_the_number_out_and_the_next_text_step_goes_by_email(load_handler):
    # Given a debtor whose first text went out at 10:00 local
    handler = load_handler("functions.reminders.handler")
    debt = _texted_debtor()
    assert _run(handler, MORNING)["outcomes"] == {"sent": 1}
    ((message_id, number, _),) = _texts()
    assert number == NUMBER

    # When they reply "Stop please" an hour later, and SNS delivers the notification twice
    replied_at = MORNING + timedelta(hours=1)
    first = _reply(handler, "Stop please", replied_at, message_id)
    again = _reply(handler, "Stop please", replied_at, message_id)
    # and a second STOP comes the next day
    later = _reply(handler, "STOP", replied_at + timedelta(days=1), message_id, inbound_id="in-2")

    # Then the number is opted out at the reply's instant, once, with its history entry; repeats write nothing
    assert first == {"texts": {"opted-out": 1}}
    assert again == later == {"texts": {"repeat": 1}}
    stored = account_repo.get_account(debt.key)
    assert stored.phones[0]["opted_out_at"] == "2026-11-23T17:00:00Z"
    history = activity_repo.query_activity(debt.key, kinds=frozenset({"status"}))
    assert [(h.actor, h.summary) for h in history] == [
        ("sms-reply", "texts to the number ending 0101 stopped: the consumer replied STOP")
    ]

    # When the next step (a text) falls due and the run comes
    step = stored.next_action_at
    assert step is not None and stored.dunning_step == 2
    report = _run(handler, step)

    # Then no text goes to that number: the step falls back to email
    assert report["outcomes"] == {"sent": 1}
    assert len(_texts()) == 1
    assert _emailed() == [["c-1001@example.com"]]
    (contact, *_) = activity_repo.query_activity(debt.key, kinds=frozenset({"contact"}))
    assert (contact.channel, contact.at) == ("email", step)


def test_a_reply_that_is_not_an_opt_out_is_kept_as_an_inbound_text_and_texts_go_on(load_handler):
    # Given a debtor who was texted
    handler = load_handler("functions.reminders.handler")
    debt = _texted_debtor()
    assert _run(handler, MORNING)["outcomes"] == {"sent": 1}

    # When they reply with a question, without the provider naming the message it answers (delivered twice)
    at = MORNING + timedelta(minutes=20)
    assert _reply(handler, "Can I pay on Friday?", at, None) == {"texts": {"reply": 1}}
    assert _reply(handler, "Can I pay on Friday?", at, None) == {"texts": {"repeat": 1}}

    # Then a collector sees it as an inbound text, once; the number is not opted out
    stored = account_repo.get_account(debt.key)
    assert stored.phones[0]["opted_out_at"] is None
    inbound = [a for a in activity_repo.query_activity(debt.key, kinds=frozenset({"contact"}))
               if a.direction == "inbound"]  # fmt: skip
    assert [(a.channel, a.outcome, a.summary, a.data["from"]) for a in inbound] == [
        ("sms", "received", "text received: Can I pay on Friday?", NUMBER)
    ]
    # And the next text step still texts
    assert _run(handler, stored.next_action_at)["outcomes"] == {"sent": 1}
    assert [number for _, number, _ in _texts()] == [NUMBER, NUMBER]


def test_texts_go_from_the_number_whose_two_way_channel_hears_the_replies(load_handler):
    # Given the stack's origination number set (its two-way channel is the inbound-texts topic)
    handler = load_handler("functions.reminders.handler", SMS_ORIGINATION_NUMBER=OURS)
    published: list[dict[str, Any]] = []
    one_try_client("sns").meta.events.register(
        "provide-client-params.sns.Publish", lambda params, **_: published.append(params)
    )
    _texted_debtor()
    # When the text step goes out
    assert _run(handler, MORNING)["outcomes"] == {"sent": 1}
    # Then it is sent from that number, as a transactional text, so a STOP in reply comes back to Arrears
    (params,) = published
    attributes = params["MessageAttributes"]
    assert attributes["AWS.MM.SMS.OriginationNumber"] == {"DataType": "String", "StringValue": OURS}
    assert attributes["AWS.SNS.SMS.SMSType"]["StringValue"] == "Transactional" and params["PhoneNumber"] == NUMBER


def test_a_text_from_a_number_no_reminder_texted_changes_nothing(load_handler):
    handler = load_handler("functions.reminders.handler")
    debt = _texted_debtor()  # never texted: no run
    assert _reply(handler, "STOP", MORNING, None) == {"texts": {"unmatched": 1}}
    assert account_repo.get_account(debt.key).phones[0]["opted_out_at"] is None


FAILURES = "sns/us-east-1/123456789012/DirectPublishToPhoneNumber/Failure"


def _delivery_report(handler: Any, message_id: str, at: datetime, delivered: bool, response: str) -> dict[str, Any]:
    """What the subscription filter on SNS's SMS delivery status log group delivers for one text."""
    group = FAILURES.removesuffix("/Failure") if delivered else FAILURES
    event = logs_event(group, [sms_delivery_log(message_id, NUMBER, at, delivered, response)], at)
    result: dict[str, Any] = handler.lambda_handler(event, LambdaContext("reminders", ARN))
    return result


def test_a_text_to_a_number_not_in_service_flags_it_and_the_next_text_step_goes_by_email(load_handler):
    # Given a debtor whose only number was texted at 10:00 local
    handler = load_handler("functions.reminders.handler")
    debt = _texted_debtor()
    assert _run(handler, MORNING)["outcomes"] == {"sent": 1}
    ((message_id, _, _),) = _texts()

    # When SNS's delivery log says the number is invalid, and the subscription delivers it twice
    at = MORNING + timedelta(seconds=2)
    first = _delivery_report(handler, message_id, at, False, "Invalid phone number")
    again = _delivery_report(handler, message_id, at, False, "Invalid phone number")

    # Then the text's contact record says failed, the number is flagged disconnected, the account needs locating
    assert first == {"texts": {"number-gone": 1}} and again == {"texts": {"repeat": 1}}
    (contact,) = activity_repo.query_activity(debt.key, kinds=frozenset({"contact"}))
    assert (contact.channel, contact.outcome, contact.data["delivery"]) == ("sms", "failed", "Invalid phone number")
    stored = account_repo.get_account(debt.key)
    assert stored.phones[0]["invalid"] == {"reason": "disconnected", "at": "2026-11-23T16:00:02Z"}
    assert stored.flags["needs_locate"] == {"since": "2026-11-23T16:00:02Z", "missing": "phone"}
    history = activity_repo.query_activity(debt.key, kinds=frozenset({"status"}))
    assert sorted((h.actor, h.summary) for h in history) == [
        ("sms-delivery", "needs locate: no usable number left"),
        ("sms-delivery", "the number ending 0101 is not in service (text not delivered: Invalid phone number)"),
    ]

    # When the next text step falls due
    assert _run(handler, stored.next_action_at)["outcomes"] == {"sent": 1}

    # Then nothing more goes to that number: the step falls back to email
    assert len(_texts()) == 1
    assert _emailed() == [["c-1001@example.com"]]


def test_a_delivered_text_says_so_and_texts_go_on(load_handler):
    handler = load_handler("functions.reminders.handler")
    debt = _texted_debtor()
    assert _run(handler, MORNING)["outcomes"] == {"sent": 1}
    ((message_id, _, _),) = _texts()
    accepted = "Message has been accepted by phone carrier"
    assert _delivery_report(handler, message_id, MORNING, True, accepted) == {"texts": {"delivered": 1}}
    (contact,) = activity_repo.query_activity(debt.key, kinds=frozenset({"contact"}))
    assert contact.outcome == "delivered"
    stored = account_repo.get_account(debt.key)
    assert "invalid" not in stored.phones[0] and "needs_locate" not in stored.flags
    assert _run(handler, stored.next_action_at)["outcomes"] == {"sent": 1}
    assert [number for _, number, _ in _texts()] == [NUMBER, NUMBER]


def test_a_text_whose_publish_response_was_lost_is_settled_by_its_report_and_never_sent_twice(
    load_handler, monkeypatch
):
    # Given a text SNS sent, but whose Publish response was lost on the way back (the attempt stays unknown)
    handler = load_handler("functions.reminders.handler")
    debt = _texted_debtor()
    from shared.adapters.sending import OneTrySnsSms
    from shared.domain.errors import DeliveryUnknownError

    sent = OneTrySnsSms.send_sms

    def lost(self: OneTrySnsSms, to: str, body: str) -> str:
        sent(self, to, body)
        raise DeliveryUnknownError("SNS text message: the response was lost")

    with monkeypatch.context() as patched:
        patched.setattr(OneTrySnsSms, "send_sms", lost)
        assert _run(handler, MORNING)["outcomes"] == {"unknown": 1}
    ((message_id, _, _),) = _texts()

    # When its delivery report comes, naming a message id no settled text has
    report = _delivery_report(handler, message_id, MORNING + timedelta(seconds=3), False, "Invalid phone number")

    # Then it is matched by the number and the time: the text failed, the number is flagged, the debtor located
    assert report == {"texts": {"number-gone": 1}}
    stored = account_repo.get_account(debt.key)
    assert stored.phones[0]["invalid"]["reason"] == "disconnected" and stored.flags["needs_locate"]
    # And the account's next run (its step is due again the next morning) settles the attempt from that report,
    # with its message id, instead of assuming it sent; no second text goes
    assert _run(handler, stored.next_action_at or MORNING)["outcomes"] == {"confirmed": 1}
    (contact,) = activity_repo.query_activity(debt.key, kinds=frozenset({"contact"}))
    assert (contact.outcome, contact.data["message_id"]) == ("failed", message_id)
    assert len(_texts()) == 1
