"""Hard stops: bankruptcy stay and discharge, deceased consumer, written cease, attorney representation."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.domain.compliance.context import Context
from shared.domain.compliance.results import RuleResult, block, review
from shared.domain.compliance.rules.common import defer_to_date
from shared.domain.compliance.timezones import local_date

CEASE_EXEMPT = frozenset({"cease_ack", "remedy_notice"})


def _pre_petition(ctx: Context) -> bool:
    bk = ctx.check.account.flags.bankruptcy
    if bk is None or bk.filed_on is None:
        return True
    debts = ctx.debts or ctx.check.account.debts
    return not debts or any(d.originated_on is None or d.originated_on < bk.filed_on for d in debts)


def check_bankruptcy(ctx: Context, at: datetime) -> RuleResult | None:
    """11 U.S.C. 362(a)/524(a)/1301: no collection on pre-petition debt; dismissal needs review."""
    bk = ctx.check.account.flags.bankruptcy
    if bk is None or not _pre_petition(ctx):
        return None
    if bk.status == "discharged":
        return block("BK-DISCHARGE", "the debt was discharged in bankruptcy, so it can never be collected")
    if bk.status in {"dismissed", "closed"}:
        return review("BK-STAY", f"the bankruptcy case was {bk.status}; compliance must confirm before collecting")
    if ctx.check.proposed.role == "attorney":
        return review("BK-STAY", "contact with bankruptcy counsel during the stay must go through the legal team")
    if ctx.check.proposed.role in {"spouse", "third_party"} and bk.chapter in {12, 13}:
        return block("BK-CODEBTOR", "the chapter 12/13 co-debtor stay bars contacting co-obligors")
    return block("BK-STAY", "the consumer is in bankruptcy and the automatic stay bars collection")


def check_deceased(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.6(a): never contact the deceased; the estate representative or spouse after a quiet period."""
    dead = ctx.check.account.flags.deceased
    role = ctx.check.proposed.role
    if dead is None or not ctx.regf or role in {"attorney", "third_party"}:
        return None
    if role == "consumer":
        return block("REGF-DECEASED", "the consumer has died; contact only the estate's representative or spouse")
    if role == "executor" and not dead.representative_verified:
        return review("REGF-DECEASED", "the estate representative is not yet verified as authorized to act")
    if dead.date_of_death is None:
        return None
    quiet_end = dead.date_of_death + timedelta(days=ctx.check.policy.deceased_quiet_days)
    return defer_to_date(
        ctx, at, "REGF-DECEASED", "the post-death quiet period has not ended", lambda tz, today: quiet_end
    )


def check_cease(ctx: Context, at: datetime) -> RuleResult | None:
    """1692c(c): a written cease or refusal to pay stops everything but the termination/remedy notices."""
    cease = ctx.check.account.flags.cease
    proposed = ctx.check.proposed
    if cease is None or not cease.written or not ctx.regf or not ctx.to_consumer:
        return None
    if proposed.purpose in CEASE_EXEMPT:
        return None
    if cease.debt_ids is not None and proposed.debt_ids and not proposed.debt_ids & cease.debt_ids:
        return None
    return block("REGF-CEASE", "the consumer asked in writing that we stop contacting them")


def check_attorney(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.6(b)(2): a represented consumer is contacted through the attorney unless the attorney stalls."""
    lawyer = ctx.check.account.flags.attorney
    if lawyer is None or not ctx.regf or not ctx.to_consumer or not lawyer.identified:
        return None
    if lawyer.consents_direct:
        return None
    proposed = ctx.check.proposed
    scoped = ctx.check.policy.attorney_per_debt and lawyer.debt_ids is not None
    if scoped and lawyer.debt_ids is not None and not proposed.debt_ids & lawyer.debt_ids:
        return None
    if lawyer.contacted_at is not None and lawyer.responded_at is None:
        asked_on = local_date(lawyer.contacted_at, ctx.primary)
        if ctx.today(at) > asked_on + timedelta(days=ctx.check.policy.attorney_response_days):
            return review("REGF-ATTORNEY", "the consumer's attorney has not answered our letter in a reasonable time")
    return block("REGF-ATTORNEY", "the consumer has an attorney for this debt; contact the attorney instead")
