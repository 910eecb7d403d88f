"""Fault injection on the real handlers against moto: faults at botocore's call boundary, and AWS's redeliveries
played on a simulated clock.

Every AWS call a handler makes (boto3 and pynamodb alike) goes through `BaseClient._make_api_call`, which emits
botocore's `before-call` / `after-call` events around the request. `inject` hooks there and, at the call the fault
names, lets the process die before or after the call (`Died` is a BaseException: no `except Exception` cleanup runs,
as when Lambda's process is killed), loses the response after the call took effect, throttles it, or answers a
batch read with every key unprocessed.

`Timeline` plays what AWS does next: Lambda's asynchronous retries of a failed S3 event (after 1 and 3 minutes),
SQS messages at their delay, and a message whose invocation failed again after the queue's visibility timeout.
A world is then compared with the one an uninterrupted run left: the diff must be empty.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3
import botocore.client
import botocore.session
import moto  # noqa: F401 - before the session below, see there
import pynamodb.connection.base
from botocore.exceptions import ClientError, ReadTimeoutError

from local.events import LambdaContext, sqs_event

# Created after moto is imported: moto's stub is among the handlers a botocore session registers when created.
_SESSION = botocore.session.get_session()


@contextmanager
def fresh_aws(monkeypatch: Any) -> Iterator[str]:
    """A new moto world as the template makes it: the table, the inbox bucket, the intake and notify queues, a
    verified sender, the Slack secrets. Yields the intake queue's URL."""
    from moto import mock_aws

    from local.runner import forget_process_caches
    from shared.db.models import configure
    from tests.conftest import HANDLER_ENV, SIGNING_SECRET, UNSUBSCRIBE_KEY
    from tests.factories import BUCKET, TABLE, table_kwargs

    for name, value in HANDLER_ENV.items():
        monkeypatch.setenv(name, value)
    # One botocore session for every world: a new one loads the service models again (seconds per world).
    monkeypatch.setattr(pynamodb.connection.base, "get_session", lambda: _SESSION)
    with mock_aws():  # with moto's rollback of cancelled transactions: retried writes do cancel on their markers
        forget_process_caches()
        boto3.client("dynamodb").create_table(**table_kwargs())
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        boto3.client("ses").verify_email_identity(EmailAddress="collections@example.com")
        ssm = boto3.client("ssm")
        ssm.put_parameter(Name=HANDLER_ENV["SLACK_SIGNING_SECRET_PARAM"], Value=SIGNING_SECRET, Type="SecureString")
        ssm.put_parameter(Name=HANDLER_ENV["SLACK_BOT_TOKEN_PARAM"], Value="xoxb-test", Type="SecureString")
        ssm.put_parameter(Name=HANDLER_ENV["UNSUBSCRIBE_KEY_PARAM"], Value=UNSUBSCRIBE_KEY, Type="SecureString")
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="arrears-intake")["QueueUrl"]
        sqs.create_queue(QueueName="arrears-notify.fifo", Attributes={"FifoQueue": "true"})
        monkeypatch.setenv("INTAKE_QUEUE_URL", url)
        configure(TABLE)
        yield url
        forget_process_caches()


INTAKE_ARN = "arn:aws:lambda:us-east-1:123456789012:function:arrears-intake"
ASYNC_RETRIES = (timedelta(minutes=1), timedelta(minutes=3))  # Lambda's two retries of a failed async event
VISIBILITY = timedelta(seconds=1800)  # the intake queue's visibility timeout (infra/template.yaml)


class Died(BaseException):
    """The function's process stopped here (killed, out of memory, timed out)."""


@dataclass(frozen=True)
class Fault:
    """What goes wrong: `mode` at the `at`-th AWS call (1-based), or at calls of `operation` (`times` of them)."""

    name: str
    mode: str  # die-before | die-after | lost-response | throttle | conflict | unprocessed
    at: int | None = None
    operation: str | None = None
    times: int = 1


Observer = Callable[[str, dict[str, Any], dict[str, Any]], None]


