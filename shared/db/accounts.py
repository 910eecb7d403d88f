"""Repository of accounts and invoices: domain objects in, domain objects out, one Query per read."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PynamoDBConnectionError

from shared.chunks import chunked
from shared.db import creditors, keys
from shared.db.account_codec import ACCOUNT_SK, from_item, to_item
from shared.db.activity import activity_item
from shared.db.batch import batch_delete, batch_get, batch_put
from shared.db.models import AccountItem, MarkerItem
from shared.db.transact import Cancelled, Transaction
from shared.domain.accounts import Account, Activity, locate_order
from shared.domain.errors import ConflictError, NotFoundError, UpstreamUnavailableError
from shared.domain.settings import Settings, parse_settings

__all__ = ["ACCOUNT_SK", "from_item", "to_item"]
SNAPSHOT_SK = "SNAP"
SNAPSHOT_TTL = timedelta(days=400)
TRANSACT_MAX = 100  # DynamoDB's limit of items in one TransactWriteItems
BATCH_GET_MAX = 100  # and of keys in one BatchGetItem


@dataclass(frozen=True)
class SnapshotStamp:
    """A full-snapshot import (`source`) listed an account at `at`, with these invoice numbers so far."""

    source: str
    at: datetime
    listed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # account key -> invoices this file listed


def get_account(key: str) -> Account:
    try:
        return from_item(AccountItem.get(keys.account_pk(key), ACCOUNT_SK, consistent_read=True))
    except DoesNotExist as exc:
        raise NotFoundError(f"no account {key}") from exc
    except PynamoDBConnectionError as exc:
        raise UpstreamUnavailableError("DynamoDB is unavailable") from exc


def get_accounts(account_keys: Iterable[str]) -> dict[str, Account]:
    """Several accounts in BatchGetItem calls of up to 100 keys."""
    wanted = [(keys.account_pk(k), ACCOUNT_SK) for k in dict.fromkeys(account_keys)]
    found = (from_item(item) for item in batch_get(AccountItem, wanted))
    return {account.key: account for account in found}


def find_accounts(ref: str) -> list[Account]:
    """Accounts whose customer id is `ref` (any creditor), via the lookup index."""
    return [from_item(i) for i in AccountItem.lookup.query(keys.ref_pk(ref), limit=25)]


def save_account(account: Account, activities: Sequence[Activity] = (), once: str | None = None) -> Account | None:
    """The one write of an existing or new account: the account (version-checked: `version` is what was read;
    None creates it), its activities and, with `once`, the request marker, in one transaction.

    Returns the stored account, or None when `once` shows this work was done before (nothing written).
    Raises ConflictError when the account changed (or was created) since it was read.
    """
    tx = Transaction()
    if once is not None:
        tx.once(account.key, once, max((a.at for a in activities), default=datetime.now(UTC)))
    item = to_item(account, (a.at for a in activities))
    condition = AccountItem.pk.does_not_exist() if account.version is None else None
    tx.put("account", item, condition=condition)  # pynamodb adds the version condition and the bump
    for number, activity in enumerate(activities):
        tx.put(f"activity:{number}", activity_item(account.key, activity, number))
    try:
        tx.commit()
    except Cancelled as exc:
        if "request" in exc.failed:
            return None
        raise ConflictError(f"account {account.key} changed meanwhile; reload and retry") from exc
    return from_item(item)


def put_new_accounts(accounts: Iterable[Account]) -> int:
    """Seed accounts in batches with no condition (tests, demo data); returns calls made.

    Imports must not use it: an unconditional put overwrites an account created meanwhile. They use
    `create_accounts`.
    """
    return batch_put(AccountItem, (to_item(replace(a, version=a.version or 1)) for a in accounts))


def create_accounts(accounts: Iterable[Account], stamp: SnapshotStamp | None = None) -> list[str]:
    """Create accounts only where none exists: TransactWriteItems of up to 100 puts, each `attribute_not_exists`.

    With `stamp`, each account's snapshot marker is put in the same transaction (50 accounts a call).
    Returns the keys of accounts that exist by now (a concurrent import created them): nothing was written
    for those, and the caller merges its rows onto the stored account. The rest are created.
    """
    per_call = TRANSACT_MAX // 2 if stamp else TRANSACT_MAX
    existed: list[str] = []
    for chunk in chunked(accounts, per_call):
        existed += _create_chunk(chunk, stamp)
    return existed


def _create_chunk(pending: list[Account], stamp: SnapshotStamp | None) -> list[str]:
    """One transaction; accounts found to exist are dropped and the rest retried (each round drops one)."""
    existed: list[str] = []
    while pending:
        tx = Transaction()
        for account in pending:
            # version is None: pynamodb also adds `attribute_not_exists(version)` and writes version 1
            tx.put(f"acct:{account.key}", to_item(replace(account, version=None)), AccountItem.pk.does_not_exist())
            if stamp is not None:
                tx.put(f"snap:{account.key}", snapshot_marker(account.key, stamp))
        try:
            tx.commit()
            break
        except Cancelled as exc:
            found = {name.removeprefix("acct:") for name in exc.failed if name.startswith("acct:")}
        existed += sorted(found)
        pending = [a for a in pending if a.key not in found]
    return existed


def snapshot_marker(key: str, stamp: SnapshotStamp) -> MarkerItem:
    pk = keys.account_pk(key)
    data = {"source": stamp.source, "listed": sorted(stamp.listed.get(key, ()))}
    return MarkerItem(pk, SNAPSHOT_SK, at=stamp.at, data=data, expires_at=stamp.at + SNAPSHOT_TTL)


def get_snapshot_listed(account_keys: Iterable[str], source: str) -> dict[str, tuple[str, ...]]:
    """Invoice numbers the snapshot `source` already listed for each account (earlier chunks of the same file)."""
    wanted = [(keys.account_pk(k), SNAPSHOT_SK) for k in dict.fromkeys(account_keys)]
    markers = batch_get(MarkerItem, wanted, consistent_read=True, attributes=["pk", "sk", "data"])
    return {
        m.pk.removeprefix("ACCT#"): tuple((m.data or {}).get("listed") or ())
        for m in markers
        if (m.data or {}).get("source") == source
    }


def stamp_snapshot(account_keys: Iterable[str], stamp: SnapshotStamp) -> int:
    """Record that a full snapshot listed these accounts: one marker each, batch-written; the accounts are
    not touched (a collector's concurrent change to them stays). Returns the BatchWriteItem calls made."""
    return batch_put(MarkerItem, (snapshot_marker(key, stamp) for key in account_keys))


def query_worklist(collector: str | None, limit: int = 45) -> list[Account]:
    """The `limit` best accounts of a worklist (gsi1, rank descending); the pool's partitions merged."""
    return [from_item(i) for i in _best_of(keys.worklist_pks(collector), limit)]


def _best_of(pks: list[str], limit: int) -> list[AccountItem]:
    """The `limit` highest gsi1sk items across partitions, in the order one partition would give them.

    Each partition's first page (a fair share of `limit`) is read in parallel; a further page only from a
    partition whose page ran out while its next item could still be among the best.
    """
    page = -(-limit // len(pks)) + 1

    def read(pk: str, start: dict[str, Any] | None) -> tuple[deque[AccountItem], dict[str, Any] | None]:
        query = AccountItem.worklist.query(pk, scan_index_forward=False, limit=page, last_evaluated_key=start)
        return deque(query), query.last_evaluated_key

    with ThreadPoolExecutor(max_workers=min(len(pks), 8)) as pool:
        pages = dict(zip(pks, pool.map(lambda pk: read(pk, None), pks), strict=True))
    best: list[AccountItem] = []
    while len(best) < limit:
        for pk, (items, more) in pages.items():
            if not items and more is not None:
                pages[pk] = read(pk, more)
        live = [items for items, _ in pages.values() if items]
        if not live:
            break
        best.append(max(live, key=lambda items: str(items[0].gsi1sk)).popleft())
    return best


def query_needing_locate(collector: str | None, limit: int = 100) -> list[Account]:
    """The worklist's accounts that need locating, longest waiting first: a locate task lifts an account into the
    worklist's boosted band (`1#` on gsi1), so each partition's band is read (in parallel, all its pages) and
    nothing else; a broken promise shares the band and is left out here."""

    def band(pk: str) -> list[Account]:
        query = AccountItem.worklist.query(pk, AccountItem.gsi1sk.startswith("1#"), scan_index_forward=False)
        return [account for account in map(from_item, query) if account.flags.get("needs_locate")]

    pks = keys.worklist_pks(collector)
    with ThreadPoolExecutor(max_workers=min(len(pks), 8)) as pool:
        found = [account for accounts in pool.map(band, pks) for account in accounts]
    return sorted(found, key=locate_order)[:limit]


def query_due_accounts(now: datetime, kind: str = "REMIND", limit: int = 500) -> Iterator[Account]:
    """Accounts with something of `kind` due at or before `now`, one Query per shard: REMIND (a reminder) and
    FOLLOWUP (a promise's deadline) on gsi2; RECON (a posted payment the books should show by now) on gsi5,
    whose keys-only entries are read in BatchGetItem calls."""
    upper = f"{keys.instant(now)}#~"
    for shard in range(keys.SHARDS):
        if kind == "RECON":
            query = AccountItem.to_reconcile.query(keys.due_pk(kind, shard), AccountItem.gsi5sk <= upper, limit=limit)
            yield from get_accounts(item.pk.removeprefix("ACCT#") for item in query).values()
            continue
        for item in AccountItem.due.query(keys.due_pk(kind, shard), AccountItem.gsi2sk <= upper, limit=limit):
            yield from_item(item)


def query_due_keys(now: datetime, kind: str = "REMIND") -> Iterator[str]:
    """Every account key with `kind` due at or before `now` on gsi2, however many: keys only, each shard paged."""
    upper = f"{keys.instant(now)}#~"
    for shard in range(keys.SHARDS):
        query = AccountItem.due.query(keys.due_pk(kind, shard), AccountItem.gsi2sk <= upper, attributes_to_get=["pk"])
        yield from (item.pk.removeprefix("ACCT#") for item in query)


@dataclass(frozen=True)
class MissingPage:
    """One page of a snapshot's missing-items pass: each open account with the invoices the snapshot did not list
    (all its open invoices when it did not list the account at all), and where the next page starts."""

    missing: list[tuple[Account, tuple[str, ...]]]
    next_key: dict[str, Any] | None
    read: int


def query_missing_from_snapshot(
    creditor: str, snapshot: str, start: dict[str, Any] | None = None, page_size: int = BATCH_GET_MAX // 2
) -> MissingPage:
    """A page of the creditor's open accounts (gsi4) with their `SNAP` markers and items (one BatchGetItem).

    An invoice is missing when the snapshot did not list it: its account's marker names another import (or
    none), or names this one without the invoice among those listed and the invoice was not written by it.
    """
    page, next_key = _open_of_creditor(creditor, start or {"shard": 0}, page_size)
    wanted = [(item.pk, SNAPSHOT_SK) for item in page]
    markers = batch_get(MarkerItem, wanted, consistent_read=True, attributes=["pk", "sk", "data"])
    listed = {
        m.pk: set((m.data or {}).get("listed") or ()) for m in markers if (m.data or {}).get("source") == snapshot
    }
    accounts = get_accounts(item.pk.removeprefix("ACCT#") for item in page)
    missing = []
    for account in accounts.values():
        seen = listed.get(keys.account_pk(account.key))
        gone = tuple(
            i.number for i in account.open_invoices() if seen is None or (i.number not in seen and i.source != snapshot)
        )
        if gone:
            missing.append((account, gone))
    return MissingPage(missing, next_key, len(page))


def _open_of_creditor(
    creditor: str, cursor: dict[str, Any], page_size: int
) -> tuple[list[AccountItem], dict[str, Any] | None]:
    """Up to `page_size` open accounts of the creditor from gsi4's partitions in turn, from `cursor` (a partition
    and where in it to go on); returns them and the next cursor (None: every partition read)."""
    shard, after = int(cursor["shard"]), cursor.get("after")
    page: list[AccountItem] = []
    while len(page) < page_size and shard < keys.SPREAD:
        query = AccountItem.by_creditor.query(
            keys.creditor_accounts_pk(creditor, shard),
            filter_condition=AccountItem.status == "open",
            limit=page_size - len(page),
            last_evaluated_key=after,
        )
        page.extend(query)
        after = query.last_evaluated_key
        if after is None:
            shard += 1
    return page, ({"shard": shard, "after": after} if shard < keys.SPREAD else None)


class DynamoAccounts:
    """The Accounts port on the single table (see shared/ports.py)."""

    def get(self, key: str) -> Account:
        return get_account(key)

    def get_many(self, account_keys: Iterable[str]) -> dict[str, Account]:
        return get_accounts(account_keys)

    def find(self, ref: str) -> list[Account]:
        return find_accounts(ref)

    def save(self, account: Account, activities: Sequence[Activity] = (), once: str | None = None) -> Account | None:
        return save_account(account, activities, once)

    def due(self, now: datetime, kind: str) -> Iterator[Account]:
        return query_due_accounts(now, kind)

    def due_keys(self, now: datetime, kind: str) -> Iterator[str]:
        return query_due_keys(now, kind)

    def worklist(self, collector: str | None, limit: int) -> list[Account]:
        return query_worklist(collector, limit)

    def needing_locate(self, collector: str | None, limit: int) -> list[Account]:
        return query_needing_locate(collector, limit)

    def settings(self, creditor: str) -> Settings:
        settings = parse_settings(creditors.get_policy(creditor))
        if settings.data_max_age_days is None:
            return settings
        return replace(settings, last_import_at=creditors.last_imported(creditor))


def delete_partition(pk: str) -> int:
    """Every item under one account's partition (activities, markers, plans), deleted in batches, unless the
    account item is there again; returns how many. Used once retention has run out for the account."""
    found = [(item.pk, item.sk) for item in MarkerItem.query(pk, attributes_to_get=["pk", "sk"])]
    if any(sk == ACCOUNT_SK for _, sk in found):
        return 0  # the account came back meanwhile (an import re-created it): its records are kept with it
    batch_delete(MarkerItem, found)
    return len(found)
