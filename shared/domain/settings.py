"""A creditor's collection settings: ranking rates, the reconciliation rule, what a full snapshot's gaps mean.

They live in the creditor's policy file under `collections` (the rest of the file is the contact policy):
`{"collections": {"reference_rates": {"EUR": "1.08"}, "match_tolerance_minor": 100, "match_window_days": 30,
"missing_from_snapshot": "confirm", "summary_threshold": 1000}}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any
from urllib.parse import quote

from shared.domain.dunning import DEFAULT_CADENCE, Step, parse_cadences
from shared.domain.errors import InvalidInputError
from shared.domain.ledger import MatchRule
from shared.domain.letterhead import Letterhead, parse_letterhead
from shared.domain.messages import has_template, parse_templates
from shared.domain.money import Money, normalize_currency

REFERENCE_CURRENCY = "USD"
# Approximate USD value of one unit, for ranking only (never for money); a creditor may set its own. A currency
# not listed counts one unit as one USD.
DEFAULT_RATES: dict[str, Decimal] = {
    "USD": Decimal(1),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "CAD": Decimal("0.73"),
    "AUD": Decimal("0.66"),
    "NZD": Decimal("0.60"),
    "CHF": Decimal("1.13"),
    "JPY": Decimal("0.0067"),
    "MXN": Decimal("0.058"),
    "INR": Decimal("0.012"),
    "SEK": Decimal("0.095"),
    "NOK": Decimal("0.093"),
    "DKK": Decimal("0.145"),
    "ZAR": Decimal("0.055"),
    "BRL": Decimal("0.18"),
}
MISSING_CHOICES = ("confirm", "close")
KEYS = ("reference_rates", "match_tolerance_minor", "match_window_days", "missing_from_snapshot", "summary_threshold",
        "letters", "data_max_age_days", "cadence", "plan_cure_days", "payment", "run_approval",
        "templates")  # fmt: skip
SUMMARY_THRESHOLD = 1000  # reference-currency units: an import summary names changes at least this large


@dataclass(frozen=True)
class Payment:
    """How a debtor pays the creditor, printed in every reminder: a link (`{account_id}` is filled in) and words."""

    link: str | None = None
    instructions: str | None = None

    def link_for(self, account_id: str) -> str:
        return self.link.replace("{account_id}", quote(account_id, safe="")) if self.link else ""


def parse_payment(raw: Any) -> Payment:
    """`collections.payment`: `{"link": "https://pay.example.com/{account_id}", "instructions": "..."}`."""
    if not isinstance(raw, dict) or not raw or set(raw) - {"link", "instructions"}:
        raise InvalidInputError("collections.payment must be an object with link and/or instructions")
    link, words = raw.get("link"), raw.get("instructions")
    if link is not None and (not isinstance(link, str) or not link.startswith("https://") or len(link) > 300
                             or any(c.isspace() for c in link) or "{" in link.replace("{account_id}", "")):  # fmt: skip
        raise InvalidInputError(
            f"collections.payment.link {link!r} must be an https:// address (it may hold {{account_id}})"
        )
    if words is not None and (not isinstance(words, str) or not 1 <= len(words.strip()) <= 300):
        raise InvalidInputError("collections.payment.instructions must be text of 1 to 300 characters")
    return Payment(link, words.strip() if words else None)


@dataclass(frozen=True)
class Settings:
    """What recompute and imports read besides the account itself."""

    cadence: tuple[Step, ...] = DEFAULT_CADENCE  # for every account type the creditor did not give its own
    cadences: dict[str, tuple[Step, ...]] = field(default_factory=dict)  # by account type (consumer, commercial)
    plan_cure_days: int = 0  # days a late installment may still be paid (the debtor is told) before its plan breaks
    payment: Payment = field(default_factory=Payment)  # how to pay, printed in reminders
    run_approval: bool = False  # automated sends wait each day for a person's approval in Slack
    templates: dict[str, str] = field(default_factory=dict)  # the creditor's own reminder templates, by file name
    rates: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_RATES))
    match: MatchRule = field(default_factory=MatchRule)
    missing_from_snapshot: str = "confirm"  # confirm: hold for a person; close: paid per source
    summary_threshold: int = SUMMARY_THRESHOLD
    letterhead: Letterhead | None = None  # who letters are from; none set: no letter goes (the run says so)
    observed_holidays: bool = True  # the contact policy's validation_holidays: validation periods skip them too
    # Automated contact stops when the creditor's last import is older than this (None: no such gate); the
    # instant of that import is filled in by the repository when the gate is set.
    data_max_age_days: int | None = None
    last_import_at: datetime | None = None

    def cadence_for(self, account_type: str) -> tuple[Step, ...]:
        """The dunning steps of an account of this type (consumer, commercial)."""
        return self.cadences.get(account_type, self.cadence)

    def data_too_old(self, now: datetime) -> bool:
        """True when a gate is set and the creditor's data is older than it allows (or was never imported)."""
        if self.data_max_age_days is None:
            return False
        return self.last_import_at is None or now - self.last_import_at > timedelta(days=self.data_max_age_days)

    def reference_value(self, minor: int, currency: str) -> Decimal:
        """About what `minor` of `currency` is in the reference currency (to rank and filter, never money)."""
        return Money(minor, currency).to_decimal() * self.rates.get(currency, Decimal(1))


