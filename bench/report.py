"""What every bench script does around its runs: a scratch directory, and the table kept under bench/out/."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

OUT = Path(__file__).resolve().parent / "out"
T = TypeVar("T")


def in_scratch(prefix: str, keep: bool, run: Callable[[Path], T]) -> T:
    """Run with a fresh scratch directory, removed afterwards unless `keep`."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return run(work)
    finally:
        if not keep:
            for path in work.iterdir():
                path.unlink()
            work.rmdir()


def save(name: str, runs: list[Any], table: str, machine: str) -> None:
    """Print the table and keep it, with the runs as JSON, in bench/out/ (git-ignored)."""
    print(f"\n{table}")
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps([asdict(run) for run in runs], indent=2, default=str))
    (OUT / f"{name}.txt").write_text(f"{machine}\n\n{table}\n")
    print(f"saved {OUT / name}.json and .txt (bench/out/ is git-ignored)")
