"""A big file read in order beside the same file in parallel parts: the real handler, a moto server of its own.

    python -m bench.intake_parts [--rows 20000] [--workers 1 4 8 16]

One process plays Lambda: it imports a seeded receivables file once in order (the sequential import, its
continuations included) and once in parts (the reader's invocations, then every part as the parts queue delivers
it, then the join). CPU seconds are this process's (moto runs in another), calls are counted per stage. Parts run
one after another here, so the wall time with W workers is an estimate from what was measured: each stage's CPU
at the 1,024 MB share of a vCPU Lambda gives the intake function, plus 8 ms an AWS call. It only prints.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.intake import _handler_env
from bench.probe import S3_BYTES, count_api_calls, count_s3_bytes
from bench.receivables import write_receivables
from bench.stack import MotoServer
from local.slack_recorder import SlackRecorder
from tests.factories import BUCKET

SHARE = 1024 / 1769  # Lambda's CPU at 1,024 MB: one vCPU at 1,769 MB, proportionally less below
CALL_S = 0.008  # an AWS call's round trip in the estimate (the reminders bench's DynamoDB figure)
TIMEOUT_S = 300


@dataclass
class Stage:
    cpu_s: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    invocations: int = 0

    @property
    def aws_s(self) -> float:
        """The estimated time of this stage on Lambda, one invocation after another."""
        return self.cpu_s / SHARE + sum(self.calls.values()) * CALL_S


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Lambda:
    """The intake handler in this process, each invocation timed and its calls counted into a stage."""

    def __init__(self, calls: Counter[str]) -> None:
        """A cold start: the handler imported afresh, nothing cached against an earlier moto server."""
        from local.runner import forget_modules, forget_process_caches

        forget_modules(["functions.intake.handler.lambda_handler"])
        forget_process_caches()
        from functions.intake import handler

        self.handler, self.calls = handler, calls

    def invoke(self, event: dict[str, Any], stage: Stage) -> dict[str, Any]:
        from local.events import LambdaContext

        before, cpu = Counter(self.calls), _cpu()
        context = LambdaContext(
            "arrears-intake", "arn:aws:lambda:us-east-1:123456789012:function:x", timeout_s=TIMEOUT_S
        )
        outcome: dict[str, Any] = self.handler.lambda_handler(event, context)
        stage.cpu_s += _cpu() - cpu
        stage.calls += self.calls - before
        stage.invocations += 1
        return outcome

    def drain(self, moto: MotoServer, queue_url: str, stage: Stage) -> list[Any]:
        """Every message on a queue, one invocation each (and those they queue), as Lambda's poller delivers."""
        from local.events import sqs_event

        sqs, outcomes = moto.client("sqs"), []
        arn = f"arn:aws:sqs:us-east-1:123456789012:{queue_url.rsplit('/', 1)[1]}"
        while got := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1).get("Messages"):
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=got[0]["ReceiptHandle"])
            outcome = self.invoke(sqs_event(got, arn), stage)
            outcomes += [*outcome.get("results", {}).values(), *outcome.get("parts", [])]
        return outcomes


def _import(fn: Lambda, moto: MotoServer, path: Path, key: str, queues: dict[str, str], parts: bool) -> dict[str, Any]:
    from local.events import s3_put_event

    uploaded = moto.upload(path, key)
    fn.handler.settings = fn.handler.settings.model_copy(
        update={"intake_parts_queue_url": queues["INTAKE_PARTS_QUEUE_URL"] if parts else None}
    )
    read_before = S3_BYTES["file"]
    reader, workers, join = Stage(), Stage(), Stage()
    event = s3_put_event(BUCKET, key, size=uploaded.size, etag=uploaded.etag, version_id=uploaded.version_id)
    fn.invoke(event, reader)
    fn.drain(moto, queues["INTAKE_QUEUE_URL"], reader)  # the reader's continuations (or the whole import)
    if parts:
        fn.drain(moto, queues["INTAKE_PARTS_QUEUE_URL"], workers)
        fn.drain(moto, queues["INTAKE_QUEUE_URL"], join)  # the last part handed the import back
    counts = moto.import_counts(key, uploaded.version_id)
    return {"reader": reader, "workers": workers, "join": join, "counts": counts, "size": uploaded.size,
            "read": S3_BYTES["file"] - read_before}  # fmt: skip


