"""Call-frequency rules: Reg F 7-in-7 and conversation prongs, electronic caps, TCPA residential cap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.domain.compliance.context import Context
from shared.domain.compliance.model import Event
from shared.domain.compliance.results import RuleResult
from shared.domain.compliance.rules.common import defer_to_date, first_open_date
from shared.domain.compliance.timezones import local_date

PLACED = frozenset({"no_answer", "voicemail", "answered_no_conversation", "answered_conversation", "reserved"})
CALLS = frozenset({"call", "voicemail"})
UNDELIVERED = frozenset({"failed", "bounced"})
WEEK = 7

EventFilter = Callable[[Event], bool]


def event_dates(ctx: Context, tz: ZoneInfo, keep: EventFilter) -> list[date]:
    return [local_date(e.at, tz) for e in ctx.check.history if keep(e)]


def _placed_call(debt_id: str) -> EventFilter:
    """SCHEMA §4.5: outbound consumer calls that reached the line, per debt, without a consent exclusion."""
    return lambda e: (
        not e.inbound
        and e.channel in CALLS
        and e.role == "consumer"
        and e.outcome in PLACED
        and not e.consent_excluded
        and debt_id in e.debt_ids
    )


def _frequency_applies(ctx: Context, at: datetime) -> bool:
    proposed = ctx.check.proposed
    return ctx.regf and proposed.channel in CALLS and ctx.to_consumer and not ctx.has_consent(at)


def check_seven_in_seven(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.14(b)(2)(i)(A): at most 7 placed calls per debt in 7 consecutive dates."""
    if not _frequency_applies(ctx, at):
        return None

    def first_ok(tz: ZoneInfo, today: date) -> date | None:
        dates = [
            first_open_date(event_dates(ctx, tz, _placed_call(debt)), today, WEEK, WEEK)
            for debt in ctx.check.proposed.debt_ids
        ]
        return max((d for d in dates if d is not None), default=None)

    return defer_to_date(
        ctx, at, "REGF-CALL-FREQ-7IN7", "we already placed 7 calls about this debt this week", first_ok
    )


def check_conversation(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.14(b)(2)(i)(B): no call for 7 days after a telephone conversation about the debt (day 1)."""
    if not _frequency_applies(ctx, at):
        return None
    debts = ctx.check.proposed.debt_ids

    def talked(e: Event) -> bool:
        return (
            e.channel == "call"
            and e.outcome == "answered_conversation"
            and e.role == "consumer"
            and bool(debts & e.debt_ids)
        )

    def first_ok(tz: ZoneInfo, today: date) -> date | None:
        latest = max(event_dates(ctx, tz, talked), default=None)
        return None if latest is None else latest + timedelta(days=WEEK)

    return defer_to_date(
        ctx, at, "REGF-CALL-FREQ-CONVO", "we spoke with the consumer about this debt within the last 7 days", first_ok
    )


def check_electronic_caps(ctx: Context, at: datetime) -> RuleResult | None:
    """1006.14(a) [P caps]: collection texts and e-mails per day and per 7 days; replies are exempt."""
    proposed = ctx.check.proposed
    channel = proposed.channel
    if not ctx.regf or channel not in {"sms", "email"} or proposed.purpose != "collection" or ctx.is_reply(at):
        return None
    caps = ctx.check.policy.caps
    per_day, per_week = caps.get(f"{channel}_per_day"), caps.get(f"{channel}_per_7_days")

    def sent(e: Event) -> bool:
        return (
            not e.inbound
            and e.channel == channel
            and e.purpose == "collection"
            and e.in_reply_to is None
            and e.outcome not in UNDELIVERED
        )

    def first_ok(tz: ZoneInfo, today: date) -> date | None:
        dates = event_dates(ctx, tz, sent)
        limits = [(per_day, 1), (per_week, WEEK)]
        found = [first_open_date(dates, today, n, days) for n, days in limits if n is not None]
        return max((d for d in found if d is not None), default=None)

    return defer_to_date(ctx, at, "REGF-HARASS-ELECTRONIC", f"the {channel} cap for this consumer is reached", first_ok)


def check_tcpa_residential(ctx: Context, at: datetime) -> RuleResult | None:
    """47 CFR 64.1200(a)(3): unconsented prerecorded calls to a residential line, ≤ 3 per 30 days."""
    proposed, phone = ctx.check.proposed, ctx.phone
    if proposed.channel not in CALLS or not proposed.prerecorded or phone is None or phone.type != "landline":
        return None
    if phone.consent_at is not None and phone.consent_revoked_at is None:
        return None
    limits = ctx.check.policy.tcpa_residential
    max_calls, days = limits.get("max_calls", 3), limits.get("days", 30)

    def prerecorded(e: Event) -> bool:
        connected = e.outcome != "not_connected"
        return not e.inbound and e.channel in CALLS and e.prerecorded and e.party == phone.number and connected

    def first_ok(tz: ZoneInfo, today: date) -> date | None:
        return first_open_date(event_dates(ctx, tz, prerecorded), today, max_calls, days)

    return defer_to_date(
        ctx, at, "TCPA-PRERECORDED-RESIDENTIAL", "this home line already had 3 prerecorded calls in 30 days", first_ok
    )
