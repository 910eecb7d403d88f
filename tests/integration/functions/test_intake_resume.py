"""A continuation reads on from the byte its checkpoint names (a ranged GET), never the whole file again."""

from __future__ import annotations

from typing import Any

from shared.adapters.aws import S3Store
from shared.db import accounts as account_repo
from shared.domain.accounts import account_key
from tests.integration.functions.test_intake import follow_continuations, intake, put, run

__all__ = ["intake"]  # the fixture, imported for the tests below

HEADER = "account_id,debtor_name,invoice,invoice_date,due_date,balance,currency\n"
ROWS = 1_000


def test_a_long_import_continues_from_its_byte_offset_and_imports_every_row_once(intake, recorder, monkeypatch):
    import functions.intake.logic as logic

    # Given a file of 1,000 rows, chunks of 100, and invocations that always run short of time after one chunk
    monkeypatch.setattr(logic, "CHUNK_ROWS", 100)
    body = (
        HEADER + "".join(f"K{i},Debtor {i},I-{i},2026-09-01,2026-10-01,{i + 1}.00,USD\n" for i in range(ROWS))
    ).encode()
    reads: list[dict[str, Any]] = []
    plain = S3Store.iter_lines

    def counted(self: S3Store, key: str, version_id: str | None = None, start_byte: int = 0, end_byte: Any = None):
        read = {"key": key, "start": start_byte, "end": end_byte, "bytes": 0}
        if key.startswith("incoming/"):
            reads.append(read)
        for line in plain(self, key, version_id, start_byte, end_byte):
            read["bytes"] += len(line)
            yield line

    monkeypatch.setattr(S3Store, "iter_lines", counted)
    event = put("incoming/generic/long.csv", body)
    # When the first invocation and every continuation it queues run
    outcomes = list(run(intake, event, timeout_s=1).values()) + follow_continuations(intake)
    # Then the file is imported, every row once
    assert outcomes[-1] == "imported" and set(outcomes[:-1]) == {"continued"}
    for i in (0, 1, 199, 200, 201, 555, ROWS - 1):
        assert account_repo.get_account(account_key("acme", f"K{i}")).balances == {"USD": (i + 1) * 100}
    summary = recorder.wait_for(lambda c: ":white_check_mark: Imported" in str(c.params.get("text")))
    assert f"{ROWS} accepted" in str(summary.params["text"])
    # And past the head, each continuation read only the head's bytes again, then on from where the last stopped
    head_end = len("".join(body.decode().splitlines(keepends=True)[:200]).encode())
    ranged = [r for r in reads if r["start"]]
    assert len(ranged) >= 7  # the checkpoints past line 200 resumed by offset
    assert [r["start"] for r in ranged] == sorted({r["start"] for r in ranged})  # always further on
    (sniff,) = [r for r in reads if r["end"] == logic.SNIFF_BYTES]  # is it a payments export: once, its first bytes
    assert sniff["start"] == 0 and sniff["bytes"] <= logic.SNIFF_BYTES
    heads = [r for r in reads if r["end"] is not None and r is not sniff]
    assert all(r["end"] == head_end for r in heads)
    assert sum(r["bytes"] for r in ranged) <= len(body)  # no row's bytes read twice past the head
    assert len(heads) == len(ranged)
    rows_read = sum(r["bytes"] for r in reads) - head_end * len(heads) - sniff["bytes"]
    assert rows_read <= len(body) * 1.3  # about one pass over the file (from the top it would be one per chunk)
