"""Test factories: the production table built from infra/template.yaml, and sample domain objects."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from local.template import load_template
from shared.domain.accounts import Account, Invoice
from shared.domain.money import Money
from shared.domain.state import recompute

TABLE = "arrears-test"
BUCKET = "arrears-test-inbox"


def table_kwargs(name: str = TABLE) -> dict[str, Any]:
    """create_table arguments taken from the template's Table resource, so tests use production's indexes."""
    props = load_template()["Resources"]["Table"]["Properties"]
    return {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "GlobalSecondaryIndexes": props["GlobalSecondaryIndexes"],
        "LocalSecondaryIndexes": props["LocalSecondaryIndexes"],
        "BillingMode": props["BillingMode"],
    }


def phone(number: str, tz: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "number": number,
        "type": "cell",
        "source": "provided_to_creditor",
        "tcpa_consent": {"given_at": "2026-01-01T00:00:00Z", "source": "provided_to_creditor", "revoked_at": None},
        "opted_out_at": None,
        "voicemail_private_verified": False,
        "reassigned_check": None,
    }
    if tz:
        entry["timezones"] = [tz]
    return entry


def email(address: str) -> dict[str, Any]:
    return {
        "address": address,
        "work_email": False,
        "source": "provided_to_creditor",
        "opted_out_at": None,
        "written_consent_at": None,
    }


SEEDED_AT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # when factory accounts were last written, as far as they know


def account(
    account_id: str = "C-1001",
    *,
    creditor: str = "acme",
    due: date = date(2026, 10, 1),
    minor: int = 125_000,
    currency: str = "USD",
    tz: str = "America/Chicago",
    state: str = "TX",
    collector: str | None = None,
    next_action_at: datetime | None = None,
    **extra: Any,
) -> Account:
    """A sample account with its derived fields computed as every writer computes them (as of SEEDED_AT).

    `next_action_at` makes its next reminder due then, whatever the cadence says (schedule tests).
    """
    built = Account(
        creditor=creditor,
        account_id=account_id,
        debtor=f"Debtor {account_id}",
        invoices=(Invoice(f"INV-{account_id}", Money(minor, currency), due, date(2026, 9, 1)),),
        timezone=tz,
        address={
            "line1": "1 Main St",
            "city": "Dallas",
            "state": state,
            "postal_code": "75201",
            "country": "US",
            "timezone": tz,
        },
        phones=(phone("+12145550101", tz),),
        emails=(email(f"{account_id.lower()}@example.com"),),
        collector=collector,
        **extra,
    )
    ready = recompute(built, SEEDED_AT)
    if next_action_at is not None:
        ready = replace(ready, next_action="reminder", next_action_at=next_action_at)
    return ready
