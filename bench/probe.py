"""One measured import in a fresh process: wall time, AWS calls by operation, peak RSS (and tracemalloc peak),
CPU seconds, DynamoDB write units, S3 bytes read, and the invocations it took under the function's timeout.

Run by bench.intake as `python -m bench.probe arrears|naive ...` with the moto server's endpoint in the env;
it writes its measurements as JSON to `--result`. The arrears import runs as Lambda runs it: each invocation gets
the template's 300 s, and a continuation it queues on the intake queue is taken off the queue and invoked next.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.client import BaseClient
from botocore.response import StreamingBody

ARN = "arn:aws:lambda:us-east-1:123456789012:function:arrears-intake"
TIMEOUT_S = 300  # the IntakeFunction's Timeout in infra/template.yaml
WRITES = frozenset({"PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems", "DeleteItem"})


INDEXES = ("gsi1", "gsi2", "gsi3", "gsi4", "gsi5")
INDEX_WRITES: Counter[str] = Counter()  # index partition (`gsi1 WL#-#3`) -> items put into it
WRITE_UNITS: Counter[str] = Counter()  # "plain" | "transactional" -> write capacity units the calls consume
S3_BYTES: Counter[str] = Counter()  # bytes read from S3 bodies: "file" (the imported object), "other" (pieces)


def _value_bytes(value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute value (its item-size rules: strings and binary by length, numbers about
    one byte per two digits, maps and lists 3 bytes plus their elements)."""
    (kind, inner), *_ = value.items()
    if kind in ("S", "B"):
        return len(inner.encode()) if isinstance(inner, str) else len(inner)
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "")) // 2 + 2
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_bytes(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + _value_bytes(v) for v in inner)
    return sum(len(str(v)) for v in inner)  # SS, NS, BS


