"""Repository of import records: one per (bucket, key, version), with a lease and a checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.update import Action

from shared.db import keys
from shared.db.models import ImportItem
from shared.domain.errors import ConflictError, UpstreamUnavailableError

LEASE = timedelta(minutes=16)  # default: longer than any Lambda invocation may run


@dataclass
class ImportState:
    """Where an import stands: `checkpoint_line` is the last line whose rows are written."""

    bucket: str
    key: str
    version: str
    status: str = "running"
    checkpoint_line: int = 0
    counts: dict[str, Any] = field(default_factory=dict)
    slack_ts: str | None = None
    part: int = 1
    lease: timedelta = LEASE  # how long this invocation holds the import (its remaining time and a margin)


def _pk(bucket: str, key: str) -> str:
    return f"IMPORT#{bucket}/{key}"


def _state(item: ImportItem) -> ImportState:
    report = dict(item.report or {})
    return ImportState(
        item.bucket,
        item.key,
        item.version,
        item.status,
        int(item.checkpoint_line),
        report.get("counts", {}),
        item.slack_ts,
        int(report.get("part", 1)),
    )


def claim_import(
    bucket: str, key: str, version: str, now: datetime, resume: bool, lease: timedelta = LEASE
) -> ImportState | None:
    """Take the lease on one object version; None when it is done or another invocation holds a live lease.

    A first delivery creates the record. A continuation (`resume`) or a retry after the lease ran out takes
    it over at its checkpoint. A repeated S3 event for a finished import gets None: nothing is imported twice.
    """
    item = ImportItem(
        _pk(bucket, key),
        f"V#{version}",
        bucket=bucket,
        key=key,
        version=version,
        status="running",
        started_at=now,
        lease_until=now + lease,
        gsi3pk=f"IMPORTS#{now:%Y-%m}",
        gsi3sk=keys.instant(now),
    )
    try:
        item.save(condition=ImportItem.pk.does_not_exist())
        return replace(_state(item), lease=lease)
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise UpstreamUnavailableError("DynamoDB rejected the import record") from exc
    return _take_over(bucket, key, version, now, resume, lease)


def _take_over(
    bucket: str, key: str, version: str, now: datetime, resume: bool, lease: timedelta
) -> ImportState | None:
    item = ImportItem(_pk(bucket, key), f"V#{version}")
    # A continuation belongs to the running chain; anything else may only take over an expired lease.
    condition = ImportItem.status == "running"
    if not resume:
        condition &= ImportItem.lease_until < now
    try:
        item.update(actions=[ImportItem.lease_until.set(now + lease)], condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise UpstreamUnavailableError("DynamoDB rejected the import lease") from exc
    return replace(_state(item), lease=lease)


def save_progress(state: ImportState, now: datetime) -> None:
    """Checkpoint after a chunk is written; extends the lease."""
    item = ImportItem(_pk(state.bucket, state.key), f"V#{state.version}")
    report = {"counts": state.counts, "part": state.part}
    actions: list[Action] = [
        ImportItem.checkpoint_line.set(state.checkpoint_line),
        ImportItem.report.set(report),
        ImportItem.lease_until.set(now + state.lease),
        ImportItem.status.set(state.status),
    ]
    if state.slack_ts:
        actions.append(ImportItem.slack_ts.set(state.slack_ts))
    if state.status != "running":
        actions.append(ImportItem.finished_at.set(now))
    try:
        item.update(actions=actions, condition=ImportItem.status == "running")
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise ConflictError(f"import of {state.key} was finished by another invocation") from exc
        raise UpstreamUnavailableError("DynamoDB rejected the checkpoint") from exc


def release_lease(state: ImportState, now: datetime) -> None:
    """Give the import up after a failure, so Lambda's retry of the same event resumes at the checkpoint."""
    item = ImportItem(_pk(state.bucket, state.key), f"V#{state.version}")
    try:
        item.update(actions=[ImportItem.lease_until.set(now)], condition=ImportItem.status == "running")
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise UpstreamUnavailableError("DynamoDB rejected the lease release") from exc


def query_imports_of_file(bucket: str, key: str) -> list[ImportState]:
    """Every import of one object key (one per version), newest version last."""
    return [_state(i) for i in ImportItem.query(_pk(bucket, key))]


def query_imports_by_month(month: str) -> list[ImportState]:
    """Imports started in `month` (YYYY-MM), oldest first: the operations view of what came in."""
    return [_state(i) for i in ImportItem.lookup.query(f"IMPORTS#{month}")]
