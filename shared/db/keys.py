"""Key and index values of the single table, in one place so writers and readers agree."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

SHARDS = 8  # due-index partitions; a schedule run queries each once
# Partitions of the index keys that every imported account writes (the pool worklist, a creditor's accounts): at
# an import's write rate one partition would take them all; spread, none takes more than 1/16 of them.
SPREAD = 16


def account_pk(key: str) -> str:
    return f"ACCT#{key}"


def shard_of(key: str, shards: int = SHARDS) -> int:
    return zlib.crc32(key.encode()) % shards


def instant(at: datetime) -> str:
    """Sortable UTC instant used in sort keys."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def worklist_pk(collector: str | None, key: str) -> str:
    """A collector's worklist partition; the unassigned pool is spread over SPREAD partitions by account."""
    return f"WL#{collector}" if collector else pool_pks()[shard_of(key, SPREAD)]


def pool_pks() -> list[str]:
    return [f"WL#-#{n}" for n in range(SPREAD)]


def worklist_pks(collector: str | None) -> list[str]:
    """The partitions one worklist is read from: one for a collector, SPREAD for the pool."""
    return [f"WL#{collector}"] if collector else pool_pks()


def worklist_sk(priority: int, key: str) -> str:
    return f"{max(0, min(priority, 999_999)):06d}#{key}"


def due_pk(kind: str, shard: int) -> str:
    return f"{kind}#{shard}"


def due_sk(at: datetime, key: str) -> str:
    return f"{instant(at)}#{key}"


def creditor_pk(creditor: str) -> str:
    return f"CRED#{creditor}"


def creditor_accounts_pk(creditor: str, shard: int) -> str:
    """One of SPREAD partitions of a creditor's accounts (gsi4), by account."""
    return f"{creditor_pk(creditor)}#{shard}"


def ref_pk(account_id: str) -> str:
    return f"REF#{account_id.strip().lower()}"


def activity_sk(at: datetime, activity_id: str) -> str:
    return f"ACT#{instant(at)}#{activity_id}"


def plan_sk(plan_id: str) -> str:
    return f"PLAN#{plan_id}"


def installment_sk(plan_id: str, number: int) -> str:
    return f"{plan_sk(plan_id)}#I#{number:02d}"
