"""Builders of SCHEMA `input` objects for the compliance tests (a Dallas consumer, FX-C, by default)."""

from __future__ import annotations

import copy
from typing import Any

PHONE = "+12145550101"
EMAIL = "p1@example.com"


def phone(number: str = PHONE, zones: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "number": number,
        "type": "cell",
        "source": "provided_to_creditor",
        "tcpa_consent": {"given_at": "2025-03-02T16:00:00Z", "source": "provided_to_creditor", "revoked_at": None},
        "opted_out_at": None,
        "voicemail_private_verified": False,
        "reassigned_check": {"checked_at": "2026-01-15T00:00:00Z", "result": "not_reassigned"},
    }
    if zones is not None:
        record["timezones"] = zones
    record.update(extra)
    return record


def consumer_check(at: str = "2026-06-10T15:00:00Z", **proposed: Any) -> dict[str, Any]:
    """A third-party collector's manual call about D1 to a Dallas consumer; `proposed` keys override."""
    check: dict[str, Any] = {
        "account": {
            "id": "ACC-T-1",
            "type": "consumer",
            "collector_role": "third_party",
            "jurisdiction": {"state": "TX", "city": None},
            "debtor": {"name": "Pat Doe", "natural_person": True},
            "debts": [
                {
                    "id": "D1",
                    "kind": "credit_card",
                    "creditor": "XYZ Bank",
                    "balance": 2450.0,
                    "originated_on": "2021-05-14",
                    "sol_expires_on": "2029-10-15",
                    "initial_communication_at": "2026-01-05T15:00:00Z",
                    "validation_notice": {"sent_at": "2026-01-05T15:00:00Z", "channel": "letter"},
                }
            ],
            "flags": {},
            "address": {"state": "TX", "timezone": "America/Chicago"},
            "phones": [phone(zones=["America/Chicago"])],
            "emails": [{"address": EMAIL, "work_email": False, "source": "consumer_emailed_collector"}],
            "preferences": {},
        },
        "history": [],
        "proposed": {
            "at": at,
            "channel": "call",
            "to": PHONE,
            "debt_ids": ["D1"],
            "automated": False,
            "prerecorded_voice": False,
            "recipient_role": "consumer",
            "purpose": "collection",
            "in_reply_to": None,
            "content_flags": {"mini_miranda": "short", "has_opt_out_notice": True, "mentions_debt": True},
        },
        "policy": {},
    }
    check["proposed"].update(proposed)
    return copy.deepcopy(check)


def call_event(event_id: str, at: str, outcome: str = "no_answer", **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": event_id,
        "at": at,
        "channel": "call",
        "direction": "outbound",
        "debt_ids": ["D1"],
        "outcome": outcome,
        "to": PHONE,
        "automated": False,
        "prerecorded_voice": False,
        "recipient_role": "consumer",
        "purpose": "collection",
        "consent_excluded": False,
    }
    event.update(extra)
    return event
