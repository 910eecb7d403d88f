"""A valid export of a known layout reads to the same totals however its rows and columns are ordered, and
whatever columns of no meaning it carries besides."""

from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.receivables import ReceivablesParser

# A data-warehouse invoice table (snake_case, receivables and bills, statuses, a soft-delete flag)
COLUMNS = ("invoice_number", "contact_id", "due_date", "amount_due", "currency_code", "status", "type", "is_deleted")
ROW = st.fixed_dictionaries({
    "invoice_number": st.integers(1, 10**6).map(lambda n: f"INV-{n:07d}"),
    "contact_id": st.sampled_from(["0042", "C-1", "C-2", "00077"]),
    "due_date": st.dates(date(1990, 1, 1), date(2090, 12, 31)).map(lambda d: d.isoformat()),
    "amount_due": st.integers(0, 10**8).map(lambda n: f"{n / 100:.2f}"),
    "currency_code": st.sampled_from(["USD", "EUR", "GBP"]),
    "status": st.sampled_from(["AUTHORISED", "PAID", "VOIDED", "DRAFT", "SENT"]),
    "type": st.sampled_from(["ACCREC", "ACCREC", "ACCPAY"]),
    "is_deleted": st.sampled_from(["false", "false", "true"]),
})  # fmt: skip
EXTRA = st.lists(st.text("abcdefgh0123456789 -", max_size=12), max_size=4)


def render(columns: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def totals(data: bytes) -> tuple[dict[str, int], int, dict[str, int]]:
    parser = ReceivablesParser(remember_all=True)
    list(parser.parse(data.splitlines(keepends=True)))
    report = parser.report
    return report.totals, report.accepted, report.not_owed


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(ROW, min_size=1, max_size=30, unique_by=lambda r: r["invoice_number"]),
    extra=EXTRA,
    data=st.data(),
)
def test_shuffled_rows_reordered_and_extra_columns_read_to_the_same_totals(rows, extra, data) -> None:
    # Given an export, and the same export with rows shuffled, columns reordered and meaningless columns added
    original = render(list(COLUMNS), rows)
    names = [f"x_{i}" for i, _ in enumerate(extra)]
    order = data.draw(st.permutations([*COLUMNS, *names]))
    shuffled = data.draw(st.permutations(rows))
    padded = [row | dict(zip(names, extra, strict=True)) for row in shuffled]
    changed = render(list(order), padded)
    # When both are read / Then they read alike: the same totals, the same rows owed and the same skipped
    assert totals(changed) == totals(original)
    # And the totals are what the rows say: open receivables only
    expected: dict[str, int] = {}
    for row in rows:
        owed = row["type"] == "ACCREC" and row["status"] in ("AUTHORISED", "SENT") and row["is_deleted"] == "false"
        minor = round(float(row["amount_due"]) * 100)
        if owed and minor:
            expected[row["currency_code"]] = expected.get(row["currency_code"], 0) + minor
    assert totals(original)[0] == expected
