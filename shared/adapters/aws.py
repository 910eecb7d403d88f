"""Adapters of the ports onto AWS services (S3, SQS); secrets are in secrets.py, the reminder senders in sending.py."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import cache
from typing import IO, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from shared.chunks import chunked
from shared.domain.errors import UpstreamUnavailableError
from shared.domain.notices import Notice

READ_CHUNK_BYTES = 1024 * 1024  # what one read of an S3 body takes
SQS_BATCH = 10  # messages one SendMessageBatch takes


@cache
def client(service: str) -> Any:
    """One boto3 client per service per process, created on first use (after mocks and env are set)."""
    return boto3.client(service)  # type: ignore[call-overload]


class S3Store:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def iter_lines(
        self, key: str, version_id: str | None = None, start_byte: int = 0, end_byte: int | None = None
    ) -> Iterator[bytes]:
        """Lines with their endings from byte `start_byte` to before `end_byte` (a ranged GET), split linearly over
        the body's chunks
        (botocore's `iter_lines` re-scans its buffer for every chunk: quadratic in a long line); a line over
        READ_LINE_BYTES is cut to that bound plus one byte."""
        # Imported here: only the intake reads lines, and the receivables package is no part of other cold starts.
        from shared.domain.receivables.bounds import READ_LINE_BYTES
        from shared.domain.receivables.decoding import split_chunks

        extra: dict[str, str] = {"VersionId": version_id} if version_id else {}
        if start_byte or end_byte is not None:
            extra["Range"] = f"bytes={start_byte}-{'' if end_byte is None else end_byte - 1}"
        try:
            body = client("s3").get_object(Bucket=self.bucket, Key=key, **extra)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                return  # resumed at the very end of the object: nothing left to read
            raise
        yield from split_chunks(body.iter_chunks(READ_CHUNK_BYTES), READ_LINE_BYTES)

    def put(self, key: str, body: bytes | IO[bytes], content_type: str = "text/plain") -> None:
        client("s3").put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def delete(self, key: str) -> None:
        client("s3").delete_object(Bucket=self.bucket, Key=key)

    def list_keys(self, prefix: str) -> Iterator[str]:
        for page in client("s3").get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                yield str(entry["Key"])

    def move(self, key: str, new_key: str, version_id: str | None = None) -> None:
        source = {"Bucket": self.bucket, "Key": key} | ({"VersionId": version_id} if version_id else {})
        client("s3").copy_object(Bucket=self.bucket, Key=new_key, CopySource=source)
        client("s3").delete_object(Bucket=self.bucket, Key=key)

    def read_text(self, key: str) -> str | None:
        try:
            body = client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise UpstreamUnavailableError(f"S3 could not read {key}") from exc
        return bytes(body).decode("utf-8-sig")


class SqsQueue:
    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, body: dict[str, Any], delay_seconds: int = 0) -> None:
        try:
            client("sqs").send_message(QueueUrl=self.url, MessageBody=json.dumps(body), DelaySeconds=delay_seconds)
        except (ClientError, BotoCoreError) as exc:
            raise UpstreamUnavailableError("SQS did not accept the message") from exc

    def send_many(self, bodies: Sequence[dict[str, Any]]) -> None:
        for chunk in chunked(bodies, SQS_BATCH):
            entries = [{"Id": str(n), "MessageBody": json.dumps(body)} for n, body in enumerate(chunk)]
            try:
                failed = client("sqs").send_message_batch(QueueUrl=self.url, Entries=entries).get("Failed") or []
            except (ClientError, BotoCoreError) as exc:
                raise UpstreamUnavailableError("SQS did not accept the messages") from exc
            if failed:
                codes = sorted({str(f.get("Code")) for f in failed})
                raise UpstreamUnavailableError(f"SQS did not accept {len(failed)} of {len(entries)} messages: {codes}")

    def hide(self, receipt: str, seconds: int) -> None:
        """Keep a received message invisible for `seconds` (at most SQS's 12 hours) before it is delivered again."""
        client("sqs").change_message_visibility(
            QueueUrl=self.url, ReceiptHandle=receipt, VisibilityTimeout=min(seconds, 43_200)
        )


class QueuedNotifier:
    """The Notifier port onto a FIFO queue: one message group per Slack message, so its updates stay in order."""

    def __init__(self, url: str) -> None:
        self.url = url

    def notify(self, notice: Notice) -> None:
        try:
            client("sqs").send_message(
                QueueUrl=self.url,
                MessageBody=json.dumps(notice.as_json()),
                MessageGroupId=notice.group,
                MessageDeduplicationId=notice.dedup_id,
            )
        except (ClientError, BotoCoreError) as exc:
            raise UpstreamUnavailableError("SQS did not accept the Slack notice") from exc
