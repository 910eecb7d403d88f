"""Physical text lines to CSV records, allowing quoted fields that span lines but never unbounded ones."""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from shared.domain.receivables.bounds import MAX_LINE_CHARS

MAX_RECORD_LINES = 100
_KEPT = 1_000  # characters of an over-long line kept in its rejection
_NEVER_CLOSED = (
    f"a quoted field opened on this line is never closed (within {MAX_RECORD_LINES} lines and "
    f"{MAX_LINE_CHARS:,} characters)"
)
_LONG_LINE = f"line is longer than the bound of {MAX_LINE_CHARS:,} characters: its cells were not read"


@dataclass(frozen=True)
class Record:
    """One CSV record: its first physical line, its text and its cells (`broken`: not split, for `reason`)."""

    line: int
    raw: str
    cells: list[str]
    broken: bool = False
    reason: str = _NEVER_CLOSED


def scan_quotes(text: str, delimiter: str, inside: bool) -> tuple[bool, bool]:
    """(a quoted field is open at the end of `text`, a closing quote was followed by stray text).

    As csv: a quote opens a field only at its start, and `""` inside quotes is a literal quote.
    """
    field_start, just_closed, stray = not inside, False, False
    for char in text:
        if inside:
            if char == '"':
                inside, just_closed = False, True
            continue
        if char == '"' and (field_start or just_closed):
            inside = True
        stray = stray or (just_closed and char != delimiter)
        field_start, just_closed = char == delimiter, False
    return inside, stray


def iter_records(lines: Iterator[tuple[int, str]], delimiter: str) -> Iterator[Record]:
    """Join lines while a quoted field is open.

    A quote left open for MAX_RECORD_LINES lines, past MAX_LINE_CHARS characters or to the end of the file, or a
    multi-line field whose closing quote is followed by stray text (a stray quote swallowed the next row), yields a
    broken record for its first line only; the lines after it are read again as records. A line longer than
    MAX_LINE_CHARS is a broken record of its own, its cells never split.
    """
    pending: deque[tuple[int, str]] = deque()
    while True:
        first = pending.popleft() if pending else next(lines, None)
        if first is None:
            return
        if len(first[1]) > MAX_LINE_CHARS:
            yield Record(first[0], clip(first[1]), [], broken=True, reason=_LONG_LINE)
            continue
        parts, inside, stray = _gather(first, pending, lines, delimiter)
        if inside or (stray and len(parts) > 1):
            pending.extendleft(reversed(parts[1:]))
            yield Record(first[0], first[1], [], broken=True)
            continue
        yield _split(first[0], "\n".join(part for _, part in parts), delimiter)


def _gather(
    first: tuple[int, str], pending: deque[tuple[int, str]], lines: Iterator[tuple[int, str]], delimiter: str
) -> tuple[list[tuple[int, str]], bool, bool]:
    """The lines of one record from `first` on; (lines, a quote is still open, stray text after a closing quote)."""
    parts, size = [first], len(first[1])
    inside, stray = scan_quotes(first[1], delimiter, False)
    while inside and len(parts) < MAX_RECORD_LINES:
        following = pending.popleft() if pending else next(lines, None)
        if following is None:
            break
        size += len(following[1]) + 1
        if size > MAX_LINE_CHARS:
            pending.appendleft(following)
            break
        parts.append(following)
        inside, more_stray = scan_quotes(following[1], delimiter, True)
        stray = stray or more_stray
    return parts, inside, stray


def _split(line: int, text: str, delimiter: str) -> Record:
    try:
        return Record(line, text, next(csv.reader([text], delimiter=delimiter), []))
    except csv.Error as exc:
        return Record(line, clip(text), [], broken=True, reason=f"the row is not valid CSV ({exc})")


def clip(text: str) -> str:
    """The start of an over-long line, as the errors file keeps it (the whole line is neither stored nor read)."""
    return text if len(text) <= _KEPT else f"{text[:_KEPT]}… [{len(text) - _KEPT:,} more characters not kept]"
