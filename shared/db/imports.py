"""Repository of import records: one per (bucket, key, version), with a lease and a checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import GetError, PutError, UpdateError
from pynamodb.expressions.update import Action

from shared.db import keys
from shared.db.errors import code_of
from shared.db.models import ImportItem, MarkerItem, PartsItem
from shared.db.transact import Cancelled, Transaction
from shared.domain.errors import ConflictError, UpstreamUnavailableError

LEASE = timedelta(minutes=2)  # far below the function's 15 minutes: renewed at every checkpoint (the heartbeat)
PART_TTL = timedelta(days=30)  # a parallel import's part records are read once, when the import is joined


@dataclass
class ImportState:
    """Where an import stands: `checkpoint_line` is the last line whose rows are written; `owner` the invocation
    holding it, `interrupted` whether this claim took it from an invocation that died."""

    bucket: str
    key: str
    version: str
    status: str = "running"
    checkpoint_line: int = 0
    counts: dict[str, Any] = field(default_factory=dict)
    owner: str = ""
    interruptions: int = 0
    interrupted: bool = False
    started_at: datetime | None = None  # when the file came in: the as-of time of all its rows, in every retry


class LeaseLostError(ConflictError):
    """This invocation no longer holds the import (it ran past its lease and another took over)."""


@dataclass(frozen=True)
class Held:
    """Another invocation holds a live lease until `until`."""

    until: datetime


def _pk(bucket: str, key: str) -> str:
    return f"IMPORT#{bucket}/{key}"


def _state(item: ImportItem, owner: str, interrupted: bool = False) -> ImportState:
    report = dict(item.report or {})
    return ImportState(
        item.bucket,
        item.key,
        item.version,
        item.status,
        int(item.checkpoint_line),
        report.get("counts", {}),
        owner,
        int(item.interruptions or 0),
        interrupted,
        item.started_at,
    )


def claim_import(bucket: str, key: str, version: str, now: datetime, owner: str) -> ImportState | Held | None:
    """Take the lease on one object version for `owner`: None when the import is finished, Held while another
    invocation's lease is live.

    A first delivery creates the record. Any later delivery (a continuation, a retry, a repeated event) takes
    over once the lease is free: handed over, given up after a failure, or run out because its holder died
    (counted in `interruptions`). It resumes at the checkpoint.
    """
    item = ImportItem(
        _pk(bucket, key),
        f"V#{version}",
        bucket=bucket,
        key=key,
        version=version,
        status="running",
        started_at=now,
        lease_until=now + LEASE,
        owner=owner,
        gsi3pk=f"IMPORTS#{now:%Y-%m}",
        gsi3sk=keys.instant(now),
    )
    try:
        item.save(condition=ImportItem.pk.does_not_exist())
        return _state(item, owner)
    except PutError as exc:
        if code_of(exc) != "ConditionalCheckFailedException":
            raise UpstreamUnavailableError("DynamoDB rejected the import record") from exc
    return _take_over(bucket, key, version, now, owner)


def _take_over(bucket: str, key: str, version: str, now: datetime, owner: str) -> ImportState | Held | None:
    try:
        current = ImportItem.get(_pk(bucket, key), f"V#{version}", consistent_read=True)
    except GetError as exc:
        raise UpstreamUnavailableError("DynamoDB did not return the import record") from exc
    if current.status != "running":
        return None
    if current.lease_until is not None and current.lease_until > now:
        return Held(current.lease_until)
    died = current.owner is not None  # a holder that hands over or fails clears its name; a dead one cannot
    actions: list[Action] = [ImportItem.owner.set(owner), ImportItem.lease_until.set(now + LEASE)]
    if died:
        actions.append(ImportItem.interruptions.add(1))
    # Two deliveries may race for an expired lease: the condition lets one win.
    condition = (ImportItem.status == "running") & (ImportItem.lease_until <= now)
    try:
        current.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if code_of(exc) == "ConditionalCheckFailedException":
            return Held(now + LEASE)
        raise UpstreamUnavailableError("DynamoDB rejected the import lease") from exc
    return _state(current, owner, interrupted=died)


def save_progress(state: ImportState, now: datetime) -> None:
    """Checkpoint after a chunk is written; renews the lease. ConflictError when this invocation lost it."""
    item = ImportItem(_pk(state.bucket, state.key), f"V#{state.version}")
    actions: list[Action] = [
        ImportItem.checkpoint_line.set(state.checkpoint_line),
        ImportItem.report.set({"counts": state.counts}),
        ImportItem.lease_until.set(now + LEASE),
        ImportItem.status.set(state.status),
    ]
    if state.status != "running":
        actions += [ImportItem.finished_at.set(now), ImportItem.owner.remove()]
    _update_owned(item, state, actions, "checkpoint")


def release_lease(state: ImportState, now: datetime, failed: bool = False) -> None:
    """Hand the import over (to a continuation) or give it up after a failure, so the next delivery resumes at
    the checkpoint at once. Quiet when the lease was lost already."""
    item = ImportItem(_pk(state.bucket, state.key), f"V#{state.version}")
    actions: list[Action] = [ImportItem.lease_until.set(now), ImportItem.owner.remove()]
    if failed:
        actions.append(ImportItem.interruptions.add(1))
    try:
        _update_owned(item, state, actions, "lease release")
    except LeaseLostError:
        return


def _update_owned(item: ImportItem, state: ImportState, actions: list[Action], what: str) -> None:
    try:
        item.update(actions=actions, condition=(ImportItem.status == "running") & (ImportItem.owner == state.owner))
    except UpdateError as exc:
        if code_of(exc) == "ConditionalCheckFailedException":
            raise LeaseLostError(f"import of {state.key} is no longer held by this invocation") from exc
        raise UpstreamUnavailableError(f"DynamoDB rejected the {what}") from exc


def query_imports_of_file(bucket: str, key: str) -> list[ImportState]:
    """Every import of one object key (one per version), newest version last."""
    return [_state(i, i.owner or "") for i in ImportItem.query(_pk(bucket, key), ImportItem.sk.startswith("V#"))]


def query_imports_by_month(month: str) -> list[ImportState]:
    """Imports started in `month` (YYYY-MM), oldest first: the operations view of what came in."""
    return [_state(i, i.owner or "") for i in ImportItem.lookup.query(f"IMPORTS#{month}")]


# A parallel import (functions/intake/parts.py): each part's counts are kept in a record of their own beside the
# import's (sk `P#<version>#<first line>`), and the import counts the parts applied; the last part ends it.


def _part_sk(version: str, line: int) -> str:
    return f"P#{version}#{line:012d}"


@dataclass(frozen=True)
class PartsProgress:
    """How far a parallel import's workers are: parts applied, and parts the reader queued (None while it reads)."""

    done: int
    total: int | None

    @property
    def complete(self) -> bool:
        return self.total is not None and self.done >= self.total


