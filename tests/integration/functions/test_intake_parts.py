"""A big file in parallel parts: read once in order, its parts applied by workers from SQS in any order and any
number of times, the import joined and closed by the last; the world it leaves is the sequential import's."""

from __future__ import annotations

import csv
import io
import json
import random
from typing import Any

import boto3
import pytest

from local.events import sqs_event
from shared.db import accounts as account_repo
from shared.db import imports as import_repo
from shared.domain.accounts import account_key
from shared.domain.errors import NotFoundError
from tests.factories import BUCKET
from tests.integration.functions.test_intake import (
    follow_continuations,
    intake,
    keys_under,
    put,
    read,
    run,
    snapshot_mapping,
    snapshot_rows,
)
from tests.support import deliver_notices

__all__ = ["intake"]  # the fixture, imported for the tests below

HEADER = "account_id,debtor_name,invoice,invoice_date,due_date,balance,currency\n"
PARTS_QUEUE = "arrears-intake-parts"
PARTS_ARN = f"arn:aws:sqs:us-east-1:123456789012:{PARTS_QUEUE}"


def _export(creditor: str) -> bytes:
    """1,000 rows: an account's rows on both sides of part boundaries, a repeat folded across one, a quoted
    field over two lines, two bad rows, a paid row; the same for each creditor folder."""
    rows = []
    for i in range(1_000):
        account = f"K{i // 3}"  # three invoices an account: every part boundary splits some account's rows
        rows.append(f"{account},Debtor {i // 3},I-{i},2026-09-01,2026-10-01,{i + 1}.00,USD\n")
    rows[249] = rows[248]  # the row before a boundary repeated just after it... (lines 250 and 251)
    rows[400] = 'K133,"Debtor 133\nc/o Payables",I-400,2026-09-01,2026-10-01,401.00,USD\n'
    rows[500] = "K166,Debtor 166,I-500,2026-09-01,not-a-date,501.00,USD\n"
    rows[750] = "K250,Debtor 250,I-750,2026-09-01,2026-10-01,ten,USD\n"
    rows[900] = "K300,Debtor 300,I-900,2026-09-01,2026-10-01,0.00,USD\n"
    return (HEADER + "".join(rows)).encode()


