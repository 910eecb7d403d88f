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


def pieces_prefix(key: str, version: str = "") -> str:
    """Where one object version's pieces wait: a re-upload of the same name never mixes its rows into them."""
    return f"rejected/{_rest(key)}.errors.d/{version + '/' if version else ''}"


def errors_key(key: str) -> str:
    return f"rejected/{_rest(key)}.errors.csv"


def assembled_key(key: str, version: str = "") -> str:
    """Written once the errors file holds every piece: from then on only the pieces' deletion is left to do."""
    return f"rejected/{_rest(key)}.errors.assembled{'.' + version if version else ''}"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (`=cmd|' /C calc'!A0`, DDE) starts with a quote: text again."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def rejects_csv(rejected: Iterable[RejectedRow], header: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(["line", "reason", "raw"])
    for row in rejected:
        writer.writerow([row.line, neutralize(row.reason), neutralize(row.raw)])
    return out.getvalue().encode("utf-8")


def keep_rejects(key: str, rows: list[RejectedRow], store: ObjectStore, version: str = "") -> None:
    """Rejected rows of one chunk, stored before its checkpoint so that no retry can lose them."""
    if rows:
        piece = f"{pieces_prefix(key, version)}{rows[0].line:012d}.csv"
        store.put(piece, rejects_csv(rows, header=False), "text/csv")


def assemble_rejects(key: str, store: ObjectStore, version: str = "") -> str | None:
    """Join the chunk pieces, in line order, into one errors file; None when no row was rejected.

    The pieces are deleted only after the whole file and then its `assembled` marker are stored, and a rerun that
    finds the marker only finishes the deletion: a failure part-way never leaves the errors file rebuilt from
    the pieces that were left.
    """
    pieces = sorted(store.list_keys(pieces_prefix(key, version)))
    marker = store.read_text(assembled_key(key, version))
    if marker is None:
        if not pieces:
            return None
        _assemble(key, pieces, store)
        store.put(assembled_key(key, version), "\n".join(pieces).encode())
    for piece in pieces:
        store.delete(piece)
    store.delete(assembled_key(key, version))
    return errors_key(key)


def _assemble(key: str, pieces: list[str], store: ObjectStore) -> None:
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
        out.write(rejects_csv([], header=True))
        for piece in pieces:
            for line in store.iter_lines(piece):
                out.write(line)
        out.seek(0)
        store.put(errors_key(key), out, "text/csv")
