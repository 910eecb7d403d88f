"""A big file in parallel: the reader parses it once, in order, and queues each part of rows it read; workers fed
from SQS upsert the parts at once; the part that completes the count hands the import back to be joined.

Parsing stays one pass in file order, so line numbers, quoted fields across lines, report groups and folded
repeats are exactly what a sequential import sees; the DynamoDB writes, which take most of an import's time, are
what runs in parallel. A part carries its parsed rows (not a byte range: the file is read from S3 once), and is
applied idempotently: its record is written with its counts in one transaction with the import's count of parts
done, and a repeated delivery finds the record and does nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from functions.intake.models import ObjectRef
from functions.intake.upsert import ImportTarget
from shared.db import creditors as creditor_repo
from shared.db import imports as import_repo
from shared.domain.imports import notable
from shared.domain.money import Money
from shared.domain.receivables import ReceivableRow, RejectedRow
from shared.domain.settings import Settings, parse_settings

PART_ROWS = 250  # rows a part: about 100 KB a message as exports write them
MAX_BODY = 250_000  # bytes of a message (SQS takes 262,144); a part above it is applied by the reader itself
MODE = "parts"  # counts["mode"] of an import read in parts
Row = ReceivableRow | RejectedRow
# Applies one part's rows (upsert, rejects and changes pieces) and adds what it did into the given counts.
ApplyRows = Callable[[ObjectRef, ImportTarget, datetime, list[Row], dict[str, Any], dict[str, Any]], None]


def row_json(row: Row) -> dict[str, Any]:
    if isinstance(row, RejectedRow):
        return {"line": row.line, "raw": row.raw, "reason": row.reason}
    return {
        "line": row.line, "account_id": row.account_id, "invoice": row.invoice, "debtor": row.debtor,
        "email": row.email, "phone": row.phone, "timezone": row.timezone, "address": row.address,
        "balance": [row.balance.minor, row.balance.currency],
        "invoice_date": row.invoice_date.isoformat() if row.invoice_date else None,
        "due_date": row.due_date.isoformat(), "warnings": list(row.warnings), "raw": row.raw, "settled": row.settled,
        "language": row.language,
    }  # fmt: skip


def row_from_json(data: dict[str, Any]) -> Row:
    if "reason" in data:
        return RejectedRow(int(data["line"]), str(data["raw"]), str(data["reason"]))
    minor, currency = data["balance"]
    invoice_date = data.get("invoice_date")
    return ReceivableRow(
        line=int(data["line"]), account_id=data["account_id"], invoice=data["invoice"], debtor=data["debtor"],
        email=data.get("email"), phone=data.get("phone"), timezone=data.get("timezone"), address=data.get("address"),
        balance=Money(int(minor), str(currency)),
        invoice_date=date.fromisoformat(invoice_date) if invoice_date else None,
        due_date=date.fromisoformat(data["due_date"]), warnings=tuple(data.get("warnings") or ()), raw=data["raw"],
        settled=data.get("settled"), language=data.get("language"),
    )  # fmt: skip


def message(
    obj: ObjectRef, target: ImportTarget, as_of: datetime, rows: list[Row], report: dict[str, Any]
) -> dict[str, Any]:
    """One part as an SQS message body: the object, where its rows go, the parser's counts of its lines, the rows."""
    return {
        "part": {
            "object": obj.model_dump(exclude={"start_line"}),
            "creditor": target.creditor,
            "source": target.source,
            "kind": list(target.kind),
            "as_of": as_of.isoformat(),
            "report": report,
            "rows": [row_json(row) for row in rows],
        }
    }


def fits(body: dict[str, Any]) -> bool:
    """Whether a part's body, as the queue sends it, is within SQS's message size."""
    return len(json.dumps(body).encode()) <= MAX_BODY


MAX_RECEIVES = 5  # the parts queue's maxReceiveCount (infra/template.yaml): then SQS parks the message


def parts_in(event: dict[str, Any]) -> list[tuple[dict[str, Any], int]]:
    """The parts an SQS event delivers (each body `{"part": ...}`), with how many times SQS has delivered each."""
    found = []
    for record in event.get("Records", []):
        body = json.loads(record["body"]) if record.get("eventSource") == "aws:sqs" else None
        if isinstance(body, dict) and "part" in body:
            found.append((body["part"], int(record.get("attributes", {}).get("ApproximateReceiveCount", 1))))
    return found


def apply_part(part: dict[str, Any], apply_rows: ApplyRows, now: datetime) -> tuple[ObjectRef, bool]:
    """Apply one part once; returns its object and whether this was the last part the import waited for (so its
    caller hands the import back to be joined and closed)."""
    obj = ObjectRef.model_validate(part["object"])
    rows = [row_from_json(row) for row in part["rows"]]
    first = rows[0].line
    if not import_repo.part_recorded(obj.bucket, obj.key, obj.version, first):
        settings = parse_settings(creditor_repo.get_policy(part["creditor"]))
        kind = (str(part["kind"][0]), str(part["kind"][1]))
        target = ImportTarget(part["creditor"], part["source"], False, kind, settings)
        counts: dict[str, Any] = {}
        apply_rows(obj, target, datetime.fromisoformat(part["as_of"]), rows, dict(part["report"]), counts)
        import_repo.record_part(obj.bucket, obj.key, obj.version, first, counts, now)
    return obj, import_repo.parts_progress(obj.bucket, obj.key, obj.version).complete


def join(counts: dict[str, Any], parts: list[dict[str, Any]], settings: Settings) -> dict[str, Any]:
    """The import's counts with every part's added in (the reader's own: its header, footers and trailing lines)."""
    joined = json.loads(json.dumps(counts))
    for part in parts:
        add_counts(joined, part, settings)
    return joined


def add_counts(into: dict[str, Any], part: dict[str, Any], settings: Settings) -> None:
    """Add one chunk's or part's counts: numbers and counts by name are summed, the largest changes kept."""
    for name, value in part.items():
        if name == "notable":
            into[name] = notable([], settings, into.get(name, []) + value)
        elif name == "warnings":
            into[name] = list(dict.fromkeys(into.get(name, []) + value))
        elif isinstance(value, bool) or not isinstance(value, int | dict):
            into[name] = value  # the layout's name and reason
        elif isinstance(value, int):
            into[name] = into.get(name, 0) + value
        else:
            summed = into.setdefault(name, {})
            for inner, number in value.items():
                summed[inner] = summed.get(inner, 0) + number
