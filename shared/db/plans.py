"""Repository of payment plans: a plan and its installments are written, and closed, in one transaction each."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import NamedTuple

from shared.db import keys
from shared.db.account_codec import to_item
from shared.db.activity import activity_item
from shared.db.models import InstallmentItem, MarkerItem, PlanItem, PlanRecord
from shared.db.transact import REQUEST, Cancelled, Transaction
from shared.domain.accounts import Account, Activity
from shared.domain.errors import ConflictError, InvalidInputError, NotAllowedError, NotFoundError
from shared.domain.ledger import commitment_deadline
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
        gsi2sk=keys.due_sk(commitment_deadline(installment.due, tz, GRACE_DAYS), key),
    )


def put_plan(
    plan: PaymentPlan, installments: Sequence[Installment], account: Account, request_id: str, activity: Activity
) -> bool:
    """Store a plan, its installments, the account as the plan leaves it (`account`: its commitment set and
    recomputed; conditioned on the version read) and the activity, once per Slack request.

    False for a repeated request; NotAllowedError when the account already has an active plan (its guard item
    exists); ConflictError when the account changed meanwhile. Installments are due-indexed until their deadline
    (due date + grace, at midnight in the debtor's zone), as promises are.
    """
    if len(installments) + 5 > MAX_TRANSACTION_ITEMS:
        raise InvalidInputError(f"count {len(installments)} installments do not fit one transaction")
    key = plan.account_key
    tx = Transaction()
    tx.once(key, f"REQ#{request_id}", activity.at)
    tx.put("guard", _guard(plan), condition=MarkerItem.pk.does_not_exist())
    tx.put("plan", _plan_item(plan, activity.actor))
    for installment in installments:
        tx.put(f"installment:{installment.number}", _installment_item(plan, installment, account.timezone))
    tx.put("account", to_item(account))
    tx.put("activity", activity_item(key, activity))
    try:
        tx.commit()
    except Cancelled as exc:
        if REQUEST in exc.failed:
            return False
        if "guard" in exc.failed:
            raise NotAllowedError("this account already has an active payment plan") from exc
        raise ConflictError(f"account {key} changed meanwhile; try again") from exc
    return True


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


def start_cure(
    plan: PaymentPlan, installment: Installment, deadline: datetime, told: tuple[Activity, Account] | None = None
) -> bool:
    """A late installment's follow-up moves to `deadline` (its due-index instant, conditioned on being earlier:
    a repeated run moves nothing); with `told`, the activity and the account that records the cure period
    (version-checked), in one transaction. False when an earlier run did it; ConflictError when only the account
    changed meanwhile."""
    key = plan.account_key
    later = keys.due_sk(deadline, key)
    tx = Transaction()
    tx.update(
        "installment",
        InstallmentItem(keys.account_pk(key), keys.installment_sk(plan.plan_id, installment.number)),
        actions=[InstallmentItem.gsi2sk.set(later)],
        condition=(InstallmentItem.status == "open") & (InstallmentItem.gsi2sk < later),
    )
    if told is not None:
        activity, account = told
        tx.put("account", to_item(account))
        tx.put("activity", activity_item(key, activity))
    return _commit(tx, key)


def _commit(tx: Transaction, key: str) -> bool:
    """True when written; False when a condition other than the account's failed (an earlier run did it);
    ConflictError when only the account changed meanwhile (the caller reads it again)."""
    try:
        tx.commit()
    except Cancelled as exc:
        if exc.failed == {"account"}:
            raise ConflictError(f"account {key} changed meanwhile") from exc
        return False
    return True


def close_installments(
    plan: PaymentPlan,
    closing: Sequence[tuple[Installment, str]],
    activity: Activity,
    account: Account,
    plan_status: str | None = None,
) -> bool:
    """Close installments (each conditioned on `status = open`, taken off the due index) and, with `plan_status`,
    the plan itself (conditioned on `active` and the version read), releasing the account's active-plan guard;
    with the account as the follow-up leaves it (version-checked).

    One transaction, so a plan is never broken without its missed installment or left active after it.
    Returns False when an installment or the plan was already closed (an earlier run did it); ConflictError
    when only the account changed meanwhile (the caller reads it again).
    """
    pk = keys.account_pk(plan.account_key)
    tx = Transaction()
    for installment, status in closing:
        tx.update(
            f"installment:{installment.number}",
            InstallmentItem(pk, keys.installment_sk(plan.plan_id, installment.number)),
            actions=[
                InstallmentItem.status.set(status),
                InstallmentItem.gsi2pk.remove(),
                InstallmentItem.gsi2sk.remove(),
            ],
            condition=InstallmentItem.status == "open",
        )
    if plan_status:
        item = PlanItem(pk, keys.plan_sk(plan.plan_id), version=plan.version)
        tx.update("plan", item, actions=[PlanItem.status.set(plan_status)], condition=PlanItem.status == "active")
        tx.delete("guard", MarkerItem(pk, ACTIVE_PLAN_SK))
    tx.put("account", to_item(account))
    tx.put("activity", activity_item(plan.account_key, activity))
    return _commit(tx, plan.account_key)
