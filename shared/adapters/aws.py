"""Adapters of the ports onto AWS services (SES, SNS, S3, SQS) and SSM secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import IO, Any

import boto3
from aws_lambda_powertools.utilities import parameters
from botocore.exceptions import BotoCoreError, ClientError

from shared.domain.errors import UpstreamUnavailableError


@cache
def client(service: str) -> Any:
    """One boto3 client per service per process, created on first use (after mocks and env are set)."""
    return boto3.client(service)  # type: ignore[call-overload]


def secret(parameter_name: str) -> str:
    """A SecureString from SSM Parameter Store, decrypted and cached for five minutes."""
    value = parameters.get_parameter(parameter_name, decrypt=True, max_age=300)
    return str(value)


class SesMailer:
    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send_email(self, to: str, subject: str, body: str) -> str:
        try:
            sent = client("ses").send_email(
                Source=self.sender,
                Destination={"ToAddresses": [to]},
                Message={
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise UpstreamUnavailableError("SES did not accept the email") from exc
        return str(sent["MessageId"])


class SnsSms:
    def send_sms(self, to: str, body: str) -> str:
        try:
            sent = client("sns").publish(
                PhoneNumber=to,
                Message=body,
                MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
            )
        except (ClientError, BotoCoreError) as exc:
            raise UpstreamUnavailableError("SNS did not accept the text message") from exc
        return str(sent["MessageId"])


class S3Store:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def iter_lines(self, key: str, version_id: str | None = None) -> Iterator[bytes]:
        extra = {"VersionId": version_id} if version_id else {}
        body = client("s3").get_object(Bucket=self.bucket, Key=key, **extra)["Body"]
        yield from body.iter_lines(keepends=True)

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

    def send(self, body: dict[str, Any]) -> None:
        client("sqs").send_message(QueueUrl=self.url, MessageBody=json.dumps(body))
