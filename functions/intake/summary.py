"""The import summary as a Slack message (pure): counts, totals per currency, profile, errors link."""

from __future__ import annotations

from typing import Any

from shared.domain.money import Money


def _totals(totals: dict[str, int]) -> str:
    return ", ".join(Money(v, c).format() for c, v in sorted(totals.items())) or "—"


def summary_text(key: str, counts: dict[str, Any], status: str, errors_at: str | None) -> str:
    """One message for progress and the final summary; the same message is updated as the import runs."""
    head = {"running": ":hourglass_flowing_sand: Importing", "done": ":white_check_mark: Imported"}.get(status, status)
    lines = [
        f"{head} `{key}` (profile *{counts.get('profile', '?')}*: {counts.get('profile_reason', '')})",
        f"Rows: {counts.get('rows_read', 0)} read · {counts.get('accepted', 0)} accepted · "
        f"{counts.get('rejected', 0)} rejected · {counts.get('duplicates', 0)} duplicate lines folded · "
        f"{counts.get('rows_skipped', 0)} non-data lines skipped",
        f"Accounts: {counts.get('new', 0)} new · {counts.get('updated', 0)} updated · "
        f"{counts.get('unchanged', 0)} unchanged",
        f"Totals: {_totals(counts.get('totals', {}))}",
    ]
    if "missing" in counts:
        sample = ", ".join(f"`{a}`" for a in counts.get("missing_sample", []))
        lines.append(
            f"Full snapshot: {counts['missing']} open account(s) of {counts.get('creditor')} are not in this file "
            f"(kept, not deleted){': ' + sample if sample else ''}"
        )
    lines += [f":warning: {w}" for w in counts.get("warnings", [])[:5]]
    if errors_at:
        lines.append(f"Rejected rows with reasons: `{errors_at}`")
    return "\n".join(lines)


def summary_blocks(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]


def quarantine_text(key: str, reason: str) -> str:
    return f":rotating_light: `{key}` could not be read and was moved to quarantine: {reason}"
