"""Creating accounts only where none exists, and snapshot markers kept apart from the accounts, against moto."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.client import BaseClient

from shared.db import accounts as account_repo
from shared.db.accounts import SnapshotStamp
from shared.domain.accounts import Account, Invoice
from shared.domain.money import Money
from tests.factories import account

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
JULY = "incoming/snap/july.csv@v1"
AUGUST = "incoming/snap/august.csv@v1"


def stamp(source: str, accounts: list[Account]) -> SnapshotStamp:
    """A snapshot that listed these accounts with all their invoices."""
    return SnapshotStamp(source, NOW, {a.key: tuple(i.number for i in a.invoices) for a in accounts})


def missing(creditor: str, source: str) -> list[tuple[str, tuple[str, ...]]]:
    """Every page of the missing pass: (account id, left-out invoices)."""
    found, start = [], None
    while True:
        page = account_repo.query_missing_from_snapshot(creditor, source, start)
        found += [(a.account_id, gone) for a, gone in page.missing]
        if page.next_key is None:
            return found
        start = page.next_key


@pytest.fixture
def calls(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """DynamoDB operations made while the test runs (pynamodb ends in the same botocore method)."""
    seen: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        seen[operation] += 1
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    yield seen


def test_create_accounts_absent_keys_are_created_with_version_one(calls):
    # Given 150 accounts that do not exist
    accounts = [account(f"N-{i:03d}") for i in range(150)]
    # When they are created
    existed = account_repo.create_accounts(accounts)
    # Then all exist at version 1, written in two transactions (100 puts a call)
    assert existed == []
    assert calls["TransactWriteItems"] == 2 and calls["BatchWriteItem"] == 0
    stored = account_repo.get_accounts(a.key for a in accounts)
    assert len(stored) == 150 and {a.version for a in stored.values()} == {1}
    assert replace(stored[accounts[0].key], version=None) == accounts[0]


def test_create_accounts_existing_key_is_returned_untouched_and_the_rest_created(calls):
    # Given an account someone else created (with its own invoice) after we found it absent
    account_repo.create_accounts([account("X", minor=500)])
    theirs = account_repo.get_account(account("X").key)
    # When a chunk creates X among others
    existed = account_repo.create_accounts([account("A"), account("X", minor=999), account("B")])
    # Then X is reported as existing and kept as it was; A and B are created (cancelled once, retried once)
    assert existed == [account("X").key]
    assert account_repo.get_account(account("X").key) == theirs
    assert account_repo.get_account(account("A").key).version == 1
    assert account_repo.get_account(account("B").key).version == 1
    assert calls["TransactWriteItems"] == 1 + 2


def test_create_accounts_with_stamp_marks_each_created_account_listed(aws):
    # Given 60 new accounts of a full snapshot (markers ride in the transaction: 50 accounts a call)
    accounts = [account(f"S-{i:02d}", creditor="globex") for i in range(60)]
    # When they are created with the snapshot's stamp
    assert account_repo.create_accounts(accounts, stamp(JULY, accounts)) == []
    # Then the snapshot misses none of them, and the next snapshot (no markers yet) misses all
    assert missing("globex", JULY) == []
    assert len(missing("globex", AUGUST)) == 60


def test_query_missing_from_snapshot_pages_and_skips_closed_and_other_creditors(aws):
    # Given 250 open accounts of globex (more than two pages of 100), a paid one, and acme's
    accounts = [account(f"G-{i:03d}", creditor="globex") for i in range(250)]
    paid = account("G-paid", creditor="globex", minor=0, status="paid")
    account_repo.create_accounts([*accounts, paid, account("A-1")])
    # When August lists the first 120 globex accounts
    account_repo.stamp_snapshot((a.key for a in accounts[:120]), stamp(AUGUST, accounts[:120]))
    account_repo.stamp_snapshot((a.key for a in accounts[120:130]), stamp(JULY, accounts[120:130]))
    # Then exactly the other 130 open accounts are missing, with all their open invoices, in pages of 50
    assert sorted(missing("globex", AUGUST)) == sorted((a.account_id, (a.invoices[0].number,)) for a in accounts[120:])
    first = account_repo.query_missing_from_snapshot("globex", AUGUST)
    assert first.read == 50 and first.next_key is not None


def test_query_missing_from_snapshot_names_invoices_a_listed_account_left_out(aws):
    # Given an account with two invoices, listed by the snapshot with only one of them
    two = replace(account("G-1", creditor="globex"), invoices=(
        Invoice("I-1", Money(100, "USD"), NOW.date()), Invoice("I-2", Money(200, "USD"), NOW.date())))  # fmt: skip
    account_repo.create_accounts([two])
    account_repo.stamp_snapshot([two.key], SnapshotStamp(AUGUST, NOW, {two.key: ("I-1",)}))
    # Then I-2 is left out; I-1 is not
    assert missing("globex", AUGUST) == [("G-1", ("I-2",))]


def test_stamp_snapshot_leaves_the_account_item_alone(aws):
    # Given an account a collector just put on a cease hold
    account_repo.create_accounts([account("C-1")])
    held = account_repo.get_account(account("C-1").key)
    held = account_repo.save_account(replace(held, flags={"cease": {"received_at": "2026-11-23T15:00:00Z"}}))
    assert held is not None
    # When a snapshot stamps it
    account_repo.stamp_snapshot([held.key], stamp(AUGUST, [held]))
    # Then the account is exactly as the collector left it, and counts as listed
    assert account_repo.get_account(held.key) == held
    assert missing("acme", AUGUST) == []


def test_create_accounts_transaction_keeps_invoices_of_the_creator(aws):
    # Given X created by one import with invoice I-1
    first = account("X")
    account_repo.create_accounts([first])
    # When a second create of X (invoice I-2) is refused
    other = replace(first, invoices=(Invoice("I-2", Money(100, "USD"), first.invoices[0].due_date),))
    # Then I-1 is still the stored invoice
    assert account_repo.create_accounts([other]) == [first.key]
    assert [i.number for i in account_repo.get_account(first.key).invoices] == [first.invoices[0].number]
