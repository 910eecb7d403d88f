"""What every `/collect` use case shares: who asks, what to answer, and how an account is found."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.domain.account_actions import usable_phones
from shared.domain.accounts import Account, account_key
from shared.domain.contact_check import ProposedContact
from shared.domain.errors import InvalidInputError, NotAllowedError, NotFoundError
from shared.domain.mrkdwn import escape
from shared.ports import Accounts

GRANT_SETTING = "AUTHORIZED_USERS"  # the Slack function's variable, set from the stack's AuthorizedUsers parameter


@dataclass(frozen=True)
class Caller:
    """Who is asking: the Slack user, whether they may change accounts and see full contact data (both are
    granted by AUTHORIZED_USERS), the command's trigger id."""

    user_id: str
    authorized: bool
    request_id: str


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    alert: str | None = None  # a note for the managers' channel (e.g. a logged call that broke a rule)


def not_allowed_text(user_id: str, what: str) -> str:
    """Why a write was refused and how to grant it: the user's id goes into AUTHORIZED_USERS."""
    user = escape(user_id)
    return (
        f":lock: Only users allowed to change accounts may {what}; nothing was changed. To allow <@{user}>, add "
        f"`{user}` to `{GRANT_SETTING}` (comma-separated Slack user ids; the `AuthorizedUsers` parameter of the "
        "Arrears stack) and redeploy."
    )


def require_authorized(caller: Caller, what: str) -> None:
    """Writes that move money or stop or restart collection are for authorized users only, whatever the entry
    point (command, button, modal): checked again where the write happens."""
    if not caller.authorized:
        raise NotAllowedError(not_allowed_text(caller.user_id, what))


def resolve_account(ref: str, accounts: Accounts) -> Account:
    """An account by the id collectors type, or `creditor:id` where two creditors share an id."""
    if ":" in ref:
        creditor, _, account_id = ref.partition(":")
        try:
            return accounts.get(account_key(creditor, account_id))
        except NotFoundError as exc:  # its message would echo the ref unescaped
            raise NotFoundError(f"No account `{escape(ref)}`.") from exc
    found = accounts.find(ref)
    if not found:
        raise NotFoundError(f"No account with id `{escape(ref)}`.")
    if len(found) > 1:
        choices = ", ".join(f"`{escape(a.creditor)}:{escape(a.account_id)}`" for a in found)
        raise InvalidInputError(f"Several creditors have an account `{escape(ref)}`: write one of {choices}.")
    # The index is eventually consistent: read the account itself, so checks and versions are current.
    return accounts.get(found[0].key)


def call_proposal(account: Account, now: datetime) -> ProposedContact:
    phone = next(iter(usable_phones(account)), None)
    return ProposedContact(at=now, channel="call", to=phone, automated=False)
