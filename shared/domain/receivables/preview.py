"""`arrears check FILE`: the streamed check of a parse (events, progress, human text) and the held preview."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shared.domain.money import Money, add_by_currency
from shared.domain.receivables.models import ParseReport, ReceivableRow, RejectedRow
from shared.domain.receivables.parser import ReceivablesParser
from shared.domain.receivables.payments import PaymentsParser
from shared.domain.receivables.profiles import Profile

_SHOWN = 20
PROGRESS_EVERY_S = 2.0
Event = dict[str, Any]


@dataclass(frozen=True)
class Progress:
    """How far a check has read: physical lines and bytes of the file, after `elapsed_s` seconds."""

    lines: int
    bytes_read: int
    size_bytes: int
    elapsed_s: float

    def render(self) -> str:
        rate = self.lines / self.elapsed_s if self.elapsed_s > 0 else 0.0
        read = f"{self.bytes_read / 2**20:,.1f}"
        if self.size_bytes > 0:
            share = min(100.0, 100 * self.bytes_read / self.size_bytes)
            read += f" of {self.size_bytes / 2**20:,.1f} MiB ({share:.0f}%)"
        else:
            read += " MiB"
        return f"arrears check: {self.lines:,} lines read, {rate:,.0f} lines/s, {read}"


@dataclass(frozen=True)
class ProgressMeter:
    """Where progress goes: `report` is called once `every_s` seconds of `clock` have passed, then every
    `every_s` seconds (a fast file reports nothing). `size_bytes` is the file's size (0: unknown)."""

    clock: Callable[[], float]
    report: Callable[[Progress], None]
    size_bytes: int = 0
    every_s: float = PROGRESS_EVERY_S


def check_rows(lines: Iterable[bytes], profile: Profile | None, meter: ProgressMeter | None = None) -> Iterator[Event]:
    """Stream a check: `{"type": "row", ...}` per accepted row and `{"type": "rejected", "line", "reason"}` per
    rejection in line order, then one `{"type": "summary", ...}` last (the `--json` lines).

    No row is kept, so memory stays flat however long the file (a ledger profile still nets its invoices at
    the end, as the parser does). Only a repeat of the row just before is folded (`duplicates`); a repeat
    further away is yielded as accepted here and folded by the import. Raises UnreadableFileError at once.
    """
    parser = ReceivablesParser(profile)
    for result in parser.parse(lines if meter is None else _metered(lines, meter)):
        if isinstance(result, ReceivableRow):
            if not result.settled:  # a row that owes nothing is counted as skipped, not accepted
                yield {"type": "row", **_accepted(result)}
        else:
            yield {"type": "rejected", "line": result.line, "reason": result.reason}
    yield _summary(parser.report)


def check_payments(lines: Iterable[bytes], meter: ProgressMeter | None = None) -> Iterator[Event]:
    """The same stream for a payments file: `{"type": "payment", ...}` per payment it would apply, rejections,
    then the summary (totals per currency in minor units; amounts that name no currency under `unpriced`)."""
    parser = PaymentsParser()
    totals: dict[str, int] = {}
    unpriced = Decimal(0)
    for result in parser.parse(lines if meter is None else _metered(lines, meter)):
        if isinstance(result, RejectedRow):
            yield {"type": "rejected", "line": result.line, "reason": result.reason}
            continue
        if result.currency:
            add_by_currency(totals, Money.from_decimal(result.amount, result.currency))
        else:
            unpriced += result.amount
        yield {"type": "payment", "line": result.line, "account_id": result.account_ref, "invoice": result.invoice,
               "amount": str(result.amount), "currency": result.currency, "paid_on": result.paid_on,
               "reference": result.reference}  # fmt: skip
    report = parser.report
    yield {
        "type": "summary", "profile": "payments", "rows_read": report.rows_read, "accepted": report.accepted,
        "rejected": report.rejected, "duplicates": 0, "skipped": report.rows_skipped,
        "totals": dict(sorted(totals.items())), "unpriced": str(unpriced) if unpriced else None,
        "not_payments": dict(report.not_payments), "warnings": list(report.warnings),
    }  # fmt: skip


def _metered(lines: Iterable[bytes], meter: ProgressMeter) -> Iterator[bytes]:
    started = meter.clock()
    due = started + meter.every_s
    size = 0
    for count, line in enumerate(lines, start=1):
        size += len(line)
        now = meter.clock()
        if now >= due:
            meter.report(Progress(count, size, meter.size_bytes, now - started))
            due = now + meter.every_s
        yield line


