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
PAGES_A_CHECKPOINT = 10  # 500 accounts; a pass restarted from a checkpoint settles nothing twice (settling repeats
# as a no-op: a held account stays held, a closed invoice is no longer open)


def missing_pass(
    target: ImportTarget,
    state: ImportState,
    now: datetime,
    has_time: Callable[[], bool],
    checkpoint: Callable[[], None],
) -> bool:
    """Go through the creditor's open accounts from the stored cursor; True when the pass is complete.

    Each page is 50 accounts (one Query and one BatchGetItem). The cursor is checkpointed every
    PAGES_A_CHECKPOINT pages and whenever time runs short, so a continuation starts where this invocation
    stopped.
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
    pages = 0
    while True:
        page = account_repo.query_missing_from_snapshot(target.creditor, target.source, counts.get("missing_cursor"))
        for account, invoices in page.missing:
            settle_missing(accounts, account, invoices, target.source, now)
            counts["missing"] += 1
            if len(counts["missing_sample"]) < SAMPLE:
                counts["missing_sample"].append(f"{account.creditor}:{account.account_id}")
        counts["missing_cursor"] = page.next_key
        pages += 1
        if page.next_key is None:
            counts["phase"] = "missing-done"
            return True  # the import's final save records it
        out_of_time = not has_time()
        if out_of_time or pages % PAGES_A_CHECKPOINT == 0:
            checkpoint()
        if out_of_time:
            return False
