"""pynamodb models and repositories against moto, on the table and indexes the template defines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bench.probe import items_read
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import imports as import_repo
from shared.db.account_codec import to_item
from shared.domain.accounts import Account, Activity
from shared.domain.errors import NotFoundError
from tests.factories import account

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_account_roundtrip_through_batch_write_keeps_every_field(aws):
    # Given a new account written in a batch
    original = account("0000611365", next_action_at=NOW)
    account_repo.put_new_accounts([original])
    # When it is read back
    stored = account_repo.get_account(original.key)
    # Then it is the same account, with version 1 and the id's leading zeros kept
    assert replace(stored, version=None) == original
    assert stored.version == 1
    assert stored.account_id == "0000611365"


def test_get_account_unknown_key_raises_not_found(aws):
    with pytest.raises(NotFoundError):
        account_repo.get_account("acme#nope")


def test_find_accounts_by_reference_uses_lookup_index(aws):
    account_repo.put_new_accounts([account("C-1"), account("C-1", creditor="beta"), account("C-2")])
    found = account_repo.find_accounts("c-1")
    assert sorted(a.creditor for a in found) == ["acme", "beta"]


def test_query_worklist_orders_oldest_due_first_and_skips_holds(aws):
    # Given three open accounts in the pool, one with a cease request
    accounts = [
        account("A", due=date(2026, 10, 20)),
        account("B", due=date(2026, 9, 1)),
        account("C", due=date(2026, 8, 1), flags={"cease": {"received_at": "2026-11-01T00:00:00Z"}}),
    ]
    account_repo.put_new_accounts(accounts)
    # When the pool's worklist is queried
    listed = account_repo.query_worklist(None)
    # Then the ceased account is not on it and the rest come oldest debt first
    assert [a.account_id for a in listed] == ["B", "A"]


def _pool(n: int, due_of: Callable[[int], date]) -> list[Account]:
    accounts = [account(f"P-{i:03d}", due=due_of(i), minor=10_000 + 997 * i) for i in range(n)]
    account_repo.put_new_accounts(accounts)
    return accounts


def _one_partition_order(accounts: list[Account], limit: int) -> list[str]:
    """What the unsharded pool gave: every listed account by gsi1sk (rank#key), descending."""
    return [a.key for a in sorted(accounts, key=lambda a: f"{a.rank}#{a.key}", reverse=True)[:limit]]


def test_pool_worklist_and_creditor_index_are_spread_and_the_pool_merges_in_one_partitions_order(aws):
    # Given 200 pool accounts with many distinct ranks (due dates and sizes)
    accounts = _pool(200, lambda i: date(2026, 1, 1) + timedelta(days=(i * 37) % 300))
    # When the pool is read
    listed = account_repo.query_worklist(None, 45)
    # Then it is spread over partitions none of which holds more than 1/8, and merges to the same order
    for index in ("gsi1pk", "gsi4pk"):
        spread = Counter(getattr(to_item(a), index) for a in accounts)
        assert len(spread) == 16 and max(spread.values()) <= len(accounts) / 8
    assert [a.key for a in listed] == _one_partition_order(accounts, 45)


def test_pool_worklist_reads_on_in_a_partition_that_holds_all_the_best(aws):
    # Given the 20 oldest debts all in one pool partition, the rest newer
    keys_by_shard = [a for a in (account(f"P-{i:03d}") for i in range(400)) if to_item(a).gsi1pk == "WL#-#3"]
    old = {a.account_id for a in keys_by_shard[:20]}
    assert len(old) == 20
    accounts = [
        account(f"P-{i:03d}", due=date(2025, 1, 1) if f"P-{i:03d}" in old else date(2026, 10, 1)) for i in range(400)
    ]
    account_repo.put_new_accounts(accounts)
    # When the pool's best 45 are read (a first page of 4 per partition)
    listed = account_repo.query_worklist(None, 45)
    # Then that partition's further pages were read: the 20 come first, then the rest in order
    assert [a.key for a in listed] == _one_partition_order(accounts, 45)
    assert {a.account_id for a in listed[:20]} == old


def test_query_due_accounts_returns_only_due_open_accounts(aws):
    account_repo.put_new_accounts(
        [
            account("due", next_action_at=NOW - timedelta(minutes=1)),
            account("later", next_action_at=NOW + timedelta(hours=1)),
            account("held", flags={"cease": {"received_at": "2026-11-01T00:00:00Z"}}),
            account("paid", minor=0),
        ]
    )
    assert [a.account_id for a in account_repo.query_due_accounts(NOW)] == ["due"]


def test_activity_history_is_newest_first_and_filterable(aws):
    key = account().key
    entries = [
        Activity(at=NOW - timedelta(hours=h), kind=k, summary=f"{k}{h}")
        for h, k in [(3, "note"), (2, "compliance"), (1, "contact")]
    ]
    activity_repo.append_activities((key, e) for e in entries)
    assert [a.summary for a in activity_repo.query_activity(key)] == ["contact1", "compliance2", "note3"]
    assert [a.summary for a in activity_repo.query_activity(key, kinds=frozenset({"compliance"}))] == ["compliance2"]


def test_contacts_since_reads_only_contacts_from_the_window_oldest_first(aws):
    # Given a busy history: 300 notes, decisions and payments around 3 contacts, one of them too old
    key = account().key
    kinds = ("note", "compliance", "payment")
    noise = [Activity(at=NOW - timedelta(minutes=m), kind=kinds[m % 3], summary=f"n{m}") for m in range(300)]
    contacts = [
        Activity(at=NOW - timedelta(hours=h), kind="contact", summary=f"call{h}", channel="call") for h in (30, 5, 1)
    ]
    activity_repo.append_activities((key, e) for e in noise + contacts)
    # When the compliance history of the last day is read
    with items_read() as read:
        found = activity_repo.query_contacts_since(key, NOW - timedelta(hours=24))
    # Then only the two contacts inside it come back, oldest first, and only they are read
    assert [a.summary for a in found] == ["call5", "call1"]
    assert read == [2]


def test_claim_marker_is_true_once(aws):
    assert activity_repo.claim_marker("ACCT#x", "SEND#1", NOW) is True
    assert activity_repo.claim_marker("ACCT#x", "SEND#1", NOW) is False


def test_claim_import_is_held_while_the_lease_lives_and_finished_imports_are_never_claimed(aws):
    # Given an import claimed by one invocation
    state = import_repo.claim_import("b", "incoming/x.csv", "v1", NOW, "first")
    assert isinstance(state, import_repo.ImportState) and state.checkpoint_line == 0
    # Then another delivery meanwhile is told when the lease ends
    assert import_repo.claim_import("b", "incoming/x.csv", "v1", NOW, "second") == import_repo.Held(
        NOW + import_repo.LEASE
    )
    # When the holder checkpoints and hands over, the next delivery takes it at the checkpoint at once
    state.checkpoint_line = 1000
    import_repo.save_progress(state, NOW)
    import_repo.release_lease(state, NOW)
    resumed = import_repo.claim_import("b", "incoming/x.csv", "v1", NOW, "second")
    assert isinstance(resumed, import_repo.ImportState)
    assert (resumed.checkpoint_line, resumed.interrupted, resumed.interruptions) == (1000, False, 0)
    # and the old holder can no longer write it
    with pytest.raises(import_repo.LeaseLostError):
        import_repo.save_progress(state, NOW)
    resumed.status = "done"
    import_repo.save_progress(resumed, NOW)
    assert import_repo.claim_import("b", "incoming/x.csv", "v1", NOW + timedelta(hours=1), "third") is None


def test_claim_import_takes_over_from_a_holder_that_died_once_its_lease_ran_out(aws):
    # Given a holder that died at line 500 (it never released the lease)
    state = import_repo.claim_import("b", "incoming/x.csv", "v1", NOW, "dead")
    assert isinstance(state, import_repo.ImportState)
    state.checkpoint_line = 500
    import_repo.save_progress(state, NOW)
    # When a retry comes a minute later, then after the lease
    early = import_repo.claim_import("b", "incoming/x.csv", "v1", NOW + timedelta(minutes=1), "retry")
    late = import_repo.claim_import(
        "b", "incoming/x.csv", "v1", NOW + import_repo.LEASE + timedelta(seconds=1), "retry"
    )
    # Then the early one waits, and the late one resumes at the checkpoint, counting the interruption
    assert isinstance(early, import_repo.Held)
    assert isinstance(late, import_repo.ImportState)
    assert (late.checkpoint_line, late.interrupted, late.interruptions) == (500, True, 1)


def test_imports_are_listed_by_file_and_by_month(aws):
    import_repo.claim_import("b", "incoming/a.csv", "v1", NOW, "one")
    import_repo.claim_import("b", "incoming/a.csv", "v2", NOW + timedelta(minutes=5), "two")
    import_repo.claim_import("b", "incoming/b.csv", "v1", NOW + timedelta(days=30), "three")
    assert [s.version for s in import_repo.query_imports_of_file("b", "incoming/a.csv")] == ["v1", "v2"]
    assert [s.key for s in import_repo.query_imports_by_month("2026-11")] == ["incoming/a.csv", "incoming/a.csv"]
    assert [s.key for s in import_repo.query_imports_by_month("2026-12")] == ["incoming/b.csv"]
