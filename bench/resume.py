"""Continuations of a long import: reading on from the checkpoint's byte offset beside re-reading from the top.

    python -m bench.resume [--rows 100000] [--parts 10]

A seeded generic receivables file (bench.receivables) is parsed as an import that stops `--parts` times: each
invocation takes its share of rows and checkpoints. `offset` is the shipped way (the head's bytes again for the
header, then a read from the checkpoint's byte, as `functions/intake/logic.py` does with a ranged GET); `top` is
the way it replaced (every continuation reads the file from line 1 and skips the rows before its checkpoint).
Bytes read count the lines the parser takes from each read.
Both must yield the same rows. Printed: bytes read per byte of file, physical lines parsed, CPU seconds. Nothing is
asserted on time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from bench.receivables import write_receivables
from bench.report import in_scratch, save
from shared.domain.receivables import ReceivablesParser
from shared.domain.receivables.bounds import READ_LINE_BYTES
from shared.domain.receivables.decoding import ByteLines, split_chunks
from shared.domain.receivables.parser import SAMPLE_LINES

CHUNK = 1024 * 1024


@dataclass
class Run:
    impl: str
    rows: int
    parts: int
    file_bytes: int
    bytes_read: int
    rows_yielded: int
    cpu_s: float


def _reader(path: Path, counter: list[int], start: int = 0, end: int | None = None) -> Iterator[bytes]:
    with path.open("rb") as file:
        file.seek(start)
        left = None if end is None else end - start

        def chunks() -> Iterator[bytes]:
            nonlocal left
            while left is None or left > 0:
                data = file.read(CHUNK if left is None else min(CHUNK, left))
                if not data:
                    return
                left = None if left is None else left - len(data)
                yield data

        for line in split_chunks(chunks(), READ_LINE_BYTES):
            counter[0] += len(line)  # what the parser takes (a GET streams; what is not taken is not transferred)
            yield line


def run(impl: str, path: Path, rows: int, parts: int) -> Run:
    counter = [0]
    per_part = -(-rows // parts)
    yielded, checkpoint, resume = 0, 0, None
    started = time.process_time()
    while True:
        parser = ReceivablesParser("generic")
        if impl == "offset":
            end = resume.head_bytes if resume else None
            head = ByteLines(
                lambda _, end=end: _reader(path, counter, 0, end), limit=READ_LINE_BYTES, remember=SAMPLE_LINES + 1
            )
            rest = ByteLines(lambda at: _reader(path, counter, at), resume.byte, resume.line) if resume else head
            results = parser.parse(head, start_line=checkpoint, resume=resume, rest=rest)
        else:
            head = rest = ByteLines(lambda _: _reader(path, counter))
            results = parser.parse(head, start_line=checkpoint)
        taken = list(islice(results, per_part))
        if not taken:
            break
        yielded += len(taken)
        checkpoint = taken[-1].line
        if impl == "offset":
            lines = rest if parser.resumed else head
            head_bytes = resume.head_bytes if parser.resumed and resume else head.remembered
            resume = parser.resume_point(lines.start_of, head_bytes) or resume
    cpu = time.process_time() - started
    return Run(impl, rows, parts, path.stat().st_size, counter[0], yielded, round(cpu, 2))


def render(runs: list[Run]) -> str:
    lines = [f"{'rows':>9} {'parts':>5}  {'impl':<7} {'read/file':>9} {'rows out':>9} {'CPU s':>7} {'CPU ratio':>9}"]
    for size in sorted({(r.rows, r.parts) for r in runs}):
        group = [r for r in runs if (r.rows, r.parts) == size]
        top = next(r for r in group if r.impl == "top")
        for r in group:
            lines.append(
                f"{r.rows:>9,} {r.parts:>5}  {r.impl:<7} {r.bytes_read / r.file_bytes:>9.2f} {r.rows_yielded:>9,} "
                f"{r.cpu_s:>7.2f} {r.cpu_s / top.cpu_s if top.cpu_s else 0:>9.2f}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--parts", type=int, default=10)
    args = parser.parse_args()

    def measure(work: Path) -> list[Run]:
        runs = []
        for rows in args.rows:
            path = work / f"ar-{rows}.csv"
            write_receivables(path, rows)
            pair = [run(impl, path, rows, args.parts) for impl in ("offset", "top")]
            assert pair[0].rows_yielded == pair[1].rows_yielded, "both ways must yield the same rows"
            runs += pair
        return runs

    runs = in_scratch("arrears-resume-", False, measure)
    save("resume", runs, render(runs), f"{args.parts} continuations per file")


if __name__ == "__main__":
    main()
