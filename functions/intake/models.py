"""The events that start an import: S3 ObjectCreated (direct) and continuation messages (SQS)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from pydantic import BaseModel, Field


class ObjectRef(BaseModel):
    """One object version to import; `start_line` is set on continuations of a large file."""

    bucket: str
    key: str
    version_id: str | None = None
    etag: str = ""
    size: int | None = Field(default=None, ge=0)  # bytes, as the notification says: a big file goes in parts
    start_line: int | None = Field(default=None, ge=0)

    @property
    def version(self) -> str:
        """What makes a delivery the same file: the S3 version id, else the ETag."""
        return self.version_id or self.etag.strip('"') or "unversioned"


def _from_s3_record(record: dict[str, Any]) -> ObjectRef:
    s3 = record["s3"]
    obj = s3["object"]
    # S3 URL-encodes keys in notifications, with `+` for a space: unquote_plus, not unquote.
    return ObjectRef(
        bucket=s3["bucket"]["name"],
        key=unquote_plus(obj["key"]),
        version_id=obj.get("versionId"),
        etag=obj.get("eTag", ""),
        size=obj.get("size"),
    )


def _from_eventbridge(event: dict[str, Any]) -> ObjectRef:
    detail = event["detail"]
    obj = detail["object"]
    return ObjectRef(
        bucket=detail["bucket"]["name"],
        key=obj["key"],
        version_id=obj.get("version-id"),
        etag=obj.get("etag", ""),
        size=obj.get("size"),
    )


def _from_sqs_body(body: dict[str, Any]) -> list[ObjectRef]:
    """An SQS message is our continuation, an S3 notification routed through a queue, or a big file's part (not
    an object: `parts.parts_in` reads those)."""
    if "Records" in body or body.get("Event") == "s3:TestEvent":
        return objects_in(body)
    if "part" in body:
        return []
    return [ObjectRef.model_validate(body)]


def objects_in(event: dict[str, Any]) -> list[ObjectRef]:
    """The objects an event names: S3 notifications (direct, via SQS or via EventBridge) and continuations.

    S3's one-off `s3:TestEvent` (no Records) names none.
    """
    if event.get("detail-type") == "Object Created":
        return [_from_eventbridge(event)]
    refs = []
    for record in event.get("Records", []):
        source = record.get("eventSource")
        if source == "aws:s3" and str(record.get("eventName", "")).startswith("ObjectCreated"):
            refs.append(_from_s3_record(record))
        elif source == "aws:sqs":
            refs += _from_sqs_body(json.loads(record["body"]))
    return refs
