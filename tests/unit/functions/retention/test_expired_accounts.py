"""Which stream records the retention function acts on: only DynamoDB's own TTL removals of account items."""

from __future__ import annotations

from typing import Any

import pytest

from functions.retention.logic import reap
from functions.retention.models import expired_accounts

TTL = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def _record(name: str, pk: str, sk: str, identity: dict[str, str] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"eventName": name, "dynamodb": {"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}}}
    if identity:
        record["userIdentity"] = identity
    return record


def test_expired_accounts_are_only_ttl_removals_of_account_items() -> None:
    # Given a TTL removal of an account item, and records that look like it but are not
    event = {
        "Records": [
            _record("REMOVE", "ACCT#acme#C-1", "A", TTL),
            _record("REMOVE", "ACCT#acme#C-2", "A"),  # a person deleted it: not retention's business
            _record("REMOVE", "ACCT#acme#C-3", "ONCE#PAY#1", TTL),  # a marker's own TTL ran out
            _record("MODIFY", "ACCT#acme#C-4", "A", TTL),
            _record("REMOVE", "ACCT#acme#C-5", "A", {"type": "Service", "principalId": "someone.else"}),
        ]
    }
    # When the records are read, Then only the first account is taken as expired
    assert expired_accounts(event) == ["ACCT#acme#C-1"]


def test_reap_deletes_each_expired_partition_once() -> None:
    # Given the same account removed twice in one batch (a stream delivers at least once)
    deleted: list[str] = []

    def delete(pk: str) -> int:
        deleted.append(pk)
        return 3

    # When reaped, Then each partition is deleted once and the items are counted
    assert reap(["ACCT#a", "ACCT#b", "ACCT#a"], delete) == 6
    assert deleted == ["ACCT#a", "ACCT#b"]


@pytest.mark.parametrize("event", [{}, {"Records": []}, {"Records": [{"eventName": "REMOVE"}]}])
def test_expired_accounts_of_an_empty_or_bare_event_is_none(event: dict[str, Any]) -> None:
    assert expired_accounts(event) == []
