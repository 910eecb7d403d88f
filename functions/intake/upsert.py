"""Upserting a chunk of parsed rows into accounts: batched reads and writes, version-checked updates."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.domain.accounts import Account, account_key
from shared.domain.errors import ConflictError
from shared.domain.imports import Merge, merge_rows
from shared.domain.receivables import ReceivableRow
from shared.domain.settings import Settings


@dataclass(frozen=True)
class ImportTarget:
    """Where a file's rows go: its creditor, the import (`source`), snapshot mode, and the kind of new accounts."""

    creditor: str
    source: str
    snapshot: bool = False
    kind: tuple[str, str] = ("consumer", "first_party")
    settings: Settings = field(default_factory=Settings)

    def merge(self, existing: Account | None, rows: list[ReceivableRow], now: datetime) -> Merge:
        return merge_rows(existing, self.creditor, rows, self.source, now, self.kind, self.settings)


@dataclass
class ChunkResult:
    """What one chunk did to accounts, and the rows that only repeated an invoice this file already listed."""

    changes: Counter[str]
    repeats: list[ReceivableRow]


def apply_rows(rows: list[ReceivableRow], target: ImportTarget, now: datetime) -> ChunkResult:
    """Upsert one chunk: one BatchGet per 100 accounts, new accounts created only if still absent, changed ones
    version-checked.

    A new account that a concurrent import created after the BatchGet is re-read and merged, not overwritten.
    In a full snapshot every listed account gets a `SNAP` marker (new ones in their creating transaction), so
    the accounts it no longer lists can be reported at the end; the accounts themselves are never rewritten
    just to stamp them.
    """
    groups: dict[str, list[ReceivableRow]] = defaultdict(list)
    for row in rows:
        groups[account_key(target.creditor, row.account_id)].append(row)
    existing = account_repo.get_accounts(groups)
    merges = {key: target.merge(existing.get(key), group, now) for key, group in groups.items()}
    for key, merge in merges.items():
        if merge.change == "updated":
            merges[key] = _put_updated(merge, groups[key], target, now)
    stamp = _stamp(target, merges, existing, now)
    created_meanwhile = account_repo.create_accounts((m.account for m in merges.values() if m.change == "new"), stamp)
    for key in created_meanwhile:
        merges[key] = _merge_onto_stored(key, groups[key], target, now)
    if stamp is not None:
        account_repo.stamp_snapshot((key for key, m in merges.items() if m.change != "new"), stamp)
    activity_repo.append_activities((key, a) for key, m in merges.items() for a in m.activities)
    changes = Counter(_count_as(m, target.source) for m in merges.values())
    return ChunkResult(changes, [row for m in merges.values() for row in m.repeats])


def _stamp(
    target: ImportTarget, merges: dict[str, Merge], existing: dict[str, Account], now: datetime
) -> account_repo.SnapshotStamp | None:
    """The snapshot markers of this chunk: each listed account with every invoice this file listed so far (an
    account's rows may sit in several chunks); None when the file is not a full snapshot."""
    if not target.snapshot:
        return None
    before = account_repo.get_snapshot_listed(existing, target.source) if existing else {}
    listed = {key: tuple(sorted({*before.get(key, ()), *m.listed})) for key, m in merges.items()}
    return account_repo.SnapshotStamp(target.source, now, listed)


def _put_updated(merge: Merge, rows: list[ReceivableRow], target: ImportTarget, now: datetime) -> Merge:
    try:
        account_repo.save_account(merge.account)
        return merge
    except ConflictError:  # a collector changed the account meanwhile: merge onto the fresh copy once
        fresh = target.merge(account_repo.get_account(merge.account.key), rows, now)
        account_repo.save_account(fresh.account)
        return fresh


def _merge_onto_stored(key: str, rows: list[ReceivableRow], target: ImportTarget, now: datetime) -> Merge:
    # Another import created the account after our BatchGet: its invoices stay, ours are merged onto them.
    merge = target.merge(account_repo.get_account(key), rows, now)
    return _put_updated(merge, rows, target, now) if merge.change == "updated" else merge


def _count_as(merge: Merge, source: str) -> str:
    # Rows of one account may sit in several chunks: the first chunk created it for this very file.
    if merge.change == "updated" and merge.account.source == source and merge.account.created_at is not None:
        return "new-continued"
    return merge.change
