"""Physical text lines to CSV records, allowing quoted fields that span lines but never unbounded ones."""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

MAX_RECORD_LINES = 100


@dataclass(frozen=True)
class Record:
    """One CSV record: its first physical line, its text and its cells (`broken`: quote never closed)."""

    line: int
    raw: str
    cells: list[str]
    broken: bool = False


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

    A quote left open for MAX_RECORD_LINES or to the end of the file, or a multi-line field whose closing
    quote is followed by stray text (a stray quote swallowed the next row), yields a broken record for its
    first line only; the lines after it are read again as records.
    """
    pending: deque[tuple[int, str]] = deque()
    while True:
        first = pending.popleft() if pending else next(lines, None)
        if first is None:
            return
        parts = [first]
        inside, stray = scan_quotes(first[1], delimiter, False)
        while inside and len(parts) < MAX_RECORD_LINES:
            following = pending.popleft() if pending else next(lines, None)
            if following is None:
                break
            parts.append(following)
            inside, more_stray = scan_quotes(following[1], delimiter, True)
            stray = stray or more_stray
        if inside or (stray and len(parts) > 1):
            pending.extendleft(reversed(parts[1:]))
            yield Record(first[0], first[1], [], broken=True)
            continue
        text = "\n".join(part for _, part in parts)
        yield Record(first[0], text, next(csv.reader([text], delimiter=delimiter), []))
