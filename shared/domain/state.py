"""The one recompute: every field derived from an account's ledger, commitment and holds, after every write.

Everything that writes an account calls `recompute` (through `shared.writes.save_account`); nothing else sets
balance-derived fields, the next action or worklist membership. See docs/ARCHITECTURE.md, "The recompute".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from shared.domain.accounts import CLOSED_STATUSES, Account, Commitment
from shared.domain.dunning import Step, commitment_notice_at, commitment_reminder_at, local_day, next_reminder
from shared.domain.ledger import reconcile_by
from shared.domain.letters import notice_owed
from shared.domain.money import Money
from shared.domain.settings import Settings

STOPPING_HOLDS = frozenset({"cease", "bankruptcy", "deceased", "attorney"})
# Holds that stop automated contact; a collector may still work the account (a dispute is answered by billing).
AUTOMATION_HOLDS = STOPPING_HOLDS | {"dispute", "snapshot_review"}


@dataclass(frozen=True)
class Priority:
    """The parts of an account's rank: boost first, then oldest due (older first), then size (larger first)."""

    boost: int  # 1 when a broken promise or plan waits for the collector
    oldest_due: date | None
    size: int  # 0-99, log scale of what is owed in the reference currency

    def score(self, today: date) -> int:
        """The number shown to collectors: days past due x100 plus size, boosted ones above all."""
        days = max(0, min((today - self.oldest_due).days, 9_999)) if self.oldest_due else 0
        return self.boost * 2_000_000 + days * 100 + self.size

    def sort_key(self) -> str:
        """An index sort key that does not age: highest first in a descending Query gives the same order as
        `score` on any day, with no job rewriting accounts as they get older."""
        ordinal = self.oldest_due.toordinal() if self.oldest_due else 9_999_999
        return f"{self.boost}#{9_999_999 - ordinal:07d}#{self.size:02d}"


def size_score(owed: dict[str, int], rates: dict[str, Decimal]) -> int:
    """0-99 on a log scale of the total owed in the reference currency (a ranking, not money arithmetic)."""
    total = sum(
        (Money(minor, c).to_decimal() * rates.get(c, Decimal(1)) for c, minor in owed.items() if minor > 0),
        Decimal(0),
    )
    return min(99, int(math.log10(max(float(total), 1.0)) * 16))


def priority_of(account: Account, rates: dict[str, Decimal]) -> Priority:
    owed = {c: p.owed for c, p in account.positions.items()}
    # A task lifts the account into the worklist's first band: a follow-up, or a locate (no usable phone or email),
    # which stays until a contact is found even when a payment or promise clears the follow-up (`/collect locate`
    # reads that band)
    boost = 1 if (account.follow_up or account.flags.get("needs_locate")) and account.is_open else 0
    return Priority(boost, account.oldest_due, size_score(owed, rates))


def _status(account: Account, owes: bool) -> str:
    if account.status in CLOSED_STATUSES - {"paid"}:
        return account.status  # closed or settled by a person stays so
    return "open" if owes else "paid"


def _next(
    account: Account, now: datetime, cadence: tuple[Step, ...], notice_owed: bool = False
) -> tuple[str | None, datetime | None, int]:
    """The next action, when it is due on the due index (None: nothing automated), and the dunning step; a notice
    owed since the account was first contacted (`notice_owed`) makes the next reminder due now: it is that notice."""
    if not account.is_open:
        return None, None, account.dunning_step
    held = AUTOMATION_HOLDS.intersection(account.holds())
    if held:
        return f"hold: {', '.join(sorted(held))}", None, account.dunning_step
    commitment = account.commitment
    if commitment is not None:
        message = _commitment_message(account, commitment, now) if account.automation == "on" else None
        return message or (commitment.kind, commitment.deadline, account.dunning_step)
    if account.automation == "review":
        return "review", None, account.dunning_step
    nxt = next_reminder(
        account.oldest_due, account.dunning_step, account.timezone, now, account.last_contact_at, cadence
    )
    if nxt is None and not notice_owed:
        return "call", None, account.dunning_step  # the cadence is done: the collector calls
    at = min(nxt.at, now) if nxt and notice_owed else nxt.at if nxt else now
    at = max(at, account.defer_until) if account.defer_until else at
    return "reminder", at, nxt.step if nxt else account.dunning_step


def _commitment_message(account: Account, commitment: Commitment, now: datetime) -> tuple[str, datetime, int] | None:
    """The automated message a standing promise or plan is due: the notice of a late installment (10:00 local the
    day after its grace day), else the reminder before its date; None when there is none to send."""
    tz, step = account.timezone, account.dunning_step
    if commitment.notice_pending:
        at = commitment_notice_at(commitment.due, tz)
        return "installment notice", max(at, account.defer_until or at), step
    pre = commitment_reminder_at(commitment.due, commitment.reminded, commitment.made_at, tz)
    if pre is None or local_day(now, tz) >= commitment.due:
        return None
    at = max(pre, account.defer_until or pre)
    return f"{'promise' if commitment.kind == 'promise' else 'installment'} reminder", at, step


def recompute(account: Account, now: datetime, settings: Settings | None = None) -> Account:
    """Balance status, oldest due, priority, next action and instant, and worklist membership, from the ledger,
    the open commitment and the holds: the same answer whoever writes the account."""
    settings = settings or Settings()
    owed = account.open_amounts()
    open_dues = [i.due_date for i in account.invoices if owed.get(i.number, 0) > 0]
    owes = any(p.owed > 0 for p in account.positions.values())
    account = replace(account, oldest_due=min(open_dues, default=None), status=_status(account, owes))
    cadence = settings.cadence_for(account.account_type)
    action, at, step = _next(account, now, cadence, notice_owed(account, settings.letterhead))
    account = replace(account, next_action=action, next_action_at=at, dunning_step=step)
    rank = priority_of(account, settings.rates)
    paused = account.commitment is not None
    listed = account.is_open and not paused and not STOPPING_HOLDS.intersection(account.holds())
    today = local_day(now, account.timezone)
    reconcile = reconcile_by(account.entries, settings.match)
    return replace(
        account, priority=rank.score(today), rank=rank.sort_key(), on_worklist=listed, reconcile_by=reconcile
    )
