"""Channel rules: medium opt-outs (1006.14(h)), TCPA consent and revocation, and the workplace bar."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.domain.compliance.context import Context, same_medium
from shared.domain.compliance.model import ELECTRONIC, PHONE_CHANNELS, NoContact
from shared.domain.compliance.results import RuleResult, block

CONSUMER_EMAIL_SOURCES = frozenset({"consumer_emailed_collector", "consumer_consent_to_collector"})


def is_optout_confirmation(ctx: Context) -> bool:
    """The one confirmation of an electronic opt-out, sent in reply to the opt-out message itself."""
    proposed = ctx.check.proposed
    source = ctx.event(proposed.in_reply_to)
    return (
        proposed.purpose == "optout_confirmation"
        and source is not None
        and source.inbound
        and same_medium(source.channel, proposed.channel)
        and not ctx.replied_before(source.id)
    )


def _covers(entry: NoContact, channel: str, to: str) -> bool:
    if entry.to is not None and entry.to != to:
        return False
    if entry.channel == "all":
        return True
    if entry.channel == "all_electronic":
        return channel in ELECTRONIC
    return same_medium(entry.channel, channel) if entry.channel == "call" else entry.channel == channel


def _opted_out(ctx: Context) -> bool:
    proposed = ctx.check.proposed
    if proposed.channel == "sms" and ctx.phone is not None and ctx.phone.opted_out_at is not None:
        return True
    if proposed.channel == "email" and ctx.email is not None and ctx.email.opted_out_at is not None:
        return True
    return any(_covers(entry, proposed.channel, proposed.to) for entry in ctx.check.account.prefs.no_contact)


def check_medium_optout(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.14(h): a medium or address the consumer opted out of is closed, bar one confirmation or reply."""
    if not ctx.regf or not ctx.to_consumer or not _opted_out(ctx):
        return None
    if ctx.is_reply(at) or is_optout_confirmation(ctx):
        return None
    return block("REGF-MEDIUM-OPTOUT", f"the consumer asked us not to use {ctx.check.proposed.channel} at this address")


def _tcpa_covered(ctx: Context) -> bool:
    proposed = ctx.check.proposed
    if proposed.channel not in PHONE_CHANNELS or not (proposed.automated or proposed.prerecorded):
        return False
    return ctx.phone is None or ctx.phone.type == "cell"


def check_tcpa_revocation(ctx: Context, at: datetime) -> RuleResult | None:
    """47 CFR 64.1200(a)(10): revoked consent stops automated calls and texts, bar a prompt confirmation."""
    phone = ctx.phone
    if phone is None or phone.consent_revoked_at is None or not _tcpa_covered(ctx):
        return None
    window = timedelta(minutes=ctx.check.policy.optout_confirmation_minutes)
    if is_optout_confirmation(ctx) and at - phone.consent_revoked_at <= window:
        return None
    return block("TCPA-REVOCATION", "the consumer revoked consent to automated calls and texts at this number")


def check_tcpa_cell(ctx: Context, at: datetime) -> RuleResult | None:
    """227(b)(1)(A)(iii): autodialed, prerecorded or platform messages to a cell need prior express consent."""
    phone = ctx.phone
    if not _tcpa_covered(ctx):
        return None
    if phone is not None and (phone.consent_at is not None or phone.consent_revoked_at is not None):
        return None
    return block("TCPA-AUTOMATED-CELL", "this cell number has no consent to automated calls or texts; dial manually")


def check_workplace(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.6(b)(3) and 1006.22(f)(3): no work contact the employer forbids; no unconsented work e-mail."""
    if not ctx.regf or not ctx.to_consumer:
        return None
    proposed = ctx.check.proposed
    at_work = (proposed.channel in PHONE_CHANNELS and ctx.phone is not None and ctx.phone.type == "work") or (
        proposed.channel == "email" and ctx.email is not None and ctx.email.work
    )
    if not at_work:
        return None
    if ctx.check.account.flags.employer_prohibits:
        return block("REGF-WORKPLACE", "the consumer's employer prohibits this kind of contact at work")
    email = ctx.email
    if proposed.channel == "email" and email is not None and not _consented_work_email(ctx):
        return block(
            "REGF-WORKPLACE", "an employer e-mail address may be used only if the consumer used or approved it"
        )
    return None


def _consented_work_email(ctx: Context) -> bool:
    email = ctx.email
    return email is not None and (email.written_consent_at is not None or email.source in CONSUMER_EMAIL_SOURCES)
