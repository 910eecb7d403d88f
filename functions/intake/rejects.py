"""The errors file of an import: rejected rows kept per chunk before each checkpoint, joined at the end."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable

from shared.domain.receivables import RejectedRow
from shared.ports import ObjectStore

INCOMING = "incoming/"


def _rest(key: str) -> str:
    return key.removeprefix(INCOMING)


def pieces_prefix(key: str) -> str:
    return f"rejected/{_rest(key)}.errors.d/"


def errors_key(key: str) -> str:
    return f"rejected/{_rest(key)}.errors.csv"


def rejects_csv(rejected: Iterable[RejectedRow], header: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(["line", "reason", "raw"])
    for row in rejected:
        writer.writerow([row.line, row.reason, row.raw])
    return out.getvalue().encode("utf-8")


def keep_rejects(key: str, rows: list[RejectedRow], store: ObjectStore) -> None:
    """Rejected rows of one chunk, stored before its checkpoint so that no retry can lose them."""
    if rows:
        store.put(f"{pieces_prefix(key)}{rows[0].line:012d}.csv", rejects_csv(rows, header=False), "text/csv")


def assemble_rejects(key: str, store: ObjectStore) -> str | None:
    """Join the chunk pieces, in line order, into one errors file; None when no row was rejected."""
    pieces = sorted(store.list_keys(pieces_prefix(key)))
    if not pieces:
        return None
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
        out.write(rejects_csv([], header=True))
        for piece in pieces:
            for line in store.iter_lines(piece):
                out.write(line)
        out.seek(0)
        store.put(errors_key(key), out, "text/csv")
    for piece in pieces:
        store.delete(piece)
    return errors_key(key)
