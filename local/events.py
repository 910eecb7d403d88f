"""Factories for real-shaped Lambda events and Slack request signing (importable without moto)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlencode

ACCOUNT_ID = "123456789012"


def rfc3339(at: datetime) -> str:
    """`2025-02-20T16:03:00Z`: the UTC instant EventBridge writes in `time`."""
    moment = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def s3_event_time(at: datetime) -> str:
    """`2019-09-03T19:37:27.192Z`: S3 notifications carry milliseconds."""
    moment = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def s3_sequencer() -> str:
    """A hex sequencer that grows with time, like S3's (orders events for the same key)."""
    return f"{time.time_ns():X}"


def s3_put_event(
    bucket: str,
    key: str,
    *,
    size: int,
    etag: str,
    version_id: str | None = None,
    region: str = "us-east-1",
    at: datetime | None = None,
) -> dict[str, Any]:
    """An `ObjectCreated:Put` notification; the key is URL-encoded like S3 does (space as `+`)."""
    s3_object: dict[str, Any] = {"key": quote_plus(key, safe="/"), "size": size, "eTag": etag.strip('"')}
    if version_id:
        s3_object["versionId"] = version_id
    s3_object["sequencer"] = s3_sequencer()
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": s3_event_time(at or datetime.now(UTC)),
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDALOCALUSER000000"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper(), "x-amz-id-2": "local"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": str(uuid.uuid4()),
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "A3LOCALOWNER"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": s3_object,
        },
    }
    return {"Records": [record]}


def sqs_record(message: dict[str, Any], queue_arn: str, region: str = "us-east-1") -> dict[str, Any]:
    """One SQS event record from a `ReceiveMessage` message (with `AttributeNames=["All"]`)."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: {k[0].lower() + k[1:]: v for k, v in value.items()}
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", hashlib.md5(message["Body"].encode()).hexdigest()),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str = "us-east-1") -> dict[str, Any]:
    """An SQS event source mapping batch."""
    return {"Records": [sqs_record(message, queue_arn, region) for message in messages]}


def sns_event(message: dict[str, Any], topic_arn: str, at: datetime, message_id: str | None = None) -> dict[str, Any]:
    """What SNS delivers to a subscribed function: one record, the message as a JSON string; a redelivery of the
    same notification keeps its `message_id` and Timestamp."""
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": s3_event_time(at),
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
                    "MessageId": message_id or str(uuid.uuid4()),
                    "Message": json.dumps(message),
                    "MessageAttributes": {},
                    "Type": "Notification",
                    "UnsubscribeUrl": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic_arn}:x",
                    "TopicArn": topic_arn,
                    "Subject": None,
                },
            }
        ]
    }


def ses_bounce(address: str, attempt_id: str, account_tag: str, at: datetime) -> dict[str, Any]:
    """An SES sending event (configuration set -> SNS) for a permanent bounce: the mailbox does not exist. The tags
    are the ones the reminders' sender puts on every email (the attempt, the account as `sends.account_tag`)."""
    stamp = at.astimezone(UTC).isoformat()
    mail = {"timestamp": stamp, "source": "collections@example.com", "messageId": f"ses-{attempt_id[:12]}",
            "destination": [address], "tags": {"attempt": [attempt_id], "account": [account_tag]}}  # fmt: skip
    bounce = {"bounceType": "Permanent", "bounceSubType": "NoEmail", "timestamp": stamp, "feedbackId": "bounce-1",
              "bouncedRecipients": [{"emailAddress": address}]}  # fmt: skip
    return {"eventType": "Bounce", "mail": mail, "bounce": bounce}


def sms_delivery_log(message_id: str, to: str, at: datetime, delivered: bool, response: str) -> dict[str, Any]:
    """One entry of SNS's SMS delivery status logs (the success or the `/Failure` log group), as SNS writes it."""
    delivery = {"mnc": 270 if delivered else 0, "destination": to, "priceInUSD": 0.00883, "mcc": 310,
                "smsType": "Transactional", "providerResponse": response, "dwellTimeMs": 412,
                "dwellTimeMsUntilDeviceAck": 1290}  # fmt: skip
    stamp = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return {"notification": {"messageId": message_id, "timestamp": stamp}, "delivery": delivery,
            "status": "SUCCESS" if delivered else "FAILURE"}  # fmt: skip


