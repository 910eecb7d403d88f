"""The import summary as a Slack message (pure): counts, totals per currency, profile, errors link."""

from __future__ import annotations

from typing import Any

from shared.domain.money import Money
from shared.domain.mrkdwn import escape


def _totals(totals: dict[str, int]) -> str:
    return ", ".join(Money(v, c).format() for c, v in sorted(totals.items())) or "—"


def summary_text(
    key: str, counts: dict[str, Any], status: str, errors_at: str | None, changes_at: str | None = None
) -> str:
    """One message for progress and the final summary; the same message is updated as the import runs.

    Everything that came from the file or its name (key, profile reason, creditor, ids, warnings) is escaped: a
    file cannot ping the channel or plant a link.
    """
    head = {"running": ":hourglass_flowing_sand: Importing", "done": ":white_check_mark: Imported"}.get(status, status)
    profile, reason = escape(counts.get("profile", "?")), escape(counts.get("profile_reason", ""))
    lines = [
        f"{head} `{escape(key)}` (profile *{profile}*: {reason})",
        f"Rows: {counts.get('rows_read', 0)} read · {counts.get('accepted', 0)} accepted · "
        f"{counts.get('rejected', 0)} rejected · {counts.get('duplicates', 0)} duplicate lines folded · "
        f"{counts.get('rows_skipped', 0)} non-data lines skipped",
        f"Accounts: {counts.get('new', 0)} new · {counts.get('updated', 0)} updated · "
        f"{counts.get('unchanged', 0)} unchanged",
        f"Totals: {_totals(counts.get('totals', {}))}",
    ]
    not_owed = counts.get("not_owed") or {}
    if not_owed:
        reasons = " · ".join(f"{n} {escape(reason)}" for reason, n in sorted(not_owed.items(), key=lambda i: -i[1]))
        lines.append(f"Skipped, nothing to collect (counted among the skipped lines): {reasons}")
    if "missing" in counts:
        sample = ", ".join(f"`{escape(a)}`" for a in counts.get("missing_sample", []))
        done = MISSING_ACTIONS.get(counts.get("missing_action", "confirm"), "")
        creditor = escape(counts.get("creditor"))
        lines.append(
            f"Full snapshot: {counts['missing']} account(s) of {creditor} have open invoices this file "
            f"leaves out: {done}{': ' + sample if sample else ''}"
        )
    lines += _changes(counts, changes_at)
    lines += [f":warning: {escape(w)}" for w in counts.get("warnings", [])[:5]]
    if errors_at:
        lines.append(f"Rejected rows with reasons: `{escape(errors_at)}`")
    return "\n".join(lines)


def parts_text(key: str, last_line: int, parts: int, rows: int, read_all: bool) -> str:
    """A big file's progress: read so far (or to its end) and queued in parts for the workers; the summary follows
    when the last part is in."""
    where = "read to line" if read_all else "reading: at line"
    return (
        f":hourglass_flowing_sand: Importing `{escape(key)}`: {where} {last_line:,} and queued in {parts:,} "
        f"part(s) of up to {rows} rows, which are being written in parallel; the summary follows when the last is in"
    )


def payments_text(key: str, counts: dict[str, Any], status: str, errors_at: str | None) -> str:
    """The summary of a payments file, updated as it runs: what was applied, what the books already showed, and
    every payment that was not applied (the first few here with their reasons, all of them in the errors file)."""
    head = ":white_check_mark: Payments from" if status == "done" else ":hourglass_flowing_sand: Applying payments from"
    lines = [
        f"{head} `{escape(key)}` for *{escape(counts.get('creditor', '?'))}*",
        f"Rows: {counts.get('rows_read', 0)} read · {counts.get('applied', 0)} applied · "
        f"{counts.get('identified', 0)} already in the books (identified) · {counts.get('repeats', 0)} already "
        f"recorded · {counts.get('unmatched', 0) + counts.get('rejected', 0)} not applied · "
        f"{counts.get('rows_skipped', 0)} non-payment lines skipped",
        f"Applied: {_totals(counts.get('applied_totals', {}))} (counts at once; matched when the books show it)",
    ]
    if counts.get("identified_totals"):
        lines.append(f"Identified: {_totals(counts['identified_totals'])}")
    not_payments = counts.get("not_payments") or {}
    if not_payments:
        lines.append("Skipped: " + " · ".join(f"{n} {escape(r)}" for r, n in sorted(not_payments.items())))
    for line, reason in counts.get("unmatched_sample", []):
        lines.append(f":warning: line {line}: {escape(reason)}")
    if errors_at:
        lines.append(f"Every payment not applied, with its reason: `{escape(errors_at)}`")
    return "\n".join(lines)


CHANGE_NAMES = {
    "new_account": "new accounts",
    "balance": "balances changed",
    "inferred_payment": "payments seen in the books",
    "closed_paid": "invoices closed as paid per source",
}


def _change(kind: str, account: str, currency: str, before: int, after: int, invoice: str) -> str:
    ref = f"`{escape(account)}`"
    if kind == "new_account":
        return f"• {ref}: new, owes {Money(after, currency).format()}"
    if kind == "balance":
        return f"• {ref}: owed {Money(before, currency).format()} → {Money(after, currency).format()}"
    if kind == "inferred_payment":
        return f"• {ref}: paid {Money(before, currency).format()} per the creditor's books"
    return f"• {ref}: invoice `{escape(invoice)}` ({Money(before, currency).format()}) closed as paid per source"


def _changes(counts: dict[str, Any], changes_at: str | None) -> list[str]:
    """What changed, not only how much: counts per kind, the largest changes by name, and the full list's place."""
    changed = counts.get("changed") or {}
    if not changed:
        return []
    kinds = " · ".join(f"{name}: {changed[k]}" for k, name in CHANGE_NAMES.items() if changed.get(k))
    lines = [f"Changes: {kinds}"]
    if counts.get("notable"):
        lines.append("Largest changes:")
        lines += [_change(*row) for row in counts["notable"]]
    if changes_at:
        lines.append(f"Every change: `{escape(changes_at)}`")
    return lines


MISSING_ACTIONS = {
    "close": "closed as paid per source",
    "confirm": "reminders stopped until someone confirms paid or still owed",
}
CONFIRM_BUTTONS = 10  # accounts with buttons in one summary (5 per actions block: Slack allows 25 elements)


def summary_blocks(text: str, counts: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The summary, and for a snapshot held for confirmation a Paid / Still owed pair of buttons per account."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]
    counts = counts or {}
    if counts.get("missing_action") != "confirm":
        return blocks
    refs = counts.get("missing_sample", [])[:CONFIRM_BUTTONS]
    for start in range(0, len(refs), 5):
        elements = []
        for ref in refs[start : start + 5]:
            elements.append(_button(f"{ref}: paid", "snapshot_paid", ref, "primary"))
            elements.append(_button(f"{ref}: still owed", "snapshot_owed", ref))
        blocks.append({"type": "actions", "block_id": f"snapshot_{start}", "elements": elements})
    return blocks


def _button(text: str, action: str, ref: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text[:75]},
        "action_id": f"{action}:{ref}"[:255],
        "value": ref,
    }
    if style:
        button["style"] = style
    return button


def quarantine_text(key: str, reason: str) -> str:
    return f":rotating_light: `{escape(key)}` could not be read and was moved to quarantine: {escape(reason)}"
