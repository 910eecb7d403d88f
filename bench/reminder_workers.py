"""A fanned-out reminder run on moto in-process, through the real handler, with 1, 4 and 16 workers.

    python -m bench.reminder_workers [--accounts 5000] [--due 400] [--workers 1,4,16] [--one-table]

For each worker count a fresh moto holds `--accounts` accounts, `--due` of them due. The scheduled invocation
queues the due accounts in parts (SQS); then that many threads each receive a batch from the queue and invoke the
handler with it, as Lambda's SQS poller does with MaximumConcurrency = workers, until the queue is empty. Printed
per worker count: reminders sent, emails SES accepted per account (1.00: no step sent twice however the workers
overlap), AWS calls per reminder sent, sends per second (moto's, under one interpreter lock: it shows the workers'
overhead, not AWS's parallelism), the run's Slack notices, and that throughput on AWS (an estimate from the calls
per send at the latencies below, then capped by a new account's SES rate). Baseline in the same run: the run in
one invocation (no fan-out), its calls per send and how many one 120 s run can send. Nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from bench.probe import count_api_calls
from bench.reminders import ARN, NOW, _environment, _seed
from bench.report import save
from tests.support import moto_with_partition_queries, moto_without_transaction_backup

DYNAMODB_MS = 8.0  # a DynamoDB call inside a region (single-digit milliseconds)
PROVIDER_MS = 75.0  # an SES SendEmail or SNS Publish (the 75-130 ms a send, its low end)
SES_RATE = 14.0  # a new SES account's maximum send rate, per second
RUN_SECONDS = 120  # the reminders function's timeout


@dataclass
class Run:
    workers: int | str
    due: int
    sent: int
    emails_per_account: float
    calls_per_sent: float
    sent_per_s: float
    slack_notices: int
    aws_uncapped: float
    aws_sends_per_s: float
    per_run_cap: int | str


def _aws_estimate(calls_per_sent: float, workers: int) -> float:
    """Sends a second on AWS: each worker sends one at a time (its DynamoDB calls, then one provider call)."""
    return workers / (((calls_per_sent - 1) * DYNAMODB_MS + PROVIDER_MS) / 1000)


def _drain(handler: Any, url: str, workers: int) -> list[dict[str, Any]]:
    """`workers` threads receiving one part at a time (as the event source) and invoking the handler until empty."""
    from local.events import LambdaContext, sqs_event

    sqs = boto3.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    results: list[dict[str, Any]] = []

    def worker() -> None:
        client = boto3.client("sqs")
        while batch := client.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"]).get(
            "Messages"
        ):
            # A long timeout: threads sharing one interpreter make a part slow here; the bench measures the code
            context = LambdaContext("reminders", ARN, timeout_s=3600)
            results.append(handler.lambda_handler(sqs_event(batch, arn), context))
            client.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)]
            )

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@contextmanager
def _moto(n_accounts: int, n_due: int) -> Iterator[tuple[Any, str]]:
    """A fresh moto holding the seeded accounts, the reminders handler and the work queue."""
    with mock_aws(), moto_without_transaction_backup(), moto_with_partition_queries():
        handler = _environment()
        url = boto3.client("sqs").create_queue(QueueName="reminder-work", Attributes={"VisibilityTimeout": "600"})[
            "QueueUrl"
        ]
        _seed(n_accounts, n_due)
        yield handler, url


def _run(handler: Any, url: str, n_due: int, workers: int | None, calls: Counter[str], now: datetime) -> Run:
    """The scheduled run at `now` (fanned out when `workers`), then the workers; emails counted from this run's."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from local.events import LambdaContext, scheduler_event

    if workers is not None:
        os.environ.update({"WORK_QUEUE_URL": url, "FAN_OUT_ABOVE": "1", "WORKERS": str(max(workers, 2)),
                           "SEND_RATE": "100000"})  # fmt: skip  # moto: no pacing, the bench measures the code
    handler = _reload(handler)
    handler.clock = lambda: now
    outbox = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    before, earlier = Counter(calls), len(outbox)
    started = time.perf_counter()
    report = handler.lambda_handler(scheduler_event(now, ARN), LambdaContext("reminders", ARN))
    if workers is not None:
        _drain(handler, url, workers)
    wall = time.perf_counter() - started
    made = calls - before
    emails = Counter(to for m in outbox[earlier:] for to in m.destinations["ToAddresses"])
    for name in ("WORK_QUEUE_URL", "FAN_OUT_ABOVE", "WORKERS", "SEND_RATE"):
        os.environ.pop(name, None)
    sent = sum(emails.values())
    per_sent = sum(made.values()) / max(sent, 1)
    notices = made.get("sqs:SendMessage", 0)  # the notify queue's (parts go by SendMessageBatch)
    if workers is None:
        rate = _aws_estimate(per_sent, 1)
        return Run("1 invocation", n_due, sent, sent / max(len(emails), 1), per_sent, sent / wall, notices,
                   rate, min(rate, SES_RATE), int(RUN_SECONDS * min(rate, SES_RATE)))  # fmt: skip
    assert report.get("fanned_out"), report
    rate = _aws_estimate(per_sent, workers)
    return Run(workers, n_due, sent, sent / max(len(emails), 1), per_sent, sent / wall, notices,
               rate, min(rate, SES_RATE), "no limit")  # fmt: skip


