"""Runs the rules in spec §6 order, combines results by severity and runs the deferral loop (spec §3)."""

from __future__ import annotations

from datetime import datetime

from shared.domain.compliance.context import Context
from shared.domain.compliance.decision import Decision
from shared.domain.compliance.explain import explain
from shared.domain.compliance.model import Check
from shared.domain.compliance.results import Outcome, Rule, RuleResult, review
from shared.domain.compliance.rules import addresses, channels, content, frequency, hard_stops, holds, state_caps
from shared.domain.compliance.rules import time_rules as timing

MAX_ROUNDS = 10
HARD_RULES = ("REGF-CEASE", "BK-", "TCPA-", "REGF-DECEASED", "REGF-MEDIUM-OPTOUT", "ENGINE-DEFER-LOOP")

RULES: tuple[Rule, ...] = (
    hard_stops.check_bankruptcy,
    hard_stops.check_deceased,
    hard_stops.check_cease,
    hard_stops.check_attorney,
    channels.check_medium_optout,
    channels.check_tcpa_revocation,
    channels.check_tcpa_cell,
    holds.check_dispute_hold,
    holds.check_oc_hold,
    holds.check_validation_timing,
    content.check_mini_miranda,
    content.check_optout_notice,
    content.check_lcm,
    content.check_third_party,
    holds.check_overshadow,
    holds.check_time_barred,
    content.check_scra_interest,
    addresses.check_elec_address,
    channels.check_workplace,
    addresses.check_ny_email,
    addresses.check_nyc_econsent,
    frequency.check_seven_in_seven,
    frequency.check_conversation,
    state_caps.check_ma,
    state_caps.check_wa,
    state_caps.check_nyc,
    frequency.check_electronic_caps,
    frequency.check_tcpa_residential,
    state_caps.check_b2b_cap,
    state_caps.check_call_spacing,
    timing.check_place_preference,
    timing.check_time_preferences,
    timing.check_time_window,
    timing.check_rosenthal_window,
    timing.check_b2b_hours,
)


def run_rules(ctx: Context, at: datetime) -> list[RuleResult]:
    return [result for rule in RULES if (result := rule(ctx, at)) is not None]


def overridable(result: RuleResult) -> bool:
    return result.outcome is Outcome.REVIEW and not result.rule.startswith(HARD_RULES)


def apply_overrides(ctx: Context, results: list[RuleResult]) -> list[RuleResult]:
    """SCHEMA §4.12: a live logged override lifts a REVIEW of a rule that is not hard."""
    at = ctx.check.proposed.at
    lifted = {o.rule for o in ctx.check.proposed.overrides if o.expires_at is None or o.expires_at > at}
    return [r for r in results if not (overridable(r) and r.rule in lifted)]


def rank(results: list[RuleResult]) -> list[RuleResult]:
    """Most severe first; DEFERs by latest `until`; otherwise keep §6 evaluation order (stable sort)."""
    return sorted(results, key=lambda r: (-r.outcome, -(r.until.timestamp() if r.until else 0.0)))


def deferral_loop(ctx: Context, first: list[RuleResult]) -> tuple[datetime | None, list[RuleResult]]:
    """Re-evaluate at max(until) until nothing defers; None after MAX_ROUNDS rounds."""
    until = max(r.until for r in first if r.until is not None)
    seen = {r.rule for r in first}
    later: list[RuleResult] = []
    for _ in range(MAX_ROUNDS):
        deferring = [r for r in run_rules(ctx, until) if r.outcome is Outcome.DEFER and r.until is not None]
        if not deferring:
            return until, later
        later.extend(r for r in rank(deferring) if r.rule not in seen)
        seen.update(r.rule for r in deferring)
        until = max(until, *(r.until for r in deferring if r.until is not None))
    return None, later


def decide(check: Check) -> Decision:
    ctx = Context(check)
    at = check.proposed.at
    results = rank(apply_overrides(ctx, run_rules(ctx, at)))
    until = None
    if results and results[0].outcome is Outcome.DEFER:
        until, later = deferral_loop(ctx, results)
        if until is None:
            results = [review("ENGINE-DEFER-LOOP", "no allowed time was found in 10 rounds"), *results]
        results = results + later
    primary = results[0] if results else None
    outcome = primary.outcome if primary else Outcome.ALLOW
    return Decision(
        decision=outcome.name,
        until=until if outcome is Outcome.DEFER else None,
        rules=tuple(dict.fromkeys(r.rule for r in results)),
        explanation=explain(check.proposed.channel, primary, until, ctx.primary),
    )
