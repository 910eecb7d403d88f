"""What a collector's writes do to an account (pure): payments, reversals, promises, holds, resuming automation.

Each returns the changed account and the activities that tell the story; `shared.writes` recomputes and saves.
Money rules are checked here, so every entry point (command, modal, schedule) refuses the same things.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.domain.accounts import Account, Activity, Commitment
from shared.domain.errors import InvalidInputError
from shared.domain.holds import hold_flags, is_held, release_flags
from shared.domain.ledger import (
    RECEIVED,
    LedgerEntry,
    MatchRule,
    check_payment,
    check_promise,
    commitment_deadline,
    promise_outcome,
    received_since,
    reverse,
)
from shared.domain.money import Money
from shared.domain.outcomes import Outcome
from shared.domain.texts import e164

Changed = tuple[Account, list[Activity]]


def local_today(account: Account, now: datetime) -> date:
    """The debtor's calendar date at `now`: promise and plan dates are the debtor's days."""
    return now.astimezone(ZoneInfo(account.timezone or "UTC")).date()


def _kept_now(account: Account, now: datetime, today: date) -> Changed:
    """A promise the money received already covers is kept at once (dunning stays paused only while needed)."""
    promise = account.commitment
    if promise is None or promise.kind != "promise":
        return account, []
    received = received_since(account.entries, promise.amount.currency, promise.made_at)
    if promise_outcome(promise.amount, promise.due, received, today) != "kept":
        return account, []
    summary = f"promise of {promise.amount.format()} by {promise.due} kept ({received.format()} received)"
    activity = Activity(at=now, kind="promise", summary=summary, data={"promise_id": promise.id, "status": "kept"})
    return replace(account, commitment=None), [activity]


def post_payment(
    account: Account,
    amount: Money,
    ref: str,
    actor: str,
    now: datetime,
    today: date,
    overpaid: bool = False,
    note: str = "",
) -> Changed:
    """Record a payment the creditor's books do not show yet: pending until an import reflects it."""
    check_payment(account.positions, amount, overpaid)
    if any(e.ref == ref and e.kind == "payment" for e in account.entries):
        raise InvalidInputError(f"payment `{ref}` is already on this account")
    entry = LedgerEntry(id=f"pay:{ref}", kind="payment", amount=amount, at=now, actor=actor, ref=ref, note=note)
    paid = replace(account, entries=(*account.entries, entry), follow_up=None)
    over = max(0, amount.minor - account.positions[amount.currency].owed)
    summary = f"payment {amount.format()} ref {ref}" + (
        f" ({Money(over, amount.currency).format()} credit)" if over else ""
    )
    data = {"amount_minor": amount.minor, "currency": amount.currency, "ref": ref, "credit_minor": over}
    activity = Activity(at=now, kind="payment", actor=actor, summary=summary, data=data)
    kept, kept_activities = _kept_now(paid, now, today)
    return kept, [activity, *kept_activities]


class AlreadyRecordedError(InvalidInputError):
    """The payment's reference is on the account already: a repeat of a file or of a collector's posting."""


def apply_listed_payment(
    account: Account, amount: Money, ref: str, note: str, now: datetime, today: date, rule: MatchRule
) -> Changed:
    """A payment the creditor's payments export lists, applied through the ledger once per reference.

    Money an import already showed as a drop (an inferred payment not yet identified, of the same amount within
    the match tolerance and window) is that payment: the entry gets its reference and nothing is counted twice.
    Otherwise it is posted like a collector's payment (pending until the books reflect it), and it must be in a
    currency owed and at most what is owed: the rest is for a person to look at, never guessed.
    """
    if any(e.ref == ref and e.kind in RECEIVED for e in account.entries):
        raise AlreadyRecordedError(f"payment `{ref}` is already on this account")
    shown = next(
        (
            e
            for e in sorted(account.entries, key=lambda e: e.at)
            if e.origin == "source"
            and e.kind in RECEIVED
            and e.ref == e.matched_by  # inferred, not identified yet
            and e.amount.currency == amount.currency
            and abs(e.amount.minor - amount.minor) <= rule.tolerance_minor
            and e.at >= now - timedelta(days=rule.window_days)
        ),
        None,
    )
    if shown is None:
        return post_payment(account, amount, ref, "import", now, today, note=note)
    identified = replace(shown, ref=ref, note=note)
    entries = tuple(identified if e.id == shown.id else e for e in account.entries)
    summary = f"payment {amount.format()} ref {ref} identified: the creditor's books already showed it"
    data = {"amount_minor": amount.minor, "currency": amount.currency, "ref": ref, "entry": shown.id}
    data["identified"] = True
    return replace(account, entries=entries), [Activity(at=now, kind="payment", summary=summary, data=data)]


