"""Retention against moto: an account's item carries its expiry, and when TTL removes it, nothing of it is left."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3

from local.events import LambdaContext, ttl_removal_event
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db.models import AccountItem
from shared.domain.accounts import Activity
from shared.domain.retention import RETENTION
from tests.factories import TABLE, account

ARN = "arn:aws:lambda:us-east-1:123456789012:function:arrears-retention"
STREAM = f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}/stream/2026-01-01T00:00:00.000"
NOTED = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def _partition(pk: str) -> list[str]:
    answer = boto3.client("dynamodb").query(
        TableName=TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}}
    )
    return [item["sk"]["S"] for item in answer["Items"]]


def test_saved_account_expires_three_years_after_its_last_activity(aws):
    # Given an account, When a note is saved with it
    stored = account_repo.save_account(account("C-1"))
    assert stored is not None
    note = Activity(at=NOTED, kind="note", summary="asked for a call back")
    account_repo.save_account(stored, [note])
    # Then its item expires three years (and a month) after the note, by DynamoDB's TTL
    item = AccountItem.get(f"ACCT#{account('C-1').key}", "A")
    assert item.expires_at == NOTED + RETENTION


def test_ttl_removal_of_an_account_removes_everything_under_it_and_nothing_else(load_handler: Any):
    # Given two accounts with history and markers, and the first one's item removed by its TTL
    handler = load_handler("functions.retention.handler")
    gone, kept = account("C-1"), account("C-2")
    for a in (gone, kept):
        stored = account_repo.save_account(a, [Activity(at=NOTED, kind="note", summary="n")], once="REQ#1")
        assert stored is not None
    activity_repo.claim_marker(f"ACCT#{gone.key}", "SEND#2026-10-01#0", NOTED)
    boto3.client("dynamodb").delete_item(TableName=TABLE, Key={"pk": {"S": f"ACCT#{gone.key}"}, "sk": {"S": "A"}})
    # When the stream delivers that removal (twice: streams deliver at least once)
    event = ttl_removal_event([(f"ACCT#{gone.key}", "A")] * 2, STREAM)
    result = handler.lambda_handler(event, LambdaContext("arrears-retention", ARN))
    # Then nothing is left of the expired account, and the other one is whole
    assert _partition(f"ACCT#{gone.key}") == []
    assert result["deleted"] == 3  # its activity, its request marker, its send marker
    assert "A" in _partition(f"ACCT#{kept.key}") and len(_partition(f"ACCT#{kept.key}")) == 3


def test_ttl_removal_of_an_account_re_created_meanwhile_deletes_nothing(load_handler: Any):
    # Given an expired account that an import created again before the stream record arrived
    handler = load_handler("functions.retention.handler")
    back = account("C-1")
    account_repo.save_account(back, [Activity(at=NOTED, kind="note", summary="n")])
    # When the late removal record is handled
    result = handler.lambda_handler(ttl_removal_event([(f"ACCT#{back.key}", "A")], STREAM), LambdaContext("r", ARN))
    # Then the account and its history are kept
    assert result["deleted"] == 0 and len(_partition(f"ACCT#{back.key}")) == 2
