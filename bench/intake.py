"""Intake benchmark: the real handler against a moto server, beside a naive one-put-a-row import.

    python -m bench.intake [--rows 100000 1000000] [--quick] [--naive-cap 100000] [--tracemalloc]

For each size it writes a seeded receivables file to a temp dir, starts a fresh moto server in its own process,
uploads the file (multipart), and runs each import in a fresh child process (bench.probe) that reports wall
time, DynamoDB write calls and peak RSS. It only prints: no timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.probe import WRITES
from bench.receivables import Generated, write_receivables
from bench.report import in_scratch, save
from bench.stack import BOT_TOKEN_PARAM, MotoServer, clean_env
from local.slack_recorder import SlackRecorder
from tests.factories import BUCKET, TABLE

REPO = Path(__file__).resolve().parents[1]
CREDITOR = "acme"
FULL_ROWS = (100_000, 1_000_000)
QUICK_ROWS = (10_000, 50_000)
GOAL_WRITES_PER_1K = 41.0
GOAL_FLAT_PCT = 10.0
GOAL_PARTITION_SHARE = 1 / 8  # of an import's index writes, on any one index partition
GOAL_READ_PER_BYTE = 1.05  # bytes read from S3 per byte of the file


@dataclass
class Run:
    rows: int
    impl: str
    wall_s: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    peak_rss_mib: float = 0.0
    ready_rss_mib: float = 0.0
    tracemalloc_peak_mib: float | None = None
    outcome: Any = None
    counts: dict[str, Any] = field(default_factory=dict)
    slack_calls: int = 0
    skipped: str = ""
    busiest_partition: dict[str, Any] = field(default_factory=dict)
    busiest_unspread: dict[str, Any] = field(default_factory=dict)
    cpu_s: float = 0.0  # the import's process (moto is another process)
    invocations: int = 1  # under the function's 300 s, continuations included
    write_units: dict[str, int] = field(default_factory=dict)  # plain | transactional (already doubled)
    s3_bytes: int = 0  # read from S3 bodies of the file itself
    s3_other_bytes: int = 0  # and of anything else (the rejects and changes pieces joined at the end)
    file_bytes: int = 0
    lost: str | None = None  # a continuation the queue did not hold (the import never finished)

    @property
    def writes(self) -> int:
        return sum(n for name, n in self.calls.items() if name.split(":")[-1] in WRITES and "dynamodb" in name)

    @property
    def writes_per_1k(self) -> float:
        return self.writes * 1000 / self.rows

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall_s if self.wall_s else 0.0


def _handler_env(moto: MotoServer, slack: SlackRecorder, queues: dict[str, str]) -> dict[str, str]:
    """The function's environment as infra/template.yaml sets it, pointed at the local moto and Slack."""
    return {
        **clean_env(),
        **moto.env(),
        "PYTHONPATH": str(REPO),
        "TABLE_NAME": TABLE,
        "BUCKET_NAME": BUCKET,
        **queues,
        "SLACK_BOT_TOKEN_PARAM": BOT_TOKEN_PARAM,
        "SLACK_API_URL": slack.api_url,
        "OPS_CHANNEL": "C-OPS",
        "DEFAULT_CREDITOR": CREDITOR,
        "POWERTOOLS_SERVICE_NAME": "arrears-bench",
    }


def measure(impl: str, data: Generated, work: Path, tracemalloc: bool) -> Run:
    """One import of `data` by `impl` in a fresh child process against a fresh moto server."""
    run = Run(data.rows, impl)
    log = work / f"{impl}-{data.rows}.log"
    with SlackRecorder() as slack, MotoServer(work / "moto.log") as moto:
        queues = moto.create_resources()
        uploaded = moto.upload(data.path, f"incoming/generic/receivables-{data.rows}.csv")
        result_path = work / f"{impl}-{data.rows}.json"
        command = [
            sys.executable, "-m", "bench.probe", impl, "--bucket", BUCKET, "--key", uploaded.key,
            "--version-id", uploaded.version_id, "--etag", uploaded.etag, "--size", str(uploaded.size),
            "--table", TABLE, "--creditor", CREDITOR, "--result", str(result_path),
        ]  # fmt: skip
        if tracemalloc:
            command.append("--tracemalloc")
        with log.open("wb") as out:
            env = _handler_env(moto, slack, queues)
            subprocess.run(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, check=True)  # noqa: S603
        measured = json.loads(result_path.read_text())
        for name in ("wall_s", "calls", "peak_rss_mib", "ready_rss_mib", "tracemalloc_peak_mib", "outcome", "cpu_s",
                     "invocations", "write_units", "s3_bytes", "s3_other_bytes", "lost"):  # fmt: skip
            setattr(run, name, measured[name])
        run.file_bytes = uploaded.size
        run.busiest_partition, run.busiest_unspread = measured["busiest_partition"], measured["busiest_unspread"]
        if impl == "arrears":
            run.counts = moto.import_counts(uploaded.key, uploaded.version_id)
        run.slack_calls = len(slack.calls)
    return run