def reverse_payment(account: Account, ref: str, actor: str, now: datetime, reason: str) -> Changed:
    """A payment came back: it stops counting, and what it paid is owed again (see ledger.reverse)."""
    entries = reverse(account.entries, ref, now, actor, reason)
    reversal = entries[-1]
    summary = f"payment {reversal.amount.format()} ref {ref} reversed: {reason}"
    data = {"ref": ref, "amount_minor": reversal.amount.minor, "currency": reversal.amount.currency}
    return replace(account, entries=tuple(entries)), [
        Activity(at=now, kind="payment", actor=actor, summary=summary, data=data | {"reversal": True})
    ]


def make_promise(account: Account, amount: Money, due: date, promise_id: str, actor: str, now: datetime) -> Changed:
    """An open promise (dunning pauses until it is kept or broken); it replaces an earlier open promise."""
    if account.commitment is not None and account.commitment.kind == "plan":
        raise InvalidInputError("this account has an active payment plan; its installments are the promise")
    check_promise(account.positions, amount)
    deadline = commitment_deadline(due, account.timezone)
    promise = Commitment("promise", promise_id, amount, due, now, actor, deadline)
    summary = f"promised {amount.format()} by {due}"
    if account.commitment is not None:
        summary += f" (replaces the promise of {account.commitment.amount.format()} by {account.commitment.due})"
    data = {"promise_id": promise_id, "amount_minor": amount.minor, "currency": amount.currency, "due": due.isoformat()}
    activity = Activity(at=now, kind="promise", actor=actor, summary=summary, data=data)
    return replace(account, commitment=promise, follow_up=None), [activity]


def place_hold(account: Account, hold: str, now: datetime, note: str, actor: str) -> Changed | None:
    """The account with the hold; None when it is already in force (nothing to write)."""
    if is_held(account, hold):
        return None
    flags = hold_flags(account, hold, now, note)
    summary = f"hold: {hold}" + (f" ({note})" if note else "")
    return replace(account, flags=flags), [
        Activity(at=now, kind="status", actor=actor, summary=summary, data={"hold": hold})
    ]


def release_hold(account: Account, hold: str, now: datetime, reason: str, actor: str) -> Changed:
    flags = release_flags(account, hold, now, actor, reason)
    activity = Activity(
        at=now, kind="status", actor=actor, summary=f"released {hold}: {reason}", data={"released": hold}
    )
    return replace(account, flags=flags), [activity]


LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def set_language(account: Account, language: str, at: datetime, actor: str) -> Changed:
    """The language the debtor asked to be written in: reminders and letters follow it. Unchanged (no activity)
    when it is the language already at the debtor's request (one the creditor's export set is made the debtor's own,
    so the next export no longer changes it)."""
    current = account.preferences
    if current.get("language", "en") == language and "language_from" not in current:
        return account, []
    preferences = {k: v for k, v in current.items() if k != "language_from"} | {"language": language}
    summary = f"writes in {LANGUAGE_NAMES[language]} from now on (the debtor's request)"
    return replace(account, preferences=preferences), [Activity(at=at, kind="status", actor=actor, summary=summary,
                                                                 data={"language": language})]  # fmt: skip


def pause_automation(account: Account, now: datetime, note: str, actor: str) -> Changed:
    """A person stops the automated reminders of one account (before a run sends them, say) until `resume`."""
    if account.automation == "review":
        raise InvalidInputError(f"reminders on {account.account_id} are stopped already: `resume` restarts them")
    summary = "reminders stopped by hand" + (f": {note}" if note else "")
    return replace(account, automation="review"), [Activity(at=now, kind="status", actor=actor, summary=summary)]


def resume_automation(account: Account, now: datetime, note: str, actor: str) -> Changed:
    if account.automation != "review":
        raise InvalidInputError(f"reminders on {account.account_id} are not stopped for review")
    summary = "reminders restarted" + (f": {note}" if note else "")
    return replace(account, automation="on"), [Activity(at=now, kind="status", actor=actor, summary=summary)]


def after_call(account: Account, outcome: Outcome, number: str | None, now: datetime) -> Account:
    """What a logged call changes besides the history: a conversation answers a follow-up; a wrong or
    disconnected number is flagged so it is not called again and the debtor is located."""
    if outcome.conversation:
        account = replace(account, follow_up=None)
    if outcome.phone_problem and number:
        account = number_flagged(account, number, outcome.phone_problem, now)
    return replace(account, last_contact_at=now)


