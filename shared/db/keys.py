"""Key and index values of the single table, in one place so writers and readers agree."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

SHARDS = 8  # due-index partitions; a schedule run queries each once


def account_pk(key: str) -> str:
    return f"ACCT#{key}"


def shard_of(key: str) -> int:
    return zlib.crc32(key.encode()) % SHARDS


def instant(at: datetime) -> str:
    """Sortable UTC instant used in sort keys."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def worklist_pk(collector: str | None) -> str:
    return f"WL#{collector or '-'}"


def worklist_sk(priority: int, key: str) -> str:
    return f"{max(0, min(priority, 999_999)):06d}#{key}"


def due_pk(kind: str, shard: int) -> str:
    return f"{kind}#{shard}"


def due_sk(at: datetime, key: str) -> str:
    return f"{instant(at)}#{key}"


def creditor_pk(creditor: str) -> str:
    return f"CRED#{creditor}"


def ref_pk(account_id: str) -> str:
    return f"REF#{account_id.strip().lower()}"


def activity_sk(at: datetime, activity_id: str) -> str:
    return f"ACT#{instant(at)}#{activity_id}"


def plan_sk(plan_id: str) -> str:
    return f"PLAN#{plan_id}"


def installment_sk(plan_id: str, number: int) -> str:
    return f"{plan_sk(plan_id)}#I#{number:02d}"
