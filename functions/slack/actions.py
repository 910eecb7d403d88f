"""`/collect` commands that write: contacts, promises, plans, payments and reversals, holds and their release.

Each reads the account, applies a pure change (shared.domain.account_actions) and saves it through
`shared.writes`, once per Slack request: a retried command or resubmitted modal writes nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from functions.slack import blocks
from functions.slack.commands import (
    Command,
    PlanTerms,
    check_promise_day,
    parse_amount,
    parse_contact,
    parse_day,
    parse_language,
    parse_pay_options,
    parse_plan,
)
from functions.slack.replies import Caller, Reply, require_authorized, resolve_account
from shared import contacts
from shared.db import plans as plan_repo
from shared.domain import account_actions as change
from shared.domain.account_actions import Changed, local_today
from shared.domain.accounts import Account, Activity, Commitment
from shared.domain.compliance import Decision
from shared.domain.contact_check import ProposedContact
from shared.domain.errors import ConflictError, InvalidInputError, NotAllowedError
from shared.domain.ledger import account_currency, check_plan_total
from shared.domain.letters import communicated
from shared.domain.money import Money, normalize_currency
from shared.domain.mrkdwn import escape
from shared.domain.outcomes import Outcome, parse_outcome
from shared.domain.plans import PaymentPlan, split_installments
from shared.ports import Accounts
from shared.writes import change_account, prepare

_SENT = "sent"  # the outcome of an email, text or letter a collector logs
ACTIVE_PLAN = "already has an active payment plan; a new one can follow once it is completed or broken"


def _target(account: Account, channel: str) -> str | None:
    if channel in ("call", "sms"):
        return next(iter(change.usable_phones(account)), None)
    if channel == "email":
        return next((e["address"] for e in account.emails), None)
    return None


def _once(caller: Caller, what: str) -> str:
    return f"REQ#{caller.request_id or uuid.uuid4().hex}" if what == "request" else what


def add_note(ref: str, text: str, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    account = resolve_account(ref, accounts)
    entry = Activity(at=now, kind="note", summary=text or "(empty note)", actor=caller.user_id)
    stored = accounts.save(account, [entry], once=_once(caller, "request"))
    return Reply(f"Note added to {escape(account.debtor)}." if stored else "That note was already added.")


def log_contact(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """`/collect log`: a note, or a contact (a call with its outcome word) and its note."""
    channel, words = cmd.args[1].lower(), list(cmd.args[2:])
    if channel == "note":
        return add_note(cmd.ref, " ".join(words), caller, now, accounts)
    outcome = parse_outcome(words.pop(0)) if channel == "call" else None
    return log_contact_for(cmd.ref, channel, outcome, " ".join(words), caller, now, accounts)


def log_contact_for(
    ref: str, channel: str, outcome: Outcome | None, note: str, caller: Caller, now: datetime, accounts: Accounts
) -> Reply:
    """Record a contact the collector made, once per Slack request; one that broke a rule is kept, flagged, reported.

    The check and the record are one write conditioned on the account's version, so two collectors cannot both
    pass the seventh call; on a conflict the contact is checked again against the fresh history.
    """
    word = outcome.engine if outcome else _SENT
    summary = f"{channel} {outcome.meaning if outcome else 'sent'}" + (f": {note}" if note else "")
    for attempt in range(1, 4):
        account = resolve_account(ref, accounts)
        proposed = ProposedContact(at=now, channel=channel, to=_target(account, channel), automated=False)
        recipient = outcome.recipient if outcome else "consumer"
        checked = contacts.check_contact(account, proposed, recipient)
        contact = contacts.contact_activity(
            checked, proposed, caller.user_id, word, summary, {"recipient_role": recipient}
        )
        updated = change.after_call(account, outcome, proposed.to, now) if outcome else account
        if recipient == "consumer" and (outcome is None or outcome.conversation):  # the debt was conveyed
            updated = communicated(updated, now)
        try:
            stored = contacts.record_checked_contact(accounts, checked, proposed, contact, updated, caller)
            break
        except ConflictError:
            if attempt == 3:
                raise
    if stored is None:
        return Reply(f"That {channel} with {escape(account.debtor)} was already logged; nothing changed.")
    return _logged_reply(stored, checked.decision, channel, caller, outcome)


def _logged_reply(account: Account, decision: Decision, channel: str, caller: Caller, outcome: Outcome | None) -> Reply:
    text = f"Logged {channel} with {escape(account.debtor)}."
    if outcome and outcome.phone_problem:
        text += " The number is flagged and will not be called again" + (
            "; no usable number is left, so the account needs locating." if account.flags.get("needs_locate") else "."
        )
    if decision.decision == "ALLOW":
        return Reply(text)
    verdict = blocks.decision_text(
        decision.decision, decision.explanation, decision.until, tuple(decision.rules), account.timezone
    )
    warning = f":warning: This {channel} broke a contact rule and is flagged for review. {verdict}"
    broken = ", ".join(decision.rules)
    alert = f":warning: <@{caller.user_id}> logged a {channel} with `{escape(account.account_id)}` that broke {broken}."
    return Reply(f"{text} {warning}", [blocks.section(text), blocks.section(warning)], alert=alert)


def _money(account: Account, amount_text: str, currency: str | None) -> Money:
    code = account_currency(account.positions, normalize_currency(currency) if currency else None)
    return Money.from_decimal(parse_amount(amount_text), code)


def record_promise(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    currency = cmd.args[3] if len(cmd.args) > 3 else None
    return promise_for(cmd.ref, cmd.args[1], parse_day(cmd.args[2]), currency, caller, now, accounts)


def promise_for(
    ref: str, amount_text: str, day: date, currency: str | None, caller: Caller, now: datetime, accounts: Accounts
) -> Reply:
    """Record a promise to pay at most the balance by `day`; reminders pause until it is kept or broken."""
    require_authorized(caller, "record promises to pay")
    account = resolve_account(ref, accounts)
    amount = _money(account, amount_text, currency)
    due = check_promise_day(day, local_today(account, now))
    promise_id = uuid.uuid4().hex[:10]

    def promise(current: Account) -> change.Changed:
        return change.make_promise(current, amount, due, promise_id, caller.user_id, now)

    _, stored = change_account(accounts, account.key, promise, now, _once(caller, "request"))
    note = "" if stored else " (already recorded)"
    return Reply(f"Promise recorded{note}: {escape(account.debtor)} will pay {amount.format()} by {due}.")


def record_plan(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    return plan_for(parse_plan(cmd.args), caller, now, accounts)


def plan_for(terms: PlanTerms, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """Set up a payment plan for the whole balance, once per Slack request; an account has one active plan at most.

    The total is split into installments in the account's currency (or the one named), the first due today or later.
    """
    require_authorized(caller, "set up payment plans")
    account = resolve_account(terms.ref, accounts)
    total = _money(account, terms.total_text, terms.currency)
    try:
        check_plan_total(account.positions, total)
    except InvalidInputError:
        if account.commitment is not None and account.commitment.kind == "plan":  # the plan question comes first
            return _active_plan_reply(account, ACTIVE_PLAN)
        raise
    installments = split_installments(total, terms.count, terms.first_due, terms.every, today=local_today(account, now))
    plan = PaymentPlan(uuid.uuid4().hex[:10], account.key, total, terms.count, terms.every, now)
    activity = Activity(
        at=now,
        kind="plan",
        actor=caller.user_id,
        summary=f"payment plan {total.format()} in {terms.count} {terms.every} installments from {terms.first_due}",
        data={"plan_id": plan.plan_id, "total_minor": total.minor, "currency": total.currency, "count": terms.count},
    )
    first = installments[0]
    commitment = Commitment("plan", plan.plan_id, first.amount, first.due, now, caller.user_id)
    updated = prepare(accounts, replace(account, commitment=commitment, follow_up=None), now)
    try:
        fresh = plan_repo.put_plan(plan, installments, updated, caller.request_id or uuid.uuid4().hex, activity)
    except NotAllowedError:
        return _active_plan_reply(account, ACTIVE_PLAN)
    if not fresh:
        return _active_plan_reply(account, "payment plan already recorded")
    name = escape(account.debtor)
    title = f"Payment plan set up: {name} pays {total.format()} in {terms.count} {terms.every} installments."
    return Reply(title, blocks.plan_blocks(title, plan, installments))


def _active_plan_reply(account: Account, what: str) -> Reply:
    active = [p for p in plan_repo.query_plans(account.key) if p[0].status == "active"]
    text = f"{escape(account.debtor)}: {what}."
    if not active:
        return Reply(text)
    return Reply(text, blocks.plan_blocks(text, *active[0]))


def record_payment(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """Post a payment once per payment reference; it counts at once and is matched when the books show it."""
    require_authorized(caller, "post payments")
    account = resolve_account(cmd.ref, accounts)
    currency, overpaid = parse_pay_options(cmd.args[3:])
    amount = _money(account, cmd.args[1], currency)
    ref = cmd.args[2]

    def pay(current: Account) -> change.Changed:
        return change.post_payment(current, amount, ref, caller.user_id, now, local_today(current, now), overpaid)

    try:
        _, stored = change_account(accounts, account.key, pay, now, f"PAY#{ref}")
    except InvalidInputError as exc:
        if f"`{ref}` is already" in str(exc):
            return Reply(f"Payment `{ref}` was already posted; nothing changed.")
        raise
    if stored is None:
        return Reply(f"Payment `{ref}` was already posted; nothing changed.")
    kept = " The open promise is kept." if account.commitment and stored.commitment is None else ""
    name = escape(account.debtor)
    return Reply(f"Payment of {amount.format()} posted to {name}. Balance now {stored.balance_text()}.{kept}")


def reverse_payment(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """A payment came back (NSF, chargeback): what it paid is owed again."""
    require_authorized(caller, "reverse payments")
    ref, reason = cmd.args[1], " ".join(cmd.args[2:])
    account = resolve_account(cmd.ref, accounts)
    _, stored = change_account(
        accounts, account.key, lambda a: change.reverse_payment(a, ref, caller.user_id, now, reason), now, f"REV#{ref}"
    )
    if stored is None:
        return Reply(f"Payment `{ref}` was already reversed; nothing changed.")
    return Reply(f"Payment `{ref}` reversed on {escape(account.debtor)}. Balance now {stored.balance_text()}.")


def place_hold(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """Record a dispute, cease request, bankruptcy, death or attorney: reminders and calls stop per the rules."""
    require_authorized(caller, "place holds")
    hold, note = cmd.args[1].lower(), " ".join(cmd.args[2:])
    account = resolve_account(cmd.ref, accounts)
    unchanged = False

    def held(current: Account) -> change.Changed:
        nonlocal unchanged
        result = change.place_hold(current, hold, now, note, caller.user_id)
        unchanged = result is None
        return result or (current, [])

    if change.place_hold(account, hold, now, note, caller.user_id) is None:
        return Reply(f"{escape(account.debtor)} already has a {hold} hold; nothing changed.")
    _, stored = change_account(accounts, account.key, held, now, _once(caller, "request"))
    if unchanged or stored is None:
        return Reply(f"{escape(account.debtor)} already has a {hold} hold; nothing changed.")
    return Reply(f"{hold.capitalize()} recorded for {escape(stored.debtor)}. Holds now: {', '.join(stored.holds())}.")


def release_hold(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """Lift a hold with who and why; reminders and the worklist follow at once."""
    require_authorized(caller, "release holds")
    hold, reason = cmd.args[1].lower(), " ".join(cmd.args[2:])
    account = resolve_account(cmd.ref, accounts)

    def release(current: Account) -> change.Changed:
        return change.release_hold(current, hold, now, reason, caller.user_id)

    _, stored = change_account(accounts, account.key, release, now, _once(caller, "request"))
    if stored is None:
        return Reply("That release was already recorded.")
    left = ", ".join(stored.holds()) or "none"
    return Reply(f"{hold.capitalize()} hold lifted on {escape(stored.debtor)}. Holds now: {left}. {_next_text(stored)}")


def add_contact(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """A phone or email a collector found: added with where it came from; a located account leaves the queue."""
    kind, value, source = parse_contact(cmd.args)
    account = resolve_account(cmd.ref, accounts)
    _, stored = change_account(
        accounts,
        account.key,
        lambda a: change.add_contact(a, kind, value, source, now, caller.user_id),
        now,
        _once(caller, "request"),
    )
    if stored is None:
        return Reply("That contact was already added.")
    added = f"phone ending {stored.phones[-1]['number'][-4:]}" if kind == "phone" else stored.emails[-1]["address"]
    was_lost = account.flags.get("needs_locate") and not stored.flags.get("needs_locate")
    located = " It no longer needs locating." if was_lost else ""
    return Reply(f"Added to {escape(stored.debtor)}: {escape(added)} ({source}).{located} {_next_text(stored)}")


def set_language(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """The language a debtor asked to be written in."""
    language = parse_language(cmd.args)
    account = resolve_account(cmd.ref, accounts)
    change_account(accounts, account.key, lambda a: change.set_language(a, language, now, caller.user_id), now,
                   _once(caller, "request"))  # fmt: skip
    return Reply(f"{escape(account.debtor)}'s reminders and letters are in {change.LANGUAGE_NAMES[language]}.")


def pause(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """Stop one account's automated reminders (a collector's review, or held back from a previewed run)."""
    stored = _switch_automation(cmd, caller, now, accounts, "stop reminders", change.pause_automation)
    if stored is None:
        return Reply("Those reminders were already stopped.")
    return Reply(f"Reminders stopped for {escape(stored.debtor)}: no automated contact until "
                 f"`/collect resume {blocks.account_ref(stored)}`.")  # fmt: skip


def resume(cmd: Command, caller: Caller, now: datetime, accounts: Accounts) -> Reply:
    """Restart reminders that stopped for review."""
    stored = _switch_automation(cmd, caller, now, accounts, "restart reminders", change.resume_automation)
    if stored is None:
        return Reply("Reminders were already restarted.")
    return Reply(f"Reminders restarted for {escape(stored.debtor)}. {_next_text(stored)}")


def _switch_automation(
    cmd: Command, caller: Caller, now: datetime, accounts: Accounts, what: str, switch: Callable[..., Changed]
) -> Account | None:
    """Stop or restart one account's reminders with `switch` (its note: the command's words after the id), once
    per Slack request; None when this request did it already."""
    require_authorized(caller, what)
    note = " ".join(cmd.args[1:])
    account = resolve_account(cmd.ref, accounts)
    _, stored = change_account(accounts, account.key, lambda a: switch(a, now, note, caller.user_id), now,
                               _once(caller, "request"))  # fmt: skip
    return stored


def _next_text(account: Account) -> str:
    if account.next_action in ("reminder", "promise reminder", "installment reminder") and account.next_action_at:
        return f"Next {account.next_action} {blocks.local_time(account.next_action_at, account.timezone)}."
    return f"Next: {account.next_action or 'nothing (closed)'}."
