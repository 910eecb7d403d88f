"""`arrears check FILE`: the JSON preview of a parse and its human rendering."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.domain.money import Money
from shared.domain.receivables.models import ReceivableRow
from shared.domain.receivables.parser import ReceivablesParser
from shared.domain.receivables.profiles import Profile

_SHOWN = 20


def preview(lines: Iterable[bytes], profile: Profile | None) -> dict[str, Any]:
    """Parse the whole file; the JSON object of `arrears check FILE --json` (raises UnreadableFileError)."""
    parser = ReceivablesParser(profile, remember_all=True)
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for result in parser.parse(lines):
        if isinstance(result, ReceivableRow):
            accepted.append(_accepted(result))
        else:
            rejected.append({"line": result.line, "reason": result.reason})
    report = parser.report
    return {
        "profile": report.profile,
        "rows_read": report.rows_read,
        "accepted": accepted,
        "rejected": rejected,
        "totals": dict(sorted(report.totals.items())),
    }


def _accepted(row: ReceivableRow) -> dict[str, Any]:
    return {
        "line": row.line,
        "account_id": row.account_id,
        "invoice": row.invoice,
        "debtor": row.debtor,
        "email": row.email,
        "phone": row.phone,
        "balance_minor": row.balance.minor,
        "currency": row.balance.currency,
        "due_date": row.due_date.isoformat(),
    }


def render_preview(result: dict[str, Any]) -> str:
    """The human form: a summary, totals per currency, every rejection, then the first accepted rows."""
    accepted, rejected = result["accepted"], result["rejected"]
    lines = [
        f"Profile: {result['profile']}",
        f"Rows read: {result['rows_read']} ({len(accepted)} accepted, {len(rejected)} rejected)",
    ]
    totals = [Money(minor, currency).format() for currency, minor in result["totals"].items()]
    lines.append(f"Totals: {', '.join(totals) if totals else 'none'}")
    if rejected:
        lines += ["", "Rejected:"] + [f"  line {row['line']}: {row['reason']}" for row in rejected]
    if accepted:
        lines += ["", f"Accepted (first {min(_SHOWN, len(accepted))} of {len(accepted)}):"]
        lines += [_accepted_line(row) for row in accepted[:_SHOWN]]
    return "\n".join(lines) + "\n"


def _accepted_line(row: dict[str, Any]) -> str:
    amount = Money(row["balance_minor"], row["currency"]).format()
    contact = ", ".join(part for part in (row["email"], row["phone"]) if part)
    suffix = f"  [{contact}]" if contact else ""
    return (
        f"  line {row['line']:>6}  {row['account_id']:<14} {row['invoice']:<12} {row['debtor'][:28]:<28} "
        f"{amount:>16}  due {row['due_date']}{suffix}"
    )
