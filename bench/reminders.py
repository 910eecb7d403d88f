"""A reminder run at portfolio size, on moto in-process, through the real handler.

    python -m bench.reminders [--accounts 10000] [--due 1000]

`--accounts` accounts are seeded, `--due` of them with their first reminder due (the rest due weeks later); the
scheduled run then goes through `functions.reminders.handler` (each due account: its item, its step's attempt, its
contacts, the compliance check, the send, the records). Printed: DynamoDB items read per due reminder and AWS calls
per reminder sent, reminders sent per second (moto's speed, not AWS's: compare within the run), and Slack notices
queued per run. The baseline, in the same run: finding the due accounts by scanning the whole table (what a
design without the sharded due index does), items read per due reminder. Nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from bench.probe import count_api_calls, items_read
from bench.report import save
from tests.support import moto_with_partition_queries, moto_without_transaction_backup

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10:00 in Chicago, a Monday
ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/reminders"


@dataclass
class Run:
    accounts: int
    due: int
    impl: str
    sent: int
    reads_per_due: float
    calls_per_sent: float
    sent_per_s: float
    slack_posts: int
    outcomes: dict[str, int]


def _environment() -> Any:
    from tests.conftest import HANDLER_ENV, UNSUBSCRIBE_KEY
    from tests.factories import BUCKET, table_kwargs

    os.environ.update(HANDLER_ENV | {"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "bench"})
    boto3.client("dynamodb").create_table(**table_kwargs())
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    boto3.client("ses").verify_email_identity(EmailAddress=HANDLER_ENV["SENDER_EMAIL"])
    boto3.client("sqs").create_queue(QueueName="arrears-notify.fifo", Attributes={"FifoQueue": "true"})
    boto3.client("ssm").put_parameter(Name=HANDLER_ENV["UNSUBSCRIBE_KEY_PARAM"], Value=UNSUBSCRIBE_KEY,
                                      Type="SecureString")  # fmt: skip
    from functions.reminders import handler

    return handler


def _seed(n_accounts: int, n_due: int) -> None:
    from shared.db import accounts as account_repo
    from tests.factories import account

    later = NOW + timedelta(days=21)
    account_repo.put_new_accounts(
        account(f"B-{i:07d}", due=date(2026, 11, 20), next_action_at=NOW - timedelta(hours=1) if i < n_due else later)
        for i in range(n_accounts)
    )


def _scan_baseline(n_accounts: int, n_due: int) -> Run:
    """Find what is due by reading the whole table and filtering in the process."""
    from tests.factories import TABLE

    found = 0
    with items_read() as reads:
        for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=TABLE):
            found += sum(1 for item in page["Items"] if item.get("next_action", {}).get("S") == "reminder"
                         and item.get("next_action_at", {}).get("S", "~") <= NOW.isoformat())  # fmt: skip
    return Run(n_accounts, n_due, "scan baseline", 0, sum(reads) / max(n_due, 1), 0.0, 0.0, 0, {"found": found})


def _measure(handler: Any, n_accounts: int, n_due: int, calls: Counter[str]) -> Run:
    from local.events import LambdaContext, scheduler_event

    handler.clock = lambda: NOW
    before = Counter(calls)
    started = time.perf_counter()
    with items_read() as reads:
        report = handler.lambda_handler(scheduler_event(NOW, ARN), LambdaContext("reminders", ARN))
    wall = time.perf_counter() - started
    made = calls - before
    sent = int(report["outcomes"].get("sent", 0))
    aws_calls = sum(made.values())
    posts = made.get("sqs:SendMessage", 0)
    return Run(n_accounts, n_due, "arrears run", sent, sum(reads) / max(n_due, 1), aws_calls / max(sent, 1),
               sent / wall, posts, dict(report["outcomes"]))  # fmt: skip


def _table(runs: list[Run]) -> str:
    head = f"{'accounts':>9} {'due':>7}  {'impl':<14} {'sent':>7} {'reads/due':>10} {'calls/sent':>10} {'sent/s':>7}"
    lines = [head + "  Slack notices"]
    for r in runs:
        rate = f"{r.sent_per_s:7.1f}" if r.sent else f"{'-':>7}"
        calls = f"{r.calls_per_sent:10.1f}" if r.sent else f"{'-':>10}"
        posts = str(r.slack_posts) if r.impl == "arrears run" else "-"
        lines.append(f"{r.accounts:>9,} {r.due:>7,}  {r.impl:<14} {r.sent:>7,} {r.reads_per_due:10.1f} {calls} {rate}  "
                     f"{posts}")  # fmt: skip
    base = next(r for r in runs if r.impl == "scan baseline")
    ours = next(r for r in runs if r.impl == "arrears run")
    lines.append(f"reads per due reminder: scan ÷ arrears = {base.reads_per_due / ours.reads_per_due:.1f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args(argv)
    calls = count_api_calls()
    # moto backs up the whole table for each transaction (a deepcopy per item): DynamoDB does not, and no
    # transaction of this run is cancelled, so that backup is left out (tests.support)
    with mock_aws(), moto_without_transaction_backup(), moto_with_partition_queries():
        handler = _environment()
        _seed(args.accounts, args.due)
        runs = [_measure(handler, args.accounts, args.due, calls), _scan_baseline(args.accounts, args.due)]
    save("reminders", runs, _table(runs), f"{platform.node()} {platform.machine()}, moto in-process")


if __name__ == "__main__":
    main()
