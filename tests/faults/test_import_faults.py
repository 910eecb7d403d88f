"""An import under every fault ends exactly as an uninterrupted one: rows, accounts, activities, counts, files.

The scenario: accounts imported yesterday; today's export lowers 10 balances (10 inferred payments), keeps 6,
adds 6 accounts and has 2 rows that are rejected, read in chunks of 8 rows (three chunks, three checkpoints). The faults: the process dies before
and after each AWS call of the import, each response is lost once, transactions keep conflicting, a batch read
keeps leaving every key unprocessed, checkpoints are throttled. After each, AWS's own redeliveries are played on
the simulated clock (Lambda's async retries, SQS delays and visibility timeouts), then the world is compared.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from local.events import s3_put_event
from shared.db import accounts as account_repo
from shared.db.account_codec import from_item
from shared.db.models import AccountItem, ActivityItem, ImportItem
from shared.domain.imports import merge_rows
from shared.domain.receivables import BUILTIN_PROFILES, ReceivableRow, ReceivablesParser
from tests.factories import BUCKET
from tests.faults.harness import Fault, Timeline, assert_no_diff, diff, fresh_aws, inject, load_intake, play

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 07:00 in New York: retries within hours keep today's 10:00
HEADER = "account_id,debtor_name,invoice,invoice_date,due_date,balance,currency\n"
NEXT_KEY = "incoming/generic/next.csv"


def _rows(balances: dict[str, int]) -> str:
    return "".join(f"{a},Debtor {a},I-{a},2026-08-01,2026-09-01,{c / 100:.2f},USD\n" for a, c in balances.items())


BASE = {f"B{i}": 10_000 + i * 100 for i in range(1, 17)}
NEXT = {a: c - 2_500 if int(a[1:]) <= 10 else c for a, c in BASE.items()} | {f"N{i}": 5_000 + i for i in range(1, 7)}
REJECTED = ["X1,Debtor X1,I-X1,2026-08-01,not-a-date,10.00,USD\n", "X2,Debtor X2,I-X2,2026-08-01,2026-09-01,ten,USD\n"]
_NEXT = list(NEXT.items())
NEXT_BODY = HEADER + _rows(dict(_NEXT[:9])) + REJECTED[0] + _rows(dict(_NEXT[9:])) + REJECTED[1]


@contextmanager
def _world(
    monkeypatch: pytest.MonkeyPatch, in_parts: bool = False, small_head: bool = False
) -> Iterator[tuple[Any, Timeline]]:
    """`in_parts`: the file counts as big, and its parts (of 8 rows too) go through the same queue to workers.
    `small_head`: the head the header is found in is 4 lines (not 200), so a continuation past it reads on from its
    checkpoint's byte offset (a ranged GET), as one of a big file does."""
    with fresh_aws(monkeypatch) as url:
        import functions.intake.logic as logic
        import shared.domain.receivables.parser as parser
        from functions.intake import parts

        monkeypatch.setattr(logic, "CHUNK_ROWS", 8)
        monkeypatch.setattr(parts, "PART_ROWS", 8)
        if small_head:
            monkeypatch.setattr(parser, "SAMPLE_LINES", 4)
            monkeypatch.setattr(logic, "HEAD_END", 5)
        if in_parts:
            monkeypatch.setenv("INTAKE_PARTS_QUEUE_URL", url)
            monkeypatch.setenv("PARALLEL_IMPORT_BYTES", "1")
        _seed_yesterday()
        timeline = Timeline(T0, url)
        yield load_intake(timeline, monkeypatch), timeline


def _seed_yesterday() -> None:
    """The accounts as yesterday's import of BASE left them (merged as the import merges, written in batches)."""
    lines = iter((HEADER + _rows(BASE)).encode().splitlines(keepends=True))
    rows = [r for r in ReceivablesParser(BUILTIN_PROFILES["generic"]).parse(lines) if isinstance(r, ReceivableRow)]
    yesterday = T0 - timedelta(days=1)
    account_repo.put_new_accounts(merge_rows(None, "acme", [r], "base.csv@v1", yesterday).account for r in rows)


