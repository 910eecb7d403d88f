"""The errors file: cells a spreadsheet would run are neutralised, and a failed cleanup never truncates it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import pytest

from functions.intake.rejects import assemble_rejects, errors_key, keep_rejects, rejects_csv
from shared.domain.receivables import RejectedRow

KEY = "incoming/generic/ar.csv"


@dataclass
class MemoryStore:
    """An in-memory ObjectStore whose `delete` can be made to fail after a number of calls."""

    objects: dict[str, bytes] = field(default_factory=dict)
    deletes_left: int | None = None

    def iter_lines(self, key: str, version_id: str | None = None) -> Iterator[bytes]:
        yield from self.objects[key].splitlines(keepends=True)

    def put(self, key: str, body: bytes | IO[bytes], content_type: str = "text/plain") -> None:
        self.objects[key] = body if isinstance(body, bytes) else body.read()

    def delete(self, key: str) -> None:
        if self.deletes_left is not None:
            if self.deletes_left == 0:
                raise ConnectionError("S3 went away")
            self.deletes_left -= 1
        self.objects.pop(key, None)

    def list_keys(self, prefix: str) -> Iterator[str]:
        yield from sorted(k for k in self.objects if k.startswith(prefix))

    def move(self, key: str, new_key: str, version_id: str | None = None) -> None:
        self.objects[new_key] = self.objects.pop(key)

    def read_text(self, key: str) -> str | None:
        found = self.objects.get(key)
        return None if found is None else found.decode("utf-8-sig")


def errors_of(store: MemoryStore) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(store.objects[errors_key(KEY)].decode())))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_rejects_csv_cell_starting_like_a_formula_is_neutralised(start: str) -> None:
    # Given a rejected row whose raw text starts like a spreadsheet formula (a DDE payload)
    raw = f"{start}cmd|' /C calc'!A0,Bob,I-1"
    # When written to the errors file
    body = rejects_csv([RejectedRow(line=2, raw=raw, reason="balance is missing")], header=True)
    # Then the cell starts with a quote, so a spreadsheet shows it as text; the rest of it is kept
    cells = next(csv.DictReader(io.StringIO(body.decode(), newline="")))
    assert cells["raw"] == f"'{raw}"
    assert cells["reason"] == "balance is missing"


def test_assemble_rejects_failure_while_deleting_pieces_keeps_the_complete_file() -> None:
    # Given 20 rejected rows kept in 20 pieces, and S3 failing after 5 of the pieces are deleted
    store = MemoryStore()
    for line in range(2, 22):
        keep_rejects(KEY, [RejectedRow(line=line, raw=f"R{line}", reason="balance is missing")], store)
    store.deletes_left = 5
    with pytest.raises(ConnectionError):
        assemble_rejects(KEY, store)
    # When the retry assembles again
    store.deletes_left = None
    assert assemble_rejects(KEY, store) == errors_key(KEY)
    # Then the errors file still holds all 20 rows, and no piece or marker is left
    assert [int(row["line"]) for row in errors_of(store)] == list(range(2, 22))
    assert sorted(store.objects) == [errors_key(KEY)]


def test_assemble_rejects_failure_after_all_pieces_deleted_keeps_the_file_on_retry() -> None:
    # Given pieces whose assembly failed just after the last piece was deleted
    store = MemoryStore()
    for line in (2, 3):
        keep_rejects(KEY, [RejectedRow(line=line, raw=f"R{line}", reason="invoice is missing")], store)
    store.deletes_left = 2
    with pytest.raises(ConnectionError):
        assemble_rejects(KEY, store)
    # When retried, then the errors file is named and whole
    store.deletes_left = None
    assert assemble_rejects(KEY, store) == errors_key(KEY)
    assert [row["line"] for row in errors_of(store)] == ["2", "3"]


def test_assemble_rejects_without_rejected_rows_writes_nothing() -> None:
    store = MemoryStore()
    assert assemble_rejects(KEY, store) is None
    assert store.objects == {}


def test_assemble_rejects_of_one_version_leaves_a_re_upload_s_pieces_alone() -> None:
    # Given the same file name uploaded twice, both imports running, each with a rejected row at line 2
    store = MemoryStore()
    keep_rejects(KEY, [RejectedRow(line=2, raw="first upload", reason="balance is missing")], store, "v1")
    keep_rejects(KEY, [RejectedRow(line=2, raw="second upload", reason="due date is missing")], store, "v2")
    # When the first import assembles its errors file
    assert assemble_rejects(KEY, store, "v1") == errors_key(KEY)
    # Then it holds only its own row, and the second import still finds its own piece
    assert "first upload" in store.objects[errors_key(KEY)].decode()
    assert "second upload" not in store.objects[errors_key(KEY)].decode()
    assert assemble_rejects(KEY, store, "v2") == errors_key(KEY)
    assert "second upload" in store.objects[errors_key(KEY)].decode()
