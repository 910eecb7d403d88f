"""Helpers shared by the receivables parser tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from shared.domain.receivables import ReceivableRow, ReceivablesParser, RejectedRow, load_mapping
from shared.domain.receivables.profiles import Profile

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "receivables"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_profile(name: str) -> Profile:
    path = FIXTURES / name
    return load_mapping(path.read_text(encoding="utf-8"), path.suffix.lstrip("."))


def parse_bytes(
    data: bytes, profile: Profile | str | None = None, start_line: int = 0, remember_all: bool = True
) -> tuple[list[ReceivableRow], list[RejectedRow], ReceivablesParser]:
    """Parse with file-wide repeat folding by default (what a preview shows, and what an import ends with)."""
    parser = ReceivablesParser(profile, remember_all=remember_all)
    results = list(parser.parse(data.splitlines(keepends=True), start_line=start_line))
    accepted, rejected = split_results(results)
    return accepted, rejected, parser


def split_results(
    results: Iterable[ReceivableRow | RejectedRow],
) -> tuple[list[ReceivableRow], list[RejectedRow]]:
    """(rows that owe something, rejected rows); rows that owe nothing (`settled`) are in neither."""
    results = list(results)
    accepted = [row for row in results if isinstance(row, ReceivableRow) and not row.settled]
    rejected = [row for row in results if isinstance(row, RejectedRow)]
    return accepted, rejected
