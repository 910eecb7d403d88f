"""One measured import in a fresh process: wall time, AWS calls by operation, peak RSS (and tracemalloc peak).

Run by bench.intake as `python -m bench.probe arrears|naive ...` with the moto server's endpoint in the env;
it writes its measurements as JSON to `--result`.
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

ARN = "arn:aws:lambda:us-east-1:123456789012:function:arrears-intake"
LONG_TIMEOUT_S = 24 * 3600  # the bench measures one uninterrupted pass, not continuations
WRITES = frozenset({"PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems", "DeleteItem"})


INDEXES = ("gsi1", "gsi2", "gsi3", "gsi4", "gsi5")
INDEX_WRITES: Counter[str] = Counter()  # index partition (`gsi1 WL#-#3`) -> items put into it


def _put_items(operation: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    if operation == "PutItem":
        return [params["Item"]]
    if operation == "BatchWriteItem":
        return [r["PutRequest"]["Item"] for rs in params["RequestItems"].values() for r in rs if "PutRequest" in r]
    if operation == "TransactWriteItems":
        return [t["Put"]["Item"] for t in params["TransactItems"] if "Put" in t]
    return []


def _tally_index_writes(operation: str, params: dict[str, Any]) -> None:
    for item in _put_items(operation, params):
        INDEX_WRITES.update(f"{name} {item[f'{name}pk']['S']}" for name in INDEXES if f"{name}pk" in item)


def busiest_partition(writes: Counter[str], unspread: bool = False) -> dict[str, Any]:
    """The index partition that took the most item writes and its share of all index writes; `unspread` counts
    the same writes as the keys were before the pool and creditor partitions were spread (`WL#-`, `CRED#<c>`)."""
    if unspread:
        joined: Counter[str] = Counter()
        for key, n in writes.items():
            joined[key.rsplit("#", 1)[0] if key.startswith(("gsi1 WL#-#", "gsi4 CRED#")) else key] += n
        writes = joined
    total = sum(writes.values())
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
        return original(self, operation_name, api_params)

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
    return parser.parse_args()


def _work(args: argparse.Namespace) -> Callable[[], Any]:
    """The import to measure, with its modules already imported (cold start is not part of the run)."""
    if args.impl == "naive":
        from bench.baseline import naive_import

        return lambda: naive_import(args.bucket, args.key, args.table, args.creditor, args.version_id)
    from functions.intake import handler
    from local.events import LambdaContext, s3_put_event

    event = s3_put_event(args.bucket, args.key, size=args.size, etag=args.etag, version_id=args.version_id)
    context = LambdaContext("arrears-intake", ARN, timeout_s=LONG_TIMEOUT_S)
    return lambda: handler.lambda_handler(event, context)


def main() -> None:
    args = _arguments()
    calls = count_api_calls()
    work = _work(args)
    ready_rss = rss_mib()  # imports done, nothing read yet
    if args.tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    outcome = work()
    wall = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    result = {
        "outcome": outcome,
        "wall_s": wall,
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
