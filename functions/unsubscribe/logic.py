"""An unsubscribe link: GET shows the confirm button (nothing changes: mail scanners follow links), a one-click
POST (RFC 8058, or the button) opts the address out of email on its account."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from functions.unsubscribe.models import Page, UnsubscribeRequest
from shared.domain.account_actions import email_refused
from shared.domain.accounts import Account, Activity
from shared.domain.errors import InvalidInputError, NotFoundError
from shared.domain.unsubscribe import Unsubscribe, matching_address, read_token
from shared.observability import logger
from shared.ports import Accounts
from shared.writes import change_account

ACTOR = "unsubscribe"
CONFIRM = Page(200, "Unsubscribe", "Stop reminder emails to this address? You can still reach us by phone or mail.")
DONE = Page(200, "You are unsubscribed", "We will send no more emails to this address.")


def answer_link(request: UnsubscribeRequest, key: bytes, accounts: Accounts, now: datetime) -> Page:
    """The page for the request; InvalidInputError (BadTokenError) for a bad or expired token or another request."""
    token = read_token(key, request.token, now.date())
    if request.method == "GET":
        return Page(CONFIRM.status, CONFIRM.title, CONFIRM.text, confirm_token=request.token)
    if request.method != "POST" or not request.one_click:
        raise InvalidInputError("this request is not valid")
    opt_out(accounts, key, token, now)
    return DONE


def opt_out(accounts: Accounts, key: bytes, token: Unsubscribe, now: datetime) -> None:
    """Record the opt-out on the address's email entry, as a complaint is (a repeat writes nothing). An account
    gone (retention) or no longer holding the address has nothing left to stop."""

    def unsubscribe(current: Account) -> tuple[Account, list[Activity]]:
        address = matching_address(key, [e["address"] for e in current.emails], token.address_digest)
        if address is None:
            return current, []
        how = "unsubscribed by its link: opted out of email"
        return email_refused(current, address, True, now, "unsubscribe link", actor=ACTOR, what=how)

    with suppress(NotFoundError):
        before, after = change_account(accounts, token.account_key, unsubscribe, now)
        logger.info("unsubscribe recorded", extra={"account": token.account_key, "changed": before is not after})