def _summary(report: ParseReport) -> Event:
    return {
        "type": "summary",
        "profile": report.profile,
        "rows_read": report.rows_read,
        "accepted": report.accepted,
        "rejected": report.rejected,
        "duplicates": report.duplicates,
        "skipped": report.rows_skipped,
        "totals": dict(sorted(report.totals.items())),
        "warnings": list(report.warnings),
    }


@dataclass
class HumanCheck:
    """The human form of a check, fed its events in order: each rejection as it comes, then the first accepted
    rows and the summary (counts, folded duplicates, totals) at the end. `summary_only`: the summary alone."""

    summary_only: bool = False
    shown: list[Event] = field(default_factory=list)
    _rejections: int = 0

    def feed(self, event: Event) -> str:
        """The text to print now for `event` ("" when there is nothing yet)."""
        if event["type"] == "summary":
            return self._end(event)
        if self.summary_only:
            return ""
        if event["type"] in ("row", "payment"):
            if len(self.shown) < _SHOWN:
                self.shown.append(event)
            return ""
        self._rejections += 1
        heading = "Rejected:\n" if self._rejections == 1 else ""
        return f"{heading}  line {event['line']}: {event['reason']}\n"

    def _end(self, summary: Event) -> str:
        lines = [""] if self._rejections else []
        if self.shown:
            lines += [f"Accepted (first {len(self.shown)} of {summary['accepted']}):"]
            lines += [_payment_line(row) if row["type"] == "payment" else _accepted_line(row) for row in self.shown]
            lines += [""]
        return "\n".join([*lines, *summary_lines(summary)]) + "\n"


def summary_lines(summary: Event) -> list[str]:
    """Profile, counts, folded duplicates, skipped rows, totals per currency and the parser's warnings."""
    if summary["profile"] == "payments":
        return _payments_summary(summary)
    accepted, rejected, duplicates = summary["accepted"], summary["rejected"], summary["duplicates"]
    lines = [
        f"Profile: {summary['profile']}",
        f"Rows read: {summary['rows_read']} ({accepted} accepted, {rejected} rejected)",
        f"Duplicates folded: {duplicates} (repeats of the row just before; a repeat further down counts as "
        "accepted here and is folded by the import)",
    ]
    if summary["skipped"]:
        lines.append(f"Skipped: {summary['skipped']} rows that are not invoices or owe nothing")
    totals = [Money(minor, currency).format() for currency, minor in summary["totals"].items()]
    lines.append(f"Totals: {', '.join(totals) if totals else 'none'}")
    return lines + [f"Warning: {warning}" for warning in summary["warnings"]]


def _payments_summary(summary: Event) -> list[str]:
    lines = [
        "Kind: payments file (each payment is applied to its account's ledger, once per reference)",
        f"Rows read: {summary['rows_read']} ({summary['accepted']} payments, {summary['rejected']} rejected)",
    ]
    if summary["skipped"]:
        reasons = "; ".join(f"{n} {reason}" for reason, n in sorted(summary["not_payments"].items()))
        lines.append(
            f"Skipped: {summary['skipped']} rows that are no payment received{': ' + reasons if reasons else ''}"
        )
    totals = [Money(minor, currency).format() for currency, minor in summary["totals"].items()]
    if summary["unpriced"]:
        totals.append(f"{summary['unpriced']} in each account's own currency (the file names none)")
    lines.append(f"Totals: {', '.join(totals) if totals else 'none'}")
    return lines + [f"Warning: {warning}" for warning in summary["warnings"]]


def _payment_line(row: dict[str, Any]) -> str:
    amount = f"{row['currency'] or ''} {row['amount']}".strip()
    return (
        f"  line {row['line']:>6}  {row['account_id']:<20} {row['invoice'] or '-':<14} {amount:>16}  "
        f"paid {row['paid_on']}  ref {row['reference']}"
    )


def preview(lines: Iterable[bytes], profile: Profile | None) -> dict[str, Any]:
    """Parse the whole file holding every row, folding repeats anywhere in it as the import ends up doing
    (raises UnreadableFileError). For tests and small files: memory grows with the file; `check_rows` does not."""
    parser = ReceivablesParser(profile, remember_all=True)
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for result in parser.parse(lines):
        if isinstance(result, ReceivableRow):
            if not result.settled:
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
    """The human form of `preview`: a summary, totals per currency, every rejection, then the first accepted rows."""
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