def _every_email_per_account() -> float:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    outbox = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    emails = Counter(to for m in outbox for to in m.destinations["ToAddresses"])
    return sum(emails.values()) / max(len(emails), 1)


def _reload(handler: Any) -> Any:
    import importlib

    return importlib.reload(handler)


def _table(runs: list[Run]) -> str:
    head = (f"{'workers':>12} {'due':>6} {'sent':>6} {'emails/acct':>11} {'calls/sent':>10} {'sent/s moto':>11} "
            f"{'Slack':>5} {'AWS est. sent/s':>15} {'at SES 14/s':>11} {'per 120 s run':>13}")  # fmt: skip
    lines = [head]
    for r in runs:
        lines.append(f"{r.workers!s:>12} {r.due:>6,} {r.sent:>6,} {r.emails_per_account:11.2f} "
                     f"{r.calls_per_sent:10.2f} {r.sent_per_s:11.1f} {r.slack_notices:>5} {r.aws_uncapped:15.1f} "
                     f"{r.aws_sends_per_s:11.1f} {r.per_run_cap!s:>13}")  # fmt: skip
    base = runs[0]
    for r in runs[1:]:
        lines.append(f"{r.workers} workers ÷ one invocation: calls/sent {r.calls_per_sent / base.calls_per_sent:.2f}x, "
                     f"AWS sends/s {r.aws_uncapped / base.aws_uncapped:.1f}x "
                     f"({r.aws_sends_per_s / base.aws_sends_per_s:.1f}x under SES's {SES_RATE:g}/s)")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--due", type=int, default=400)
    parser.add_argument("--workers", default="1,4,16")
    parser.add_argument("--one-table", action="store_true", help="seed once: the baseline, then one worker count "
                        "an hour later for the accounts the baseline left due (at portfolio size seeding is most of "
                        "the bench's time)")  # fmt: skip
    args = parser.parse_args(argv)
    calls = count_api_calls()
    if args.one_table:
        if "," in args.workers:
            parser.error("--one-table takes one worker count, e.g. --workers 16")
        workers = int(args.workers)
        with _moto(args.accounts, args.due) as (handler, url):
            runs = [_run(handler, url, args.due, None, calls, NOW)]
            left = args.due - runs[0].sent
            runs.append(_run(handler, url, left, workers, calls, NOW + timedelta(hours=1)))
            over_both = _every_email_per_account()
        table = f"{_table(runs)}\nemails per account over both runs: {over_both:.2f}"
    else:
        runs = []
        for w in [None, *(int(w) for w in args.workers.split(","))]:
            with _moto(args.accounts, args.due) as (handler, url):
                runs.append(_run(handler, url, args.due, w, calls, NOW))
        table = _table(runs)
    save("reminder_workers", runs, table, f"{platform.node()} {platform.machine()}, moto in-process")


if __name__ == "__main__":
    main()
