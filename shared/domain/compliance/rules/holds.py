"""Validation rules: notice timing, dispute and original-creditor holds, overshadowing, time-barred debt."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from shared.domain.compliance.businessdays import validation_period_end
from shared.domain.compliance.context import Context
from shared.domain.compliance.model import Debt, Hold
from shared.domain.compliance.results import RuleResult, block, review
from shared.domain.compliance.timezones import local_date

COLLECTING = frozenset({"collection", "remedy_notice"})
LEGAL_NOTICE_STATES = frozenset({"CA", "NY"})


def period_end(ctx: Context, debt: Debt) -> date | None:
    """End of the validation period (1006.34(b)(5)); None while no notice has been sent."""
    if debt.vn_sent_at is None:
        return None
    return validation_period_end(local_date(debt.vn_sent_at, ctx.primary), ctx.check.policy.observed_holidays)


def _open_hold(ctx: Context, holds: tuple[Hold, ...]) -> bool:
    debts = {d.id: d for d in ctx.debts}
    for hold in holds:
        debt = debts.get(hold.debt_id)
        if debt is None or not hold.written or hold.closed_at is not None:
            continue
        end = period_end(ctx, debt)
        if end is None or local_date(hold.received_at, ctx.primary) <= end:
            return True
    return False


def check_dispute_hold(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.34(c)(3)(i)/1692g(b): a timely written dispute stops collection until verification is sent."""
    proposed = ctx.check.proposed
    if not ctx.regf or proposed.purpose not in COLLECTING | {"validation_notice"}:
        return None
    if not _open_hold(ctx, ctx.check.account.flags.disputes):
        return None
    return block("REGF-DISPUTE-HOLD", "the consumer disputed this debt in writing; send verification before collecting")


def check_oc_hold(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.38(c): a timely written request for the original creditor stops collection until answered."""
    proposed = ctx.check.proposed
    if not ctx.regf or proposed.purpose not in COLLECTING | {"validation_notice"}:
        return None
    if not _open_hold(ctx, ctx.check.account.flags.oc_requests):
        return None
    return block("REGF-OC-REQUEST-HOLD", "the consumer asked for the original creditor; send it before collecting")


def check_validation_timing(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.34(a)(1): the validation notice is due within days of the initial communication [P: block after]."""
    if not ctx.regf or ctx.check.proposed.purpose not in COLLECTING:
        return None
    deadline_days = timedelta(days=ctx.check.policy.vn_deadline_days)
    for debt in ctx.debts:
        initial = debt.initial_communication_at
        if initial is None or debt.vn_sent_at is not None:
            continue
        if ctx.today(at) > local_date(initial, ctx.primary) + deadline_days:
            return block("REGF-VALIDATION-TIMING", "the validation notice is overdue; send it before any other contact")
    return None


def check_overshadow(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.38(b): no payment deadline that ends before the validation period does."""
    deadline = ctx.check.proposed.content.payment_deadline
    if not ctx.regf or deadline is None:
        return None
    for debt in ctx.debts:
        end = period_end(ctx, debt)
        if end is not None and ctx.today(at) <= end and deadline < end:
            return block("REGF-OVERSHADOW", f"the payment deadline falls before the validation period ends on {end}")
    return None


def check_time_barred(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.26(b): never threaten suit on time-barred debt; unknown limitation with legal language needs review."""
    content = ctx.check.proposed.content
    if not ctx.regf:
        return None
    today = ctx.today(at)
    barred = [d for d in ctx.debts if d.sol_expires_on is not None and d.sol_expires_on <= today]
    unknown = [d for d in ctx.debts if d.sol_expires_on is None]
    if content.mentions_lawsuit and barred:
        return block("REGF-TIMEBARRED", "this debt is past the statute of limitations, so we cannot mention a lawsuit")
    if content.mentions_lawsuit and unknown:
        return review("REGF-TIMEBARRED", "the statute of limitations is unknown, so legal language needs review")
    if barred and _needs_disclosure(ctx) and not content.time_barred_disclosure:
        return block("REGF-TIMEBARRED", "this time-barred debt needs the state's time-barred disclosure")
    return None


def _needs_disclosure(ctx: Context) -> bool:
    proposed = ctx.check.proposed
    state = ctx.check.account.state
    written = proposed.channel in {"letter", "email"}
    return written and proposed.content.mentions_debt and state in LEGAL_NOTICE_STATES and ctx.state_pack(state or "")
