"""Builds the compliance engine's input (docs/COMPLIANCE.md) from a stored account and its history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.domain.accounts import CONTACT, Account, Activity, Invoice
from shared.domain.messages import disclosure

_FLAG_KEYS = ("cease", "attorney", "bankruptcy", "deceased", "servicemember", "employer_prohibits_contact")
_PREFERENCE_KEYS = ("inconvenient_times", "inconvenient_places", "no_contact_channels", "known_locations", "consents")


@dataclass(frozen=True)
class ProposedContact:
    """A contact about to happen (or being logged): who, how, when, about which debts."""

    at: datetime
    channel: str
    to: str | None
    automated: bool
    debt_ids: tuple[str, ...] = ()
    purpose: str = "collection"
    content: dict[str, Any] = field(default_factory=dict)


def _rfc3339(at: datetime | None) -> str | None:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at else None


def _content_flags(proposed: ProposedContact, account: Account) -> dict[str, Any]:
    # What Arrears' own templates say (messages.disclosure); a collector's call follows the full script.
    electronic = proposed.channel in ("email", "sms")
    flags = {
        "mini_miranda": disclosure(account, proposed.channel) if electronic else "full",
        "has_opt_out_notice": electronic,
        "opt_out_requires_login_or_fee": False,
        "lcm_only": False,
        "mentions_debt": True,
        "mentions_lawsuit": False,
        "payment_deadline": None,
        "interest_rate_stated_pct": None,
        "time_barred_disclosure": False,
    }
    return flags | proposed.content


def _debt(account: Account, invoice: Invoice) -> dict[str, Any]:
    notices = account.flags.get("validation_notices") or {}
    notice = notices.get(invoice.number)
    if notice is None and account.collector_role != "third_party":
        # A creditor's own notice goes once, for the account: an invoice added since is covered by it
        notice = min((n for n in notices.values() if n.get("kind") == "first_party"), key=_sent, default=None)
    return {
        "id": invoice.number,
        "kind": "invoice",
        "creditor": account.creditor,
        "balance": float(invoice.balance.to_decimal()),
        "interest_rate_pct": None,
        "originated_on": invoice.invoice_date.isoformat() if invoice.invoice_date else None,
        "charged_off": False,
        "last_payment_date": None,
        "sol_expires_on": None,
        "initial_communication_at": account.flags.get("initial_communication_at"),
        "validation_notice": notice,
        "payment_plan": None,
    }


def _sent(notice: dict[str, Any]) -> str:
    return str(notice.get("sent_at") or "")


def history_event(activity: Activity) -> dict[str, Any]:
    """One contact activity in the engine's history shape."""
    data = activity.data
    event = {
        "id": activity.id,
        "at": _rfc3339(activity.at),
        "channel": activity.channel,
        "direction": activity.direction or "outbound",
        "debt_ids": list(activity.debt_ids),
        "outcome": activity.outcome,
        "automated": bool(data.get("automated")),
        "prerecorded_voice": False,
        "recipient_role": data.get("recipient_role", "consumer"),
        "purpose": data.get("purpose", "collection"),
        "consent_excluded": False,
        "decision_id": data.get("decision_id"),
    }
    event["to" if event["direction"] == "outbound" else "from"] = data.get("to") or data.get("from")
    return event


def _account_facts(account: Account) -> dict[str, Any]:
    address = dict(account.address) if account.address else None
    if address is not None and not address.get("timezone"):
        address["timezone"] = account.timezone
    state = (address or {}).get("state")
    if address is not None and not address["timezone"]:
        address = None  # a zone-less address tells the engine nothing it can use: unknown means every US zone
    flags: dict[str, Any] = {k: account.flags.get(k) for k in _FLAG_KEYS}
    flags["disputes"] = account.flags.get("disputes") or []
    flags["original_creditor_requests"] = account.flags.get("original_creditor_requests") or []
    return {
        "id": account.key,
        "type": account.account_type,
        "collector_role": account.collector_role,
        "jurisdiction": {"state": state, "city": None},
        "debtor": {"name": account.debtor, "natural_person": account.account_type == "consumer"},
        "debts": [_debt(account, i) for i in account.open_invoices()],
        "flags": flags,
        "address": address,
        "phones": list(account.phones),
        "emails": list(account.emails),
        "preferences": {k: account.preferences.get(k) or [] for k in _PREFERENCE_KEYS},
    }


def build_check(
    account: Account, history: list[Activity], proposed: ProposedContact, policy: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The engine input for `proposed`, as of `proposed.at`."""
    debt_ids = list(proposed.debt_ids) or [i.number for i in account.open_invoices()]
    return {
        "account": _account_facts(account),
        "history": [history_event(a) for a in history if a.kind == CONTACT and a.at <= proposed.at],
        "proposed": {
            "at": _rfc3339(proposed.at),
            "channel": proposed.channel,
            "to": proposed.to,
            "debt_ids": debt_ids,
            "automated": proposed.automated,
            "prerecorded_voice": False,
            "recipient_role": "consumer",
            "purpose": proposed.purpose,
            "in_reply_to": None,
            "content_flags": _content_flags(proposed, account),
        },
        "policy": policy or {},
    }