def _table(rows: int, runs: dict[str, dict[str, Any]], workers: list[int]) -> str:
    seq, par = runs["in order"], runs["in parts"]
    per_1k = 1000 / rows
    lines = [
        f"{'impl':<10} {'rows':>8} {'accepted':>9} {'invocations':>11} {'CPU s':>7} {'calls/1k rows':>13} "
        f"{'S3 read/byte':>12}",
    ]
    for name, run in runs.items():
        stages = [run["reader"], run["workers"], run["join"]]
        calls = sum(sum(s.calls.values()) for s in stages)
        lines.append(
            f"{name:<10} {rows:>8,} {run['counts'].get('accepted', 0):>9,} {sum(s.invocations for s in stages):>11} "
            f"{sum(s.cpu_s for s in stages):>7.1f} {calls * per_1k:>13.1f} {run['read'] / run['size']:>12.2f}"
        )
    reader, parts, join = par["reader"], par["workers"], par["join"]
    lines.append(
        f"in parts: reader {reader.cpu_s:.1f} CPU s and {sum(reader.calls.values()) * per_1k:.1f} calls/1k rows; "
        f"{parts.invocations} parts, {parts.cpu_s:.1f} CPU s and {sum(parts.calls.values()) * per_1k:.1f} calls/1k "
        f"rows; join {join.cpu_s:.1f} CPU s"
    )
    sequential = sum(s.aws_s for s in (seq["reader"], seq["workers"], seq["join"]))
    lines.append(f"{'AWS est.':<10} {'workers':>8} {'wall s':>9} {'÷ in order':>11}")
    lines.append(f"{'in order':<10} {'-':>8} {sequential:>9.1f} {1.0:>11.2f}")
    per_part = parts.aws_s / max(parts.invocations, 1)
    for w in workers:
        wall = max(reader.aws_s, parts.aws_s / w) + per_part + join.aws_s
        lines.append(f"{'in parts':<10} {w:>8} {wall:>9.1f} {wall / sequential:>11.2f}")
    top = ", ".join(f"{op} {n * per_1k:.1f}" for op, n in (reader.calls + parts.calls + join.calls).most_common(8))
    lines.append(f"calls/1k rows in parts by operation: {top}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="A big import in order and in parallel parts (prints only).")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4, 8, 16])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arrears-parts-") as scratch:
        work = Path(scratch)
        data = write_receivables(work / "ar.csv", args.rows)
        calls = count_api_calls()
        count_s3_bytes()
        runs = {}
        # Each way on a moto server of its own: neither sees the other's accounts (at 1M rows, several GB each)
        for name, parts in (("in order", False), ("in parts", True)):
            with SlackRecorder() as slack, MotoServer(work / f"moto-{parts}.log") as moto:
                queues = moto.create_resources()
                queues["INTAKE_PARTS_QUEUE_URL"] = moto.client("sqs").create_queue(QueueName="parts")["QueueUrl"]
                os.environ.update(_handler_env(moto, slack, queues) | {"PARALLEL_IMPORT_BYTES": "1"})
                runs[name] = _import(Lambda(calls), moto, data.path, "incoming/generic/acme/ar.csv", queues, parts)
            stages = [runs[name][stage] for stage in ("reader", "workers", "join")]
            print(f"{name}: {sum(s.invocations for s in stages)} invocations, "
                  f"{sum(s.cpu_s for s in stages):.1f} CPU s", flush=True)  # fmt: skip
    print(f"{data.rows:,} rows ({data.size_bytes / 2**20:.1f} MiB), {data.accounts:,} accounts, "
          f"{data.accepted:,} acceptable")  # fmt: skip
    print(_table(data.rows, runs, args.workers))


if __name__ == "__main__":
    main()
