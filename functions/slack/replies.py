"""What every `/collect` use case shares: who asks, what to answer, and how an account is found."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.domain.account_actions import usable_phones
from shared.domain.accounts import Account, account_key
from shared.domain.contact_check import ProposedContact
from shared.domain.errors import InvalidInputError, NotFoundError
from shared.ports import Accounts


@dataclass(frozen=True)
class Caller:
    """Who is asking: the Slack user, whether they may see full contact data, the command's trigger id."""

    user_id: str
    authorized: bool
    request_id: str


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    alert: str | None = None  # a note for the managers' channel (e.g. a logged call that broke a rule)


def resolve_account(ref: str, accounts: Accounts) -> Account:
    """An account by the id collectors type, or `creditor:id` where two creditors share an id."""
    if ":" in ref:
        creditor, _, account_id = ref.partition(":")
        return accounts.get(account_key(creditor, account_id))
    found = accounts.find(ref)
    if not found:
        raise NotFoundError(f"No account with id `{ref}`.")
    if len(found) > 1:
        choices = ", ".join(f"`{a.creditor}:{a.account_id}`" for a in found)
        raise InvalidInputError(f"Several creditors have an account `{ref}`: write one of {choices}.")
    # The index is eventually consistent: read the account itself, so checks and versions are current.
    return accounts.get(found[0].key)


def local_today(account: Account, now: datetime) -> date:
    """The debtor's calendar date at `now`: promise and plan dates are the debtor's days."""
    return now.astimezone(ZoneInfo(account.timezone or "UTC")).date()


def call_proposal(account: Account, now: datetime) -> ProposedContact:
    phone = next(iter(usable_phones(account)), None)
    return ProposedContact(at=now, channel="call", to=phone, automated=False)
