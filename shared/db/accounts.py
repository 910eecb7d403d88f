"""Repository of accounts and invoices: domain objects in, domain objects out, one Query per read."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBConnectionError, TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.db import keys
from shared.db.batch import MAX_ATTEMPTS, batch_put
from shared.db.models import AccountItem, MarkerItem
from shared.domain.accounts import Account, Invoice
from shared.domain.errors import ConflictError, NotFoundError, UpstreamUnavailableError
from shared.domain.money import Money

ACCOUNT_SK = "A"
STOP_WORKLIST = frozenset({"cease", "bankruptcy", "deceased", "attorney"})
SNAPSHOT_SK = "SNAP"
SNAPSHOT_TTL = timedelta(days=400)
TRANSACT_MAX = 100  # DynamoDB's limit of items in one TransactWriteItems
BATCH_GET_MAX = 100  # and of keys in one BatchGetItem


@dataclass(frozen=True)
class SnapshotStamp:
    """A full-snapshot import (`source`) listed an account at `at`."""

    source: str
    at: datetime


def _invoice_json(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "balance_minor": invoice.balance.minor,
        "currency": invoice.balance.currency,
        "due_date": invoice.due_date.isoformat(),
        "invoice_date": invoice.invoice_date.isoformat() if invoice.invoice_date else None,
        "warnings": list(invoice.warnings),
        "source": invoice.source,
    }


def _invoice(data: dict[str, Any]) -> Invoice:
    return Invoice(
        number=data["number"],
        balance=Money(int(data["balance_minor"]), data["currency"]),
        due_date=date.fromisoformat(data["due_date"]),
        invoice_date=date.fromisoformat(data["invoice_date"]) if data.get("invoice_date") else None,
        warnings=tuple(data.get("warnings") or ()),
        source=data.get("source"),
    )


def to_item(account: Account) -> AccountItem:
    item = AccountItem(
        keys.account_pk(account.key),
        ACCOUNT_SK,
        creditor=account.creditor,
        account_id=account.account_id,
        debtor=account.debtor,
        account_type=account.account_type,
        collector_role=account.collector_role,
        timezone=account.timezone,
        address=account.address,
        phones=list(account.phones),
        emails=list(account.emails),
        invoices=[_invoice_json(i) for i in account.invoices],
        credits=dict(account.credits),
        source=account.source,
        oldest_due=account.oldest_due.isoformat() if account.oldest_due else None,
        status=account.status,
        flags=account.flags,
        preferences=account.preferences,
        collector=account.collector,
        next_action=account.next_action,
        next_action_at=account.next_action_at,
        dunning_step=account.dunning_step,
        priority=account.priority,
        created_at=account.created_at,
        last_contact_at=account.last_contact_at,
        gsi4pk=keys.creditor_pk(account.creditor),
        gsi4sk=account.account_id,
        gsi3pk=keys.ref_pk(account.account_id),
        gsi3sk=account.key,
    )
    if account.version is not None:
        item.version = account.version
    if account.is_open and not STOP_WORKLIST.intersection(account.holds()):
        item.gsi1pk = keys.worklist_pk(account.collector)
        item.gsi1sk = keys.worklist_sk(account.priority, account.key)
    if account.next_action_at is not None and account.is_open:
        item.gsi2pk = keys.due_pk("REMIND", keys.shard_of(account.key))
        item.gsi2sk = keys.due_sk(account.next_action_at, account.key)
    return item


def from_item(item: AccountItem) -> Account:
    return Account(
        creditor=item.creditor,
        account_id=item.account_id,
        debtor=item.debtor,
        invoices=tuple(_invoice(i) for i in item.invoices or ()),
        credits={k: int(v) for k, v in (item.credits or {}).items()},
        source=item.source,
        account_type=item.account_type,
        collector_role=item.collector_role,
        timezone=item.timezone,
        address=item.address,
        phones=tuple(item.phones or ()),
        emails=tuple(item.emails or ()),
        oldest_due=date.fromisoformat(item.oldest_due) if item.oldest_due else None,
        status=item.status,
        flags=item.flags or {},
        preferences=item.preferences or {},
        collector=item.collector,
        next_action=item.next_action,
        next_action_at=item.next_action_at,
        dunning_step=int(item.dunning_step),
        priority=int(item.priority),
        version=item.version,
        created_at=item.created_at,
        last_contact_at=item.last_contact_at,
    )


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
    found = (from_item(item) for item in AccountItem.batch_get(wanted))
    return {account.key: account for account in found}


def find_accounts(ref: str) -> list[Account]:
    """Accounts whose customer id is `ref` (any creditor), via the lookup index."""
    return [from_item(i) for i in AccountItem.lookup.query(keys.ref_pk(ref), limit=25)]


def put_account(account: Account) -> Account:
    """Write an account; fails with ConflictError when someone else changed it since it was read."""
    item = to_item(account)
    try:
        item.save()
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise ConflictError(f"account {account.key} changed meanwhile; reload and retry") from exc
        raise UpstreamUnavailableError("DynamoDB rejected the write") from exc
    return from_item(item)


def put_new_accounts(accounts: Iterable[Account]) -> int:
    """Seed accounts in batches with no condition (tests, demo data); returns calls made.

    Imports must not use it: an unconditional put overwrites an account created meanwhile. They use
    `create_accounts`.
    """
    return batch_put(AccountItem, (to_item(replace(a, version=a.version or 1)) for a in accounts))


def create_accounts(
    accounts: Iterable[Account], stamp: SnapshotStamp | None = None, sleep: Callable[[float], None] = time.sleep
) -> list[str]:
    """Create accounts only where none exists: TransactWriteItems of up to 100 puts, each `attribute_not_exists`.

    With `stamp`, each account's snapshot marker is put in the same transaction (50 accounts a call).
    Returns the keys of accounts that exist by now (a concurrent import created them): nothing was written
    for those, and the caller merges its rows onto the stored account. The rest are created.
    """
    per_call = TRANSACT_MAX // 2 if stamp else TRANSACT_MAX
    existed: list[str] = []
    iterator = iter(accounts)
    while chunk := list(islice(iterator, per_call)):
        existed += _create_chunk(chunk, stamp, sleep)
    return existed


def _create_chunk(pending: list[Account], stamp: SnapshotStamp | None, sleep: Callable[[float], None]) -> list[str]:
    existed: list[str] = []
    attempt = 0
    while pending:
        try:
            _transact_create(pending, stamp)
            break
        except TransactWriteError as exc:
            found = _existing_keys(exc, pending, stamp)
        if found:  # those accounts exist: retry the others at once (each round drops at least one)
            existed += found
            pending = [a for a in pending if a.key not in found]
            continue
        attempt += 1  # cancelled by a conflicting transaction or throttling: back off and retry the chunk
        if attempt >= MAX_ATTEMPTS:
            raise UpstreamUnavailableError(f"creating {len(pending)} account(s) failed {attempt} times")
        sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not crypto
    return existed


def _transact_create(accounts: list[Account], stamp: SnapshotStamp | None) -> None:
    # The token makes botocore's own retry of a call that did succeed a no-op, not a false "exists".
    connection = AccountItem._get_connection().connection
    with TransactWrite(connection=connection, client_request_token=uuid.uuid4().hex) as tx:
        for account in accounts:
            # version is None: pynamodb also adds `attribute_not_exists(version)` and writes version 1
            tx.save(to_item(replace(account, version=None)), condition=AccountItem.pk.does_not_exist())
            if stamp is not None:
                tx.save(snapshot_marker(account.key, stamp))


def _existing_keys(exc: TransactWriteError, pending: list[Account], stamp: SnapshotStamp | None) -> set[str]:
    """Keys whose put failed its condition; reasons come one per transaction item, in order."""
    if exc.cause_response_code != "TransactionCanceledException":
        raise UpstreamUnavailableError("DynamoDB rejected the account transaction") from exc
    step = 2 if stamp else 1
    reasons = exc.cancellation_reasons
    return {
        pending[index // step].key
        for index, reason in enumerate(reasons)
        if reason is not None and reason.code == "ConditionalCheckFailed"
    }


def snapshot_marker(key: str, stamp: SnapshotStamp) -> MarkerItem:
    pk = keys.account_pk(key)
    return MarkerItem(pk, SNAPSHOT_SK, at=stamp.at, data={"source": stamp.source}, expires_at=stamp.at + SNAPSHOT_TTL)


def stamp_snapshot(account_keys: Iterable[str], stamp: SnapshotStamp) -> int:
    """Record that a full snapshot listed these accounts: one marker each, batch-written; the accounts are
    not touched (a collector's concurrent change to them stays). Returns the BatchWriteItem calls made."""
    return batch_put(MarkerItem, (snapshot_marker(key, stamp) for key in account_keys))


def query_worklist(collector: str | None, limit: int = 45) -> list[Account]:
    items = AccountItem.worklist.query(keys.worklist_pk(collector), scan_index_forward=False, limit=limit)
    return [from_item(i) for i in items]


def query_due_accounts(now: datetime, limit: int = 500) -> Iterator[Account]:
    """Accounts whose next reminder is due at or before `now`, one Query per shard."""
    upper = f"{keys.instant(now)}#~"
    for shard in range(keys.SHARDS):
        query = AccountItem.due.query(keys.due_pk("REMIND", shard), AccountItem.gsi2sk <= upper, limit=limit)
        for item in query:
            yield from_item(item)


def query_missing_from_snapshot(creditor: str, snapshot: str, limit: int = 1000) -> list[tuple[str, str]]:
    """(account id, debtor) of the creditor's open accounts that the full snapshot `snapshot` did not list.

    Pages through gsi4 (open accounts of the creditor) and BatchGets the `SNAP` markers of each page of 100:
    an account is missing when its marker is absent or names another snapshot. At most `limit` are returned.
    """
    query = AccountItem.by_creditor.query(
        keys.creditor_pk(creditor), filter_condition=AccountItem.status == "open", page_size=BATCH_GET_MAX
    )
    missing: list[tuple[str, str]] = []
    while len(missing) < limit and (page := list(islice(query, BATCH_GET_MAX))):
        wanted = [(item.pk, SNAPSHOT_SK) for item in page]
        markers = MarkerItem.batch_get(wanted, consistent_read=True, attributes_to_get=["pk", "sk", "data"])
        listed = {m.pk for m in markers if (m.data or {}).get("source") == snapshot}
        missing += [(item.account_id, item.debtor) for item in page if item.pk not in listed]
    return missing[:limit]