@pytest.fixture
def parts_queue(intake: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The handler with a parts queue and every file counted big (the bytes threshold is one)."""
    url = boto3.client("sqs").create_queue(QueueName=PARTS_QUEUE)["QueueUrl"]
    _set(intake, monkeypatch, intake_parts_queue_url=url, parallel_import_bytes=1)
    return url


def _set(handler: Any, monkeypatch: pytest.MonkeyPatch, **values: Any) -> None:
    monkeypatch.setattr(handler, "settings", handler.settings.model_copy(update=values))


def _queued(url: str) -> list[dict[str, Any]]:
    """Every message waiting on the queue, taken off it for ten minutes."""
    sqs, messages = boto3.client("sqs"), []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600).get("Messages"):
        messages += got
    return messages


def _drain_parts(handler: Any, url: str, seed: int, repeat_every: int = 0) -> list[str]:
    """Deliver every queued part as Lambda's poller would, in a shuffled order, some of them twice."""
    messages = _queued(url)
    random.Random(seed).shuffle(messages)
    if repeat_every:
        messages += messages[::repeat_every]  # at-least-once: a part delivered again after the others
    outcomes: list[str] = []
    for message in messages:
        outcomes += handler.lambda_handler(sqs_event([message], PARTS_ARN), _context()).get("parts", [])
    sqs = boto3.client("sqs")
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return outcomes


def _context() -> Any:
    from local.events import LambdaContext

    return LambdaContext("arrears-intake", "arn:aws:lambda:us-east-1:123456789012:function:arrears-intake")


def _world(creditor: str) -> dict[str, Any]:
    """What a user sees of one creditor's import: balances and invoices, the summary's counts, the errors file."""
    accounts = {}
    for n in range(334):
        try:
            account = account_repo.get_account(account_key(creditor, f"K{n}"))
        except NotFoundError:  # an account the file never created (its only row was rejected)
            continue
        accounts[n] = (account.balances, sorted((i.number, i.balance.minor) for i in account.invoices), account.debtor)
    (state,) = import_repo.query_imports_of_file(BUCKET, f"incoming/generic/{creditor}/ar.csv")
    bookkeeping = {"mode", "parts_queued", "parts_total", "phase"}
    named = json.loads(json.dumps(state.counts).replace(f'"{creditor}:', '"<creditor>:'))  # notable changes' refs
    counts = {k: v for k, v in named.items() if k not in bookkeeping}
    errors = list(csv.reader(io.StringIO(read(f"rejected/generic/{creditor}/ar.csv.errors.csv"))))
    return {"accounts": accounts, "counts": counts, "errors": errors, "status": state.status}


def test_a_big_file_in_parts_leaves_the_world_of_the_file_read_in_order(intake, parts_queue, recorder, monkeypatch):
    import functions.intake.logic as logic
    from functions.intake import parts

    # Given one export imported in order (no parts queue, chunks as long as parts) for one creditor, and in parts
    # for another
    monkeypatch.setattr(logic, "CHUNK_ROWS", parts.PART_ROWS)
    _set(intake, monkeypatch, intake_parts_queue_url=None)
    assert run(intake, put("incoming/generic/inorder/ar.csv", _export("inorder"))) == {
        "incoming/generic/inorder/ar.csv": "imported"
    }
    _set(intake, monkeypatch, intake_parts_queue_url=parts_queue)
    # When the reader queues its parts, and the workers apply them in a shuffled order, every fourth twice
    first = run(intake, put("incoming/generic/inparts/ar.csv", _export("inparts")))
    assert first == {"incoming/generic/inparts/ar.csv": "parts-queued"}
    assert keys_under("processed/generic/inparts/") == []  # not closed before its parts are in
    queued = recorder.wait_for(lambda c: "queued in 4 part(s)" in str(c.params.get("text")))
    assert "read to line 1,002" in str(queued.params["text"])  # the header and 1,000 rows, one over two lines
    outcomes = _drain_parts(intake, parts_queue, seed=7, repeat_every=4)
    # Then 4 parts of 250 rows were applied, once each; the last one handed the import back, which closed it
    assert outcomes.count("part-last") >= 1 and len(outcomes) == 5
    assert follow_continuations(intake)[0] == "imported"
    # And accounts, counts, errors file and status are those of the import read in order
    in_order, in_parts = _world("inorder"), _world("inparts")
    assert in_parts == in_order
    assert in_parts["counts"]["rejected"] == 2 and in_parts["counts"]["duplicates"] == 1
    assert len(in_parts["accounts"]) == 334
    # And the summary says the same rows
    summary = recorder.wait_for(lambda c: "Imported `incoming/generic/inparts/ar.csv`" in str(c.params.get("text")))
    assert f"{in_order['counts']['accepted']} accepted" in str(summary.params["text"])
    assert keys_under("processed/generic/inparts/") == ["processed/generic/inparts/ar.csv"]
    assert keys_under("rejected/generic/inparts/ar.csv.errors.d/") == []


def _parts_waiting(url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_a_part_too_big_for_a_message_is_applied_by_the_reader(intake, parts_queue, monkeypatch):
    from functions.intake import parts

    # Given parts whose messages would be over the queue's size (rows near the line bound)
    monkeypatch.setattr(parts, "MAX_BODY", 1_000)
    # When the big file is imported
    outcome = run(intake, put("incoming/generic/wide/ar.csv", _export("wide")))
    # Then the reader wrote them itself, so nothing waits on the queue and the import closed in one invocation
    assert outcome == {"incoming/generic/wide/ar.csv": "imported"}
    assert _parts_waiting(parts_queue) == 0
    assert _world("wide")["counts"]["accepted"] == 996


def test_a_big_full_snapshot_is_read_in_order(intake, parts_queue):
    # Given a creditor whose exports are full snapshots (their listed-invoice markers are read and merged per
    # account, which parts racing on one account would get wrong)
    header, rows = snapshot_mapping(), snapshot_rows("S1", "S2", "S3")
    # When a file over the parts threshold comes in
    outcome = run(intake, put("incoming/snap/big.csv", header + b"".join(rows.values())))
    # Then it was imported in order, with no part queued
    assert outcome == {"incoming/snap/big.csv": "imported"}
    assert _parts_waiting(parts_queue) == 0


def test_a_part_delivered_after_the_import_closed_changes_nothing(intake, parts_queue):
    # Given a big file imported in parts to the end
    run(intake, put("incoming/generic/late/ar.csv", _export("late")))
    kept = _queued(parts_queue)
    for message in kept:
        intake.lambda_handler(sqs_event([message], PARTS_ARN), _context())
    assert follow_continuations(intake)[0] == "imported"
    before = _world("late")
    # When SQS delivers one of its parts again, a day late
    outcome = intake.lambda_handler(sqs_event([kept[0]], PARTS_ARN), _context())
    # Then it is recognised as applied: no account, count or file changes, and the import stays closed
    assert outcome["parts"] == ["part-last"]
    assert follow_continuations(intake) == ["repeat"]
    assert _world("late") == before


def test_a_part_retried_after_the_next_part_wrote_its_accounts_counts_as_its_first_try(
    intake, parts_queue, monkeypatch
):
    import functions.intake.logic as logic
    from functions.intake import parts

    # Given the export imported in order, for comparison
    monkeypatch.setattr(logic, "CHUNK_ROWS", parts.PART_ROWS)
    _set(intake, monkeypatch, intake_parts_queue_url=None)
    run(intake, put("incoming/generic/inorder/ar.csv", _export("inorder")))
    _set(intake, monkeypatch, intake_parts_queue_url=parts_queue)
    run(intake, put("incoming/generic/retried/ar.csv", _export("retried")))
    messages = _queued(parts_queue)
    messages.sort(key=lambda m: json.loads(m["Body"])["part"]["rows"][0]["line"])
    # When the first part's worker dies after writing its accounts but before recording the part
    plain = import_repo.record_part

    def dies(bucket: str, key: str, version: str, line: int, counts: dict[str, Any], now: Any) -> None:
        raise TimeoutError("the invocation ran out of time")

    monkeypatch.setattr(import_repo, "record_part", dies)
    with pytest.raises(TimeoutError):
        intake.lambda_handler(sqs_event(messages[:1], PARTS_ARN), _context())
    monkeypatch.setattr(import_repo, "record_part", plain)
    # And the next part, holding the same account's next invoices (K83: lines 250-252), writes it before the
    # first part's message comes back
    for message in [*messages[1:], messages[0]]:
        intake.lambda_handler(sqs_event([message], PARTS_ARN), _context())
    follow_continuations(intake)
    # Then the retried part counts as its first try did: the world is the import read in order
    assert _world("retried") == _world("inorder")


def test_a_part_that_fails_on_its_last_delivery_stops_the_import_and_says_so(
    intake, parts_queue, recorder, monkeypatch
):
    # Given a big file read into parts, one of which cannot be written (say its account keeps conflicting)
    run(intake, put("incoming/generic/poison/ar.csv", _export("poison")))
    sqs = boto3.client("sqs")
    (message,) = sqs.receive_message(QueueUrl=parts_queue, MaxNumberOfMessages=1, AttributeNames=["All"])["Messages"]

    def refused(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the account kept conflicting")

    monkeypatch.setattr(import_repo, "record_part", refused)
    # When it fails on a delivery before the last, Then it raises (SQS delivers it again) and the import runs on
    with pytest.raises(RuntimeError):
        intake.lambda_handler(sqs_event([message], PARTS_ARN), _context())
    assert import_repo.query_imports_of_file(BUCKET, "incoming/generic/poison/ar.csv")[0].status == "running"
    # When it fails on the fifth, after which SQS sets it aside in the failure queue
    message["Attributes"]["ApproximateReceiveCount"] = "5"
    with pytest.raises(RuntimeError):
        intake.lambda_handler(sqs_event([message], PARTS_ARN), _context())
    # Then the import is stopped as stuck, and the ops channel is told where and what to do
    assert import_repo.query_imports_of_file(BUCKET, "incoming/generic/poison/ar.csv")[0].status == "stuck"
    deliver_notices()
    alert = recorder.wait_for(lambda c: "stopped: its part from line" in str(c.params.get("text")))
    assert "failed 5 times" in alert.params["text"] and "incoming/" in alert.params["text"]
