"""Repository of the append-only activity log and idempotency markers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError

from shared.db import keys
from shared.db.batch import batch_put
from shared.db.errors import code_of
from shared.db.models import ActivityItem, MarkerItem
from shared.db.transact import MARKER_TTL
from shared.domain.accounts import CONTACT, Activity
from shared.domain.errors import UpstreamUnavailableError


def activity_item(account_key: str, activity: Activity, ordinal: int = 0) -> ActivityItem:
    """The item of one history entry; `ordinal` keeps entries written together at one instant in their order."""
    activity_id = activity.id or f"{ordinal:03d}{uuid.uuid4().hex[:9]}"
    sk = keys.activity_sk(activity.at, activity_id)
    return ActivityItem(
        keys.account_pk(account_key),
        sk,
        lsi1sk=sk if activity.kind == CONTACT else None,
        at=activity.at,
        kind=activity.kind,
        summary=activity.summary,
        actor=activity.actor,
        channel=activity.channel,
        direction=activity.direction,
        outcome=activity.outcome,
        debt_ids=list(activity.debt_ids),
        rules=list(activity.rules),
        data=activity.data,
    )


def activity_of(item: ActivityItem) -> Activity:
    return Activity(
        at=item.at,
        kind=item.kind,
        summary=item.summary,
        actor=item.actor,
        id=item.sk.rsplit("#", 1)[-1],
        channel=item.channel,
        direction=item.direction,
        outcome=item.outcome,
        debt_ids=tuple(item.debt_ids or ()),
        rules=tuple(item.rules or ()),
        data=item.data or {},
    )


def append_activities(entries: Iterable[tuple[str, Activity]]) -> int:
    """Write (account key, activity) pairs in batches; returns the BatchWriteItem calls made."""
    return batch_put(ActivityItem, (activity_item(key, activity, n) for n, (key, activity) in enumerate(entries)))


def query_activity(account_key: str, limit: int = 10, kinds: frozenset[str] | None = None) -> list[Activity]:
    """Newest first; with `kinds`, only those kinds (filtered after the key condition)."""
    condition = ActivityItem.sk.startswith("ACT#")
    filter_ = ActivityItem.kind.is_in(*kinds) if kinds else None
    items = ActivityItem.query(
        keys.account_pk(account_key), condition, filter_condition=filter_, scan_index_forward=False, limit=limit
    )
    return [activity_of(i) for i in items]


def query_contacts_since(account_key: str, since: datetime) -> list[Activity]:
    """The account's contacts at or after `since`, oldest first: what the compliance engine counts. Read from
    the sparse contacts index, strongly consistent, so notes, decisions and payments cost no reads however many
    there are, and a contact recorded a moment ago counts."""
    condition = ActivityItem.lsi1sk >= f"ACT#{keys.instant(since)}"
    items = ActivityItem.contacts.query(keys.account_pk(account_key), condition, consistent_read=True)
    return [activity_of(i) for i in items]


def claim_marker(pk: str, sk: str, at: datetime, data: dict[str, Any] | None = None) -> bool:
    """Create a marker once; False when it already exists (the work was done by an earlier delivery)."""
    item = MarkerItem(pk, sk, at=at, data=data or {}, expires_at=at + MARKER_TTL)
    try:
        item.save(condition=MarkerItem.pk.does_not_exist())
    except PutError as exc:
        if code_of(exc) == "ConditionalCheckFailedException":
            return False
        raise UpstreamUnavailableError("DynamoDB rejected the marker write") from exc
    return True


def release_marker(pk: str, sk: str) -> None:
    """Drop an idempotency marker whose work failed, so the next run may try again."""
    MarkerItem(pk, sk).delete()