def part_recorded(bucket: str, key: str, version: str, line: int) -> bool:
    """Whether the part starting at `line` was applied already (a repeated delivery is then a no-op)."""
    try:
        MarkerItem.get(_pk(bucket, key), _part_sk(version, line), consistent_read=True)
        return True
    except MarkerItem.DoesNotExist:
        return False
    except GetError as exc:
        raise UpstreamUnavailableError("DynamoDB did not return the part record") from exc


def mark_stuck(bucket: str, key: str, version: str, now: datetime) -> bool:
    """Stop a running import for good (a part that kept failing); False when it was not running any more."""
    item = ImportItem(_pk(bucket, key), f"V#{version}")
    actions: list[Action] = [ImportItem.status.set("stuck"), ImportItem.finished_at.set(now), ImportItem.owner.remove()]
    try:
        item.update(actions=actions, condition=ImportItem.status == "running")
    except UpdateError as exc:
        if code_of(exc) == "ConditionalCheckFailedException":
            return False
        raise UpstreamUnavailableError("DynamoDB rejected the stuck mark") from exc
    return True


def _parts(bucket: str, key: str, version: str) -> PartsItem:
    return PartsItem(_pk(bucket, key), f"PARTS#{version}")


def record_part(bucket: str, key: str, version: str, line: int, counts: dict[str, Any], now: datetime) -> None:
    """One part applied: its counts stored and the import's parts done raised by one, in one transaction, once
    (a second delivery of the part finds the record and adds nothing). Workers finishing at once conflict on the
    count; the transaction is retried with backoff."""
    tx = Transaction()
    record = MarkerItem(_pk(bucket, key), _part_sk(version, line), at=now, data=counts, expires_at=now + PART_TTL)
    tx.put("part", record, condition=MarkerItem.pk.does_not_exist())
    actions = [PartsItem.parts_done.add(1), PartsItem.expires_at.set(now + PART_TTL)]
    tx.update("count", _parts(bucket, key, version), actions, versioned=False)
    try:
        tx.commit()
    except Cancelled as exc:
        if "part" not in exc.failed:
            raise UpstreamUnavailableError(f"the parts count of {key} refused the part") from exc


def set_parts_total(bucket: str, key: str, version: str, total: int, now: datetime) -> None:
    """The reader has read the whole file into `total` parts (a transaction too: it may meet a worker's)."""
    tx = Transaction()
    actions = [PartsItem.parts_total.set(total), PartsItem.expires_at.set(now + PART_TTL)]
    tx.update("count", _parts(bucket, key, version), actions, versioned=False)
    tx.commit()


def parts_progress(bucket: str, key: str, version: str) -> PartsProgress:
    """Read consistently, so the last part's worker (or the reader) sees every part counted before it."""
    try:
        item = PartsItem.get(_pk(bucket, key), f"PARTS#{version}", consistent_read=True)
    except PartsItem.DoesNotExist:
        return PartsProgress(0, None)
    except GetError as exc:
        raise UpstreamUnavailableError("DynamoDB did not return the parts count") from exc
    total = int(item.parts_total) if item.parts_total is not None else None
    return PartsProgress(int(item.parts_done or 0), total)


def part_counts(bucket: str, key: str, version: str) -> list[dict[str, Any]]:
    """Every part's counts, in line order: one paged Query on the import's partition."""
    query = MarkerItem.query(_pk(bucket, key), MarkerItem.sk.startswith(f"P#{version}#"), consistent_read=True)
    return [dict(item.data or {}) for item in query]
