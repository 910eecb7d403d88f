"""Repository of payment plans: a plan and its installments are written, and closed, in one transaction each."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import NamedTuple

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.db import keys
from shared.db.activity import activity_item
from shared.db.ledger import once_marker, promise_deadline, repeat_or_raise
from shared.db.models import AccountItem, InstallmentItem, MarkerItem, PlanItem, PlanRecord
from shared.domain.accounts import Activity
from shared.domain.errors import InvalidInputError, NotAllowedError, NotFoundError, UpstreamUnavailableError
from shared.domain.money import Money
from shared.domain.plans import GRACE_DAYS, Installment, PaymentPlan

ACTIVE_PLAN_SK = "ACTIVE#PLAN"  # the guard that keeps an account at one active plan
MAX_TRANSACTION_ITEMS = 100


class DueInstallment(NamedTuple):
    account_key: str
    plan_id: str
    installment: Installment


def _guard(plan: PaymentPlan) -> MarkerItem:
    pk = keys.account_pk(plan.account_key)
    return MarkerItem(pk, ACTIVE_PLAN_SK, at=plan.created_at, data={"plan": plan.plan_id})


def _plan_item(plan: PaymentPlan, created_by: str) -> PlanItem:
    return PlanItem(
        keys.account_pk(plan.account_key),
        keys.plan_sk(plan.plan_id),
        plan_id=plan.plan_id,
        currency=plan.total.currency,
        status=plan.status,
        total_minor=plan.total.minor,
        installment_count=plan.count,
        every=plan.every,
        created_by=created_by,
        created_at=plan.created_at,
    )


def _installment_item(plan: PaymentPlan, installment: Installment, tz: str | None) -> InstallmentItem:
    key = plan.account_key
    return InstallmentItem(
        keys.account_pk(key),
        keys.installment_sk(plan.plan_id, installment.number),
        plan_id=plan.plan_id,
        currency=installment.amount.currency,
        status=installment.status,
        number=installment.number,
        amount_minor=installment.amount.minor,
        due_date=installment.due.isoformat(),
        gsi2pk=keys.due_pk("INSTALLMENT", keys.shard_of(key)),
        gsi2sk=keys.due_sk(promise_deadline(installment.due, tz, GRACE_DAYS), key),
    )


def put_plan(
    plan: PaymentPlan, installments: Sequence[Installment], tz: str | None, request_id: str, activity: Activity
) -> bool:
    """Store a plan, its installments and its activity once per Slack request; False for a repeated request.

    The request marker comes first and the active-plan guard second: a retry is told apart from a second plan,
    which raises NotAllowedError. Installments are due-indexed until their deadline (due date + grace, at
    midnight in the debtor's zone `tz`), as promises are.
    """
    if len(installments) + 4 > MAX_TRANSACTION_ITEMS:
        raise InvalidInputError(f"count {len(installments)} installments do not fit one transaction")
    key = plan.account_key
    try:
        with TransactWrite(connection=AccountItem._get_connection().connection) as tx:
            tx.save(once_marker(key, f"REQ#{request_id}", activity.at), condition=MarkerItem.pk.does_not_exist())
            tx.save(_guard(plan), condition=MarkerItem.pk.does_not_exist())
            tx.save(_plan_item(plan, activity.actor))
            for installment in installments:
                tx.save(_installment_item(plan, installment, tz))
            tx.save(activity_item(key, activity))
    except TransactWriteError as exc:
        if _guard_failed(exc):
            raise NotAllowedError("this account already has an active payment plan") from exc
        return repeat_or_raise(exc, key)
    return True


def _guard_failed(exc: TransactWriteError) -> bool:
    reasons = exc.cancellation_reasons or []
    guard = reasons[1] if len(reasons) > 1 and reasons[0] is None else None
    return guard is not None and guard.code == "ConditionalCheckFailed"


def _installment(item: InstallmentItem) -> Installment:
    amount = Money(int(item.amount_minor), item.currency)
    return Installment(int(item.number), amount, date.fromisoformat(item.due_date), item.status)


def _plan(item: PlanItem) -> PaymentPlan:
    total = Money(int(item.total_minor), item.currency)
    account_key = item.pk.removeprefix("ACCT#")
    return PaymentPlan(
        item.plan_id,
        account_key,
        total,
        int(item.installment_count),
        item.every,
        item.created_at,
        item.status,
        item.version,
    )


def _grouped(records: Iterable[PlanRecord]) -> list[tuple[PaymentPlan, list[Installment]]]:
    """Plans with their installments in due order, from a Query that returns each plan before its installments."""
    plans: dict[str, tuple[PaymentPlan, list[Installment]]] = {}
    for record in records:
        if isinstance(record, PlanItem):
            plans[record.plan_id] = (_plan(record), [])
        elif isinstance(record, InstallmentItem) and record.plan_id in plans:
            plans[record.plan_id][1].append(_installment(record))
    return list(plans.values())


def query_plans(account_key: str) -> list[tuple[PaymentPlan, list[Installment]]]:
    """Every plan of an account with its installments, oldest plan id first (one Query on `PLAN#`)."""
    condition = PlanRecord.sk.startswith("PLAN#")
    return _grouped(PlanRecord.query(keys.account_pk(account_key), condition, consistent_read=True))


def get_plan(account_key: str, plan_id: str) -> tuple[PaymentPlan, list[Installment]]:
    condition = PlanRecord.sk.startswith(keys.plan_sk(plan_id))
    found = _grouped(PlanRecord.query(keys.account_pk(account_key), condition, consistent_read=True))
    if not found:
        raise NotFoundError(f"No payment plan `{plan_id}` on account {account_key}.")
    return found[0]


def query_due_installments(now: datetime) -> Iterator[DueInstallment]:
    """Open installments whose grace period ended by `now` (one Query per shard of the due index)."""
    upper = f"{keys.instant(now)}#~"
    for shard in range(keys.SHARDS):
        for item in InstallmentItem.due.query(keys.due_pk("INSTALLMENT", shard), InstallmentItem.gsi2sk <= upper):
            yield DueInstallment(item.pk.removeprefix("ACCT#"), item.plan_id, _installment(item))


def close_installments(
    plan: PaymentPlan, closing: Sequence[tuple[Installment, str]], activity: Activity, plan_status: str | None = None
) -> bool:
    """Close installments (each conditioned on `status = open`, taken off the due index) and, with `plan_status`,
    the plan itself (conditioned on `active` and the version read), releasing the account's active-plan guard.

    One transaction, so a plan is never broken without its missed installment or left active after it.
    Returns False when a condition failed: an earlier run did this already.
    """
    pk = keys.account_pk(plan.account_key)
    try:
        with TransactWrite(connection=AccountItem._get_connection().connection) as tx:
            for installment, status in closing:
                tx.update(
                    InstallmentItem(pk, keys.installment_sk(plan.plan_id, installment.number)),
                    actions=[
                        InstallmentItem.status.set(status),
                        InstallmentItem.gsi2pk.remove(),
                        InstallmentItem.gsi2sk.remove(),
                    ],
                    condition=InstallmentItem.status == "open",
                )
            if plan_status:
                _mark_plan(tx, plan, plan_status)
            tx.save(activity_item(plan.account_key, activity))
    except TransactWriteError as exc:
        if exc.cause_response_code == "TransactionCanceledException":
            return False
        raise UpstreamUnavailableError("DynamoDB rejected the transaction") from exc
    return True


def _mark_plan(tx: TransactWrite, plan: PaymentPlan, status: str) -> None:
    pk = keys.account_pk(plan.account_key)
    item = PlanItem(pk, keys.plan_sk(plan.plan_id), version=plan.version)
    tx.update(item, actions=[PlanItem.status.set(status)], condition=PlanItem.status == "active")
    tx.delete(MarkerItem(pk, ACTIVE_PLAN_SK))
