"""The intake function against moto with poison rows: each is rejected with its reason, the rest of the file imports."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from shared.db import accounts as account_repo
from shared.db import imports as import_repo
from shared.db.account_codec import to_item
from shared.domain.accounts import account_key
from shared.domain.receivables.bounds import MAX_INVOICES_PER_ACCOUNT
from tests.factories import BUCKET
from tests.integration.functions.test_intake import intake, keys_under, put, read, run

__all__ = ["intake"]  # the fixture, imported for the tests below

HEADER = b"account_id,debtor_name,invoice,invoice_date,due_date,balance,currency\n"


def good(n: int) -> bytes:
    return b"G%d,Debtor %d,I-%d,2026-09-01,2026-10-01,%d.00,USD\n" % (n, n, n, n)


def errors(key: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(read(f"rejected/{key.removeprefix('incoming/')}.errors.csv"))))


def counts(key: str) -> dict[str, Any]:
    return import_repo.query_imports_of_file(BUCKET, key)[0].counts


POISON = {
    "date": b"P1,Bob,I-1,2026-09-01,9999-12-31,5.00,USD\n",
    "id": b"P" + b"2" * 1100 + b",Bob,I-2,2026-09-01,2026-10-01,5.00,USD\n",
    "invoice": b"P3,Bob,I-" + b"3" * 2000 + b",2026-09-01,2026-10-01,5.00,USD\n",
    "cell": b"P4,Bob" + b"4" * 140_000 + b",I-4,2026-09-01,2026-10-01,5.00,USD\n",
    "balance": b"P5,Bob,I-5,2026-09-01,2026-10-01,99999999999999,USD\n",
}


def test_intake_poison_rows_are_rejected_and_every_other_row_imports(intake):
    # Given a file whose good rows surround a far-future due date, a 1,100-character account id, a 2,000-character
    # invoice number, a 140 KiB cell and a balance above the amount bound (before: the import failed on every
    # delivery, the file stayed in incoming/)
    key = "incoming/generic/poison.csv"
    body = HEADER + b"".join(good(n) + poison for n, poison in enumerate(POISON.values(), start=1)) + good(9)
    # When it is imported
    assert run(intake, put(key, body)) == {key: "imported"}
    # Then each poison row is in the errors file at its line with a reason naming the field and its bound
    reasons = {int(e["line"]): e["reason"] for e in errors(key)}
    assert sorted(reasons) == [3, 5, 7, 9, 11]
    assert "outside the years 1900..2100" in reasons[3]
    assert "account_id is 1,101 characters long, over the bound of 128" in reasons[5]
    assert "invoice is 2,002 characters long, over the bound of 128" in reasons[7]
    assert "line is longer than the bound of 65,536 characters" in reasons[9]
    assert "above the bound of 999,999,999,999" in reasons[11]
    # And every good row imported, the file is processed, and the counts add up
    for n in (1, 2, 3, 4, 5, 9):
        assert account_repo.get_account(account_key("acme", f"G{n}")).balances == {"USD": n * 100}
    assert keys_under("incoming/") == [] and keys_under("processed/") == ["processed/generic/poison.csv"]
    stored = counts(key)
    assert (stored["rows_read"], stored["accepted"], stored["rejected"]) == (11, 6, 5)


def test_intake_line_of_8_mib_is_read_in_linear_time_and_rejected_at_its_line(intake):
    # Given a file with an 8 MiB line between two good rows (botocore's iter_lines took 23.6 s on it)
    key = "incoming/generic/long-line.csv"
    body = HEADER + good(1) + b"L," + b"x" * (8 << 20) + b"\n" + good(2)
    event = put(key, body)
    # When it is imported
    start = time.perf_counter()
    assert run(intake, event) == {key: "imported"}
    elapsed = time.perf_counter() - start
    # Then it takes seconds, not minutes, line 3 is rejected as too long, and both good rows import
    assert elapsed < 8, elapsed
    assert [(e["line"], e["reason"][:33]) for e in errors(key)] == [("3", "line is longer than the bound of ")]
    assert counts(key)["accepted"] == 2


def test_intake_errors_file_neutralises_formula_cells(intake):
    # Given a rejected row whose first cell is a DDE formula
    key = "incoming/generic/dde.csv"
    run(intake, put(key, HEADER + b"=cmd|' /C calc'!A0,Bob,I-1,2026-09-01,2026-10-01,abc,USD\n" + good(1)))
    # When the errors file is read back as a spreadsheet would read it
    rows = errors(key)
    # Then the raw cell starts with a quote: text, not a formula
    assert rows[0]["raw"].startswith("'=cmd|")
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values())


def many_invoices(n: int) -> bytes:
    # 128-character invoice numbers: about 500 bytes an invoice in the account item
    return HEADER + b"".join(b"BIG,Big Co,%s,2026-09-01,2026-10-01,1.00,USD\n" % b"%0128d" % i for i in range(n))


def test_intake_account_past_the_invoice_cap_is_stored_at_the_cap_and_the_file_processed(intake):
    # Given one account with 1,200 invoices of 128-character numbers (about 600 KB embedded: before, DynamoDB
    # refused the item and the import failed on every delivery)
    key = "incoming/generic/big-account.csv"
    # When it is imported
    assert run(intake, put(key, many_invoices(1_200))) == {key: "imported"}
    # Then the account holds the cap of invoices, its item well under 400 KB, and the file is processed
    stored = account_repo.get_account(account_key("acme", "BIG"))
    assert len(stored.invoices) == MAX_INVOICES_PER_ACCOUNT
    size = sum(len(k) + len(str(v)) for k, v in to_item(stored).serialize().items())
    assert size < 200_000, size
    assert keys_under("processed/") == ["processed/generic/big-account.csv"]


def test_intake_rows_past_the_invoice_cap_are_in_the_errors_file(intake):
    # Given one account with 30 invoices more than the cap
    key = "incoming/generic/over-cap.csv"
    # When it is imported
    run(intake, put(key, many_invoices(MAX_INVOICES_PER_ACCOUNT + 30)))
    # Then the 30 rows past the cap are rejected naming the cap, and counted as rejected
    rows = errors(key)
    assert len(rows) == 30 and "invoices per account" in rows[0]["reason"]
    assert (counts(key)["accepted"], counts(key)["rejected"]) == (MAX_INVOICES_PER_ACCOUNT, 30)