def _rates(raw: Any) -> dict[str, Decimal]:
    if not isinstance(raw, dict):
        raise InvalidInputError("collections.reference_rates must map currency codes to rates")
    rates = dict(DEFAULT_RATES)
    for code, value in raw.items():
        try:
            rate = Decimal(str(value))
        except InvalidOperation as exc:
            raise InvalidInputError(f"collections.reference_rates.{code}: {value!r} is not a number") from exc
        if not rate.is_finite() or rate <= 0:
            raise InvalidInputError(f"collections.reference_rates.{code}: {value!r} must be more than zero")
        rates[normalize_currency(code)] = rate
    return rates


def _count(raw: dict[str, Any], name: str, default: int, most: int) -> int:
    value = raw.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= most:
        raise InvalidInputError(f"collections.{name}: {value!r} must be a whole number from 0 to {most}")
    return value


def parse_settings(policy: dict[str, Any]) -> Settings:
    """The `collections` part of a creditor's policy; InvalidInputError names the bad key."""
    raw = policy.get("collections") or {}
    if not isinstance(raw, dict):
        raise InvalidInputError("collections must be an object")
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise InvalidInputError(f"unknown collections key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}")
    missing = raw.get("missing_from_snapshot", "confirm")
    if missing not in MISSING_CHOICES:
        raise InvalidInputError(f"collections.missing_from_snapshot: {missing!r} is not one of confirm, close")
    match = MatchRule(
        _count(raw, "match_tolerance_minor", MatchRule.tolerance_minor, 10**6),
        _count(raw, "match_window_days", MatchRule.window_days, 365),
    )
    threshold = _count(raw, "summary_threshold", SUMMARY_THRESHOLD, 10**9)
    rates = _rates(raw.get("reference_rates", {}))
    letterhead = parse_letterhead(raw["letters"]) if "letters" in raw else None
    observed = policy.get("validation_holidays", "statutory_and_observed") == "statutory_and_observed"
    max_age = _count(raw, "data_max_age_days", 0, 3650) if "data_max_age_days" in raw else None
    own = parse_templates(raw["templates"]) if "templates" in raw else {}
    cadences = parse_cadences(raw["cadence"], partial(has_template, own=own)) if "cadence" in raw else {}
    if letterhead is None and any("letter" in step.channels for steps in cadences.values() for step in steps):
        raise InvalidInputError("collections.cadence has a letter step: collections.letters must give the "
                                "letterhead (who the letter is from, the return address)")  # fmt: skip
    cure = _count(raw, "plan_cure_days", 0, 30)
    payment = parse_payment(raw["payment"]) if "payment" in raw else Payment()
    approval = raw.get("run_approval", False)
    if not isinstance(approval, bool):
        raise InvalidInputError(f"collections.run_approval: {approval!r} must be true or false")
    return Settings(cadences=cadences, plan_cure_days=cure, payment=payment, run_approval=approval, templates=own,
                    rates=rates, match=match, missing_from_snapshot=missing, summary_threshold=threshold,
                    letterhead=letterhead, observed_holidays=observed, data_max_age_days=max_age)  # fmt: skip


def contact_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """The policy the compliance engine reads: everything but the collections settings."""
    return {key: value for key, value in policy.items() if key != "collections"}
