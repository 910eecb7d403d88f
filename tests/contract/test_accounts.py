"""One contract for the Accounts port, run against the in-memory fake and the DynamoDB (pynamodb) version."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shared.domain.account_actions import needs_locating, post_payment
from shared.domain.accounts import Account, Activity, Commitment
from shared.domain.errors import ConflictError, NotFoundError
from shared.domain.ledger import LedgerEntry
from shared.domain.money import Money
from shared.domain.state import recompute
from shared.ports import Accounts
from tests.contract import BOTH, implementation
from tests.factories import account
from tests.fakes import InMemoryAccounts

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(params=BOTH)
def accounts(request: pytest.FixtureRequest) -> Accounts:
    port: Accounts = implementation(request, InMemoryAccounts, "shared.db.accounts:DynamoAccounts")
    return port


def ready(a: Account) -> Account:
    return recompute(a, NOW)


def test_get_unknown_account_is_not_found(accounts: Accounts) -> None:
    with pytest.raises(NotFoundError):
        accounts.get("acme#nobody")


def test_save_new_then_get_returns_everything_written(accounts: Accounts) -> None:
    # Given an account with a ledger entry, a promise and holds
    entry = LedgerEntry("pay:W-1", "payment", Money(5_000, "USD"), NOW, "U-1", "W-1")
    promise = Commitment(
        "promise", "p1", Money(10_000, "USD"), date(2026, 11, 20), NOW, "U-1", NOW + timedelta(days=19)
    )
    new = ready(replace(account("C-1"), entries=(entry,), commitment=promise, flags={"cease": {"at": "x"}}))

    # When it is created and read back
    stored = accounts.save(new, [Activity(at=NOW, kind="note", summary="hello")])
    found = accounts.get(new.key)

    # Then it is version 1 and exactly what was written
    assert stored is not None and stored.version == 1
    assert found == replace(new, version=1)


def test_save_conditioned_on_the_version_read(accounts: Accounts) -> None:
    # Given an account read by two writers
    first = accounts.save(ready(account("C-1")))
    assert first is not None
    accounts.save(replace(first, debtor="Renamed"))

    # When the second writes what it read before the first wrote
    # Then it is refused, and the first writer's change stays
    with pytest.raises(ConflictError):
        accounts.save(replace(first, collector="U-2"))
    assert accounts.get(first.key).debtor == "Renamed"
    assert accounts.get(first.key).version == 2


def test_save_new_when_it_exists_is_a_conflict(accounts: Accounts) -> None:
    accounts.save(ready(account("C-1")))
    with pytest.raises(ConflictError):
        accounts.save(ready(account("C-1")))


def test_save_once_writes_a_request_only_the_first_time(accounts: Accounts) -> None:
    # Given an account and a Slack request that changed it
    first = accounts.save(ready(account("C-1")))
    assert first is not None
    done = accounts.save(replace(first, collector="U-1"), once="REQ#T-1")

    # When the same request is delivered again
    again = accounts.save(replace(first, collector="U-1"), once="REQ#T-1")

    # Then nothing is written the second time (no conflict either: it is a repeat)
    assert done is not None and again is None
    assert accounts.get(first.key).version == 2


def test_due_finds_reminders_and_promise_deadlines_separately(accounts: Accounts) -> None:
    # Given an account with a reminder due, one with a promise whose deadline passed, and one due tomorrow
    due = ready(account("C-1", due=date(2026, 10, 1)))
    promise = Commitment("promise", "p", Money(100, "USD"), date(2026, 10, 30), NOW, "U", NOW - timedelta(hours=1))
    promised = ready(replace(account("C-2"), commitment=promise))
    later = ready(account("C-3", due=date(2026, 11, 2)))
    for a in (due, promised, later):
        accounts.save(a)

    # Then each kind is found by its own query, at or before the instant asked (C-1's reminder at 10:00 local)
    assert [a.account_id for a in accounts.due(NOW, "REMIND")] == []
    assert [a.account_id for a in accounts.due(NOW + timedelta(hours=1), "REMIND")] == ["C-1"]
    assert [a.account_id for a in accounts.due(NOW, "FOLLOWUP")] == ["C-2"]
    assert sorted(a.account_id for a in accounts.due(NOW + timedelta(days=2), "REMIND")) == ["C-1", "C-3"]


def test_due_keys_lists_every_due_account_once(accounts: Accounts) -> None:
    # Given 520 due reminders spread over the due index's shards, and one due later
    stored = [ready(account(f"C-{n:04d}", due=date(2026, 10, 1))) for n in range(520)]
    if isinstance(accounts, InMemoryAccounts):
        for a in stored:
            accounts.save(a)
    else:
        from shared.db.accounts import put_new_accounts

        put_new_accounts(stored)
    accounts.save(ready(account("LATER", due=date(2026, 11, 2))))

    # Then the keys of every due one are listed, each once, and not the later one
    keys = list(accounts.due_keys(NOW + timedelta(hours=1), "REMIND"))
    assert sorted(keys) == sorted(a.key for a in stored)


def test_due_finds_payments_the_books_should_show_by_now(accounts: Accounts) -> None:
    # Given a payment posted 31 days ago and one posted yesterday (30-day window)
    old = LedgerEntry("pay:A", "payment", Money(100, "USD"), NOW - timedelta(days=31), "U", "A")
    new = LedgerEntry("pay:B", "payment", Money(100, "USD"), NOW - timedelta(days=1), "U", "B")
    accounts.save(ready(replace(account("C-1"), entries=(old,))))
    accounts.save(ready(replace(account("C-2"), entries=(new,))))

    # Then only the old one is due for reconciliation
    assert [a.account_id for a in accounts.due(NOW, "RECON")] == ["C-1"]


def test_worklist_is_best_first_per_collector_and_leaves_out_held_and_paused(accounts: Accounts) -> None:
    # Given pool accounts 60 and 30 days past due, one with a cease hold, one assigned to U-1
    rows: list[dict[str, Any]] = [
        {"account_id": "OLD", "due": date(2026, 9, 3)},
        {"account_id": "NEW", "due": date(2026, 10, 3)},
        {"account_id": "CEASE", "due": date(2026, 8, 1), "flags": {"cease": {"received_at": "x"}}},
        {"account_id": "MINE", "due": date(2026, 8, 1), "collector": "U-1"},
    ]
    for row in rows:
        accounts.save(ready(account(row.pop("account_id"), **row)))

    # Then the pool lists the older first, without the ceased one; U-1 has its own
    assert [a.account_id for a in accounts.worklist(None, 10)] == ["OLD", "NEW"]
    assert [a.account_id for a in accounts.worklist("U-1", 10)] == ["MINE"]


def test_the_locate_queue_is_the_flagged_worklist_accounts_longest_waiting_first(accounts: Accounts) -> None:
    # Given pool accounts flagged for locating on the 20th and the 10th, one of U-1's flagged on the 15th, a
    # broken promise on top of the pool (the same boosted band), and an account with nothing to do
    def flagged(account_id: str, since: str, **extra: Any) -> Account:
        return needs_locating(account(account_id, **extra), since, "contact", "email bounced; no other contact")

    for subject in (flagged("LATE", "2026-11-20T15:00:00Z"), flagged("EARLY", "2026-11-10T15:00:00Z"),
                    flagged("MINE", "2026-11-15T15:00:00Z", collector="U-1"),
                    replace(account("BROKE"), follow_up="promise broken: call the debtor"), account("QUIET")):  # fmt: skip
        accounts.save(ready(subject))
    # Then the pool's queue is the two flagged, longest waiting first; U-1 has its own; a held one is not worked
    assert [a.account_id for a in accounts.needing_locate(None, 10)] == ["EARLY", "LATE"]
    assert [a.account_id for a in accounts.needing_locate("U-1", 10)] == ["MINE"]
    assert [a.account_id for a in accounts.needing_locate(None, 1)] == ["EARLY"]
    held = replace(accounts.get(account("EARLY").key), flags={**accounts.get(account("EARLY").key).flags,
                   "cease": {"received_at": "x"}})  # fmt: skip
    accounts.save(ready(held))
    assert [a.account_id for a in accounts.needing_locate(None, 10)] == ["LATE"]


def test_an_account_still_to_locate_stays_in_the_queue_when_a_payment_clears_its_follow_up(accounts: Accounts) -> None:
    # Given a pool account flagged for locating, then a partial payment by card (no new phone or email)
    flagged = needs_locating(account("PAYS"), "2026-11-10T15:00:00Z", "contact", "email bounced; no other contact")
    at = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)
    paid, _ = post_payment(flagged, Money(1_000, "USD"), "P-1", "U-1", at, at.date())
    assert paid.follow_up is None and paid.flags["needs_locate"]
    accounts.save(ready(paid))

    # Then it is still in the locate queue: the payment found no way to reach the debtor
    assert [a.account_id for a in accounts.needing_locate(None, 10)] == ["PAYS"]


def test_find_by_customer_id_any_case(accounts: Accounts) -> None:
    accounts.save(ready(account("Cust-9")))
    assert [a.account_id for a in accounts.find("cust-9")] == ["Cust-9"]
    assert accounts.find("nobody") == []
