"""The hourly follow-up on the in-memory store: one account failing stops none of the others, and is retried."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

import functions.plans.installments as installments
from functions.plans.logic import run_follow_ups
from shared.domain.account_actions import make_promise
from shared.domain.accounts import Account
from shared.domain.errors import UpstreamUnavailableError
from shared.domain.ledger import LedgerEntry
from shared.domain.money import Money
from shared.domain.state import recompute
from tests.factories import account
from tests.fakes import InMemoryAccounts
from tests.fakes import InMemoryNotifier as Poster

MADE = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
CHECK = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)  # past the deadline of promises due Nov 2 (Chicago)
CHANNELS = ("C-REPORTS", "C-OPS")


class FlakyAccounts(InMemoryAccounts):
    """DynamoDB refusing every write of some accounts."""

    failing: set[str]

    def save(self, account: Account, activities: Any = (), once: str | None = None) -> Account | None:
        if account.key in getattr(self, "failing", set()):
            raise UpstreamUnavailableError("DynamoDB rejected the write")
        return super().save(account, activities, once)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FlakyAccounts:
    monkeypatch.setattr(installments.plan_repo, "query_due_installments", lambda now: iter(()))  # no plans here
    fake = FlakyAccounts()
    for account_id in ("C-1", "C-2", "C-3"):
        promised, _ = make_promise(account(account_id), Money(5_000, "USD"), date(2026, 11, 2), "p", "U-ANA", MADE)
        fake.save(replace(recompute(promised, MADE), version=None))
    return fake


def test_one_account_failing_leaves_the_others_decided_reported_then_raises(store: FlakyAccounts) -> None:
    # Given DynamoDB refusing every write of C-2
    store.failing = {account("C-2").key}
    poster = Poster()

    # When the follow-up runs
    with pytest.raises(ExceptionGroup) as raised:
        run_follow_ups(CHECK, poster, CHANNELS, store)

    # Then it raises that one error (so Lambda retries), the other two promises are decided, and Slack hears of
    # both and of the failure, by account key only
    assert [type(e) for e in raised.value.exceptions] == [UpstreamUnavailableError]
    assert [store.get(account(a).key).commitment is None for a in ("C-1", "C-2", "C-3")] == [True, False, True]
    (report,) = poster.posts
    assert report.count(":x: broken promise") == 2 and f"follow-up failed: {account('C-2').key}" in report
    assert "Debtor C-2" not in report

    # When the retry runs with DynamoDB back / Then only C-2 is decided and reported
    store.failing = set()
    result = run_follow_ups(CHECK + timedelta(minutes=5), poster, CHANNELS, store)
    assert result.broken == [f"{account('C-2').key}: USD 50.00 due 2026-11-02"]
    assert len(poster.posts) == 2


def test_payment_not_in_the_books_after_the_window_is_reported_once(store: FlakyAccounts) -> None:
    # Given a payment posted 31 days before the run and never matched by an import
    key = account("C-1").key
    old = LedgerEntry("pay:W-1", "payment", Money(2_000, "USD"), CHECK - timedelta(days=31), "U-ANA", "W-1")
    store.save(recompute(replace(store.get(key), entries=(old,)), CHECK))
    poster = Poster()

    # When the follow-up runs twice
    first = run_follow_ups(CHECK, poster, CHANNELS, store)
    second = run_follow_ups(CHECK + timedelta(hours=1), poster, CHANNELS, store)

    # Then it is reported the first time only, and stays pending (still counted) until an import matches it
    assert first.unreconciled == [f"{key}: payment USD 20.00 ref `W-1` of {old.at.date()}"]
    assert second.unreconciled == []
    ops = [text for channel, text in zip(poster.channels, poster.posts, strict=True) if channel == "C-OPS"]
    assert len(ops) == 1 and "`W-1`" in ops[0] and "Debtor" not in ops[0]
    assert store.get(key).entries[0].state == "pending" and store.get(key).entries[0].flagged
