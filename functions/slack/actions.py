"""`/collect` commands that write: log a contact, record a promise, a plan or a payment, place a hold."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime

from functions.slack import blocks
from functions.slack.commands import (
    CALL_OUTCOMES,
    Command,
    PlanTerms,
    check_promise_day,
    parse_amount,
    parse_day,
    parse_plan,
)
from functions.slack.replies import Caller, Reply, local_today, resolve_account
from shared import contacts
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import ledger as ledger_repo
from shared.db import plans as plan_repo
from shared.domain.accounts import Account, Activity
from shared.domain.compliance import Decision
from shared.domain.contact_check import ProposedContact
from shared.domain.errors import ConflictError, NotAllowedError
from shared.domain.holds import hold_flags
from shared.domain.ledger import Promise, account_currency, apply_payment
from shared.domain.money import Money, normalize_currency
from shared.domain.plans import PaymentPlan, split_installments

_OUTCOME_BY_CHANNEL = {"email": "sent", "sms": "sent", "letter": "sent"}
_TALKED = "answered_conversation"  # a call logged without an outcome word


def _target(account: Account, channel: str) -> str | None:
    if channel in ("call", "sms"):
        return next((p["number"] for p in account.phones), None)
    if channel == "email":
        return next((e["address"] for e in account.emails), None)
    return None


def add_note(ref: str, text: str, caller: Caller, now: datetime) -> Reply:
    account = resolve_account(ref)
    entry = Activity(at=now, kind="note", summary=text or "(empty note)", actor=caller.user_id)
    activity_repo.append_activities([(account.key, entry)])
    return Reply(f"Note added to {account.debtor}.")


def log_contact(cmd: Command, caller: Caller, now: datetime) -> Reply:
    """`/collect log`: a note, or a contact with an optional call outcome word before its note."""
    channel, words = cmd.args[1].lower(), list(cmd.args[2:])
    if channel == "note":
        return add_note(cmd.ref, " ".join(words), caller, now)
    outcome = None
    if channel == "call" and words and words[0].lower() in CALL_OUTCOMES:
        outcome, words = CALL_OUTCOMES[words[0].lower()], words[1:]
    return log_contact_for(cmd.ref, channel, outcome, " ".join(words), caller, now)


def log_contact_for(ref: str, channel: str, outcome: str | None, note: str, caller: Caller, now: datetime) -> Reply:
    """Record a contact the collector made, once per Slack request; one that broke a rule is kept, flagged, reported.

    The request id goes into the recording transaction, so a retried request (a slash command or a
    resubmitted modal) logs nothing twice, and a failed one leaves nothing behind to block a retry.
    """
    outcome = outcome or _OUTCOME_BY_CHANNEL.get(channel, _TALKED)
    summary = f"{channel} {outcome.replace('_', ' ')}" + (f": {note}" if note else "")
    attempts = 3  # check again when another contact was recorded meanwhile
    while True:
        account = resolve_account(ref)
        proposed = ProposedContact(at=now, channel=channel, to=_target(account, channel), automated=False)
        checked = contacts.check_contact(account, proposed)
        contact = contacts.contact_activity(checked, proposed, caller.user_id, outcome, summary, {})
        try:
            fresh = contacts.record_checked_contact(
                checked, proposed, contact, caller.user_id, caller.request_id or None
            )
            break
        except ConflictError:
            attempts -= 1
            if not attempts:
                raise
    if not fresh:
        return Reply(f"That {channel} with {account.debtor} was already logged; nothing changed.")
    return _logged_reply(account, checked.decision, channel, caller)


def _logged_reply(account: Account, decision: Decision, channel: str, caller: Caller) -> Reply:
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
    currency = cmd.args[3] if len(cmd.args) > 3 else None
    return promise_for(cmd.ref, cmd.args[1], parse_day(cmd.args[2]), currency, caller, now)


def promise_for(ref: str, amount_text: str, day: date, currency: str | None, caller: Caller, now: datetime) -> Reply:
    """Record a promise to pay `amount_text` by `day`, once per Slack request (`caller.request_id`)."""
    account = resolve_account(ref)
    amount = _money(account, amount_text, currency)
    due = check_promise_day(day, local_today(account, now))
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


def record_plan(cmd: Command, caller: Caller, now: datetime) -> Reply:
    return plan_for(parse_plan(cmd.args), caller, now)


def plan_for(terms: PlanTerms, caller: Caller, now: datetime) -> Reply:
    """Set up a payment plan once per Slack request (`caller.request_id`); an account has one active plan at most.

    The total is split into installments in the account's currency (or the one named), the first due today or later.
    """
    account = resolve_account(terms.ref)
    total = _money(account, terms.total_text, terms.currency)
    installments = split_installments(total, terms.count, terms.first_due, terms.every, today=local_today(account, now))
    plan = PaymentPlan(uuid.uuid4().hex[:10], account.key, total, terms.count, terms.every, now)
    activity = Activity(
        at=now,
        kind="plan",
        actor=caller.user_id,
        summary=f"payment plan {total.format()} in {terms.count} {terms.every} installments from {terms.first_due}",
        data={"plan_id": plan.plan_id, "total_minor": total.minor, "currency": total.currency, "count": terms.count},
    )
    try:
        fresh = plan_repo.put_plan(plan, installments, account.timezone, caller.request_id, activity)
    except NotAllowedError:
        return _active_plan_reply(
            account, "already has an active payment plan; a new one can follow once it is completed or broken"
        )
    if not fresh:
        return _active_plan_reply(account, "payment plan already recorded")
    title = f"Payment plan set up: {account.debtor} pays {total.format()} in {terms.count} {terms.every} installments."
    return Reply(title, blocks.plan_blocks(title, plan, installments))


def _active_plan_reply(account: Account, what: str) -> Reply:
    active = [p for p in plan_repo.query_plans(account.key) if p[0].status == "active"]
    text = f"{account.debtor}: {what}."
    if not active:
        return Reply(text)
    return Reply(text, blocks.plan_blocks(text, *active[0]))


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


def place_hold(cmd: Command, caller: Caller, now: datetime) -> Reply:
    """Record a dispute, cease request, bankruptcy, death or attorney: reminders and calls stop per the rules."""
    hold, note = cmd.args[1].lower(), " ".join(cmd.args[2:])
    account = resolve_account(cmd.ref)
    updated = account_repo.put_account(replace(account, flags=hold_flags(account, hold, now, note)))
    summary = f"hold: {hold}" + (f" ({note})" if note else "")
    entry = Activity(at=now, kind="status", actor=caller.user_id, summary=summary, data={"hold": hold})
    activity_repo.append_activities([(account.key, entry)])
    return Reply(f"{hold.capitalize()} recorded for {updated.debtor}. Holds now: {', '.join(updated.holds())}.")