def _units(item: dict[str, Any]) -> int:
    """Write units of putting `item`: one per started KB of its size."""
    size = sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())
    return max(1, -(-size // 1024))


def _tally_write_units(operation: str, params: dict[str, Any]) -> None:
    """Write units as DynamoDB bills them: a transaction's items cost twice; an update or delete of an item not
    sent in the request is counted as one unit (the import's records are small)."""
    if operation == "TransactWriteItems":
        for entry in params["TransactItems"]:
            WRITE_UNITS["transactional"] += 2 * (_units(entry["Put"]["Item"]) if "Put" in entry else 1)
    elif operation in ("PutItem", "BatchWriteItem"):
        WRITE_UNITS["plain"] += sum(_units(item) for item in _put_items(operation, params))
        if operation == "BatchWriteItem":  # its deletes
            WRITE_UNITS["plain"] += sum(1 for rs in params["RequestItems"].values() for r in rs if "DeleteRequest" in r)
    elif operation in ("UpdateItem", "DeleteItem"):
        WRITE_UNITS["plain"] += 1


def count_s3_bytes() -> None:
    """Count the bytes read from every S3 body (whole-object or ranged GETs): iter_lines, iter_chunks and a plain
    read all end in StreamingBody.read. A body of the imported file (under incoming/) counts as `file`, any other
    (the rejects and changes pieces joined at the end) as `other`; count_api_calls marks each body with its key."""
    original = StreamingBody.read

    def counted(self: StreamingBody, amt: int | None = None) -> bytes:
        data: bytes = original(self, amt)
        S3_BYTES["file" if getattr(self, "bench_key", "").startswith("incoming/") else "other"] += len(data)
        return data

    StreamingBody.read = counted  # type: ignore[method-assign]


def _put_items(operation: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    if operation == "PutItem":
        return [params["Item"]]
    if operation == "BatchWriteItem":
        return [r["PutRequest"]["Item"] for rs in params["RequestItems"].values() for r in rs if "PutRequest" in r]
    if operation == "TransactWriteItems":
        return [t["Put"]["Item"] for t in params["TransactItems"] if "Put" in t]
    return []


ONE_PER_ACCOUNT = ("gsi3 REF#",)  # partitions each account has its own of: counted in the total, not one by one
OWN_PARTITION_WRITES = [0]  # (kept one by one they would be the probe's own memory: ~100 MiB at 750k accounts)


def _tally_index_writes(operation: str, params: dict[str, Any]) -> None:
    for item in _put_items(operation, params):
        for key in (f"{name} {item[f'{name}pk']['S']}" for name in INDEXES if f"{name}pk" in item):
            if key.startswith(ONE_PER_ACCOUNT):
                OWN_PARTITION_WRITES[0] += 1
            else:
                INDEX_WRITES[key] += 1


def busiest_partition(writes: Counter[str], unspread: bool = False) -> dict[str, Any]:
    """The index partition that took the most item writes and its share of all index writes; `unspread` counts
    the same writes as the keys were before the pool and creditor partitions were spread (`WL#-`, `CRED#<c>`)."""
    if unspread:
        joined: Counter[str] = Counter()
        for key, n in writes.items():
            joined[key.rsplit("#", 1)[0] if key.startswith(("gsi1 WL#-#", "gsi4 CRED#")) else key] += n
        writes = joined
    total = sum(writes.values()) + OWN_PARTITION_WRITES[0]
    if not total:
        return {"partition": None, "share": 0.0, "writes": 0}
    (partition, n), *_ = top = writes.most_common(4)
    return {"partition": partition, "share": n / total, "writes": total, "top": top}


def count_api_calls() -> Counter[str]:
    """Count every botocore call of this process as `service:Operation`.

    boto3 clients and pynamodb's own botocore session both end in BaseClient._make_api_call
    (pynamodb calls it directly), so patching it once sees the handler's calls whatever made them.
    """
    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        calls[f"{self.meta.service_model.service_name}:{operation_name}"] += 1
        _tally_index_writes(operation_name, api_params)
        _tally_write_units(operation_name, api_params)
        response = original(self, operation_name, api_params)
        if operation_name == "GetObject" and isinstance(response.get("Body"), StreamingBody):
            response["Body"].bench_key = api_params.get("Key", "")
        return response

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    return calls


@contextmanager
def items_read() -> Iterator[list[int]]:
    """Items DynamoDB read per read call made inside the block, in order: ScannedCount of a Query or Scan, the
    item of a GetItem, the items of a BatchGetItem."""
    reads: list[int] = []
    original = BaseClient._make_api_call

    def counted(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        response = original(self, operation_name, api_params)
        if operation_name in ("Query", "Scan"):
            reads.append(int(response.get("ScannedCount", 0)))
        elif operation_name == "GetItem":
            reads.append(1 if "Item" in response else 0)
        elif operation_name == "BatchGetItem":
            reads.append(sum(len(items) for items in response.get("Responses", {}).values()))
        return response

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield reads
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def rss_mib() -> float:
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("impl", choices=("arrears", "naive"))
    for name in ("--bucket", "--key", "--version-id", "--etag", "--table", "--creditor"):
        parser.add_argument(name, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--timeout-s", type=int, default=TIMEOUT_S, help="each invocation's time (arrears)")
    return parser.parse_args()


def _work(args: argparse.Namespace) -> Callable[[], Any]:
    """The import to measure, with its modules already imported (cold start is not part of the run)."""
    if args.impl == "naive":
        from bench.baseline import naive_import

        return lambda: naive_import(args.bucket, args.key, args.table, args.creditor, args.version_id)
    from functions.intake import handler
    from local.events import s3_put_event

    event = s3_put_event(args.bucket, args.key, size=args.size, etag=args.etag, version_id=args.version_id)
    return lambda: _invocations(handler, event, args.timeout_s)


def _invocations(handler: Any, event: dict[str, Any], timeout_s: int) -> dict[str, Any]:
    """Invoke the handler with the S3 event, then with each continuation it queues, until one finishes; each
    invocation with `timeout_s` as Lambda gives it. Returns the last outcome and the invocations' count."""
    import os

    import boto3

    from local.events import LambdaContext, sqs_event

    queue = os.environ["INTAKE_QUEUE_URL"]
    sqs = boto3.client("sqs")
    invocations, outcome = 0, None
    while True:
        invocations += 1
        outcome = handler.lambda_handler(event, LambdaContext("arrears-intake", ARN, timeout_s=timeout_s))
        if "continued" not in json.dumps(outcome):
            return {"outcome": outcome, "invocations": invocations}
        received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, WaitTimeSeconds=1)
        messages = received.get("Messages", [])
        if not messages:
            return {"outcome": outcome, "invocations": invocations, "lost": "no continuation on the queue"}
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=messages[0]["ReceiptHandle"])
        event = sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:arrears-intake")


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    args = _arguments()
    calls = count_api_calls()
    count_s3_bytes()
    work = _work(args)
    ready_rss = rss_mib()  # imports done, nothing read yet
    if args.tracemalloc:
        tracemalloc.start()
    cpu, started = _cpu_s(), time.perf_counter()
    outcome = work()
    wall, cpu = time.perf_counter() - started, _cpu_s() - cpu
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    invocations, lost = 1, None
    if isinstance(outcome, dict) and "invocations" in outcome:
        invocations, lost, outcome = outcome["invocations"], outcome.get("lost"), outcome["outcome"]
    result = {
        "outcome": outcome,
        "wall_s": wall,
        "cpu_s": cpu,
        "invocations": invocations,
        "lost": lost,  # a continuation the import said it queued but the queue did not hold
        "write_units": dict(WRITE_UNITS),
        "s3_bytes": S3_BYTES["file"],
        "s3_other_bytes": S3_BYTES["other"],
        "calls": dict(calls),
        "ready_rss_mib": ready_rss,
        "peak_rss_mib": peak_rss_mib(),
        "tracemalloc_peak_mib": traced_peak,
        "busiest_partition": busiest_partition(INDEX_WRITES),
        "busiest_unspread": busiest_partition(INDEX_WRITES, unspread=True),
    }
    args.result.write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
