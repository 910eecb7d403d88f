"""Generated files through the intake function against moto: no crash, and every row accounted for."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.events import LambdaContext, s3_put_event
from shared.adapters.aws import client
from shared.db import imports as import_repo
from tests.factories import BUCKET
from tests.integration.functions.test_intake import ARN, intake

__all__ = ["intake"]  # the fixture, imported for the test below

HEADERS = [
    "account_id,debtor_name,invoice,invoice_date,due_date,balance,currency",
    '"account_id","debtor_name","invoice","due_date","balance","currency","email"',
    "Account ID;Debtor Name;Invoice;Due Date;Balance;Currency",
]
NAMES = st.sampled_from(["Ann", "Zoë Ünal", "Łukasz", "O'Brien, Pat", '"Quoted" Co', "=cmd|' /C calc'!A0", ""])
POISON = [
    "9999-12-31", "0001-01-01", "9" * 309, "1e999", "-" + "9" * 20, "A" * 1100, "I" * 200, "x" * 140_000,
    "=1+1", "@SUM(A1)", "\t\r", '"', '""', "NaN", "Infinity", "(250.00)", "250.00-", "$1,000.00", "1.234,56",
]  # fmt: skip
CELL = st.one_of(NAMES, st.sampled_from(POISON), st.text(max_size=12), st.from_regex(r"\d{1,4}\.\d{2}", fullmatch=True))
_ids = itertools.count()


def _good(n: int) -> list[str]:
    return [f"A{n % 5}", f"Debtor {n}", f"I-{n}", "2026-09-01", "2026-10-01", f"{n}.25", "USD"]


def _line(cells: list[str], delimiter: str, quoting: str) -> str:
    """One row as written quoted where needed, quoted throughout, or joined with no quoting at all."""
    if quoting == "none":
        return delimiter.join(cells)
    out = io.StringIO()
    style = csv.QUOTE_ALL if quoting == "all" else csv.QUOTE_MINIMAL
    csv.writer(out, delimiter=delimiter, quoting=style, lineterminator="").writerow(cells)
    return out.getvalue()


@st.composite
def files(draw: st.DrawFn) -> bytes:
    """A small export: a header, then valid rows, poison values, garbage bytes, odd quoting and encodings."""
    header = draw(st.sampled_from(HEADERS))
    delimiter = ";" if ";" in header else ","
    lines: list[bytes] = [header.encode()]
    for n in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["good", "poison", "cells", "garbage", "repeat"]))
        cells = _good(n)
        if kind == "poison":
            cells[draw(st.integers(0, 6))] = draw(st.sampled_from(POISON))
        elif kind == "cells":
            cells = draw(st.lists(CELL, min_size=1, max_size=9))
        elif kind == "repeat":
            cells = _good(max(n - 1, 0))
        if kind == "garbage":
            lines.append(draw(st.binary(max_size=30)))
            continue
        quoting = draw(st.sampled_from(["minimal", "all", "none"]))
        encoding = draw(st.sampled_from(["utf-8", "utf-8", "cp1252", "latin-1"]))
        lines.append(_line(cells, delimiter, quoting).encode(encoding, errors="replace"))
    ending = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    body = ending.join(lines) + draw(st.sampled_from([ending, b""]))
    wrapper = draw(st.sampled_from(["plain", "plain", "plain", "bom", "utf16", "zip", "empty"]))
    return {
        "plain": body,
        "bom": codecs.BOM_UTF8 + body,
        "utf16": body.decode("utf-8", errors="replace").encode("utf-16"),
        "zip": b"PK\x03\x04" + body,
        "empty": b"",
    }[wrapper]


def _put(key: str, body: bytes) -> dict[str, Any]:
    """Put the object (with the process's one S3 client: a client a call costs more than the import) and return
    the S3 event of it."""
    answer = client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    return s3_put_event(BUCKET, key, size=len(body), etag=answer["ETag"], version_id=answer.get("VersionId"))


# Files through the handler: some 15 AWS calls each against moto. Each file's objects are checked, then removed
# (the bucket unversioned for this run), so moto's listings do not grow with the run.
EXAMPLES = int(os.environ.get("ARREARS_FUZZ_EXAMPLES", "1000"))


def _listed(prefix: str) -> set[str]:
    pages = client("s3").get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return {entry["Key"] for page in pages for entry in page.get("Contents", [])}


def _error_rows(rest: str) -> int:
    text = client("s3").get_object(Bucket=BUCKET, Key=f"rejected/{rest}.errors.csv")["Body"].read().decode()
    return len(list(csv.DictReader(io.StringIO(text))))


def _import_one(handler: Any, body: bytes, folder: str, outcomes: dict[str, str]) -> None:
    """One generated file through the handler; its counts are checked here, where it lands once all have run."""
    n = next(_ids)
    rest = f"{folder}c{n}/f{n}.csv" if folder else f"f{n}.csv"
    key = f"incoming/{rest}"
    result = handler.lambda_handler(_put(key, body), LambdaContext("arrears-intake", ARN, timeout_s=900))["results"]
    assert result == {key: result[key]} and result[key] in {"imported", "quarantined"}
    outcomes[rest] = result[key]
    counts = import_repo.query_imports_of_file(BUCKET, key)[0].counts
    if result[key] == "quarantined":
        assert counts["reason"]
        _check_and_clear(rest, result[key])
        return
    assert counts["rows_read"] == counts["accepted"] + counts["rejected"]
    assert counts["rejected"] == (_error_rows(rest) if counts["rejected"] else 0)
    _check_and_clear(rest, result[key])
    assert (
        counts["new"] + counts["updated"] + counts["unchanged"] + counts.get("new-continued", 0) <= counts["accepted"]
    )


def _check_and_clear(rest: str, outcome: str) -> None:
    """The file landed where its outcome says, with nothing left in incoming/ or half-assembled; then its objects
    and queued notices are removed, so moto's listings and queue scans stay small for the next file."""
    left = _listed("")
    assert not any(key.startswith("incoming/") for key in left)
    if outcome == "imported":
        assert f"processed/{rest}" in left
    else:
        assert {f"quarantine/{rest}", f"quarantine/{rest}.reason.txt"} <= left
    assert not any(".errors.d/" in key or ".errors.assembled" in key for key in left)
    for key in left:
        client("s3").delete_object(Bucket=BUCKET, Key=key)
    url = os.environ["NOTIFY_QUEUE_URL"]  # its Slack notices are not checked here
    while got := client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)]
        client("sqs").delete_message_batch(QueueUrl=url, Entries=entries)


def test_intake_generated_files_end_processed_or_quarantined_with_every_row_counted(intake: Any) -> None:
    # Given EXAMPLES generated files, each under a creditor and a name of its own (one moto, bucket and table for all)
    outcomes: dict[str, str] = {}
    client("s3").put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(body=files(), folder=st.sampled_from(["generic/", ""]))
    def import_each(body: bytes, folder: str) -> None:
        _import_one(intake, body, folder, outcomes)

    # When the intake function handles the S3 event of each
    import_each()
    # Then every file was imported (its data rows accepted or rejected, each rejection in its errors file) or
    # quarantined with a reason, none left in incoming/ and no errors-file piece left behind (checked per file)
    assert len(outcomes) >= EXAMPLES
    assert set(outcomes.values()) == {"imported", "quarantined"}