@dataclass
class Injector:
    fault: Fault | None
    calls: list[str] = field(default_factory=list)
    fired: int = 0
    observers: list[Observer] = field(default_factory=list)  # told of each call that took effect

    def hits(self, operation: str) -> bool:
        if self.fault is None or self.fired >= self.fault.times:
            return False
        if self.fault.operation is not None:
            return operation == self.fault.operation
        return len(self.calls) == self.fault.at

    def before(self, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """A response to use instead of calling AWS, or None to call it."""
        self.calls.append(operation)
        if not self.hits(operation) or self.fault is None:
            return None
        mode = self.fault.mode
        if mode in ("die-after", "lost-response"):
            return None  # the call goes through; after() acts on it
        self.fired += 1
        if mode == "die-before":
            raise Died(f"died before {operation}")
        if mode == "throttle":
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation)
        if mode == "conflict":
            reasons = [{"Code": "TransactionConflict"} for _ in params.get("TransactItems", [])]
            error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
            raise ClientError({"Error": error, "CancellationReasons": reasons}, operation)
        if mode == "unprocessed":
            return {"Responses": {}, "UnprocessedKeys": params["RequestItems"]}
        raise ValueError(f"unknown fault mode {mode}")

    def after(self, operation: str) -> None:
        if self.fault is None or self.fault.mode not in ("die-after", "lost-response") or not self.hits(operation):
            return
        self.fired += 1
        if self.fault.mode == "die-after":
            raise Died(f"died after {operation} took effect")
        raise ReadTimeoutError(endpoint_url=f"https://aws/{operation}")


@contextmanager
def inject(fault: Fault | None, *observers: Observer) -> Iterator[Injector]:
    """Inside the block every AWS call is counted (in `calls`) and the fault strikes where it says; each call that
    took effect is shown to the observers (operation, parameters, answer), even if its response is then lost."""
    injector = Injector(fault, observers=list(observers))
    original = botocore.client.BaseClient._make_api_call

    def call(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if _HARNESS.active:  # the simulated AWS delivering messages, not the code under test
            return dict(original(client, operation, params))
        answer = injector.before(operation, params)
        if answer is not None:
            return answer
        result: dict[str, Any] = original(client, operation, params)
        for observe in injector.observers:
            observe(operation, params, result)
        injector.after(operation)
        return result

    botocore.client.BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield injector
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


@dataclass
class _Harness:
    active: bool = False


_HARNESS = _Harness()


@contextmanager
def _aws_itself() -> Iterator[None]:
    """Calls the harness makes as AWS's own machinery (the SQS poller): neither counted nor faulted."""
    _HARNESS.active = True
    try:
        yield
    finally:
        _HARNESS.active = False


@dataclass
class Timeline:
    """The simulated clock and what AWS delivers when: async retries of an event and queued messages."""

    now: datetime
    queue_url: str
    delays: dict[str, datetime] = field(default_factory=dict)  # message id -> when it becomes visible
    retries: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)

    def clock(self) -> datetime:
        return self.now

    def record_send(self, message_id: str, delay_seconds: int) -> None:
        self.delays[message_id] = self.now + timedelta(seconds=delay_seconds)

    def failed_event(self, event: dict[str, Any], attempt: int) -> None:
        """Lambda retries a failed asynchronous event up to twice."""
        if attempt < len(ASYNC_RETRIES):
            self.retries.append((self.now + ASYNC_RETRIES[attempt], event | {"_attempt": attempt + 1}))

    def next_delivery(self) -> tuple[datetime, str, Any] | None:
        """The earliest due delivery: ("event", event) or ("message", sqs message)."""
        with _aws_itself():
            sqs = boto3.client("sqs")
            messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])
            due: list[tuple[datetime, str, Any]] = [(at, "event", event) for at, event in self.retries]
            for message in messages.get("Messages", []):
                sqs.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
                due.append((self.delays.get(message["MessageId"], self.now), "message", message))
        if not due:
            return None
        return min(due, key=lambda d: d[0])


