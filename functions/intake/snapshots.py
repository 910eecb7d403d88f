"""The end of a full-snapshot import: the creditor's open invoices it left out, page by page, checkpointed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from functions.intake.upsert import ImportTarget
from shared.db import accounts as account_repo
from shared.db.imports import ImportState
from shared.source_gaps import settle_missing

PHASE = "missing"
SAMPLE = 20  # accounts listed (with buttons) in the summary


def missing_pass(
    target: ImportTarget,
    state: ImportState,
    now: datetime,
    has_time: Callable[[], bool],
    checkpoint: Callable[[], None],
) -> bool:
    """Go through the creditor's open accounts from the stored cursor; True when the pass is complete.

    Each page is 50 accounts (one Query and one BatchGetItem). The cursor and the counts are checkpointed after
    every page, so a retry or a continuation starts at the next page and counts none twice (settling again
    would be a no-op anyway: a held account stays held, a closed invoice is no longer open).
    """
    counts = state.counts
    if counts.get("phase") == "missing-done":
        return True
    counts["phase"] = PHASE
    counts.setdefault("missing", 0)
    counts.setdefault("missing_sample", [])
    counts["creditor"] = target.creditor
    counts["missing_action"] = target.settings.missing_from_snapshot
    accounts = account_repo.DynamoAccounts()
    while True:
        page = account_repo.query_missing_from_snapshot(target.creditor, target.source, counts.get("missing_cursor"))
        for account, invoices in page.missing:
            settle_missing(accounts, account, invoices, target.source, now)
            counts["missing"] += 1
            if len(counts["missing_sample"]) < SAMPLE:
                counts["missing_sample"].append(f"{account.creditor}:{account.account_id}")
        counts["missing_cursor"] = page.next_key
        if page.next_key is None:
            counts["phase"] = "missing-done"
            return True  # the import's final save records it
        checkpoint()  # one write a page of 50 accounts, and the lease's heartbeat
        if not has_time():
            return False
