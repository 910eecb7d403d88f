"""Applying a payments file's rows through the account ledger: one write per account, unmatched rows kept."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from shared.domain.account_actions import AlreadyRecordedError, apply_listed_payment, local_today
from shared.domain.accounts import Account, Activity, account_key
from shared.domain.errors import InvalidInputError, NotFoundError
from shared.domain.ledger import MatchRule, account_currency
from shared.domain.money import Money, add_by_currency
from shared.domain.receivables import RejectedRow
from shared.domain.receivables.payments import PaymentRow
from shared.ports import Accounts
from shared.writes import change_account


@dataclass
class PaymentsResult:
    """What one chunk of payments did: applied (posted, pending until the books show them), identified (the
    books already showed the drop), repeats (already on the account) and unmatched rows with their reasons."""

    applied: dict[str, int] = field(default_factory=dict)  # per currency, minor units
    identified: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("applied", "identified", "repeats"), 0))
    unmatched: list[RejectedRow] = field(default_factory=list)


def apply_payments(
    rows: list[PaymentRow], creditor: str, now: datetime, accounts: Accounts, source: str
) -> PaymentsResult:
    """Apply each payment to its account (the creditor's customer id, else the payer's name as receivables files
    key it): one consistent read and at most one version-checked write per account, with all its payments.

    A payment with no such account, for an invoice the account does not hold, in a currency it does not owe,
    or above what it owes is unmatched: listed with the reason, never applied by guess. A reference already on
    the account (a re-sent file, or a collector posted it first) is a repeat and changes nothing.
    """
    result = PaymentsResult()
    groups: dict[str, list[PaymentRow]] = defaultdict(list)
    for row in rows:
        groups[account_key(creditor, row.account_ref)].append(row)
    rule = accounts.settings(creditor).match
    for key, group in groups.items():
        try:
            outcome = _apply_group(key, group, accounts, now, source, rule)
        except NotFoundError:
            result.unmatched += [_unmatched(row, f"no account {row.account_ref!r} of {creditor}") for row in group]
            continue
        for row in group:
            kind, detail = outcome[row.line]
            if isinstance(detail, Money):
                result.counts[kind] += 1
                add_by_currency(result.applied if kind == "applied" else result.identified, detail)
            elif kind == "repeats":
                result.counts[kind] += 1
            else:
                result.unmatched.append(_unmatched(row, detail))
    result.unmatched.sort(key=lambda r: r.line)
    return result


def _apply_group(
    key: str, group: list[PaymentRow], accounts: Accounts, now: datetime, source: str, rule: MatchRule
) -> dict[int, tuple[str, Money | str]]:
    """One account's payments in one write (re-applied to a fresh read if someone wrote it meanwhile)."""
    outcome: dict[int, tuple[str, Money | str]] = {}

    def apply(current: Account) -> tuple[Account, list[Activity]]:
        outcome.clear()
        activities: list[Activity] = []
        for row in group:
            try:
                amount = _money(current, row)
                today = local_today(current, now)
                current, done = apply_listed_payment(
                    current, amount, row.reference, _note(row, source), now, today, rule
                )
            except AlreadyRecordedError:
                outcome[row.line] = ("repeats", "")
                continue
            except InvalidInputError as exc:
                outcome[row.line] = ("unmatched", str(exc))
                continue
            activities += done
            outcome[row.line] = ("identified" if done[0].data.get("identified") else "applied", amount)
        return current, activities  # all repeats or unmatched: the same account, which is not rewritten

    change_account(accounts, key, apply, now)
    return outcome


def _money(account: Account, row: PaymentRow) -> Money:
    if row.invoice and row.invoice not in {i.number for i in account.invoices}:
        raise InvalidInputError(f"invoice {row.invoice!r} is not an invoice of account {row.account_ref!r}")
    currency = row.currency or account_currency(account.positions)
    return Money.from_decimal(row.amount, currency)


def _note(row: PaymentRow, source: str) -> str:
    invoice = f" for invoice {row.invoice}" if row.invoice else ""
    return f"paid {row.paid_on}{invoice}, listed in {source}"


def _unmatched(row: PaymentRow, reason: str) -> RejectedRow:
    return RejectedRow(row.line, row.raw, f"payment not applied: {reason}")
