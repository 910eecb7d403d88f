"""Repository of payments and promises: each write is one transaction guarded by an idempotency marker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.db import keys
from shared.db.accounts import to_item
from shared.db.activity import activity_item
from shared.db.models import AccountItem, MarkerItem, PromiseItem
from shared.domain.accounts import Account, Activity
from shared.domain.errors import ConflictError, UpstreamUnavailableError
from shared.domain.ledger import Promise
from shared.domain.money import Money


def once_marker(account_key: str, name: str, at: datetime) -> MarkerItem:
    return MarkerItem(keys.account_pk(account_key), f"ONCE#{name}", at=at, expires_at=at + timedelta(days=800))


def post_payment(updated: Account, ref: str, activity: Activity) -> bool:
    """Record a payment once per `ref`: the account with its invoices as updated, and the activity, in one transaction.

    Returns False when a payment with this ref was already posted. Raises ConflictError if the account
    changed since it was read (`updated.version` is the version that was read).
    """
    account = updated
    try:
        with TransactWrite(connection=AccountItem._get_connection().connection) as tx:
            tx.save(once_marker(account.key, f"PAY#{ref}", activity.at), condition=MarkerItem.pk.does_not_exist())
            tx.save(to_item(updated))  # pynamodb adds the version condition
            tx.save(activity_item(account.key, activity))
    except TransactWriteError as exc:
        return repeat_or_raise(exc, account.key)
    return True


def repeat_or_raise(exc: TransactWriteError, account_key: str) -> bool:
    # The marker is always the transaction's first item: its failure means the work was done before.
    reasons = exc.cancellation_reasons
    if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
        return False
    if exc.cause_response_code == "TransactionCanceledException":
        raise ConflictError(f"account {account_key} changed meanwhile; try again") from exc
    raise UpstreamUnavailableError("DynamoDB rejected the transaction") from exc


def promise_deadline(due: date, tz: str | None, grace_days: int = 1) -> datetime:
    """When a promise is checked: the end of the grace period, at midnight in the debtor's zone."""
    return datetime.combine(due + timedelta(days=grace_days + 1), time(0), ZoneInfo(tz or "UTC"))


def put_promise(promise: Promise, tz: str | None, request_id: str, activity: Activity) -> bool:
    """Store a promise and its activity once per Slack request (a retried command writes nothing)."""
    key = promise.account_key
    item = PromiseItem(
        keys.account_pk(key),
        f"PROM#{promise.promise_id}",
        promise_id=promise.promise_id,
        amount_minor=promise.amount.minor,
        currency=promise.amount.currency,
        due_date=promise.due.isoformat(),
        status=promise.status,
        created_by=activity.actor,
        created_at=activity.at,
        gsi2pk=keys.due_pk("PROMISE", keys.shard_of(key)),
        gsi2sk=keys.due_sk(promise_deadline(promise.due, tz), key),
    )
    try:
        with TransactWrite(connection=AccountItem._get_connection().connection) as tx:
            tx.save(once_marker(key, f"REQ#{request_id}", activity.at), condition=MarkerItem.pk.does_not_exist())
            tx.save(item)
            tx.save(activity_item(key, activity))
    except TransactWriteError as exc:
        return repeat_or_raise(exc, key)
    return True


def query_due_promises(now: datetime) -> Iterator[tuple[Promise, datetime]]:
    """Open promises whose grace period ended by `now` (one Query per shard of the due index)."""
    upper = f"{keys.instant(now)}#~"
    for shard in range(keys.SHARDS):
        for item in PromiseItem.due.query(keys.due_pk("PROMISE", shard), PromiseItem.gsi2sk <= upper):
            account_key = item.pk.removeprefix("ACCT#")
            promise = Promise(
                item.promise_id,
                account_key,
                Money(int(item.amount_minor), item.currency),
                date.fromisoformat(item.due_date),
                item.status,
            )
            yield promise, item.created_at


def close_promise(promise: Promise, status: str, activity: Activity) -> None:
    """Mark a promise kept or broken and take it off the due index, with its activity entry."""
    item = PromiseItem(keys.account_pk(promise.account_key), f"PROM#{promise.promise_id}")
    with TransactWrite(connection=AccountItem._get_connection().connection) as tx:
        tx.update(
            item,
            actions=[PromiseItem.status.set(status), PromiseItem.gsi2pk.remove(), PromiseItem.gsi2sk.remove()],
            condition=PromiseItem.status == "open",
            add_version_condition=False,
        )
        tx.save(activity_item(promise.account_key, activity))
