"""Content rules: mini-Miranda, e-mail/SMS opt-out notice, limited-content voicemail, third parties, SCRA."""

from __future__ import annotations

from datetime import datetime

from shared.domain.compliance.context import Context
from shared.domain.compliance.model import ELECTRONIC
from shared.domain.compliance.results import RuleResult, block
from shared.domain.compliance.rules.channels import is_optout_confirmation

MIRANDA_EXEMPT = frozenset({"location", "optout_confirmation"})
SCRA_RATE_CAP_PCT = 6.0


def _is_lcm(ctx: Context) -> bool:
    content = ctx.check.proposed.content
    return content.lcm_only and not content.mentions_debt and content.mini_miranda == "none"


def check_mini_miranda(ctx: Context, at: datetime) -> RuleResult | None:
    """1692e(11): the initial communication says it collects a debt; later ones say it is from a collector."""
    proposed = ctx.check.proposed
    if not ctx.regf or proposed.role == "attorney" or proposed.purpose in MIRANDA_EXEMPT:
        return None
    if proposed.channel == "voicemail" and _is_lcm(ctx):
        return None
    initial = not any(d.initial_communication_at is not None and d.initial_communication_at <= at for d in ctx.debts)
    said = proposed.content.mini_miranda
    if said == "full" or (said == "short" and not initial):
        return None
    if initial:
        return block("REGF-MINI-MIRANDA", "the first communication must say we are attempting to collect a debt")
    return block("REGF-MINI-MIRANDA", "the message must say it is from a debt collector")


def check_optout_notice(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.6(e): every e-mail and text carries a free, simple way to opt out."""
    proposed = ctx.check.proposed
    if not ctx.regf or proposed.channel not in ELECTRONIC or is_optout_confirmation(ctx):
        return None
    if proposed.content.opt_out_notice and not proposed.content.opt_out_needs_login_or_fee:
        return None
    return block("REGF-ELEC-OPTOUT-NOTICE", "the template needs a clear opt-out that costs nothing and needs no login")


def _voicemail_heard_by_others(ctx: Context) -> bool:
    proposed = ctx.check.proposed
    private = ctx.phone is not None and ctx.phone.voicemail_private
    return proposed.channel == "voicemail" and not private and not _is_lcm(ctx)


def check_lcm(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.2(j): a voicemail others may hear must be a limited-content message."""
    if not ctx.regf or not _voicemail_heard_by_others(ctx):
        return None
    return block("REGF-LCM", "a voicemail that others may hear must be a limited-content message")


def check_third_party(ctx: Context, at: datetime) -> RuleResult | None:
    """1692c(b)/1006.10: no debt disclosure to third parties; one location call per third party."""
    if not ctx.regf:
        return None
    proposed = ctx.check.proposed
    if _voicemail_heard_by_others(ctx) and proposed.content.mentions_debt:
        return block("REGF-THIRD-PARTY", "a voicemail mentioning the debt could disclose it to someone else")
    if proposed.role != "third_party":
        return None
    if proposed.purpose != "location" or proposed.content.mentions_debt:
        return block(
            "REGF-THIRD-PARTY", "we may contact a third party only to locate the consumer, never about the debt"
        )
    earlier = any(
        not e.inbound and e.role == "third_party" and e.purpose == "location" and e.party == proposed.to
        for e in ctx.check.history
    )
    if earlier:
        return block("REGF-THIRD-PARTY", "this third party was already contacted once for location information")
    return None


def check_scra_interest(ctx: Context, at: datetime) -> RuleResult | None:
    """50 U.S.C. 3937: no more than 6% a year on pre-service debt while on active duty."""
    member = ctx.check.account.flags.servicemember
    rate = ctx.check.proposed.content.interest_rate_pct
    if member is None or not member.active_duty or rate is None or rate <= SCRA_RATE_CAP_PCT:
        return None
    today = ctx.today(at)
    if (member.since is not None and member.since > today) or (member.until is not None and member.until < today):
        return None
    pre_service = any(
        member.since is None or d.originated_on is None or d.originated_on < member.since for d in ctx.debts
    )
    if not pre_service:
        return None
    return block("SCRA-INTEREST", "the consumer is on active duty, so interest on this debt is capped at 6%")
