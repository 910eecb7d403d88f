"""State and policy contact caps: MA per debt, WA per person, NYC per creditor, B2B cap and call spacing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.domain.compliance.context import Context
from shared.domain.compliance.model import PHONE_CHANNELS, Event
from shared.domain.compliance.results import RuleResult, defer
from shared.domain.compliance.rules.common import defer_to_date, first_open_date
from shared.domain.compliance.rules.frequency import CALLS, PLACED, WEEK, EventFilter, event_dates

MA_LIMIT = 2
MA_WORK_DAYS = 30
WA_LIMIT = 3
WA_UNCOUNTED = frozenset({"not_connected", "bounced", "failed"})
NYC_LIMIT = 3


def _work_numbers(ctx: Context) -> frozenset[str]:
    account = ctx.check.account
    return frozenset(p.number for p in account.phones if p.type == "work") | frozenset(
        e.address for e in account.emails if e.work
    )


def check_ma(ctx: Context, at: datetime) -> RuleResult | None:
    """209 CMR 18.16(1)(d): ≤ 2 initiated phone/text/recorded contacts per debt per 7 days (30 at work)."""
    proposed = ctx.check.proposed
    if not ctx.state_pack("MA") or ctx.check.account.commercial or proposed.channel not in PHONE_CHANNELS:
        return None
    if not ctx.to_consumer or ctx.is_reply(at) or ctx.has_consent(at):
        return None
    work = _work_numbers(ctx)
    to_work = proposed.to in work
    days = MA_WORK_DAYS if to_work else WEEK

    def first_ok(tz: ZoneInfo, today: date) -> date | None:
        found = [
            first_open_date(event_dates(ctx, tz, _ma_event(debt, work, to_work)), today, MA_LIMIT, days)
            for debt in proposed.debt_ids
        ]
        return max((d for d in found if d is not None), default=None)

    return defer_to_date(
        ctx, at, "ST-MA-FREQ", "Massachusetts allows 2 initiated calls or texts per debt a week", first_ok
    )


def _ma_event(debt: str, work: frozenset[str], to_work: bool) -> EventFilter:
    def keep(e: Event) -> bool:
        initiated = not e.inbound and e.in_reply_to is None and not e.consent_excluded
        return initiated and e.channel in PHONE_CHANNELS and debt in e.debt_ids and (e.party in work) == to_work

    return keep


def check_wa(ctx: Context, at: datetime) -> RuleResult | None:
    """RCW 19.16.250: a collection agency communicates at most 3 times a week, once a week at work."""
    account = ctx.check.account
    if not ctx.state_pack("WA") or account.commercial or not account.third_party or not ctx.to_consumer:
        return None
    work = _work_numbers(ctx)
    to_work = ctx.check.proposed.to in work

    def counted(e: Event) -> bool:
        return not e.inbound and e.outcome not in WA_UNCOUNTED and e.role in {"consumer", "spouse"}

    def first_ok(tz: ZoneInfo, today: date) -> date | None:
        found = [first_open_date(event_dates(ctx, tz, counted), today, WA_LIMIT, WEEK)]
        if to_work:
            found.append(
                first_open_date(event_dates(ctx, tz, lambda e: counted(e) and e.party in work), today, 1, WEEK)
            )
        return max((d for d in found if d is not None), default=None)

    return defer_to_date(ctx, at, "ST-WA-FREQ", "Washington allows 3 communications with the consumer a week", first_ok)


def check_nyc(ctx: Context, at: datetime) -> RuleResult | None:
    """6 RCNY 5-77 (amended): ≤ 3 contacts or attempts per creditor per 7 days across all channels."""
    account = ctx.check.account
    if account.commercial or not ctx.check.policy.nyc_rules or account.city != "NYC" or not ctx.to_consumer:
        return None
    creditor_of = {d.id: d.creditor for d in account.debts}
    creditors = {creditor_of.get(d) for d in ctx.check.proposed.debt_ids}

    def for_creditor(creditor: str | None) -> EventFilter:
        return lambda e: not e.inbound and any(creditor_of.get(d) == creditor for d in e.debt_ids)

    def first_ok(tz: ZoneInfo, today: date) -> date | None:
        found = [first_open_date(event_dates(ctx, tz, for_creditor(c)), today, NYC_LIMIT, WEEK) for c in creditors]
        return max((d for d in found if d is not None), default=None)

    return defer_to_date(ctx, at, "ST-NYC-FREQ", "New York City allows 3 contacts per creditor a week", first_ok)


def check_b2b_cap(ctx: Context, at: datetime) -> RuleResult | None:
    """[P] Optional commercial cap: `{max_calls|max_contacts, days}` outbound contacts per account."""
    cap = ctx.check.policy.b2b_cap
    if cap is None or not ctx.check.account.commercial:
        return None
    calls_only = "max_calls" in cap
    limit = int(cap.get("max_calls", cap.get("max_contacts", cap.get("max", 0))) or 0)
    days = int(cap.get("days", WEEK) or WEEK)
    if limit <= 0 or (calls_only and ctx.check.proposed.channel not in CALLS):
        return None

    def counted(e: Event) -> bool:
        return not e.inbound and (e.channel in CALLS or not calls_only)

    return defer_to_date(
        ctx,
        at,
        "B2B-FREQ",
        "the company cap on contacts with this business is reached",
        lambda tz, today: first_open_date(event_dates(ctx, tz, counted), today, limit, days),
    )


def check_call_spacing(ctx: Context, at: datetime) -> RuleResult | None:
    """[P] POL-CALL-SPACING: `{max_per_day, min_gap_minutes}` between placed calls to the consumer."""
    spacing = ctx.check.policy.call_spacing
    if spacing is None or ctx.check.proposed.channel not in CALLS or not ctx.to_consumer:
        return None
    calls = [e.at for e in ctx.check.history if not e.inbound and e.channel in CALLS and e.outcome in PLACED]
    gap = timedelta(minutes=int(spacing.get("min_gap_minutes", 0) or 0))
    last = max(calls, default=None)
    if last is not None and gap and at < last + gap:
        return defer("POL-CALL-SPACING", last + gap, "calls to the consumer must be spaced further apart")
    per_day = int(spacing.get("max_per_day", 0) or 0)
    if not per_day:
        return None
    return defer_to_date(
        ctx,
        at,
        "POL-CALL-SPACING",
        "the daily call limit for this consumer is reached",
        lambda tz, today: first_open_date(event_dates(ctx, tz, lambda e: e.at in calls), today, per_day, 1),
    )
