"""The account ledger: invoices as the source system reports them, plus the entries Arrears records itself.

The balance anyone sees comes from `position` (one pure function): the source's open invoices, less what Arrears
recorded that the source has not reflected yet (`pending` entries). An import that shows the matching drop marks
those entries `matched` (`reconcile`), so no payment is counted twice and a lagging export never undoes one.
See docs/ARCHITECTURE.md, "The ledger".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

from shared.domain.errors import InvalidInputError
from shared.domain.money import Money

PENDING, MATCHED, REVERSED = "pending", "matched", "reversed"
# Entries that lower what is owed, and those that are money the debtor paid (promises and plans count these).
REDUCING = frozenset({"payment", "credit", "adjustment", "write_off", "inferred_payment", "paid_per_source"})
RECEIVED = frozenset({"payment", "inferred_payment", "paid_per_source"})
REVERSAL = "reversal"


@dataclass(frozen=True)
class Invoice:
    """One open item as the creditor's books (the source system) report it, as of `as_of`."""

    number: str
    balance: Money
    due_date: date
    invoice_date: date | None = None
    warnings: tuple[str, ...] = ()
    source: str | None = None  # the import (object key and version) that last wrote it
    as_of: datetime | None = None  # when that export was taken in


@dataclass(frozen=True)
class LedgerEntry:
    """Money Arrears recorded: who, when, reference, and whether the source system reflects it yet.

    `amount` is always positive; `kind` says which way it moves the balance. `state`:
    - pending: recorded in Arrears, not yet in the source's balances (it moves the derived balance);
    - matched: the source reflects it (or it was inferred from the source), so it moves nothing any more;
    - reversed: undone by a later `reversal` entry (a returned payment).
    """

    id: str
    kind: str
    amount: Money
    at: datetime
    actor: str
    ref: str | None = None
    state: str = PENDING
    origin: str = "arrears"  # arrears | source (inferred from an import)
    matched_by: str | None = None
    reverses: str | None = None
    note: str = ""
    flagged: bool = False  # reported to operations as not reflected in time

    @property
    def delta(self) -> int:
        """What the entry still does to the source's balance, in minor units (0 once matched or reversed)."""
        if self.state != PENDING:
            return 0
        return self.amount.minor if self.kind == REVERSAL else -self.amount.minor


@dataclass(frozen=True)
class Position:
    """One currency of an account: what the source says, what Arrears has not seen reflected, and the result."""

    currency: str
    source: int  # minor units the source's open invoices add up to
    pending: int  # sum of pending deltas (negative: payments not yet reflected)

    @property
    def net(self) -> int:
        return self.source + self.pending

    @property
    def owed(self) -> int:
        return max(0, self.net)

    @property
    def credit(self) -> int:
        return max(0, -self.net)


def position(invoices: Iterable[Invoice], entries: Iterable[LedgerEntry]) -> dict[str, Position]:
    """Per currency: the source's open balance and the pending entries; never a sum across currencies."""
    source: dict[str, int] = {}
    pending: dict[str, int] = {}
    for invoice in invoices:
        source[invoice.balance.currency] = source.get(invoice.balance.currency, 0) + max(0, invoice.balance.minor)
    for entry in entries:
        if entry.delta:
            pending[entry.amount.currency] = pending.get(entry.amount.currency, 0) + entry.delta
    return {c: Position(c, source.get(c, 0), pending.get(c, 0)) for c in sorted(set(source) | set(pending))}


def open_amounts(invoices: Sequence[Invoice], entries: Iterable[LedgerEntry]) -> dict[str, int]:
    """What is still owed on each invoice: pending reductions applied oldest due first, per currency.

    A pending reversal (a payment the source already counted, then returned) re-opens the oldest invoice.
    """
    by_due = sorted(invoices, key=lambda i: (i.due_date, i.number))
    left = {c: -p.pending for c, p in position((), entries).items()}
    amounts: dict[str, int] = {}
    for invoice in by_due:
        currency = invoice.balance.currency
        owed = max(0, invoice.balance.minor)
        applied = min(owed, max(0, left.get(currency, 0)))
        left[currency] = left.get(currency, 0) - applied
        amounts[invoice.number] = owed - applied
    for currency, remaining in left.items():
        first = next((i for i in by_due if i.balance.currency == currency), None)
        if remaining < 0 and first is not None:
            amounts[first.number] -= remaining
    return amounts


def account_currency(positions: dict[str, Position], requested: str | None = None) -> str:
    """The currency a collector's amount is in: the only one owed, or the one they name (which must be owed)."""
    owed = sorted(c for c, p in positions.items() if p.owed > 0)
    if requested:
        if requested not in owed:
            raise InvalidInputError(
                f"this account owes nothing in {requested}; it owes in {', '.join(owed) or 'no currency'}"
            )
        return requested
    if len(owed) == 1:
        return owed[0]
    raise InvalidInputError(
        f"this account owes in {', '.join(owed) or 'no currency'}: name the currency (e.g. `150.00 EUR`)"
    )


