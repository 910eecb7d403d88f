"""`arrears check` benchmark: the streaming check beside the old hold-every-row preview, on generated files.

    python bench/check.py [--rows 100000 1000000] [--mode human json] [--keep]

For each size it writes a seeded generic receivables file (bench.receivables, as the intake benchmark does), then
runs each way of checking it in a fresh child process (this module with --probe) that reports wall time and peak
RSS: `streaming` is `arrears check FILE` itself (local.cli.main), `baseline` the old way, `preview()` holding every
row and then one render of them all. Output goes to a sink that keeps only its last write. It only prints: no
timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.receivables import Generated, write_receivables
from bench.report import in_scratch, save

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROWS = (100_000,)  # 1,000,000 runs both ways in about six minutes here: ask for it with --rows
IMPLS = ("streaming", "baseline")
_HUMAN_COUNTS = re.compile(r"Rows read: \d+ \((\d+) accepted, (\d+) rejected\)\nDuplicates folded: (\d+)")


@dataclass
class Run:
    rows: int
    impl: str
    mode: str
    wall_s: float = 0.0
    peak_rss_mib: float = 0.0
    ready_rss_mib: float = 0.0
    exit_code: int | None = None
    counts: dict[str, int | None] = field(default_factory=dict)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall_s if self.wall_s else 0.0


class _LastWrite(io.TextIOBase):
    """A stdout that keeps only its last non-empty write (the summary: the rest is dropped as it comes)."""

    def __init__(self) -> None:
        super().__init__()
        self.last = ""

    def write(self, text: str) -> int:
        if text:
            self.last = text
        return len(text)


def _rss_mib() -> float:
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _streaming(path: Path, mode: str, sink: _LastWrite) -> tuple[int, dict[str, int | None]]:
    from local.cli import main

    with redirect_stdout(sink):
        code = main(["check", str(path), *(["--json"] if mode == "json" else [])])
    if mode == "json":
        summary = json.loads(sink.last)
        return code, {name: summary[name] for name in ("accepted", "rejected", "duplicates")}
    found = _HUMAN_COUNTS.search(sink.last)
    accepted, rejected, duplicates = (int(n) for n in found.groups()) if found else (None, None, None)
    return code, {"accepted": accepted, "rejected": rejected, "duplicates": duplicates}


def _baseline(path: Path, mode: str, sink: _LastWrite) -> tuple[int, dict[str, int | None]]:
    """What `arrears check` did before it streamed: every row held, then one JSON object or one text."""
    from shared.domain.receivables import preview, render_preview

    with path.open("rb") as lines:
        result = preview(lines, None)
    sink.write(json.dumps(result, ensure_ascii=False) if mode == "json" else render_preview(result))
    return 0, {"accepted": len(result["accepted"]), "rejected": len(result["rejected"]), "duplicates": None}


def probe(impl: str, mode: str, path: Path) -> dict[str, Any]:
    """One measured check in this (fresh) process; its modules are imported before the clock starts."""
    import local.cli  # noqa: F401
    import shared.domain.receivables.preview  # noqa: F401

    work = _streaming if impl == "streaming" else _baseline
    ready = _rss_mib()
    started = time.perf_counter()
    code, counts = work(path, mode, _LastWrite())
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"wall_s": wall, "peak_rss_mib": peak, "ready_rss_mib": ready, "exit_code": code, "counts": counts}


def measure(impl: str, mode: str, data: Generated, work: Path) -> Run:
    command = [sys.executable, "-m", "bench.check", "--probe", impl, mode, str(data.path)]
    with (work / f"{impl}-{mode}-{data.rows}.stderr").open("wb") as err:  # progress lines land here
        done = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, stderr=err, check=True)  # noqa: S603
    return Run(data.rows, impl, mode, **json.loads(done.stdout))


def _fmt_row(cells: list[str]) -> str:
    widths = (10, 10, 6, 8, 9, 13, 13)
    return "  ".join(
        cell.rjust(width) if i > 2 else cell.ljust(width)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
    )


def _run_cells(run: Run) -> list[str]:
    return [
        f"{run.rows:,}", run.impl, run.mode, f"{run.wall_s:.1f}", f"{run.rows_per_s:,.0f}",
        f"{run.peak_rss_mib:.0f}", f"{run.ready_rss_mib:.0f}",
    ]  # fmt: skip


def _ratio_cells(streaming: Run, baseline: Run) -> list[str]:
    speed = streaming.rows_per_s / baseline.rows_per_s
    return ["", "ratio", "", "", f"{speed:.2f}x", f"{baseline.peak_rss_mib / streaming.peak_rss_mib:.2f}x", ""]


def render(runs: list[Run]) -> str:
    header = ["rows", "impl", "mode", "wall s", "rows/s", "peak RSS MiB", "RSS ready MiB"]
    lines = [_fmt_row(header), _fmt_row(["-" * 10, "-" * 10, "-" * 6, "-" * 8, "-" * 9, "-" * 13, "-" * 13])]
    for rows, mode in sorted({(run.rows, run.mode) for run in runs}):
        pair = {run.impl: run for run in runs if (run.rows, run.mode) == (rows, mode)}
        lines += [_fmt_row(_run_cells(pair[impl])) for impl in IMPLS if impl in pair]
        if len(pair) == 2:
            lines.append(_fmt_row(_ratio_cells(pair["streaming"], pair["baseline"])))
    lines.append("ratio: rows/s streaming ÷ baseline; peak RSS baseline ÷ streaming (higher = streaming better)")
    return "\n".join(lines + _flatness([run for run in runs if run.impl == "streaming"]))


def _flatness(streaming: list[Run]) -> list[str]:
    lines = []
    for mode in sorted({run.mode for run in streaming}):
        runs = [run for run in streaming if run.mode == mode]
        small, large = min(runs, key=lambda r: r.rows), max(runs, key=lambda r: r.rows)
        if small is not large:
            growth = (large.peak_rss_mib / small.peak_rss_mib - 1) * 100
            lines.append(
                f"memory flatness ({mode}): streaming peak RSS {large.peak_rss_mib:.0f} MiB at {large.rows:,} rows "
                f"vs {small.peak_rss_mib:.0f} MiB at {small.rows:,}: {growth:+.1f}%"
            )
    return lines


def _verdict(run: Run, data: Generated) -> str:
    """A fast wrong check is no result: the counts must be the ones the generator wrote."""
    expected = {"accepted": data.accepted, "rejected": data.rejected, "duplicates": data.duplicates}
    wrong = {name: got for name, got in run.counts.items() if got is not None and got != expected[name]}
    # The baseline is the old check, which exited 0 whatever it found.
    exit_ok = run.exit_code == (1 if data.rejected and run.impl == "streaming" else 0)
    status = "ok" if not wrong and exit_ok else f"MISMATCH {wrong}, exit {run.exit_code}"
    return f"counts {run.counts}, exit {run.exit_code}: {status}"


def _machine() -> str:
    return f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"


def bench(sizes: list[int], modes: list[str], work: Path) -> list[Run]:
    runs: list[Run] = []
    for rows in sizes:
        data = write_receivables(work / f"receivables-{rows}.csv", rows)
        print(f"{rows:,} rows: {data.size_bytes / 2**20:.1f} MiB, {data.rejected} bad rows, "
              f"{data.duplicates} repeated rows", flush=True)  # fmt: skip
        for mode in modes:
            for impl in IMPLS:
                run = measure(impl, mode, data, work)
                runs.append(run)
                print(f"  {impl} {mode}: {run.wall_s:.1f}s; {_verdict(run, data)}", flush=True)
        data.path.unlink()
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="arrears check: streaming vs holding every row (prints only).")
    parser.add_argument("--rows", type=int, nargs="+", help=f"file sizes (default {DEFAULT_ROWS})")
    parser.add_argument("--mode", nargs="+", choices=("human", "json"), default=["human"], help="output forms")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (the children's stderr)")
    parser.add_argument("--probe", nargs=3, metavar=("IMPL", "MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        impl, mode, path = args.probe
        print(json.dumps(probe(impl, mode, Path(path))))
        return
    print(_machine(), flush=True)
    runs = in_scratch(
        "arrears-bench-check-", args.keep, lambda work: bench(sorted(args.rows or DEFAULT_ROWS), args.mode, work)
    )
    save("check", runs, render(runs), _machine())


if __name__ == "__main__":
    main()
