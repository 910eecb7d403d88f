"""Repository of delivered Slack notices: which message a notice key became, and the last seq delivered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, GetError, PutError

from shared.db.errors import code_of
from shared.db.models import NoticeItem
from shared.domain.errors import ConflictError, UpstreamUnavailableError

KEEP = timedelta(days=30)  # long past any update of the message (imports finish within hours)
SK = "NOTICE"


@dataclass(frozen=True)
class Delivered:
    channel: str
    ts: str
    seq: int


def _pk(key: str) -> str:
    return f"NOTICE#{key}"


def get_delivered(key: str) -> Delivered | None:
    try:
        item = NoticeItem.get(_pk(key), SK, consistent_read=True)
    except DoesNotExist:
        return None
    except GetError as exc:
        raise UpstreamUnavailableError("DynamoDB did not answer for the notice") from exc
    return Delivered(item.channel, item.ts, int(item.seq))


def put_delivered(key: str, delivered: Delivered, now: datetime) -> None:
    """Record a delivery; ConflictError when a more recent one for the key was recorded meanwhile."""
    item = NoticeItem(
        _pk(key), SK, channel=delivered.channel, ts=delivered.ts, seq=delivered.seq, expires_at=now + KEEP
    )
    condition = NoticeItem.pk.does_not_exist() | (NoticeItem.seq < delivered.seq)
    try:
        item.save(condition=condition)
    except PutError as exc:
        if code_of(exc) == "ConditionalCheckFailedException":
            raise ConflictError(f"notice {key} was delivered at a later seq") from exc
        raise UpstreamUnavailableError("DynamoDB rejected the notice record") from exc
