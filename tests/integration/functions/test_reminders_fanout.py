"""A big reminder run through the real handler on moto: the scheduled invocation queues its due accounts in parts,
the function's SQS invocations send them, each step once however SQS repeats them, and Slack hears one summary."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import boto3

from local.events import LambdaContext, scheduler_event, sqs_event
from shared.db import accounts as account_repo
from tests.factories import account
from tests.integration.functions.test_reminders import ARN, FRESH, MORNING, _sent
from tests.support import deliver_notices

DUE = [f"W-{n:03d}" for n in range(23)]
WORKER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:reminders"


def _fanning_handler(load_handler, recorder):
    url = boto3.client("sqs").create_queue(QueueName="arrears-reminder-work")["QueueUrl"]
    handler = load_handler("functions.reminders.handler", SLACK_API_URL=recorder.api_url, WORK_QUEUE_URL=url,
                           FAN_OUT_ABOVE="10", PART_SIZE="5", SEND_RATE="1000")  # fmt: skip
    handler.clock = lambda: MORNING
    return handler, url


def _received(url: str) -> list[dict]:
    sqs, messages = boto3.client("sqs"), []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages"):
        messages += batch
    return messages


def test_a_big_run_fans_out_and_sends_each_step_once_with_one_summary(load_handler, recorder):
    # Given 23 accounts due: more than the 10 one invocation sends
    handler, url = _fanning_handler(load_handler, recorder)
    account_repo.put_new_accounts(account(a, due=FRESH, next_action_at=MORNING - timedelta(hours=1)) for a in DUE)
    arn = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    context = LambdaContext("reminders", WORKER_ARN)

    # When the schedule fires, twice (EventBridge Scheduler delivers at least once)
    planned = handler.lambda_handler(scheduler_event(MORNING, ARN), context)
    repeat = handler.lambda_handler(scheduler_event(MORNING, ARN), context)

    # Then it queued 5 parts of at most 5 accounts and sent nothing itself; the repeat queued nothing
    assert planned["fanned_out"] == 5 and repeat["fanned_out"] == 0
    messages = _received(url)
    assert len(messages) == 5 and _sent() == []

    # When the workers take the parts in two batches, and SQS delivers the first batch a second time
    results = [handler.lambda_handler(sqs_event(batch, arn), context)
               for batch in (messages[:3], messages[3:], messages[:3])]  # fmt: skip
    deliver_notices()

    # Then every debtor got exactly one email, no part failed, and the report channel read one summary of 23 sent
    assert all(r == {"batchItemFailures": []} for r in results)
    recipients = Counter(to for m in _sent() for to in m.destinations["ToAddresses"])
    assert recipients == Counter({f"{a.lower()}@example.com": 1 for a in DUE})
    summaries = [c.params["text"] for c in recorder.calls if "Reminder run" in c.params.get("text", "")]
    assert len(summaries) == 1 and ": 23 sent" in summaries[0]
    assert all(account_repo.get_account(account(a).key).dunning_step == 1 for a in DUE)


def test_a_part_that_cannot_be_read_is_handed_back_and_the_others_finish(load_handler, recorder):
    handler, url = _fanning_handler(load_handler, recorder)
    account_repo.put_new_accounts(account(a, due=FRESH, next_action_at=MORNING - timedelta(hours=1)) for a in DUE)
    arn = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    handler.lambda_handler(scheduler_event(MORNING, ARN), LambdaContext("reminders", WORKER_ARN))
    good = _received(url)
    broken = dict(good[0], MessageId="m-broken", Body="{not json")

    result = handler.lambda_handler(sqs_event([broken, *good], arn), LambdaContext("reminders", WORKER_ARN))

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-broken"}]}
    assert len(_sent()) == len(DUE)


def test_a_warm_worker_keeps_one_pace_for_all_its_invocations(load_handler, recorder, monkeypatch):
    import pyrate_limiter

    handler, url = _fanning_handler(load_handler, recorder)
    account_repo.put_new_accounts(account(a, due=FRESH, next_action_at=MORNING - timedelta(hours=1)) for a in DUE)
    arn = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    handler.lambda_handler(scheduler_event(MORNING, ARN), LambdaContext("reminders", WORKER_ARN))
    built: list[object] = []  # each limiter runs a thread of its own for as long as it lives

    class Counted(pyrate_limiter.Limiter):
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            built.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(pyrate_limiter, "Limiter", Counted)
    for part in _received(url):  # each part a warm invocation of the same container, as the event source sends them
        handler.lambda_handler(sqs_event([part], arn), LambdaContext("reminders", WORKER_ARN))

    assert len(built) == 1  # one pace for the container, not one (and one thread) an invocation
    assert len(_sent()) == len(DUE)
