"""Payments and promises: allocation of a payment to invoices, and whether a promise was kept."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from shared.domain.accounts import Account, Invoice
from shared.domain.errors import InvalidInputError
from shared.domain.money import Money


def apply_payment(account: Account, payment: Money) -> tuple[Account, Money]:
    """The account after a payment applied to its open invoices of that currency, oldest due first.

    What the invoices cannot absorb stays as credit on the account; returns the account and that credit.
    """
    if payment.minor <= 0:
        raise InvalidInputError("a payment must be more than zero")
    left = payment.minor
    invoices: list[Invoice] = []
    for invoice in sorted(account.invoices, key=lambda i: (i.due_date, i.number)):
        applied = min(left, invoice.balance.minor) if invoice.balance.currency == payment.currency else 0
        applied = max(applied, 0)
        left -= applied
        invoices.append(
            replace(invoice, balance=Money(invoice.balance.minor - applied, payment.currency)) if applied else invoice
        )
    credits = dict(account.credits)
    if left:
        credits[payment.currency] = credits.get(payment.currency, 0) + left
    updated = replace(account, invoices=tuple(invoices), credits=credits)
    if all(v <= 0 for v in updated.balances.values()):
        updated = replace(updated, status="paid")
    return updated, Money(left, payment.currency)


def account_currency(balances: dict[str, int], requested: str | None = None) -> str:
    """The currency a collector's amount is in: the only one owed, or the one they name."""
    if requested:
        return requested
    owed = [c for c, v in balances.items() if v > 0]
    if len(owed) == 1:
        return owed[0]
    raise InvalidInputError(
        f"this account owes in {', '.join(sorted(owed)) or 'no currency'}: name the currency (e.g. `150.00 EUR`)"
    )


@dataclass(frozen=True)
class Promise:
    """A debtor's promise to pay `amount` by `due` (a local date of the debtor)."""

    promise_id: str
    account_key: str
    amount: Money
    due: date
    status: str = "open"  # open | kept | broken


def promise_outcome(promise: Promise, paid_since_promise: Money, today: date, grace_days: int = 1) -> str:
    """`kept` once payments since the promise reach its amount; `broken` after due + grace without that.

    Payments in another currency do not count towards the promise.
    """
    if paid_since_promise.currency == promise.amount.currency and paid_since_promise >= promise.amount:
        return "kept"
    if (today - promise.due).days > grace_days:
        return "broken"
    return "open"
