"""What every rule needs to know about one check: packs, zones, the target and the exemptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from shared.domain.compliance.model import Check, Debt, Email, Event, Phone
from shared.domain.compliance.timezones import candidate_zones, local_date, primary_zone

CA_COMMERCIAL_LIMIT = 500_000.0
CA_COMMERCIAL_SINCE = date(2025, 7, 1)


def same_medium(channel: str, other: str) -> bool:
    """A call and a voicemail drop are both the telephone medium."""
    phone = {"call", "voicemail"}
    return channel == other or (channel in phone and other in phone)


@dataclass(frozen=True)
class Context:
    check: Check

    @cached_property
    def primary(self) -> ZoneInfo:
        return primary_zone(self.check.account, self.check.policy)

    def zones(self, at: datetime) -> tuple[ZoneInfo, ...]:
        return candidate_zones(self.check.account, self.check.policy, at)

    def day_zones(self, at: datetime) -> tuple[ZoneInfo, ...]:
        """Zones whose calendar dates the day-count rules use (spec §4.3)."""
        return self.zones(at) if self.check.policy.strictest_day_zone else (self.primary,)

    def today(self, at: datetime) -> date:
        return local_date(at, self.primary)

    @cached_property
    def regf(self) -> bool:
        """SCHEMA §4.2: REGF for consumer debt, first-party too by policy or in California."""
        account = self.check.account
        if account.commercial:
            return False
        return account.third_party or self.check.policy.regf_first_party or self.state_pack("CA")

    def state_pack(self, code: str) -> bool:
        return self.check.account.state == code and self.check.policy.state_packs.get(code, False)

    @cached_property
    def ca_covered_commercial(self) -> bool:
        """CA SB 1286: natural-person commercial debt ≤ $500,000 originated on or after 2025-07-01."""
        account = self.check.account
        if not (account.commercial and account.natural_person and self.state_pack("CA")):
            return False
        debts = self.debts or account.debts
        return bool(debts) and all(
            (d.balance or 0.0) <= CA_COMMERCIAL_LIMIT
            and d.originated_on is not None
            and d.originated_on >= CA_COMMERCIAL_SINCE
            for d in debts
        )

    @cached_property
    def debts(self) -> tuple[Debt, ...]:
        ids = self.check.proposed.debt_ids
        return tuple(d for d in self.check.account.debts if d.id in ids)

    @cached_property
    def phone(self) -> Phone | None:
        to = self.check.proposed.to
        return next((p for p in self.check.account.phones if p.number == to), None)

    @cached_property
    def email(self) -> Email | None:
        to = self.check.proposed.to
        return next((e for e in self.check.account.emails if e.address == to), None)

    @cached_property
    def to_consumer(self) -> bool:
        return self.check.proposed.role in {"consumer", "executor", "spouse"}

    def event(self, event_id: str | None) -> Event | None:
        return next((e for e in self.check.history if e.id == event_id), None) if event_id else None

    def replied_before(self, event_id: str) -> bool:
        return any(not e.inbound and e.in_reply_to == event_id for e in self.check.history)

    def is_reply(self, at: datetime) -> bool:
        """SCHEMA §4.7: the one same-medium reply, within the reply window, to a consumer-started contact."""
        proposed = self.check.proposed
        source = self.event(proposed.in_reply_to)
        if source is None or not source.inbound or not same_medium(source.channel, proposed.channel):
            return False
        window = timedelta(minutes=self.check.policy.reply_window_minutes)
        return at - source.at <= window and not self.replied_before(source.id)

    def has_consent(self, at: datetime) -> bool:
        """A direct prior consent whose half-open window covers `at` for this channel and these debts."""
        proposed = self.check.proposed
        return any(
            any(same_medium(c, proposed.channel) for c in consent.channels)
            and (consent.start is None or consent.start <= at)
            and (consent.end is None or at < consent.end)
            and (consent.debt_ids is None or proposed.debt_ids <= consent.debt_ids)
            for consent in self.check.account.prefs.consents
        )
