"""`/collect` commands that write: log a contact, record a promise or a payment, place a hold."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from functions.slack import blocks
from functions.slack.commands import CALL_OUTCOMES, Command, parse_amount, parse_day
from functions.slack.replies import Caller, Reply, resolve_account
from shared import contacts
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import ledger as ledger_repo
from shared.domain.accounts import Account, Activity
from shared.domain.contact_check import ProposedContact
from shared.domain.errors import ConflictError, InvalidInputError
from shared.domain.ledger import Promise, account_currency, apply_payment
from shared.domain.money import Money, normalize_currency

_OUTCOME_BY_CHANNEL = {"email": "sent", "sms": "sent", "letter": "sent"}


def _target(account: Account, channel: str) -> str | None:
    if channel in ("call", "sms"):
        return next((p["number"] for p in account.phones), None)
    if channel == "email":
        return next((e["address"] for e in account.emails), None)
    return None


def _note(cmd: Command, caller: Caller, now: datetime) -> Reply:
    account = resolve_account(cmd.ref)
    text = " ".join(cmd.args[2:]) or "(empty note)"
    activity_repo.append_activities([(account.key, Activity(at=now, kind="note", summary=text, actor=caller.user_id))])
    return Reply(f"Note added to {account.debtor}.")


def log_contact(cmd: Command, caller: Caller, now: datetime) -> Reply:
    """Record a contact the collector made; a contact that broke a rule is kept, flagged and reported."""
    channel = cmd.args[1].lower()
    if channel == "note":
        return _note(cmd, caller, now)
    words = cmd.args[2:]
    outcome = _OUTCOME_BY_CHANNEL.get(channel, "answered_conversation")
    if channel == "call" and words and words[0].lower() in CALL_OUTCOMES:
        outcome, words = CALL_OUTCOMES[words[0].lower()], words[1:]
    for attempt in range(3):
        account = resolve_account(cmd.ref)
        proposed = ProposedContact(at=now, channel=channel, to=_target(account, channel), automated=False)
        checked = contacts.check_contact(account, proposed)
        summary = f"{channel} {outcome.replace('_', ' ')}" + (f": {' '.join(words)}" if words else "")
        contact = contacts.contact_activity(checked, proposed, caller.user_id, outcome, summary, {})
        try:
            contacts.record_checked_contact(checked, proposed, contact, caller.user_id)
            break
        except ConflictError:
            if attempt == 2:
                raise
    return _logged_reply(account, checked.decision, channel, caller)


def _logged_reply(account: Account, decision: Any, channel: str, caller: Caller) -> Reply:
    text = f"Logged {channel} with {account.debtor}."
    if decision.decision == "ALLOW":
        return Reply(text)
    verdict = blocks.decision_text(
        decision.decision, decision.explanation, decision.until, tuple(decision.rules), account.timezone
    )
    warning = f":warning: This {channel} broke a contact rule and is flagged for review. {verdict}"
    broken = ", ".join(decision.rules)
    alert = f":warning: <@{caller.user_id}> logged a {channel} with `{account.account_id}` that broke {broken}."
    return Reply(f"{text} {warning}", [blocks.section(text), blocks.section(warning)], alert=alert)


def _money(account: Account, amount_text: str, currency: str | None) -> Money:
    code = account_currency(account.balances, normalize_currency(currency) if currency else None)
    return Money.from_decimal(parse_amount(amount_text), code)


def record_promise(cmd: Command, caller: Caller, now: datetime) -> Reply:
    account = resolve_account(cmd.ref)
    amount = _money(account, cmd.args[1], cmd.args[3] if len(cmd.args) > 3 else None)
    due = parse_day(cmd.args[2])
    if due < now.date():
        raise InvalidInputError(f"promise date {due} is in the past")
    promise = Promise(uuid.uuid4().hex[:10], account.key, amount, due)
    activity = Activity(
        at=now,
        kind="promise",
        actor=caller.user_id,
        summary=f"promised {amount.format()} by {due}",
        data={"promise_id": promise.promise_id, "amount_minor": amount.minor, "currency": amount.currency},
    )
    fresh = ledger_repo.put_promise(promise, account.timezone, caller.request_id, activity)
    note = "" if fresh else " (already recorded)"
    return Reply(f"Promise recorded{note}: {account.debtor} will pay {amount.format()} by {due}.")


def record_payment(cmd: Command, caller: Caller, now: datetime) -> Reply:
    """Post a payment once per payment reference, applied to the oldest open invoices."""
    account = resolve_account(cmd.ref)
    amount = _money(account, cmd.args[1], cmd.args[3] if len(cmd.args) > 3 else None)
    ref = cmd.args[2]
    updated, credit = apply_payment(account, amount)
    activity = Activity(
        at=now,
        kind="payment",
        actor=caller.user_id,
        summary=f"payment {amount.format()} ref {ref}",
        data={"amount_minor": amount.minor, "currency": amount.currency, "ref": ref, "unapplied_minor": credit.minor},
    )
    if not ledger_repo.post_payment(updated, ref, activity):
        return Reply(f"Payment `{ref}` was already posted; nothing changed.")
    return Reply(f"Payment of {amount.format()} posted to {account.debtor}. Balance now {updated.balance_text()}.")


def _hold_flags(account: Account, hold: str, now: datetime, note: str) -> dict[str, Any]:
    at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    flags = dict(account.flags)
    if hold == "dispute":
        invoices = [i.number for i in account.open_invoices()]
        flags["disputes"] = list(flags.get("disputes") or []) + [
            {"debt_id": n, "received_at": at, "written": False, "channel": "oral", "verification_sent_at": None}
            for n in invoices
        ]
    elif hold == "cease":
        flags["cease"] = {"received_at": at, "written": True, "channel": "mail", "debt_ids": None}
    elif hold == "bankruptcy":
        flags["bankruptcy"] = {
            "chapter": None,
            "case_no": note or None,
            "filed_at": now.date().isoformat(),
            "notice_received_at": at,
            "status": "open",
        }
    elif hold == "deceased":
        flags["deceased"] = {"date_of_death": None, "notice_received_at": at, "verified": False, "representative": None}
    else:
        flags["attorney"] = {
            "represented_at": at,
            "debt_ids": None,
            "name": note or None,
            "consents_to_direct_contact": False,
        }
    return flags


def place_hold(cmd: Command, caller: Caller, now: datetime) -> Reply:
    """Record a dispute, cease request, bankruptcy, death or attorney: reminders and calls stop per the rules."""
    hold, note = cmd.args[1].lower(), " ".join(cmd.args[2:])
    account = resolve_account(cmd.ref)
    updated = account_repo.put_account(replace(account, flags=_hold_flags(account, hold, now, note)))
    summary = f"hold: {hold}" + (f" ({note})" if note else "")
    entry = Activity(at=now, kind="status", actor=caller.user_id, summary=summary, data={"hold": hold})
    activity_repo.append_activities([(account.key, entry)])
    return Reply(f"{hold.capitalize()} recorded for {updated.debtor}. Holds now: {', '.join(updated.holds())}.")
