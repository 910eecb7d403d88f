"""Consumers' texts back (two-way SMS -> SNS -> this function): an opt-out keyword (STOP) stops texts to that
number on every account whose reminders texted it; any other reply is kept in those accounts' history as an inbound
text, and puts each account at the top of its collector's worklist with what to do (PLAN: call about a plan)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from functions.reminders.models import InboundText
from shared.domain.account_actions import text_refused
from shared.domain.accounts import CONTACT, Account, Activity
from shared.domain.errors import NotFoundError
from shared.domain.texts import e164, opt_out_keyword, reply_task
from shared.observability import logger
from shared.ports import Accounts, TextedNumbers
from shared.writes import Change, change_account

ACTOR = "sms-reply"
SHOWN = 300  # characters of a reply kept in the history's summary (the whole text is in its data)


def record_inbound_texts(
    texts: Iterable[InboundText], texted: TextedNumbers, accounts: Accounts, now: datetime
) -> dict[str, int]:
    """Apply each text to the accounts its number was texted for. Returns counts by outcome: `opted-out`,
    `reply` (kept in the history), `repeat` (a redelivery, or a STOP on a number already out: nothing written),
    `gone` (the account expired), `unmatched` (no reminder texted that number: logged without it)."""
    outcomes: Counter[str] = Counter()
    for text in texts:
        outcomes.update(_record_text(text, texted, accounts, text.received_at or now))
    logger.info("inbound texts recorded", extra={"outcomes": dict(outcomes)})
    return dict(outcomes)


def _record_text(text: InboundText, texted: TextedNumbers, accounts: Accounts, at: datetime) -> list[str]:
    number = e164(text.origination_number)
    account_keys = texted.accounts_texted(number)
    if not account_keys:
        # The message id finds it in the provider's records; the number stays out of the logs.
        logger.warning("inbound text from a number no reminder texted", extra={"inbound": text.inbound_message_id})
        return ["unmatched"]
    keyword = opt_out_keyword(text.message_body, text.message_keyword)
    reply = inbound_text(text, number, at)

    task = reply_task(text.message_body)

    def apply(current: Account) -> tuple[Account, list[Activity]]:
        if keyword is None:  # a broken promise or plan already on top says more
            return replace(current, follow_up=current.follow_up or task), [reply]
        return text_refused(current, number, at, keyword, ACTOR)  # already out: unchanged, nothing written

    done = "reply" if keyword is None else "opted-out"
    return [_apply(accounts, key, apply, at, text.inbound_message_id, done) for key in account_keys]


def _apply(accounts: Accounts, key: str, change: Change, at: datetime, inbound_id: str, done: str) -> str:
    """One account's write, once per inbound message (SNS delivers at least once)."""
    try:
        read, stored = change_account(accounts, key, change, at, once=f"TEXT#{inbound_id}")
    except NotFoundError:
        return "gone"  # retention removed the account; its pointer outlives it by at most the TTL's lag
    if stored is None or stored is read:
        return "repeat"
    logger.info("inbound text applied", extra={"account": key, "outcome": done})
    return done


def inbound_text(text: InboundText, number: str, at: datetime) -> Activity:
    """A reply that is not an opt-out, as the inbound contact it is (the engine reads `from`, and counts no inbound
    contact against the caps)."""
    body = text.message_body.strip()
    shown = body if len(body) <= SHOWN else body[: SHOWN - 1] + "…"
    data = {"from": number, "automated": False, "body": body, "inbound_message_id": text.inbound_message_id,
            "replies_to_message_id": text.previous_published_message_id}  # fmt: skip
    return Activity(at=at, kind=CONTACT, actor=ACTOR, summary=f"text received: {shown}", channel="sms",
                    direction="inbound", outcome="received", data=data)  # fmt: skip
