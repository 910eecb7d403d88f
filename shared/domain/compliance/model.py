"""Typed, frozen facts of one compliance check (SCHEMA §2), already filtered as of `proposed.at`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from shared.domain.compliance.policy import Policy

CHANNELS = frozenset({"call", "sms", "email", "letter", "voicemail"})
PHONE_CHANNELS = frozenset({"call", "sms", "voicemail"})
ELECTRONIC = frozenset({"sms", "email"})
TIMED_CHANNELS = frozenset({"call", "voicemail", "sms", "email"})
ROLES = frozenset({"consumer", "attorney", "executor", "spouse", "third_party"})
CONSUMER_ROLES = frozenset({"consumer", "executor", "spouse"})
PURPOSES = frozenset(
    {
        "collection",
        "validation_notice",
        "verification",
        "original_creditor_info",
        "cease_ack",
        "remedy_notice",
        "optout_confirmation",
        "location",
    }
)


@dataclass(frozen=True)
class Phone:
    number: str
    type: str
    zones: tuple[str, ...]
    source: str
    consent_at: datetime | None
    consent_revoked_at: datetime | None
    opted_out_at: datetime | None
    voicemail_private: bool
    reassigned: str | None


@dataclass(frozen=True)
class Email:
    address: str
    work: bool
    source: str
    opted_out_at: datetime | None
    written_consent_at: datetime | None


@dataclass(frozen=True)
class Debt:
    id: str
    creditor: str
    balance: float | None
    originated_on: date | None
    sol_expires_on: date | None
    initial_communication_at: datetime | None
    vn_sent_at: datetime | None


@dataclass(frozen=True)
class Cease:
    received_at: datetime
    written: bool
    debt_ids: frozenset[str] | None


@dataclass(frozen=True)
class Attorney:
    represented_at: datetime
    debt_ids: frozenset[str] | None
    identified: bool
    contacted_at: datetime | None
    responded_at: datetime | None
    consents_direct: bool


@dataclass(frozen=True)
class Bankruptcy:
    chapter: int | None
    filed_on: date | None
    status: str


@dataclass(frozen=True)
class Deceased:
    date_of_death: date | None
    representative_verified: bool


@dataclass(frozen=True)
class Servicemember:
    active_duty: bool
    since: date | None
    until: date | None


@dataclass(frozen=True)
class Hold:
    """A written dispute or original-creditor request; `closed_at` is when verification/info was sent."""

    debt_id: str
    received_at: datetime
    written: bool
    closed_at: datetime | None


@dataclass(frozen=True)
class TimePref:
    start: time
    end: time
    days: frozenset[int] | None
    start_on: date | None
    end_on: date | None
    channels: frozenset[str] | None
    zone: str | None


@dataclass(frozen=True)
class NoContact:
    channel: str
    to: str | None


@dataclass(frozen=True)
class KnownLocation:
    zone: str
    start_on: date | None
    end_on: date | None


@dataclass(frozen=True)
class Consent:
    channels: frozenset[str]
    start: datetime | None
    end: datetime | None
    debt_ids: frozenset[str] | None


@dataclass(frozen=True)
class Event:
    id: str
    at: datetime
    channel: str
    inbound: bool
    debt_ids: frozenset[str]
    outcome: str
    party: str
    automated: bool
    prerecorded: bool
    role: str
    purpose: str
    consent_excluded: bool
    in_reply_to: str | None


@dataclass(frozen=True)
class Content:
    mini_miranda: str
    opt_out_notice: bool
    opt_out_needs_login_or_fee: bool
    lcm_only: bool
    mentions_debt: bool
    mentions_lawsuit: bool
    payment_deadline: date | None
    interest_rate_pct: float | None
    time_barred_disclosure: bool


@dataclass(frozen=True)
class Override:
    rule: str
    expires_at: datetime | None


@dataclass(frozen=True)
class Proposed:
    at: datetime
    channel: str
    to: str
    debt_ids: frozenset[str]
    automated: bool
    prerecorded: bool
    role: str
    purpose: str
    in_reply_to: str | None
    content: Content
    overrides: tuple[Override, ...]


@dataclass(frozen=True)
class Flags:
    cease: Cease | None
    attorney: Attorney | None
    bankruptcy: Bankruptcy | None
    deceased: Deceased | None
    servicemember: Servicemember | None
    employer_prohibits: bool
    disputes: tuple[Hold, ...]
    oc_requests: tuple[Hold, ...]


@dataclass(frozen=True)
class Preferences:
    times: tuple[TimePref, ...]
    no_work: bool
    no_contact: tuple[NoContact, ...]
    locations: tuple[KnownLocation, ...]
    consents: tuple[Consent, ...]


@dataclass(frozen=True)
class Account:
    id: str
    commercial: bool
    third_party: bool
    state: str | None
    city: str | None
    natural_person: bool
    address_zone: str | None
    debts: tuple[Debt, ...]
    flags: Flags
    phones: tuple[Phone, ...]
    emails: tuple[Email, ...]
    prefs: Preferences


@dataclass(frozen=True)
class Check:
    account: Account
    history: tuple[Event, ...]
    proposed: Proposed
    policy: Policy