def logs_event(log_group: str, messages: list[dict[str, Any]], at: datetime, name: str = "sms") -> dict[str, Any]:
    """What a CloudWatch Logs subscription filter delivers to a function: the log group's new entries, gzipped and
    base64-encoded under `awslogs.data`."""
    millis = int(at.timestamp() * 1000)
    data = {
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT_ID,
        "logGroup": log_group,
        "logStream": "1b7f3c0e-3bd2-4d65-9a43-5d4c2a8e6f10",
        "subscriptionFilters": [name],
        "logEvents": [
            {"id": f"{millis}{n:06d}", "timestamp": millis, "message": json.dumps(m)} for n, m in enumerate(messages)
        ],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(data).encode())).decode()}}


def ttl_removal_event(keys: list[tuple[str, str]], stream_arn: str, region: str = "us-east-1") -> dict[str, Any]:
    """A DynamoDB stream batch (KEYS_ONLY) of items removed by DynamoDB's TTL, as Lambda delivers it."""
    records = [
        {
            "eventID": uuid.uuid4().hex,
            "eventName": "REMOVE",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": region,
            "dynamodb": {
                "ApproximateCreationDateTime": int(time.time()),
                "Keys": {"pk": {"S": pk}, "sk": {"S": sk}},
                "SequenceNumber": str(100000000000000000000 + n),
                "SizeBytes": 40 + len(pk) + len(sk),
                "StreamViewType": "KEYS_ONLY",
            },
            "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
            "eventSourceARN": stream_arn,
        }
        for n, (pk, sk) in enumerate(keys)
    ]
    return {"Records": records}


def scheduler_event(
    at: datetime, schedule_arn: str, region: str = "us-east-1", account: str = ACCOUNT_ID
) -> dict[str, Any]:
    """An EventBridge Scheduler invocation: source `aws.scheduler`, `detail` is the STRING `"{}"`."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": account,
        "time": rfc3339(at),
        "region": region,
        "resources": [schedule_arn],
        "detail": "{}",
    }


def function_url_event(
    body: str,
    headers: dict[str, str],
    *,
    raw_path: str = "/",
    method: str = "POST",
    source_ip: str = "127.0.0.1",
    query: str = "",
) -> dict[str, Any]:
    """A Lambda Function URL (payload 2.0) event: lower-cased headers, base64 body as Slack's arrive; a GET
    without a body has none, as Lambda sends it."""
    now = time.time()
    encoded = body.encode("utf-8")
    lowered = {name.lower(): value for name, value in headers.items()}
    lowered.setdefault("content-length", str(len(encoded)))
    lowered.setdefault("host", "local.lambda-url.localhost")
    user_agent = lowered.get("user-agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": lowered["host"],
            "domainPrefix": lowered["host"].split(".", 1)[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": user_agent,
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": base64.b64encode(encoded).decode("ascii"),
        "isBase64Encoded": True,
    }
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in parse_qs(query).items()}
    if not body and method == "GET":
        del event["body"]
        event["isBase64Encoded"] = False
    return event


def sign_slack_request(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers: HMAC-SHA256 over `v0:<timestamp>:<raw body>`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    basestring = f"v0:{stamp}:{body}".encode()
    digest = hmac.new(secret.encode("utf-8"), basestring, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def slash_command_body(
    command: str,
    text: str,
    *,
    user_id: str = "U0LOCAL001",
    channel_id: str = "C0LOCAL001",
    response_url: str = "https://hooks.slack.com/commands/T0LOCAL/1/local",
    team_id: str = "T0LOCAL",
) -> str:
    """A slash command form body, fields in the order Slack sends them (spaces as `+`)."""
    fields = {
        "token": "local-verification-token",
        "team_id": team_id,
        "team_domain": "local",
        "channel_id": channel_id,
        "channel_name": "local",
        "user_id": user_id,
        "user_name": "local.user",
        "command": command,
        "text": text,
        "api_app_id": "A0LOCAL",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
    }
    return urlencode(fields)


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity form body: a single `payload` field holding URL-encoded JSON."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


@dataclass
class LambdaContext:
    """The parts of the Lambda context object that handlers, Powertools and Bolt read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    timeout_s: int = 30
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local/[$LATEST]local"
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_s - elapsed) * 1000))