def load_intake(timeline: Timeline, monkeypatch: Any) -> Any:
    """The intake handler, with its wall clock on the timeline and SQS delays recorded (moto shows a delayed
    message at once; the timeline holds it back until its time)."""
    from shared import clock
    from shared.adapters import aws

    monkeypatch.setattr(clock, "utcnow", timeline.clock)

    def send(queue: aws.SqsQueue, body: dict[str, Any], delay_seconds: int = 0) -> None:
        answer = aws.client("sqs").send_message(QueueUrl=queue.url, MessageBody=json.dumps(body))
        timeline.record_send(answer["MessageId"], delay_seconds)

    monkeypatch.setattr(aws.SqsQueue, "send", send)
    sys.modules.pop("functions.intake.handler", None)
    return importlib.import_module("functions.intake.handler")


def invoke(handler: Any, event: dict[str, Any], timeout_s: int = 300) -> dict[str, str] | None:
    """One invocation; None when it failed (raised or died)."""
    event = {k: v for k, v in event.items() if k != "_attempt"}
    try:
        return dict(handler.lambda_handler(event, LambdaContext("arrears-intake", INTAKE_ARN, timeout_s=timeout_s)))
    except (Died, Exception):
        return None


def play(handler: Any, timeline: Timeline, event: dict[str, Any], fault: Fault | None) -> Injector:
    """The first delivery, then everything AWS would deliver after, until nothing is left; the fault strikes at
    its call wherever that falls (the first invocation, a continuation, a worker's part), and `calls` counts the
    calls of every delivery."""
    with inject(fault) as injector:
        if invoke(handler, event) is None:
            timeline.failed_event(event, 0)
        for _ in range(400):
            delivery = timeline.next_delivery()
            if delivery is None:
                return injector
            at, kind, payload = delivery
            timeline.now = max(timeline.now, at)
            if kind == "event":
                timeline.retries.remove(next(r for r in timeline.retries if r[1] is payload))
                if invoke(handler, payload) is None:
                    timeline.failed_event(payload, payload["_attempt"])
                continue
            _deliver_message(handler, timeline, payload)
    raise AssertionError("deliveries never ended")


def _deliver_message(handler: Any, timeline: Timeline, message: dict[str, Any]) -> None:
    sqs = boto3.client("sqs")
    with _aws_itself():
        attributes = sqs.get_queue_attributes(QueueUrl=timeline.queue_url, AttributeNames=["QueueArn"])
    if invoke(handler, sqs_event([message], attributes["Attributes"]["QueueArn"])) is None:
        timeline.delays[message["MessageId"]] = timeline.now + VISIBILITY  # redelivered after the timeout
        return
    with _aws_itself():
        sqs.delete_message(QueueUrl=timeline.queue_url, ReceiptHandle=message["ReceiptHandle"])


Snapshot = dict[str, Any]


def diff(reference: Snapshot, actual: Snapshot) -> list[str]:
    """What differs, as readable lines (empty: the same world)."""
    lines = []
    for part in sorted(set(reference) | set(actual)):
        want, got = reference.get(part), actual.get(part)
        if want == got:
            continue
        if isinstance(want, dict) and isinstance(got, dict):
            for key in sorted(set(want) | set(got)):
                if want.get(key) != got.get(key):
                    lines.append(f"{part}[{key}]: expected {want.get(key)!r}, got {got.get(key)!r}")
        else:
            lines.append(f"{part}: expected {want!r}, got {got!r}")
    return lines


def report(rows: list[tuple[str, list[str]]], out: Callable[[str], None] = print) -> None:
    """The table of faults and their diffs."""
    out(f"{'fault':<44} diff")
    for name, lines in rows:
        out(f"{name:<44} {'empty' if not lines else f'{len(lines)} difference(s)'}")
        for line in lines[:5]:
            out(f"    {line}")


def assert_no_diff(rows: list[tuple[str, list[str]]]) -> None:
    """Print the report of every fault, then fail naming each fault whose world differs."""
    report(rows)
    assert [(name, lines) for name, lines in rows if lines] == []
