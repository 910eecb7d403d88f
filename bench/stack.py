"""A moto server in its own process with the production table, the inbox bucket, the bot token and the queue."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.error import URLError

import boto3
from boto3.s3.transfer import TransferConfig

from tests.factories import BUCKET, TABLE, table_kwargs

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # moto's fake ones
BOT_TOKEN_PARAM = "/arrears/slack/bot-token"  # noqa: S105 - a parameter name, not a secret
QUEUE = "arrears-intake"
# Multipart in 8 MiB parts, streamed from the file: the parent never holds the file either.
UPLOAD = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)


@dataclass(frozen=True)
class Uploaded:
    key: str
    version_id: str
    etag: str
    size: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MotoServer:
    """`python -m moto.server` on 127.0.0.1 in a child process, so its storage is not counted as ours."""

    def __init__(self, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> MotoServer:
        command = [sys.executable, "-m", "bench.moto_server", "-H", "127.0.0.1", "-p", str(self.port)]
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1):  # noqa: S310 - local server
                    return self
            except (URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"moto server did not start on port {self.port}; see {self.log}")

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def create_resources(self) -> dict[str, str]:
        """The table (from infra/template.yaml), a versioned bucket, the bot token, the intake queue and the
        notices' FIFO queue; returns the queues' URLs as the function's environment names them."""
        self.client("dynamodb").create_table(**table_kwargs(TABLE))
        s3 = self.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        self.client("ssm").put_parameter(Name=BOT_TOKEN_PARAM, Value="xoxb-bench", Type="SecureString")
        sqs = self.client("sqs")
        notify = sqs.create_queue(QueueName="arrears-notify.fifo", Attributes={"FifoQueue": "true"})
        return {
            "INTAKE_QUEUE_URL": str(sqs.create_queue(QueueName=QUEUE)["QueueUrl"]),
            "NOTIFY_QUEUE_URL": str(notify["QueueUrl"]),
        }

    def upload(self, path: Path, key: str) -> Uploaded:
        s3 = self.client("s3")
        s3.upload_file(str(path), BUCKET, key, Config=UPLOAD)
        head = s3.head_object(Bucket=BUCKET, Key=key)
        return Uploaded(key, str(head["VersionId"]), str(head["ETag"]), int(head["ContentLength"]))

    def import_counts(self, key: str, version_id: str) -> dict[str, Any]:
        """The counts the intake wrote on its import record (pk IMPORT#<bucket>/<key>, sk V#<version>)."""
        item = self.client("dynamodb").get_item(
            TableName=TABLE, Key={"pk": {"S": f"IMPORT#{BUCKET}/{key}"}, "sk": {"S": f"V#{version_id}"}}
        )
        report = item.get("Item", {}).get("report", {}).get("S")
        if not report:
            return {}
        return dict(json.loads(report).get("counts", {}))

    def env(self) -> dict[str, str]:
        """What a child process needs to reach this server with boto3, botocore and pynamodb."""
        return {"AWS_ENDPOINT_URL": self.url, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, **CREDENTIALS}


def clean_env() -> dict[str, str]:
    """The parent's environment without any real AWS profile or endpoint leaking into a child."""
    drop = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE")
    return {name: value for name, value in os.environ.items() if name not in drop}