def check_payment(positions: dict[str, Position], amount: Money, allow_overpayment: bool) -> None:
    """A payment is in a currency the account owes and at most what is owed, unless the collector confirms an
    overpayment (the rest is kept as a credit)."""
    owed = positions.get(amount.currency)
    if owed is None or owed.owed <= 0:
        raise InvalidInputError(f"this account owes nothing in {amount.currency}: a payment must be in a currency owed")
    if amount.minor > owed.owed and not allow_overpayment:
        over = Money(amount.minor - owed.owed, amount.currency)
        raise InvalidInputError(
            f"{amount.format()} is more than the {Money(owed.owed, amount.currency).format()} owed; "
            f"if the debtor really paid more, add `overpaid` to record {over.format()} as a credit"
        )


def check_promise(positions: dict[str, Position], amount: Money) -> None:
    owed = positions.get(amount.currency)
    if owed is None or amount.minor > owed.owed:
        most = Money(owed.owed if owed else 0, amount.currency).format()
        raise InvalidInputError(f"a promise of {amount.format()} is more than the {most} owed")


def check_plan_total(positions: dict[str, Position], total: Money) -> None:
    """A plan pays the whole balance: above it is refused, below it would be a settlement, which needs approval."""
    owed = Money(positions[total.currency].owed if total.currency in positions else 0, total.currency)
    if total.minor > owed.minor:
        raise InvalidInputError(f"a plan of {total.format()} is more than the {owed.format()} owed")
    if total.minor < owed.minor:
        raise InvalidInputError(
            f"a plan of {total.format()} is less than the {owed.format()} owed: a plan below the balance is a "
            "settlement, which needs a manager's approval (not available yet); make the plan total the balance"
        )


def received_since(entries: Iterable[LedgerEntry], currency: str, since: datetime) -> Money:
    """Money the debtor paid in `currency` since `since`: each payment once, returned payments not at all."""
    total = sum(
        e.amount.minor
        for e in entries
        if e.kind in RECEIVED and e.state != REVERSED and e.amount.currency == currency and e.at >= since
    )
    return Money(total, currency)


def find_payment(entries: Sequence[LedgerEntry], ref: str) -> LedgerEntry:
    for entry in entries:
        if entry.kind in RECEIVED and entry.ref == ref:
            if entry.state == REVERSED:
                raise InvalidInputError(f"payment `{ref}` was already reversed")
            return entry
    raise InvalidInputError(f"no payment with reference `{ref}` on this account")


def reverse(entries: Sequence[LedgerEntry], ref: str, at: datetime, actor: str, note: str) -> list[LedgerEntry]:
    """The entries after a returned payment (NSF, chargeback): the payment is reversed and re-opens what it paid.

    A payment the source never reflected simply stops counting. One the source already counted gets a pending
    `reversal` entry, which raises the balance until an import shows the source's balance rise again.
    """
    paid = find_payment(entries, ref)
    was_reflected = paid.state == MATCHED
    kept = [replace(e, state=REVERSED) if e.id == paid.id else e for e in entries]
    reversal = LedgerEntry(
        id=f"rev:{paid.id}",
        kind=REVERSAL,
        amount=paid.amount,
        at=at,
        actor=actor,
        ref=ref,
        state=PENDING if was_reflected else MATCHED,
        reverses=paid.id,
        note=note,
    )
    return [*kept, reversal]


@dataclass(frozen=True)
class MatchRule:
    """When an import's drop (or rise) in a currency is taken to be entries Arrears recorded.

    An entry matches if it is pending, in that currency, recorded at most `window_days` before the export and
    the matched entries add up to the change within `tolerance_minor`; older pending entries are flagged instead.
    """

    tolerance_minor: int = 100
    window_days: int = 30


def _best_subset(entries: list[LedgerEntry], change: int, tolerance: int) -> list[LedgerEntry]:
    """The pending entries (oldest first) that best explain `change` (the source's move on invoices it already
    had: negative for a drop): their deltas leave the smallest remainder, never claiming a drop the source does
    not show (remainder above the tolerance) or a rise it does not show. Ties go to the entries made earliest (a
    creditor's books take payments in the order they came: 1 + 1 explain a drop of 2 before a later 2 does), then
    to fewer entries. Few entries are pending at once; beyond 12 the oldest that fit are taken one by one."""
    if len(entries) > 12:
        chosen, left = [], change
        for entry in entries:
            if _allowed(change, left - entry.delta, tolerance) and abs(left - entry.delta) < abs(left):
                chosen.append(entry)
                left -= entry.delta
        return chosen
    best: list[LedgerEntry] = []
    best_key = (abs(change), -1, 0)
    for size in range(1, len(entries) + 1):
        for combo in combinations(range(len(entries)), size):  # indices, ascending: combo[-1] is the latest entry
            rest = change - sum(entries[i].delta for i in combo)
            key = (abs(rest), combo[-1], size)
            if _allowed(change, rest, tolerance) and key < best_key:
                best, best_key = [entries[i] for i in combo], key
    return best


