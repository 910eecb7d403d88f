"""Electronic-address rules: provenance safe harbour (1006.6(d)), reassigned numbers, NY and NYC e-consent."""

from __future__ import annotations

from datetime import datetime

from shared.domain.compliance.context import Context
from shared.domain.compliance.results import RuleResult, block, review
from shared.domain.compliance.rules.channels import is_optout_confirmation

SAFE_EMAIL_SOURCES = frozenset(
    {"consumer_emailed_collector", "consumer_consent_to_collector", "provided_to_creditor", "prior_collector"}
)
SAFE_PHONE_SOURCES = frozenset(
    {
        "provided_to_creditor",
        "consumer_provided_to_collector",
        "consumer_contacted_collector_from_it",
        "prior_collector",
    }
)
NY_EMAIL_SOURCES = frozenset({"consumer_emailed_collector", "consumer_consent_to_collector"})


def _exempt(ctx: Context, at: datetime) -> bool:
    return ctx.is_reply(at) or is_optout_confirmation(ctx)


def check_email_address(ctx: Context) -> RuleResult | None:
    email = ctx.email
    if email is None:
        return review("REGF-ELEC-ADDRESS", "this e-mail address is not on file, so its provenance is unknown")
    if email.work and email.written_consent_at is None and email.source not in NY_EMAIL_SOURCES:
        return block("REGF-ELEC-ADDRESS", "an employer-provided e-mail address needs the consumer's own consent")
    if email.source not in SAFE_EMAIL_SOURCES and email.written_consent_at is None:
        return review("REGF-ELEC-ADDRESS", "this e-mail address did not come from a safe-harbour source")
    return None


def check_sms_number(ctx: Context) -> RuleResult | None:
    phone = ctx.phone
    if phone is None:
        return review("REGF-ELEC-ADDRESS", "this number is not on file, so its provenance is unknown")
    if phone.reassigned == "reassigned":
        return block("REGF-ELEC-ADDRESS", "the reassigned-number database says this number changed hands")
    if phone.source not in SAFE_PHONE_SOURCES:
        return review("REGF-ELEC-ADDRESS", "this number did not come from a safe-harbour source for texts")
    if phone.reassigned != "not_reassigned":
        return review("REGF-ELEC-ADDRESS", "this number has no reassigned-number check for the text safe harbour")
    return None


def check_elec_address(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.6(d)(3)-(4): e-mail and text only to addresses with a safe-harbour provenance."""
    channel = ctx.check.proposed.channel
    if not ctx.regf or not ctx.to_consumer or _exempt(ctx, at):
        return None
    if channel == "email":
        return check_email_address(ctx)
    if channel == "sms":
        return check_sms_number(ctx)
    return None


def check_ny_email(ctx: Context, at: datetime) -> RuleResult | None:
    """23 NYCRR 1.6: e-mail only to an address the consumer gave, with written consent, not an employer's."""
    account = ctx.check.account
    if ctx.check.proposed.channel != "email" or not ctx.regf or not account.third_party or not ctx.state_pack("NY"):
        return None
    if _exempt(ctx, at):
        return None
    email = ctx.email
    if email is not None and not email.work and email.source in NY_EMAIL_SOURCES and email.written_consent_at:
        return None
    return block("ST-NY-EMAIL", "New York allows e-mail only to an address the consumer gave with written consent")


def check_nyc_econsent(ctx: Context, at: datetime) -> RuleResult | None:
    """6 RCNY 5-77 (amended): e-mail and texts in NYC need the consumer's written, revocable consent."""
    if not _nyc(ctx) or ctx.check.proposed.channel != "email" or _exempt(ctx, at):
        return None
    email = ctx.email
    if email is not None and email.written_consent_at is not None:
        return None
    return block("ST-NYC-ECONSENT", "New York City rules need written consent before e-mailing the consumer")


def _nyc(ctx: Context) -> bool:
    account = ctx.check.account
    return not account.commercial and ctx.check.policy.nyc_rules and account.city == "NYC"
