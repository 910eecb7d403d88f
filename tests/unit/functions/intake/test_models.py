"""Intake events: S3 ObjectCreated records (keys decoded as S3 encodes them), S3's test event, SQS continuations."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from functions.intake.models import ObjectRef, objects_in

# parents[4] is the repository root; the shared samples sit beside it.
SAMPLES = Path(__file__).resolve().parents[4].parent / "shared" / "samples" / "aws_events"


def sample(name: str) -> dict[str, Any]:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"shared AWS event sample {path} is not present (it lives beside the repository, not in it)")
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return event


def s3_event(key: str, version_id: str | None = None, etag: str = "abc123") -> dict[str, Any]:
    """The powertools S3 put sample with its object key (as S3 writes it, URL-encoded) replaced."""
    event = copy.deepcopy(sample("powertools_s3Event.json"))
    obj = event["Records"][0]["s3"]["object"]
    obj["key"] = key
    obj["eTag"] = etag
    if version_id is not None:
        obj["versionId"] = version_id
    return event


def sqs_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{n}",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:arrears-intake",
                "body": json.dumps(body),
            }
            for n, body in enumerate(bodies)
        ]
    }


def test_objects_in_derived_plus_encoded_key_decoded() -> None:
    # Given S3's notification for `incoming/QuickBooks AR Aging Detail (2024-03-04) v1+2.csv`
    event = sample("DERIVED_s3_put_plus_encoded_key.json")

    # When the objects are read from it
    [ref] = objects_in(event)

    # Then `+` is a space, `%28`/`%29` are parentheses and `%2B` is a literal plus
    assert ref.bucket == "example-ar-intake"
    assert ref.key == "incoming/QuickBooks AR Aging Detail (2024-03-04) v1+2.csv"
    assert ref.version_id is None
    assert ref.version == "0123456789abcdef0123456789abcdef"


def test_objects_in_powertools_put_event_bucket_key_etag() -> None:
    # Given the captured powertools S3 put event (no versionId)
    event = sample("powertools_s3Event.json")

    # When the objects are read from it
    [ref] = objects_in(event)

    # Then bucket, key and size are as sent, and the version falls back to the ETag
    assert ref == ObjectRef(
        bucket="lambda-artifacts-deafc19498e3f2df",
        key="b21b84d653bb07b05b1e6b33684dc11b",
        etag="b21b84d653bb07b05b1e6b33684dc11b",
        size=1305107,
    )
    assert ref.version == "b21b84d653bb07b05b1e6b33684dc11b"
    assert ref.start_line is None


@pytest.mark.parametrize(
    ("encoded", "key"),
    [
        ("my+test.pdf", "my test.pdf"),
        ("Happy%20Face.jpg", "Happy Face.jpg"),
        ("ar%2Baging.csv", "ar+aging.csv"),
        ("a%2B+b%20c.csv", "a+ b c.csv"),
        ("caf%C3%A9/%E2%82%AC+report.csv", "café/€ report.csv"),
        ("100%25+done.csv", "100% done.csv"),
    ],
)
def test_objects_in_s3_key_url_decoded_like_s3_encodes(encoded: str, key: str) -> None:
    # Given an S3 notification whose key is URL-encoded with `+` for spaces
    # When the objects are read from it
    [ref] = objects_in(s3_event(encoded))

    # Then the key is the object's real name, so the file can be fetched
    assert ref.key == key


def test_objects_in_s3_version_id_preferred_over_etag() -> None:
    # Given a versioned bucket's notification
    # When the objects are read
    [ref] = objects_in(s3_event("a.csv", version_id="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", etag='"abc"'))

    # Then the version is the S3 version id
    assert ref.version_id == "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"
    assert ref.version == "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"


@pytest.mark.parametrize(
    ("ref", "version"),
    [
        (ObjectRef(bucket="b", key="k", etag='"d41d8cd98f00b204e9800998ecf8427e"'), "d41d8cd98f00b204e9800998ecf8427e"),
        (ObjectRef(bucket="b", key="k", etag="d41d8cd9-2"), "d41d8cd9-2"),
        (ObjectRef(bucket="b", key="k"), "unversioned"),
        (ObjectRef(bucket="b", key="k", version_id="v1", etag="e"), "v1"),
    ],
)
def test_object_ref_version_falls_back_to_unquoted_etag(ref: ObjectRef, version: str) -> None:
    # Given object refs with and without a version id
    # When their delivery identity is asked for
    # Then it is the version id, else the ETag without quotes, else a constant
    assert ref.version == version


def test_objects_in_s3_test_event_no_objects() -> None:
    # Given the one-off message S3 sends when a notification is configured (no Records)
    event = {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2026-06-10T15:00:00.000Z",
        "Bucket": "arrears-inbox",
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }

    # When the objects are read from it
    # Then there are none (and nothing raises)
    assert objects_in(event) == []


def test_objects_in_non_create_s3_event_ignored() -> None:
    # Given an S3 delete notification
    event = s3_event("a.csv")
    event["Records"][0]["eventName"] = "ObjectRemoved:Delete"

    # When the objects are read
    # Then nothing is imported
    assert objects_in(event) == []


def test_objects_in_multipart_upload_created_event_included() -> None:
    # Given a large file uploaded in parts
    event = s3_event("big+file.csv")
    event["Records"][0]["eventName"] = "ObjectCreated:CompleteMultipartUpload"

    # When the objects are read
    # Then it is imported like a put
    assert [r.key for r in objects_in(event)] == ["big file.csv"]


def test_objects_in_sqs_continuation_message_resumes_at_line() -> None:
    # Given a continuation message for the rest of a large file (its key is stored decoded)
    body = {"bucket": "arrears-inbox", "key": "incoming/AR Aging v1+2.csv", "version_id": "v7", "start_line": 50001}

    # When the objects are read from the SQS event
    [ref] = objects_in(sqs_event(body))

    # Then the same object and version are named, with the line to resume at, and the key is not decoded again
    assert ref == ObjectRef(bucket="arrears-inbox", key="incoming/AR Aging v1+2.csv", version_id="v7", start_line=50001)
    assert ref.version == "v7"


def test_objects_in_sqs_continuation_round_trips_object_ref() -> None:
    # Given object refs serialised the way a continuation is queued
    refs = [
        ObjectRef(bucket="b", key="x y+z.csv", etag='"e1"', start_line=10),
        ObjectRef(bucket="b", key="k.csv", version_id="v2", start_line=0),
    ]

    # When they come back through SQS
    back = objects_in(sqs_event(*(json.loads(r.model_dump_json()) for r in refs)))

    # Then they are equal to what was sent
    assert back == refs


def test_objects_in_sqs_negative_start_line_rejected() -> None:
    # Given a corrupt continuation message
    # When it is read
    # Then validation fails rather than re-reading from an invalid line
    with pytest.raises(ValidationError):
        objects_in(sqs_event({"bucket": "b", "key": "k", "start_line": -1}))


def test_objects_in_mixed_records_each_kind_read() -> None:
    # Given an S3 record and an SQS record in one batch
    event = {"Records": s3_event("a+b.csv")["Records"] + sqs_event({"bucket": "b", "key": "c d.csv"})["Records"]}

    # When the objects are read
    # Then both are returned in order
    assert [r.key for r in objects_in(event)] == ["a b.csv", "c d.csv"]


def test_objects_in_s3_notification_through_sqs_decoded() -> None:
    # Given the powertools S3 notification delivered inside an SQS message body, with a `+`-encoded key
    event = copy.deepcopy(sample("powertools_s3SqsEvent.json"))
    body = json.loads(event["Records"][0]["body"])
    body["Records"][0]["s3"]["object"]["key"] = "incoming/AR+Aging+%282026%29+v1%2B2.csv"
    event["Records"][0]["body"] = json.dumps(body)

    # When the objects are read
    [ref] = objects_in(event)

    # Then the inner S3 record is read like a direct one, key decoded
    assert ref.bucket == body["Records"][0]["s3"]["bucket"]["name"]
    assert ref.key == "incoming/AR Aging (2026) v1+2.csv"


def test_objects_in_s3_test_event_through_sqs_no_objects() -> None:
    # Given S3's one-off test message arriving through a queue
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "arrears-inbox", "RequestId": "R1"}

    # When the objects are read
    # Then there are none, and it is not mistaken for a continuation
    assert objects_in(sqs_event(test_event)) == []


def test_objects_in_eventbridge_object_created_bucket_key_version() -> None:
    # Given the powertools S3 "Object Created" event delivered by EventBridge (no version id)
    event = sample("powertools_s3EventBridgeNotificationObjectCreatedEvent.json")

    # When the objects are read
    [ref] = objects_in(event)

    # Then bucket and key come from `detail`, and the version falls back to the ETag
    assert (ref.bucket, ref.key) == ("example-bucket", "IMG_m7fzo3.jpg")
    assert ref.version == "4e68adba0abe2dc8653dc3354e14c01d"


def test_objects_in_eventbridge_version_id_used() -> None:
    # Given an EventBridge event from a versioned bucket
    event = copy.deepcopy(sample("powertools_s3EventBridgeNotificationObjectCreatedEvent.json"))
    event["detail"]["object"]["version-id"] = "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"

    # When the objects are read
    # Then the version is the S3 version id
    assert objects_in(event)[0].version == "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"
