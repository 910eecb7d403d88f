"""Upserting a chunk of parsed rows into accounts: batched reads and writes, version-checked updates."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared.db import accounts as account_repo
from shared.db.transact import MAX_ITEMS as TRANSACT_MAX
from shared.domain.accounts import Account, Activity, ImportMark, account_key
from shared.domain.errors import ConflictError
from shared.domain.imports import ChangeLine, Merge, changes_of, merge_rows, past_cap
from shared.domain.receivables import ReceivableRow, RejectedRow
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
    """What one chunk did to accounts, the rows that only repeated an invoice this file already listed, and the
    rows turned away because their account holds as many invoices as it may."""

    changes: Counter[str]
    repeats: list[ReceivableRow]
    rejected: list[RejectedRow] = field(default_factory=list)
    diff: list[ChangeLine] = field(default_factory=list)  # what changed, for the summary and the changes file


@dataclass
class _Planned:
    """An account's part of a chunk: the merge, how it counts, and whether an earlier try already wrote it."""

    merge: Merge
    count_as: str
    done: bool = False
    diff: list[ChangeLine] = field(default_factory=list)  # what it changes (or changed, when done before)


MAX_ACTIVITIES = TRANSACT_MAX - 1  # an account and its import activities are written in one transaction


def apply_rows(rows: list[ReceivableRow], target: ImportTarget, now: datetime, chunk: int) -> ChunkResult:
    """Upsert one chunk (`chunk`: its first line): one BatchGet per 100 accounts, new accounts created only if
    still absent, changed ones version-checked and written with their activities in one transaction.

    Every account written carries the chunk's mark, so a retry of the chunk after any failure finds the accounts
    the first try wrote, counts them as it did, and writes only the rest: the result is that of one clean run.
    A new account that a concurrent import created after the BatchGet is re-read and merged, not overwritten.
    In a full snapshot every listed account gets a `SNAP` marker (new ones in their creating transaction), so
    the accounts it no longer lists can be reported at the end; the accounts themselves are never rewritten
    just to stamp them.
    """
    groups: dict[str, list[ReceivableRow]] = defaultdict(list)
    for row in rows:
        groups[account_key(target.creditor, row.account_id)].append(row)
    existing = account_repo.get_accounts(groups)
    for key in list(groups):  # a row that owes nothing only closes an invoice held already: no new account
        if key not in existing and not [row for row in groups[key] if not row.settled]:
            del groups[key]
    plans = {key: _plan(existing.get(key), group, target, chunk, now) for key, group in groups.items()}
    for key, plan in plans.items():
        if plan.merge.change == "updated" and not plan.done:
            plans[key] = _put_updated(plan, groups[key], target, chunk, now)
    merges = {key: plan.merge for key, plan in plans.items()}
    stamp = _stamp(target, merges, existing, now)
    fresh = (p.merge.account for p in plans.values() if p.merge.change == "new" and not p.done)
    for key in account_repo.create_accounts(fresh, stamp):
        plans[key] = _plan_onto_stored(key, groups[key], target, chunk, now)
    if stamp is not None:
        account_repo.stamp_snapshot((key for key, p in plans.items() if p.merge.change != "new" or p.done), stamp)
    changes = Counter(p.count_as for p in plans.values())
    repeats = [row for p in plans.values() for row in p.merge.repeats]
    rejected = sorted((r for p in plans.values() for r in p.merge.rejected), key=_line)
    diff = [line for p in plans.values() for line in p.diff]
    return ChunkResult(changes, repeats, rejected, diff)


def _line(row: RejectedRow) -> int:
    return row.line


def _plan(
    existing: Account | None, rows: list[ReceivableRow], target: ImportTarget, chunk: int, now: datetime
) -> _Planned:
    mark = (
        next((m for m in existing.import_marks if (m.source, m.chunk) == (target.source, chunk)), None)
        if existing
        else None
    )
    if existing is not None and mark is not None:
        # An earlier try of this chunk wrote the account: count it as it did.
        repeats = [row for row in rows if row.line in set(mark.repeat_lines)]
        rejected = [past_cap(row) for row in rows if row.line in set(mark.rejected_lines)]
        listed = tuple(dict.fromkeys(row.invoice for row in rows))
        merge = Merge(existing, mark.change, repeats=repeats, listed=listed, rejected=rejected)
        ref = f"{existing.creditor}:{existing.account_id}"
        return _Planned(merge, mark.change, done=True, diff=[ChangeLine(c[0], ref, *c[1:]) for c in mark.changes])
    merge = target.merge(existing, rows, now)
    count_as = _count_as(merge, target.source)
    diff = changes_of(existing, merge.account) if merge.change != "unchanged" else []
    if merge.change != "unchanged":
        lines = tuple(row.line for row in merge.repeats), tuple(row.line for row in merge.rejected)
        kept = tuple((c.kind, c.currency, c.before, c.after, c.invoice) for c in diff)
        mark = ImportMark(target.source, chunk, count_as, *lines, changes=kept)
        marked = replace(merge.account, import_marks=_marked(existing, mark))
        merge = replace(merge, account=marked, activities=_fit(merge.activities))
    return _Planned(merge, count_as, diff=diff)


def _marked(existing: Account | None, mark: ImportMark) -> tuple[ImportMark, ...]:
    """The account's marks with this chunk's: those of the same import kept (another part may be retried), an
    earlier import's dropped."""
    kept = (m for m in (existing.import_marks if existing else ()) if m.source == mark.source and m.chunk != mark.chunk)
    return (*kept, mark)


def _fit(activities: list[Activity]) -> list[Activity]:
    """At most MAX_ACTIVITIES: past that, one activity per kind says how many changes the import made."""
    if len(activities) <= MAX_ACTIVITIES:
        return activities
    kinds = Counter(a.kind for a in activities)
    at = activities[0].at
    return [Activity(at=at, kind=kind, summary=f"{n} changes from the creditor's books") for kind, n in kinds.items()]


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


def _put_updated(
    plan: _Planned, rows: list[ReceivableRow], target: ImportTarget, chunk: int, now: datetime
) -> _Planned:
    try:
        account_repo.save_account(plan.merge.account, plan.merge.activities)
        return plan
    except ConflictError:  # a collector changed the account meanwhile: merge onto the fresh copy once
        fresh = _plan(account_repo.get_account(plan.merge.account.key), rows, target, chunk, now)
        if fresh.merge.change == "updated" and not fresh.done:
            account_repo.save_account(fresh.merge.account, fresh.merge.activities)
        return fresh


def _plan_onto_stored(key: str, rows: list[ReceivableRow], target: ImportTarget, chunk: int, now: datetime) -> _Planned:
    # Another import created the account after our BatchGet: its invoices stay, ours are merged onto them.
    plan = _plan(account_repo.get_account(key), rows, target, chunk, now)
    return _put_updated(plan, rows, target, chunk, now) if plan.merge.change == "updated" and not plan.done else plan


def _count_as(merge: Merge, source: str) -> str:
    # Rows of one account may sit in several chunks: the first chunk created it for this very file.
    if merge.change == "updated" and merge.account.source == source and merge.account.created_at is not None:
        return "new-continued"
    return merge.change
