"""Invoices a full snapshot no longer lists: paid per the source, or held until a person confirms.

A full snapshot lists every open item of a creditor: an open invoice it leaves out was paid (or written off)
at the source. Per the creditor's settings it is either closed at once as "paid per source" (an inferred
payment in the ledger) or held for confirmation with automated contact suspended. A delta file closes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.domain.accounts import Account, Activity
from shared.domain.errors import InvalidInputError
from shared.domain.ledger import MatchRule, reconcile
from shared.domain.money import Money

REVIEW = "snapshot_review"


def _instant(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def close_paid_per_source(
    account: Account, invoices: tuple[str, ...], source: str, now: datetime, actor: str, rule: MatchRule
) -> tuple[Account, list[Activity]]:
    """The account with those invoices at zero in the source's books; the drop is reconciled like an import's
    (payments posted in Arrears match first, the rest is a `paid_per_source` entry)."""
    gone = set(invoices)
    after = tuple(replace(i, balance=Money(0, i.balance.currency), source=source, as_of=now) if i.number in gone else i
                  for i in account.invoices)  # fmt: skip
    done = reconcile(account.invoices, after, account.entries, source, now, rule, inferred_kind="paid_per_source")
    flags = {k: v for k, v in account.flags.items() if k != REVIEW}
    closed = replace(account, invoices=after, entries=tuple(done.entries), flags=flags)
    paid = ", ".join(e.amount.format() for e in done.inferred) or "nothing beyond payments already recorded"
    summary = f"invoices {', '.join(sorted(gone))} not in the full snapshot: closed as paid per source ({paid})"
    data = {"invoices": sorted(gone), "source": source, "entries": [e.id for e in done.inferred]}
    return closed, [Activity(at=now, kind="payment", actor=actor, summary=summary, data=data | {"inferred": True})]


def hold_for_review(
    account: Account, invoices: tuple[str, ...], source: str, now: datetime
) -> tuple[Account, list[Activity]] | None:
    """The account held for a person to confirm (automated contact stops); None when already held so."""
    held = account.flags.get(REVIEW) or {}
    if sorted(held.get("invoices") or []) == sorted(invoices):
        return None
    review = {"source": source, "invoices": sorted(invoices), "at": _instant(now)}
    summary = f"invoices {', '.join(sorted(invoices))} not in the full snapshot: reminders stop until confirmed"
    activity = Activity(at=now, kind="status", summary=summary, data={"hold": REVIEW} | review)
    return replace(account, flags=dict(account.flags) | {REVIEW: review}), [activity]


def review_of(account: Account) -> tuple[tuple[str, ...], str]:
    """The invoices and snapshot a person is asked about; InvalidInputError when there is nothing to confirm."""
    held = account.flags.get(REVIEW)
    if not held:
        raise InvalidInputError(f"{account.account_id} has nothing waiting for confirmation")
    return tuple(held["invoices"]), str(held["source"])


def keep_open(account: Account, now: datetime, actor: str) -> tuple[Account, list[Activity]]:
    """A person says the invoices are still owed: the hold goes, collection resumes."""
    invoices, source = review_of(account)
    flags = {k: v for k, v in account.flags.items() if k != REVIEW}
    summary = f"invoices {', '.join(invoices)} confirmed still owed (not in the snapshot {source})"
    return replace(account, flags=flags), [Activity(at=now, kind="status", actor=actor, summary=summary)]
