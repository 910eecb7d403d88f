"""The files an import leaves in the bucket beside the summary: its rejected rows (the errors file) and what it
changed (the changes file). Each is kept per chunk before the chunk's checkpoint, then joined at the end."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.domain.imports import ChangeLine
from shared.domain.money import Money
from shared.domain.receivables import RejectedRow
from shared.ports import ObjectStore

INCOMING = "incoming/"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _rest(key: str) -> str:
    return key.removeprefix(INCOMING)


def neutralize(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (`=cmd|' /C calc'!A0`, DDE) starts with a quote: text again."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


@dataclass(frozen=True)
class PiecedFile:
    """A CSV an import writes chunk by chunk: `<folder>/<file>.<name>.csv`, from pieces keyed by first line."""

    folder: str
    name: str
    header: tuple[str, ...]

    def final_key(self, key: str) -> str:
        return f"{self.folder}/{_rest(key)}.{self.name}.csv"

    def pieces_prefix(self, key: str, version: str = "") -> str:
        """Where one object version's pieces wait: a re-upload of the same name never mixes its rows into them."""
        return f"{self.folder}/{_rest(key)}.{self.name}.d/{version + '/' if version else ''}"

    def assembled_key(self, key: str, version: str = "") -> str:
        """Written once the file holds every piece: from then on only the pieces' deletion is left to do."""
        return f"{self.folder}/{_rest(key)}.{self.name}.assembled{'.' + version if version else ''}"

    def body(self, rows: Iterable[Sequence[object]], header: bool) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        if header:
            writer.writerow(self.header)
        for row in rows:
            writer.writerow([neutralize(c) if isinstance(c, str) else c for c in row])
        return out.getvalue().encode("utf-8")

    def keep(
        self, key: str, first_line: int, rows: Sequence[Sequence[object]], store: ObjectStore, version: str
    ) -> None:
        """One chunk's rows, stored before its checkpoint so that no retry can lose them (a retry rewrites it)."""
        if rows:
            piece = f"{self.pieces_prefix(key, version)}{first_line:012d}.csv"
            store.put(piece, self.body(rows, header=False), "text/csv")

    def assemble(self, key: str, store: ObjectStore, version: str = "") -> str | None:
        """Join the pieces, in line order, into one file; None when there were none.

        The pieces are deleted only after the whole file and then its `assembled` marker are stored, and a rerun
        that finds the marker only finishes the deletion: a failure part-way never leaves the file rebuilt from
        the pieces that were left.
        """
        pieces = sorted(store.list_keys(self.pieces_prefix(key, version)))
        marker = store.read_text(self.assembled_key(key, version))
        if marker is None:
            if not pieces:
                return None
            with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
                out.write(self.body([], header=True))
                for piece in pieces:
                    for line in store.iter_lines(piece):
                        out.write(line)
                out.seek(0)
                store.put(self.final_key(key), out, "text/csv")
            store.put(self.assembled_key(key, version), "\n".join(pieces).encode())
        for piece in pieces:
            store.delete(piece)
        store.delete(self.assembled_key(key, version))
        return self.final_key(key)


ERRORS = PiecedFile("rejected", "errors", ("line", "reason", "raw"))
CHANGES = PiecedFile("reports", "changes", ("change", "account", "invoice", "currency", "before", "after"))


def errors_key(key: str) -> str:
    return ERRORS.final_key(key)


def rejects_csv(rejected: Iterable[RejectedRow], header: bool) -> bytes:
    return ERRORS.body(([row.line, row.reason, row.raw] for row in rejected), header)


def keep_rejects(key: str, rows: list[RejectedRow], store: ObjectStore, version: str = "") -> None:
    """Rejected rows of one chunk, stored before its checkpoint so that no retry can lose them."""
    if rows:
        ERRORS.keep(key, rows[0].line, [[row.line, row.reason, row.raw] for row in rows], store, version)


def assemble_rejects(key: str, store: ObjectStore, version: str = "") -> str | None:
    return ERRORS.assemble(key, store, version)


def keep_changes(key: str, first_line: int, lines: list[ChangeLine], store: ObjectStore, version: str = "") -> None:
    """One chunk's changes (amounts written as decimals in their currency, as a spreadsheet reads them)."""

    def amount(minor: int, currency: str) -> str:
        return str(Money(minor, currency).to_decimal())

    rows = [
        [c.kind, c.account, c.invoice, c.currency, amount(c.before, c.currency), amount(c.after, c.currency)]
        for c in lines
    ]
    CHANGES.keep(key, first_line, rows, store, version)