def _fmt_row(cells: list[str]) -> str:
    widths = (10, 8, 9, 9, 15, 13, 13)
    return "  ".join(
        cell.rjust(width) if i else cell.ljust(width) for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
    )


def _run_cells(run: Run) -> list[str]:
    if run.skipped:
        return [f"{run.rows:,}", run.impl, "-", "-", "-", "-", "-"]
    tm = f" ({run.tracemalloc_peak_mib:.0f})" if run.tracemalloc_peak_mib is not None else ""
    return [
        f"{run.rows:,}", run.impl, f"{run.wall_s:.1f}", f"{run.rows_per_s:,.0f}", f"{run.writes_per_1k:.1f}",
        f"{run.peak_rss_mib:.0f}{tm}", f"{run.ready_rss_mib:.0f}",
    ]  # fmt: skip


def _ratio_cells(arrears: Run, naive: Run) -> list[str]:
    if naive.skipped:
        return ["", "ratio", "-", "-", "-", "-", ""]
    return [
        "", "ratio", "",
        f"{arrears.rows_per_s / naive.rows_per_s:.1f}x",
        f"{naive.writes_per_1k / arrears.writes_per_1k:.1f}x",
        f"{naive.peak_rss_mib / arrears.peak_rss_mib:.2f}x", "",
    ]  # fmt: skip


def render(runs: list[Run]) -> str:
    header = ["rows", "impl", "wall s", "rows/s", "writes/1k rows", "peak RSS MiB", "RSS ready MiB"]
    lines = [_fmt_row(header), _fmt_row(["-" * 10, "-" * 8, "-" * 9, "-" * 9, "-" * 15, "-" * 13, "-" * 13])]
    sizes = sorted({run.rows for run in runs})
    for rows in sizes:
        pair = {run.impl: run for run in runs if run.rows == rows}
        for impl in ("arrears", "naive"):
            if impl in pair:
                lines.append(_fmt_row(_run_cells(pair[impl])))
        if len(pair) == 2:
            lines.append(_fmt_row(_ratio_cells(pair["arrears"], pair["naive"])))
    lines.append("ratio: rows/s arrears ÷ naive; write calls and peak RSS naive ÷ arrears (higher = arrears better)")
    lines += [f"naive at {run.rows:,} rows: {run.skipped}" for run in runs if run.skipped]
    lines += ["", *_work_table(runs)]
    lines += _verdicts([run for run in runs if run.impl == "arrears"])
    return "\n".join(lines)