def _put(key: str, body: str) -> dict[str, Any]:
    answer = boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    return s3_put_event(BUCKET, key, size=len(body), etag=answer["ETag"], version_id=answer.get("VersionId"))


def _snapshot() -> dict[str, Any]:
    """Everything a user could see of the import: accounts, history, the import record, files, Slack words."""
    accounts = {}
    for item in AccountItem.scan(AccountItem.sk == "A"):
        a = from_item(item)
        accounts[a.key] = (
            a.balances,
            [(i.number, i.balance.minor, str(i.due_date)) for i in a.invoices],
            [(e.kind, e.amount.minor, e.state, e.origin) for e in a.entries],
            (a.status, a.next_action, str(a.next_action_at), a.dunning_step, a.priority, a.version),
        )
    record = next(i for i in ImportItem.scan(ImportItem.sk.startswith("V#")) if i.key == NEXT_KEY)
    activities: dict[str, list[str]] = {}
    for act in ActivityItem.scan(ActivityItem.sk.startswith("ACT#")):
        # When a file comes in is when its first delivery claims it: times are compared from there.
        activities.setdefault(act.pk, []).append(f"{act.at - record.started_at} {act.kind} {act.summary}")
    s3 = boto3.client("s3")
    files = {o["Key"]: "" for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    for key in files:
        if key.endswith(".errors.csv"):
            files[key] = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    notices, reported = _notices()
    return {
        "accounts": accounts,
        "activities": {k: sorted(v) for k, v in activities.items()},
        "import": {"status": record.status, "counts": json.dumps((record.report or {}).get("counts"), sort_keys=True)},
        "files": files,
        "slack": notices,
        "_reported": reported,
    }


def _notices() -> tuple[dict[str, str], list[str]]:
    """The last word queued for each Slack message, and the interruptions reported to operations."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="arrears-notify.fifo")["QueueUrl"]
    latest: dict[str, tuple[int, str]] = {}
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in got:
            notice = json.loads(message["Body"])
            if notice["seq"] >= latest.get(notice["key"], (-1, ""))[0]:
                latest[notice["key"]] = (notice["seq"], notice["text"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    reported = sorted(text for key, (_, text) in latest.items() if key.startswith("interrupted:"))
    # Each world's S3 version ids differ: the message a notice names is compared without them.
    return {
        re.sub(r"@[\w-]+$", "@<version>", k): text
        for k, (_, text) in latest.items()
        if not k.startswith("interrupted:")
    }, reported


READS: list[tuple[int | None, int | None]] = []  # (start byte, end byte) of each read of the file, this run


def _run(
    monkeypatch: pytest.MonkeyPatch, fault: Fault | None, in_parts: bool = False, small_head: bool = False
) -> tuple[dict[str, Any], list[str]]:
    from shared.adapters.aws import S3Store

    READS.clear()
    read = S3Store.iter_lines

    def counted(self: Any, key: str, *args: Any, **kwargs: Any) -> Any:
        if key == NEXT_KEY:
            READS.append((kwargs.get("start_byte"), kwargs.get("end_byte")))
        return read(self, key, *args, **kwargs)

    with monkeypatch.context() as patch, _world(patch, in_parts, small_head) as (handler, timeline):
        patch.setattr(S3Store, "iter_lines", counted)
        injector = play(handler, timeline, _put(NEXT_KEY, NEXT_BODY), fault)
        return _snapshot(), injector.calls


@pytest.fixture(scope="module")
def reference() -> tuple[dict[str, Any], list[str]]:
    with pytest.MonkeyPatch.context() as patch:
        return _run(patch, None)


@pytest.fixture(scope="module")
def reference_in_parts() -> tuple[dict[str, Any], list[str]]:
    with pytest.MonkeyPatch.context() as patch:
        return _run(patch, None, in_parts=True)


def _compare(
    monkeypatch: pytest.MonkeyPatch,
    reference: Any,
    faults: list[Fault],
    in_parts: bool = False,
    small_head: bool = False,
    ranged: list[str] | None = None,
) -> None:
    """Each fault's world against the reference; `ranged` collects the faults after which a continuation read the
    file from a byte offset."""
    want, _ = reference
    rows = []
    for fault in faults:
        got, _ = _run(monkeypatch, fault, in_parts, small_head)
        if ranged is not None and any(start for start, _ in READS):
            ranged.append(fault.name)
        reported = got.pop("_reported")
        rows.append((fault.name, diff({k: v for k, v in want.items() if k != "_reported"}, got)))
        if fault.mode in ("die-before", "die-after") and reported:
            rows[-1][1].extend([] if "interrupted" in reported[0] else [f"unexpected report {reported}"])
    assert_no_diff(rows)


def test_reference_import_is_what_the_file_says(reference):
    # Given the uninterrupted run, Then it is the world the faults are compared with: 10 inferred payments,
    # 6 new accounts, 2 rejected rows, the file processed
    world, calls = reference
    counts = json.loads(world["import"]["counts"])
    assert (counts["accepted"], counts["rejected"], counts["new"], counts["updated"]) == (22, 2, 6, 10)
    payments = [a for acts in world["activities"].values() for a in acts if " payment " in a]
    assert len(payments) == 10
    assert "processed/generic/next.csv" in world["files"]
    assert len(calls) > 20


def test_import_survives_process_death_before_each_aws_call(monkeypatch, reference):
    # Given the import's AWS calls, When the process dies before each one (then AWS redelivers), Then no diff
    _, calls = reference
    _compare(monkeypatch, reference, [Fault(f"die before #{n} {op}", "die-before", at=n) for n, op in _numbered(calls)])


def test_import_survives_process_death_after_each_aws_call(monkeypatch, reference):
    # Given the import's AWS calls, When the process dies right after each took effect, Then no diff
    _, calls = reference
    _compare(monkeypatch, reference, [Fault(f"die after #{n} {op}", "die-after", at=n) for n, op in _numbered(calls)])


def test_import_survives_each_lost_response(monkeypatch, reference):
    # Given the import's AWS calls, When each one's response is lost once (it took effect), Then no diff
    _, calls = reference
    faults = [Fault(f"lost response #{n} {op}", "lost-response", at=n) for n, op in _numbered(calls)]
    _compare(monkeypatch, reference, faults)


def test_import_survives_throttling_conflicts_and_unprocessed_batches(monkeypatch, reference):
    # Given DynamoDB refusing in the ways it does under load, When the import runs, Then no diff
    faults = [
        Fault("TransactWriteItems conflict x9", "conflict", operation="TransactWriteItems", times=9),
        Fault("BatchGetItem all unprocessed x12", "unprocessed", operation="BatchGetItem", times=12),
        Fault("UpdateItem (checkpoint) throttled x3", "throttle", operation="UpdateItem", times=3),
        Fault("BatchWriteItem throttled x2", "throttle", operation="BatchWriteItem", times=2),
        Fault("PutObject (rejects) throttled x1", "throttle", operation="PutObject", times=1),
    ]
    _compare(monkeypatch, reference, faults)


@pytest.fixture(scope="module")
def reference_small_head() -> tuple[dict[str, Any], list[str]]:
    with pytest.MonkeyPatch.context() as patch:
        return _run(patch, None, small_head=True)


def test_import_killed_at_random_points_and_resumed_by_byte_offset_ends_as_uninterrupted(
    monkeypatch, reference, reference_small_head
):
    # Given the head the header is found in cut to 4 lines, so that a continuation past it resumes with a ranged
    # GET from its checkpoint's byte, not from line 1; the uninterrupted import is the same world either way
    small, calls = reference_small_head
    assert diff(reference[0], small) == []
    # When the process dies at random points, before or after a call took effect (seeded: the same points each
    # run), and AWS redelivers
    pick = random.Random(20261208)
    points = sorted(pick.sample(range(1, len(calls) + 1), k=min(16, len(calls))))
    faults = [Fault(f"die {mode} #{n} {calls[n - 1]}", f"die-{mode}", at=n)
              for n in points for mode in [pick.choice(("before", "after"))]]  # fmt: skip
    ranged: list[str] = []
    _compare(monkeypatch, small_head=True, reference=reference_small_head, faults=faults, ranged=ranged)
    # Then each world equals the uninterrupted one, and continuations did read on from a byte offset
    assert len(ranged) >= len(faults) // 2, ranged


PARTS_BOOKKEEPING = ("mode", "parts_queued", "parts_total", "phase")


def test_import_in_parts_leaves_the_world_of_the_import_in_order(reference, reference_in_parts):
    # Given the uninterrupted import read in order, and the same file read in parts applied by workers
    in_order, _ = reference
    in_parts, calls = reference_in_parts
    # Then everything a user sees is the same, but for the import record's own note that it went in parts
    counts = json.loads(in_parts["import"]["counts"])
    assert (counts["mode"], counts["parts_total"]) == ("parts", 3)
    bare = {k: v for k, v in counts.items() if k not in PARTS_BOOKKEEPING}
    in_parts = in_parts | {"import": in_parts["import"] | {"counts": json.dumps(bare, sort_keys=True)}}
    assert diff(in_order, in_parts) == []
    assert calls.count("SendMessage") >= 3  # the parts went through the queue


def test_import_in_parts_survives_process_death_before_each_aws_call(monkeypatch, reference_in_parts):
    # Given the AWS calls of the reader and the workers, When the process dies before each one, Then no diff
    _, calls = reference_in_parts
    faults = [Fault(f"die before #{n} {op}", "die-before", at=n) for n, op in _numbered(calls)]
    _compare(monkeypatch, reference_in_parts, faults, in_parts=True)


def test_import_in_parts_survives_process_death_after_each_aws_call(monkeypatch, reference_in_parts):
    # Given the AWS calls of the reader and the workers, When the process dies right after each took effect (a
    # part recorded but the import not handed back, a part queued but not checkpointed), Then no diff
    _, calls = reference_in_parts
    faults = [Fault(f"die after #{n} {op}", "die-after", at=n) for n, op in _numbered(calls)]
    _compare(monkeypatch, reference_in_parts, faults, in_parts=True)


def _numbered(calls: list[str]) -> list[tuple[int, str]]:
    return list(enumerate(calls, start=1))


def test_import_that_dies_at_the_same_place_every_time_is_reported_stuck(monkeypatch):
    # Given an import whose every invocation dies at its first batch read (a poison the code cannot pass)
    fault = Fault("die at every BatchGetItem", "die-before", operation="BatchGetItem", times=1_000)
    with monkeypatch.context() as patch, _world(patch) as (handler, timeline):
        # When AWS redelivers as it does (retries, watches), on the simulated clock, each delivery dying again
        with inject(fault):
            play(handler, timeline, _put(NEXT_KEY, NEXT_BODY), None)
        record = next(i for i in ImportItem.scan(ImportItem.pk.startswith("IMPORT#")) if i.key == NEXT_KEY)
        latest, _ = _notices_by_key()
    # Then it stopped after 5 takeovers instead of looping, its record says stuck (no owner), and operations
    # were told where, with the file left in incoming/
    assert (record.status, record.owner, int(record.interruptions)) == ("stuck", None, 6)
    (stuck,) = [text for key, text in latest.items() if key.startswith("stuck:")]
    assert "stopped after 6 interrupted attempts at line 0" in stuck and "incoming/" in stuck
    interrupted = [key for key in latest if key.startswith("interrupted:")]
    assert len(interrupted) == 5


def _notices_by_key() -> tuple[dict[str, str], None]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="arrears-notify.fifo")["QueueUrl"]
    latest: dict[str, str] = {}
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in got:
            notice = json.loads(message["Body"])
            latest[notice["key"]] = notice["text"]
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return latest, None
