"""Helpers shared by test modules (not fixtures): e.g. running code under another machine time zone."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def machine_zone(name: str) -> Iterator[None]:
    """Run the block with the process's local time zone set to `name` (TZ + tzset), then restore it."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()


def http_post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    """POST over real HTTP to a local server; an HTTP error status is returned, not raised."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def moto_without_transaction_backup() -> Iterator[None]:
    """moto's TransactWriteItems without its whole-table backup (a `copy.deepcopy` per item of the transaction).

    That backup makes a transaction cost time in proportion to the whole table, which DynamoDB does not. Only for
    runs where no transaction is cancelled (nothing to roll back): bulk creation of new accounts.
    """
    import moto.dynamodb.models as models

    class _NoCopy:
        @staticmethod
        def deepcopy(value: object, memo: object = None) -> object:
            return value

    original = models.copy
    models.copy = _NoCopy  # type: ignore[assignment]
    try:
        yield
    finally:
        models.copy = original


@contextmanager
def moto_with_partition_queries() -> Iterator[None]:
    """moto's Query of a table or a local secondary index reading only its partition.

    moto answers every Query by sorting every item of the table and filtering them (`Table.all_items`), so a
    query costs time in proportion to the whole table, which DynamoDB's does not: a reminder run's per-account
    queries (its contacts, its attempt) would make a bench of 100,000 accounts take hours. Here a query whose
    partition is the table's hash key (the table itself, or an LSI) sorts only that partition's items; what it
    answers is unchanged. Queries of a global secondary index still read the whole table (a run makes a few: the
    due index, by shard and page).
    """
    import threading

    from moto.dynamodb.models.table import Table

    original, every_item = Table.query, Table.all_items
    asked = threading.local()  # the partition this thread's query reads (threads share the tables)

    def all_items(self: Table) -> Any:
        items = getattr(asked, "items", None)
        return items if items is not None and getattr(asked, "table", None) is self else every_item(self)

    def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        local = {index.name for index in self.indexes}
        if index_name is not None and index_name not in local:
            return original(self, hash_key, *args, **kwargs)
        value = hash_key
        for name, expected in kwargs.get("hash_key_conditions") or ():
            if name == self.hash_key_attr:
                value = expected
        partition = self.items.get(value, {}) if value is not None else {}
        asked.table = self
        asked.items = sorted(partition.values(), key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            asked.items = None

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.query, Table.all_items = original, every_item  # type: ignore[method-assign]


NOTIFY_ARN = "arn:aws:lambda:us-east-1:123456789012:function:arrears-notify"


def deliver_notices() -> int:
    """Run the notify function over every queued Slack notice, as Lambda's SQS poller would; returns how many
    were handed back (rate-limited or Slack down), which stay in the queue."""
    import importlib
    import sys

    import boto3

    from local.events import LambdaContext, sqs_event

    sqs, url = boto3.client("sqs"), os.environ["NOTIFY_QUEUE_URL"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sys.modules.pop("functions.notify.handler", None)
    handler = importlib.import_module("functions.notify.handler")
    while received := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    ):
        result = handler.lambda_handler(sqs_event(received, arn), LambdaContext("arrears-notify", NOTIFY_ARN))
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        done = [m for m in received if m["MessageId"] not in failed]
        for message in done:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if failed:
            return len(failed)
    return 0


def moto_s3_urls_once() -> None:
    """moto's S3 backend re-imports its URL module on every request (twice), so that env variables set between
    requests can change S3's endpoints; no test here changes them. Importing it once makes each S3 request cheaper
    by some milliseconds, which the 1,000-file fuzz run and the fault suites pay thousands of times."""
    import moto.s3.models
    import moto.s3.urls

    moto.s3.models.S3Backend._url_module = property(lambda self: moto.s3.urls)  # type: ignore[method-assign,assignment]


class ParametersExtension:
    """A stand-in for AWS's Parameters and Secrets Lambda Extension on localhost: its documented GET answered from
    an SSM client (moto's), 400 for a request without the sandbox's token or for an unknown parameter. `requests`
    holds each request's path and token header."""

    def __init__(self, ssm: Any, token: str, port: int = 0) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlsplit

        from shared.adapters.secrets import TOKEN_HEADER

        self.requests: list[tuple[str, str | None]] = []
        outer = self

        class Answer(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                given = self.headers.get(TOKEN_HEADER)
                outer.requests.append((self.path, given))
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                status, body = 400, {"message": "bad request"}
                if given == token and url.path == "/systemsmanager/parameters/get" and "name" in query:
                    decrypt = query.get("withDecryption") == ["true"]
                    try:
                        found = ssm.get_parameter(Name=query["name"][0], WithDecryption=decrypt)["Parameter"]
                    except ssm.exceptions.ParameterNotFound:
                        found = None
                    if found is not None:
                        found["LastModifiedDate"] = str(found.get("LastModifiedDate"))
                        status, body = 200, {"Parameter": found}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("localhost", port), Answer)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def parameters_extension(ssm: Any, token: str, port: int = 0) -> Iterator[ParametersExtension]:
    extension = ParametersExtension(ssm, token, port)
    try:
        yield extension
    finally:
        extension.close()