def _work_table(runs: list[Run]) -> list[str]:
    """What carries over to Lambda: invocations under 300 s, CPU of the import's process, write units, bytes read."""
    widths = (10, 8, 13, 8, 8, 8, 9, 11)

    def row(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    lines = [row(["rows", "impl", "invocations", "CPU s", "WU/1k", "of it tx", "read/file", "pieces/file"]),
             row(["-" * w for w in widths])]  # fmt: skip
    for run in sorted((r for r in runs if not r.skipped), key=lambda r: (r.rows, r.impl)):
        per_1k = {kind: units * 1000 / run.rows for kind, units in run.write_units.items()}
        lines.append(row([
            f"{run.rows:,}", run.impl, f"{run.invocations}" if run.impl == "arrears" else "1 (no resume)",
            f"{run.cpu_s:.1f}", f"{sum(per_1k.values()):,.0f}", f"{per_1k.get('transactional', 0):,.0f}",
            f"{run.s3_bytes / run.file_bytes:.2f}" if run.file_bytes else "-",
            f"{run.s3_other_bytes / run.file_bytes:.2f}" if run.file_bytes else "-",
        ]))  # fmt: skip
    lines += [
        "invocations: each with the template's 300 s, on moto (slower than AWS, so more than AWS would need);",
        "CPU s: the import's process over all of them; WU/1k: DynamoDB write units per 1,000 rows, a transaction's",
        "items counted twice (`of it tx`); read/file: bytes of the file read from S3 ÷ its size; pieces/file: bytes",
        "of the rejects and changes pieces read back to join them ÷ the file's size",
    ]
    return lines


def _verdicts(arrears: list[Run]) -> list[str]:
    if not arrears:
        return []
    worst = max(run.writes_per_1k for run in arrears)
    lines = [f"write calls: at most {worst:.1f} per 1,000 rows (goal ≤ {GOAL_WRITES_PER_1K:.0f}): "
             f"{'PASS' if worst <= GOAL_WRITES_PER_1K else 'FAIL'}"]  # fmt: skip
    small, large = min(arrears, key=lambda r: r.rows), max(arrears, key=lambda r: r.rows)
    if small is not large:
        growth = (large.peak_rss_mib / small.peak_rss_mib - 1) * 100
        verdict = "PASS" if growth <= GOAL_FLAT_PCT else "FAIL"
        lines.append(
            f"memory flatness: arrears peak RSS {large.peak_rss_mib:.0f} MiB at {large.rows:,} rows vs "
            f"{small.peak_rss_mib:.0f} MiB at {small.rows:,}: {growth:+.1f}% "
            f"(goal within {GOAL_FLAT_PCT:.0f}%): {verdict}"
        )
    for run in arrears:
        spread, unspread = run.busiest_partition, run.busiest_unspread
        if spread:
            verdict = "PASS" if spread["share"] <= GOAL_PARTITION_SHARE else "FAIL"
            lines.append(
                f"busiest index partition at {run.rows:,} rows: `{spread['partition']}` {spread['share']:.1%} of "
                f"{spread['writes']:,} index writes (goal ≤ {GOAL_PARTITION_SHARE:.1%}): {verdict}; the same writes "
                f"unspread: `{unspread['partition']}` {unspread['share']:.1%}"
            )
    for run in arrears:
        if run.file_bytes:
            read = run.s3_bytes / run.file_bytes
            lines.append(f"bytes read from S3 at {run.rows:,} rows: {read:.2f} per byte of the file over "
                         f"{run.invocations} invocations (goal ≤ {GOAL_READ_PER_BYTE}): "
                         f"{'PASS' if read <= GOAL_READ_PER_BYTE else 'FAIL'}")  # fmt: skip
    for run in arrears:
        dynamo = {k.split(":")[1]: v for k, v in sorted(run.calls.items()) if k.startswith("dynamodb:")}
        lines.append(f"arrears {run.rows:,} rows, DynamoDB calls: {dynamo}; Slack calls: {run.slack_calls}")
    return lines


def _check(run: Run, data: Generated) -> str:
    """The import must have taken every row the generator meant to be good (a fast wrong import is no result)."""
    counts = run.counts
    expected = (data.accepted, data.rejected, data.duplicates)
    got = (counts.get("accepted"), counts.get("rejected"), counts.get("duplicates"))
    imported = list(dict(run.outcome or {}).get("results", {}).values()) == ["imported"] and not run.lost
    status = "ok" if imported and got == expected else "MISMATCH"
    return f"check: outcome {run.outcome}, accepted/rejected/duplicates {got}, expected {expected}: {status}"


def _machine() -> str:
    return (
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, moto {version('moto')}, "
        f"botocore {version('botocore')}, pynamodb {version('pynamodb')}, {platform.platform()}"
    )


def bench(sizes: list[int], naive_cap: int, work: Path, tracemalloc: bool) -> list[Run]:
    runs: list[Run] = []
    for rows in sizes:
        started = time.monotonic()
        data = write_receivables(work / f"receivables-{rows}.csv", rows)
        print(f"{rows:,} rows: {data.size_bytes / 2**20:.1f} MiB, {data.accounts:,} accounts, "
              f"{data.rejected} bad rows, {data.duplicates} repeated rows", flush=True)  # fmt: skip
        arrears = measure("arrears", data, work, tracemalloc)
        runs.append(arrears)
        print(f"  arrears: {arrears.wall_s:.1f}s; {_check(arrears, data)}", flush=True)
        if rows <= naive_cap:
            naive = measure("naive", data, work, tracemalloc)
            print(f"  naive:   {naive.wall_s:.1f}s, {naive.outcome} rows written", flush=True)
        else:
            naive = Run(rows, "naive", skipped=f"not run: capped at --naive-cap {naive_cap:,} rows (one PutItem a "
                        "row against moto would take too long); see the smaller size for its ratios")  # fmt: skip
        runs.append(naive)
        data.path.unlink()
        print(f"  {rows:,} rows done in {time.monotonic() - started:.0f}s", flush=True)
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Intake benchmark against a moto server (prints only).")
    parser.add_argument("--rows", type=int, nargs="+", help=f"file sizes (default {FULL_ROWS})")
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_ROWS}: a fast check")
    parser.add_argument("--naive-cap", type=int, default=100_000, help="largest file the naive import runs on")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, per-run JSON)")
    parser.add_argument("--render", type=Path, help="only print the table of a saved bench/out/intake.json")
    args = parser.parse_args(argv)
    if args.render:
        print(render([Run(**saved) for saved in json.loads(args.render.read_text())]))
        return
    sizes = sorted(args.rows or (QUICK_ROWS if args.quick else FULL_ROWS))
    print(_machine(), flush=True)
    runs = in_scratch("arrears-bench-", args.keep, lambda work: bench(sizes, args.naive_cap, work, args.tracemalloc))
    save("intake-quick" if args.quick else "intake", runs, render(runs), _machine())


if __name__ == "__main__":
    main()