def number_flagged(account: Account, number: str, problem: str, at: datetime) -> Account:
    """`number` is wrong or not in service (`problem`): never called or texted again; with no usable number left,
    the account needs locating. The same account when it holds no such number or it is flagged already."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    phones = tuple(
        p | {"invalid": {"reason": problem, "at": stamp}} if e164(p.get("number", "")) == e164(number) and
        not p.get("invalid") else p
        for p in account.phones
    )  # fmt: skip
    if phones == account.phones:
        return account
    account = replace(account, phones=phones)
    if not usable_phones(account) and not account.flags.get("needs_locate"):
        account = needs_locating(account, stamp, "phone")
    return account


def needs_locating(account: Account, stamp: str, missing: str, reason: str | None = None) -> Account:
    """Flag the account for locating (`missing`: `phone`, no number left to call; `contact`, no phone or email
    either) and put it at the top of its collector's worklist with that task, unless a broken promise or plan is
    there already: the locate queue is the worklist's top."""
    flag = {"since": stamp, "missing": missing} | ({"reason": reason} if reason else {})
    return replace(account, flags=dict(account.flags) | {"needs_locate": flag},
                   follow_up=account.follow_up or locate_task(missing))  # fmt: skip


def locate_need(account: Account) -> str:
    """What the account's locate flag says is missing, as a collector reads it."""
    return "phone number" if _missing(account.flags.get("needs_locate") or {}) == "phone" else "phone or email"


def locate_task(missing: str) -> str:
    what = "phone number" if missing == "phone" else "phone or email"
    return f"locate the debtor: no usable {what} (`/collect contact <id> phone|email <value> consumer|skip-trace`)"


def _located(account: Account) -> bool:
    """Whether what the locate flag said was missing is there again."""
    missing = _missing(account.flags.get("needs_locate") or {})
    return bool(usable_phones(account) or (missing != "phone" and usable_emails(account)))


CONTACT_KINDS = ("phone", "email")
# Where a collector found a phone or email, as the compliance engine reads its provenance (1006.6(d)(4); TCPA):
# given by the consumer (a number for this debt is their consent to calls about it; an address they asked to be
# written at is their consent to email), or found by a skip trace (no consent: no automated texts, emails reviewed).
CONTACT_SOURCES = {
    "consumer": {"phone": "consumer_provided_to_collector", "email": "consumer_consent_to_collector"},
    "skip-trace": {"phone": "skip_trace", "email": "skip_trace"},
}


def add_contact(account: Account, kind: str, value: str, source: str, at: datetime, actor: str) -> Changed:
    """A phone or email a collector found, added in the shapes the engine reads; once the account has a usable
    contact again it no longer needs locating (its locate task leaves the worklist). InvalidInputError names a bad
    value, or one already on the account (in whatever state: an opted-out or dead one is not re-added)."""
    from shared.domain.receivables.contacts import clean_email, clean_phone  # the intake's own checks

    if kind not in CONTACT_KINDS or source not in CONTACT_SOURCES:
        raise InvalidInputError("say `phone` or `email`, then the value, then `consumer` or `skip-trace`")
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    provenance = CONTACT_SOURCES[source][kind]
    if kind == "phone":
        region = ((account.address or {}).get("country") or "US").upper()
        number, _ = clean_phone(value, region)
        if number is None:
            raise InvalidInputError(f"{value!r} is not a valid phone number (for {region}, unless it starts with +)")
        if any(e164(p["number"]) == number for p in account.phones):
            raise InvalidInputError(f"the number ending {number[-4:]} is already on the account")
        consent = {"given_at": stamp, "source": provenance, "revoked_at": None} if source == "consumer" else None
        entry = {"number": number, "type": "cell", "source": provenance, "tcpa_consent": consent,
                 "opted_out_at": None, "voicemail_private_verified": False, "reassigned_check": None}  # fmt: skip
        updated, shown, kept = replace(account, phones=(*account.phones, entry)), f"phone ending {number[-4:]}", number
    else:
        address, _ = clean_email(value)
        if address is None:
            raise InvalidInputError(f"{value!r} is not a valid email address")
        if any(e["address"].lower() == address.lower() for e in account.emails):
            raise InvalidInputError(f"{address} is already on the account")
        # A consumer telling a collector to write there is consent (the source says so), not *written* consent.
        entry = {"address": address, "work_email": False, "source": provenance, "opted_out_at": None,
                 "written_consent_at": None}  # fmt: skip
        local, _, domain = address.partition("@")
        updated, kept = replace(account, emails=(*account.emails, entry)), address
        shown = f"email {local[:1]}•••@{domain}"
    # The history is shown to every collector: a number's last digits, an address masked; the value is in `data`.
    activities = [Activity(at=at, kind="status", actor=actor, summary=f"{shown} added ({source})",
                           data={"kind": kind, "source": provenance, "value": kept})]  # fmt: skip
    located = located_again(updated)
    if located is not updated:
        activities.append(Activity(at=at, kind="status", actor=actor, summary=f"located: {shown}"))
    return located, activities


