"""Repository of accounts and invoices: domain objects in, domain objects out, one Query per read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBConnectionError

from shared.db import keys
from shared.db.batch import batch_put
from shared.db.models import AccountItem
from shared.domain.accounts import Account, Invoice
from shared.domain.errors import ConflictError, NotFoundError, UpstreamUnavailableError
from shared.domain.money import Money

ACCOUNT_SK = "A"
STOP_WORKLIST = frozenset({"cease", "bankruptcy", "deceased", "attorney"})


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
        last_snapshot=account.last_snapshot,
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
        last_snapshot=item.last_snapshot,
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
    """Create accounts in batches (no condition: used for keys that did not exist when read); returns calls made."""
    return batch_put(AccountItem, (to_item(replace(a, version=a.version or 1)) for a in accounts))


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
    """(account id, debtor) of the creditor's open accounts that a full-snapshot import did not list."""
    items = AccountItem.by_creditor.query(
        keys.creditor_pk(creditor),
        filter_condition=(AccountItem.last_snapshot.does_not_exist() | (AccountItem.last_snapshot != snapshot))
        & (AccountItem.status == "open"),
        limit=limit,
    )
    return [(item.account_id, item.debtor) for item in items]