def _allowed(change: int, rest: int, tolerance: int) -> bool:
    """A drop may not be over-explained into a rise, nor a rise into a drop, beyond the tolerance."""
    return rest <= tolerance if change <= 0 else rest >= -tolerance


def _source_change(before: Sequence[Invoice], after: Sequence[Invoice], currency: str) -> int:
    """How the source moved invoices it already had (new invoices are new debt, not a payment or reversal)."""
    old = {i.number: i.balance.minor for i in before if i.balance.currency == currency}
    return sum(
        max(0, i.balance.minor) - max(0, old[i.number])
        for i in after
        if i.balance.currency == currency and i.number in old
    )


@dataclass(frozen=True)
class Reconciled:
    entries: list[LedgerEntry]
    matched: list[LedgerEntry]  # entries this import found reflected
    inferred: list[LedgerEntry]  # drops the import showed that Arrears had not recorded: paid at the source


def reconcile(
    before: Sequence[Invoice],
    after: Sequence[Invoice],
    entries: Sequence[LedgerEntry],
    source: str,
    as_of: datetime,
    rule: MatchRule = MatchRule(),
    inferred_kind: str = "inferred_payment",
) -> Reconciled:
    """The ledger after an import changed the source's balances from `before` to `after`.

    Per currency, the move of invoices the source already listed is explained by pending entries (payments
    posted in Arrears lower it, reversals raise it; see `_best_subset`); a drop left beyond the tolerance is an
    inferred payment (paid at the source), a rise left over is new charges. A balance that did not move matches
    nothing: the pending entries keep counting. New invoices are new debt.
    """
    updated = list(entries)
    matched: list[LedgerEntry] = []
    inferred: list[LedgerEntry] = []
    currencies = sorted({i.balance.currency for i in (*before, *after)})
    for currency in currencies:
        change = _source_change(before, after, currency)
        if change == 0:
            continue
        candidates = [
            e
            for e in updated
            if e.state == PENDING and e.amount.currency == currency and e.at >= as_of - timedelta(days=rule.window_days)
        ]
        chosen = _best_subset(sorted(candidates, key=lambda e: e.at), change, rule.tolerance_minor)
        ids = {e.id for e in chosen}
        updated = [replace(e, state=MATCHED, matched_by=source) if e.id in ids else e for e in updated]
        matched += [e for e in updated if e.id in ids]
        rest = change - sum(e.delta for e in chosen)
        if rest < -rule.tolerance_minor:
            entry = LedgerEntry(
                id=f"inf:{source}:{currency}:{len(updated)}",
                kind=inferred_kind,
                amount=Money(-rest, currency),
                at=as_of,
                actor="import",
                ref=source,
                state=MATCHED,
                origin="source",
                matched_by=source,
            )
            updated.append(entry)
            inferred.append(entry)
    return Reconciled(updated, matched, inferred)


def stale_pending(entries: Iterable[LedgerEntry], now: datetime, rule: MatchRule) -> list[LedgerEntry]:
    """Pending entries older than the match window and not yet reported: no import reflected them in time."""
    return [
        e for e in entries if e.state == PENDING and not e.flagged and e.at <= now - timedelta(days=rule.window_days)
    ]


def reconcile_by(entries: Iterable[LedgerEntry], rule: MatchRule) -> datetime | None:
    """When the oldest unreported pending entry runs out of its match window (the follow-up reports it then)."""
    pending = [e.at for e in entries if e.state == PENDING and not e.flagged]
    return min(pending) + timedelta(days=rule.window_days) if pending else None


def commitment_deadline(due: date, tz: str | None, grace_days: int = 1) -> datetime:
    """When a promise or installment is decided: the end of its grace period, at midnight in the debtor's zone."""
    return datetime.combine(due + timedelta(days=grace_days + 1), time(0), ZoneInfo(tz or "UTC"))


def promise_outcome(amount: Money, due: date, received: Money, today: date, grace_days: int = 1) -> str:
    """`kept` once money received since the promise covers it; `broken` after due + grace without that."""
    if received.currency == amount.currency and received >= amount:
        return "kept"
    if (today - due).days > grace_days:
        return "broken"
    return "open"