def located_again(account: Account) -> Account:
    """The account without its locate flag and task once what the flag said was missing is there again (a phone
    a collector or an import added); the same account otherwise."""
    flag = account.flags.get("needs_locate")
    if not flag or not _located(account):
        return account
    flags = {k: v for k, v in account.flags.items() if k != "needs_locate"}
    follow_up = None if account.follow_up == locate_task(_missing(flag)) else account.follow_up
    return replace(account, flags=flags, follow_up=follow_up)


def _missing(flag: dict[str, Any]) -> str:
    """What a locate flag says is missing; a flag from before `missing` was kept: `contact` when a bounce set it."""
    return str(flag.get("missing") or ("contact" if flag.get("reason") else "phone"))


def text_undelivered(account: Account, number: str, at: datetime, response: str) -> Changed:
    """A text's delivery report says its number does not exist (`texts.number_gone`): the number is flagged
    disconnected, as a call that found it so; unchanged (no activity) when it is flagged already or not held."""
    updated = number_flagged(account, number, "disconnected", at)
    if updated is account:
        return account, []
    # The history is shown to every collector: the number's last digits only, the full number in `data`.
    summary = f"the number ending {e164(number)[-4:]} is not in service (text not delivered: {response})"
    activities = [Activity(at=at, kind="status", actor="sms-delivery", summary=summary, channel="sms",
                           data={"number": e164(number), "response": response})]  # fmt: skip
    if updated.flags.get("needs_locate") and not account.flags.get("needs_locate"):
        activities.append(Activity(at=at, kind="status", actor="sms-delivery",
                                   summary="needs locate: no usable number left"))  # fmt: skip
    return updated, activities


def usable_phones(account: Account, texts: bool = False) -> list[str]:
    """Numbers that may be tried: not flagged wrong or disconnected, not opted out; with `texts`, no landline."""
    return [
        p["number"]
        for p in account.phones
        if not p.get("invalid") and not p.get("opted_out_at") and not (texts and p.get("type") == "landline")
    ]


def usable_emails(account: Account) -> list[str]:
    """Addresses that may be written to: not bounced for good, not opted out."""
    return [e["address"] for e in account.emails if not e.get("invalid") and not e.get("opted_out_at")]


def email_refused(
    account: Account,
    address: str,
    complaint: bool,
    at: datetime,
    detail: str,
    actor: str = "ses",
    what: str = "complained (marked as spam): opted out of email",
) -> Changed:
    """The mail provider says an address is gone (a permanent bounce) or its owner complained (marked it spam), or
    the owner unsubscribed (`complaint` with `actor` and `what` saying how): that address gets no more email, a
    complaint counting as an opt-out. With no usable email or phone left, the account needs locating. Unchanged (no
    activity) when the address is unknown or was refused already."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    emails, changed = [], False
    for entry in account.emails:
        if entry["address"].lower() == address.lower():
            key = "opted_out_at" if complaint else "invalid"
            if not entry.get(key):
                entry = {
                    **entry,
                    key: stamp if complaint else True,
                    f"{'opt_out' if complaint else 'invalid'}_reason": detail,
                }
                changed = True
        emails.append(entry)
    if not changed:
        return account, []
    updated = replace(account, emails=tuple(emails))
    what = what if complaint else f"bounced for good ({detail})"
    activities = [Activity(at=at, kind="status", actor=actor, summary=f"email {address} {what}",
                           data={"address": address, "complaint": complaint})]  # fmt: skip
    if not usable_emails(updated) and not usable_phones(updated) and not updated.flags.get("needs_locate"):
        updated = needs_locating(updated, stamp, "contact", f"email {what}; no other contact")
        activities.append(Activity(at=at, kind="status", actor=actor, summary="needs locate: no usable contact left"))
    return updated, activities


def text_refused(account: Account, number: str, at: datetime, keyword: str, actor: str = "sms-reply") -> Changed:
    """The consumer replied an opt-out keyword (STOP) from `number`: no more texts to it (`opted_out_at`, which the
    compliance engine and the reminders' channel choice read). No locate is needed: they just wrote from it.
    Unchanged (no activity) when the account does not hold the number or it is opted out already."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    phones, changed = [], False
    for entry in account.phones:
        if e164(entry["number"]) == e164(number) and not entry.get("opted_out_at"):
            entry = {**entry, "opted_out_at": stamp, "opt_out_reason": f"replied {keyword}"}
            changed = True
        phones.append(entry)
    if not changed:
        return account, []
    # The history is shown to every collector: the number's last digits only, the full number in `data`.
    summary = f"texts to the number ending {e164(number)[-4:]} stopped: the consumer replied {keyword}"
    activity = Activity(at=at, kind="status", actor=actor, summary=summary, channel="sms",
                        data={"number": e164(number), "keyword": keyword})  # fmt: skip
    return replace(account, phones=tuple(phones)), [activity]
