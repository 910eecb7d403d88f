"""Scheduled reminders: every account whose next dunning step is due gets it, if the law allows it now."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from shared import contacts
from shared.domain.account_actions import usable_emails, usable_phones
from shared.domain.accounts import Account, Activity
from shared.domain.compliance import Decision
from shared.domain.contact_check import ProposedContact
from shared.domain.dunning import Step, local_day
from shared.domain.errors import ConflictError, IncompleteRunError, UpstreamUnavailableError
from shared.domain.letters import (
    Notice,
    build_letter,
    build_notice,
    communicated,
    mail_date,
    mailable,
    mailed_flags,
    notice_email,
    notice_owed,
    unnoticed,
)
from shared.domain.notices import run_notice
from shared.domain.sends import SendAttempt
from shared.domain.settings import Settings
from shared.observability import logger
from shared.ports import Accounts, Notifier
from shared.reminders.control import AWAITING, awaiting
from shared.reminders.sending import ACTOR, Senders, commitment_step, next_attempt, resolve_earlier, send_step, step_of
from shared.writes import change_account

TRIES = 3  # per account and run, for throttling or an unavailable store; then it waits for the next run
BACKOFF = 0.2  # seconds, doubled each try
UNSETTLED = frozenset({"unknown", "unrecorded", "unsettled"})  # a send whose outcome a later run settles
# next actions (state._next) the run sends for a promise or plan
COMMITMENT_REMINDERS = frozenset({"promise reminder", "installment reminder", "installment notice"})
STALE_RULE = "POL-DATA-FRESHNESS"  # the creditor's last import is older than its `data_max_age_days` allows


@dataclass
class RunReport:
    """What one run did, by outcome (sent, confirmed, repeat, deferred, blocked, review, no-contact, not-due,
    failed, unknown, unrecorded, unsettled, unfinished); account keys only, never contact data."""

    at: datetime
    outcomes: Counter[str] = field(default_factory=Counter)
    sent: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)  # accounts whose automation stopped for a collector's review
    unsettled: list[str] = field(default_factory=list)  # sends whose outcome the next run settles
    unfinished: list[str] = field(default_factory=list)  # accounts this run could not process; still due
    failed: list[str] = field(default_factory=list)  # accounts whose send the provider refused; still due
    held: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)  # (account, outcome, rules)
    letter_days: list[date] = field(default_factory=list)  # mail dates it put or found letters on
    by_key: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # each account's outcome, rules

    @property
    def held_by(self) -> Counter[str]:
        """Rule id -> how many accounts' steps it deferred or stopped."""
        return Counter(rule for _, _, rules in self.held for rule in dict.fromkeys(rules))

    def totals(self) -> RunTotals:
        return RunTotals(self.at, Counter(self.outcomes), self.held_by, list(self.stopped), list(self.letter_days))

    def add(self, key: str, outcome: str, rules: tuple[str, ...] = ()) -> None:
        self.by_key[key] = (outcome, rules)
        self.outcomes[outcome] += 1
        if rules:
            self.held.append((key, outcome, rules))
        lists = {"sent": self.sent, "mailed": self.sent, "emailed-notice": self.sent, "blocked": self.stopped,
                 "review": self.stopped, "unfinished": self.unfinished, "failed": self.failed}  # fmt: skip
        target = self.unsettled if outcome in UNSETTLED else lists.get(outcome)
        if target is not None:
            target.append(key)

    def as_dict(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "outcomes": dict(self.outcomes),
            "sent": self.sent,
            "stopped": self.stopped,
            "unsettled": self.unsettled,
            "unfinished": self.unfinished,
            "held_by": dict(self.held_by),
        }


@dataclass(frozen=True)
class RunTotals:
    """What a whole run did, as its Slack messages tell it: one run's report, or a fanned-out run's parts added up
    (shared/reminders/fanout.py)."""

    at: datetime
    outcomes: Counter[str]
    held_by: Counter[str]
    stopped: list[str]
    letter_days: list[date] = field(default_factory=list)


def _targets(account: Account, channels: tuple[str, ...], letter: Notice | None = None) -> list[tuple[str, str]]:
    """(channel, address) pairs to try, in the step's order of channels: each channel's first usable point (never an
    opted-out one), a letter's postal address where `letter` was made (a letterhead and an address to mail)."""
    found: list[tuple[str, str]] = []
    for channel in channels:
        if channel == "sms":
            points = usable_phones(account, texts=True)
        elif channel == "email":
            points = usable_emails(account)
        else:
            points = [", ".join(letter.postal.lines)] if letter else []
        found += [(channel, point) for point in points[:1]]
    return found


def run_reminders(
    now: datetime,
    accounts: Accounts,
    senders: Senders,
    notify: tuple[Notifier, str] | None = None,
    keys: Iterable[str] | None = None,
) -> RunReport:
    """Send every reminder due at the schedule's `now`; each is checked and logged at `senders.clock()`, the
    instant it goes out (a late retry of the run must not send at 21:05 under a 20:58 check).

    Each account is processed on its own: one that keeps failing is listed in the report and the run raises
    IncompleteRunError after all the others (so Lambda retries and the alarm sees it); it stays due, and the
    attempt records keep any retry from sending a step twice. Collectors are told (in `notify`'s channel) when
    automation stopped on an account and how to restart it.
    """
    report, errors = remind_due(now, accounts, senders, keys)
    logger.info("reminder run finished", extra=report.as_dict())
    tell_run(report.totals(), notify)
    failed, unfinished = report.outcomes["failed"], len(report.unfinished)
    if failed or unfinished:
        cause = ExceptionGroup("accounts not finished", errors) if errors else None
        message = f"{failed} reminder(s) not delivered, {unfinished} account(s) not finished"
        raise IncompleteRunError(message, report.as_dict()) from cause
    return report


def remind_due(
    now: datetime, accounts: Accounts, senders: Senders, keys: Iterable[str] | None = None
) -> tuple[RunReport, list[Exception]]:
    """Every account due at `now` (or those of `keys`: one part of a fanned-out run), each on its own; the errors
    of those that could not be finished."""
    report = RunReport(now)
    errors: list[Exception] = []
    try:
        for key in (due.key for due in accounts.due(now, "REMIND")) if keys is None else keys:
            report.add(key, *_remind_isolated(accounts, key, now, senders, errors))
    finally:  # even when the run stops early: the days this run put or found letters on, each listed whole
        if senders.letters is not None:
            report.letter_days = sorted(senders.letters.days)
            senders.letters.write_manifests()
    return report, errors


Outcome = tuple[str, tuple[str, ...]]  # what happened to an account's step, and the rules that held it back


def _remind_isolated(accounts: Accounts, key: str, now: datetime, senders: Senders, errors: list[Exception]) -> Outcome:
    """One account in its own try: throttling or an unavailable store is retried with backoff; what still fails
    is kept for the end of the run (by key and error class, no debtor data) and the others go on."""
    error: Exception | None = None
    for n in range(TRIES):
        if n:
            senders.sleep(BACKOFF * 2 ** (n - 1))
        try:
            return _remind_fresh(accounts, key, now, senders)
        except ConflictError:
            return "conflict", ()  # changed by a collector meanwhile; still due, so the next run takes it
        except UpstreamUnavailableError as exc:
            error = exc
        except Exception as exc:  # a bulkhead, not a swallow: kept and raised at the end of the run
            error = exc
            break
    logger.warning("reminder account not finished", extra={"account": key, "error": type(error).__name__})
    if error is not None:
        errors.append(error)
    return "unfinished", ()


def tell_run(totals: RunTotals, notify: tuple[Notifier, str] | None) -> None:
    """The run's Slack messages: the accounts it stopped for review, and its summary."""
    _tell_stopped(totals, notify)
    _tell_summary(totals, notify)


def _tell_stopped(report: RunTotals, notify: tuple[Notifier, str] | None) -> None:
    if not report.stopped or notify is None:
        return
    notifier, channel = notify
    lines = [f"• `{key}`" for key in sorted(report.stopped)[:40]]
    text = (
        ":octagonal_sign: Reminders stopped for review on these accounts (a contact rule blocks every channel): "
        "see `/collect why <id>`, then `/collect resume <id>` to restart.\n" + "\n".join(lines)
    )
    try:  # a repeat of the run saying the same is delivered once (run_notice)
        notifier.notify(run_notice("reminders-stopped", report.at, channel, text))
    except UpstreamUnavailableError:
        logger.warning("could not queue the stopped-reminders notice", extra={"accounts": len(report.stopped)})


# Outcomes a run summary reports, in the order a reader wants them; a run with none of them posts nothing. A noun
# phrase is given as (one, several): "1 letter for the mail", "2 letters for the mail".
SUMMARY_OUTCOMES: dict[str, str | tuple[str, str]] = {
    "sent": "sent", "mailed": ("letter for the mail", "letters for the mail"),
    "emailed-notice": ("first notice by email", "first notices by email"),
    "call-task": ("call task for collectors", "call tasks for collectors"),
    "confirmed": "confirmed delivered",
    "deferred": "deferred (not allowed yet)",
    "blocked": "stopped: blocked by a rule", "review": "stopped for review", "no-contact": "skipped: no usable contact",
    "not-sent": ("promise or installment message not sent: a rule blocked it",
                 "promise or installment messages not sent: a rule blocked them"),
    "below-minimum": "skipped: owed less than the step's minimum",
    "gave-up": "skipped: refused by the provider as often as the step allows",
    "failed": "failed", "unknown": "outcome unknown (settled next run)", "unrecorded": "sent, record pending",
    "unsettled": "unsettled (next run settles)", "unfinished": "not finished (retried)",
    "stale": "held: the creditor's last import is older than its policy allows (import fresh data)",
    "held": "held: reminders are on hold (`/collect reminders release`)",
    "awaiting-approval": "waiting for the day's approval (`/collect reminders approve`)",
}  # fmt: skip


def outcome_counts(outcomes: Mapping[str, int]) -> list[str]:
    """`["2 sent", "1 letter for the mail"]`: the outcomes a summary reports, in SUMMARY_OUTCOMES' order."""
    return [f"{n} {name if isinstance(name, str) else name[n != 1]}"
            for key, name in SUMMARY_OUTCOMES.items() if (n := outcomes.get(key, 0))]  # fmt: skip


def summary_text(report: RunTotals) -> str | None:
    """The run's summary for the report channel: what it did by outcome and which rules held steps back (counts
    and rule ids only: no debtor data); None when the run did nothing worth a message."""
    done = outcome_counts(report.outcomes)
    if not done:
        return None
    lines = [f":mailbox_with_mail: Reminder run {report.at:%Y-%m-%d %H:%M} UTC: " + " · ".join(done)]
    if report.held_by:
        rules = " · ".join(f"`{rule}` {n}" for rule, n in report.held_by.most_common(8))
        lines.append(f"Held back by rule: {rules} (`/collect why <id>` explains an account)")
    return "\n".join(lines)


def _tell_summary(report: RunTotals, notify: tuple[Notifier, str] | None) -> None:
    text = summary_text(report)
    if text is None or notify is None:
        return
    notifier, channel = notify
    try:  # a repeat of the run saying the same is delivered once (run_notice)
        notifier.notify(run_notice("reminders-run", report.at, channel, text))
    except UpstreamUnavailableError:
        logger.warning("could not queue the reminder run summary", extra={"outcomes": dict(report.outcomes)})


def _remind_fresh(accounts: Accounts, key: str, due_at: datetime, senders: Senders) -> Outcome:
    """Re-read the account (the due index is eventually consistent): a hold or payment just recorded counts."""
    account = accounts.get(key)
    if account.next_action_at is None or account.next_action_at > due_at:
        return "not-due", ()
    if account.next_action in COMMITMENT_REMINDERS:
        return remind_commitment(accounts, account, senders)
    if account.next_action != "reminder":
        return "not-due", ()
    return remind_account(accounts, account, senders)


def remind_account(accounts: Accounts, account: Account, senders: Senders) -> Outcome:
    """Send (or defer, or stop) the account's due step; returns the outcome name and the rules that held it back.

    Each candidate channel is checked and every decision is kept; a channel the rules refuse (say, a text
    to a number without a reassigned-number check) falls back to email before the step is held back.
    """
    settings = accounts.settings(account.creditor)
    cadence = settings.cadence_for(account.account_type)
    index = account.dunning_step
    past_cadence = index >= len(cadence)  # only a notice owed since the first contact still goes (`notice_owed`)
    if past_cadence and not notice_owed(account, settings.letterhead):
        return "done", ()
    at = senders.clock()
    settled, previous = resolve_earlier(senders, account, step_of(account, index), at)
    if settled is None and settings.data_too_old(at):
        return "stale", (STALE_RULE,)  # still due: the next run after a fresh import sends it
    if settled is None and awaiting(senders.control, settings.run_approval, at):
        return AWAITING, ()  # still due: the run after a person approves the day sends it
    if settled is not None:
        if settled in ("repeat", "confirmed"):
            template = None if past_cadence else cadence[index].template
            mailed = _mailed_before(account, settings, previous, senders, template)
            _advance(accounts, account.key, at, index + 1, previous.at if previous else at, mailed)
        return settled, ()
    skipped = None if past_cadence else _skipped(account, cadence[index], previous)
    if skipped is not None:
        _advance(accounts, account.key, at, index + 1, None)
        return skipped, ()
    notice = _notice_of(account, settings, unnoticed(account), at) if senders.letters else None
    if notice is not None:
        emailed = _email_notice(accounts, account, settings, notice, (index, previous), senders, at)
        return emailed or _mail_notice(accounts, account, notice, (index, previous), senders, at)
    return ("done", ()) if past_cadence else _cadence_step(accounts, account, (cadence[index], index, previous),
                                                           settings, senders, at)  # fmt: skip


def _cadence_step(
    accounts: Accounts,
    account: Account,
    due: tuple[Step, int, SendAttempt | None],
    settings: Settings,
    senders: Senders,
    at: datetime,
) -> Outcome:
    """The due cadence step itself (no first notice is owed): a call task, or the first of its channels that has an
    address and that the rules allow (a letter: one the print-and-mail vendor can send)."""
    step_def, index, previous = due
    if step_def.channel == "call":
        return _call_task(accounts, account, step_def, index, at)
    letter = _dunning_letter(account, step_def, settings, senders, at)
    targets = _targets(account, step_def.channels, letter)
    if not targets:
        _advance(accounts, account.key, at, index + 1, None)
        return "no-contact", ()

    def advance(sent_at: datetime, channel: str) -> None:
        _advance(accounts, account.key, sent_at, index + 1, sent_at, letter if channel == "letter" else None)

    step = _Step(step_of(account, index), step_def.template, previous, advance, settings, letter)
    return _send_first_allowed(accounts, account, targets, step, senders, at)


def _dunning_letter(account: Account, step: Step, settings: Settings, senders: Senders, at: datetime) -> Notice | None:
    """The step's dunning letter for the mail date of `at`, when the step may go by letter and one can be mailed (a
    letterhead, a letter box, a postal address); None: its other channels only."""
    if "letter" not in step.channels or settings.letterhead is None or senders.letters is None:
        return None
    if not mailable(account.address):
        return None
    payment = (settings.payment.link_for(account.account_id), settings.payment.instructions or "")
    return build_letter(account, settings.letterhead, step.template, at, payment)


def remind_commitment(accounts: Accounts, account: Account, senders: Senders) -> Outcome:
    """The reminder before a promise's date or a plan's next installment, or the notice of a late installment
    and the last day to pay it, by text where the debtor may be texted, else email; checked like every reminder.
    Once sent (or moot: the date came or the cure ended, no contact left, a rule blocks it), the account waits for
    the date as before; a deferral waits for the instant the rules allow."""
    commitment = account.commitment
    if commitment is None:
        return "not-due", ()
    at = senders.clock()
    key = commitment_step(account)
    settled, previous = resolve_earlier(senders, account, key, at)
    if settled is not None:
        if settled in ("repeat", "confirmed"):
            _mark_reminded(accounts, account.key, key, at)
        return settled, ()
    last_day = commitment.cure_until if commitment.notice_pending else commitment.due - timedelta(days=1)
    if last_day is not None and local_day(at, account.timezone) > last_day:
        _mark_reminded(accounts, account.key, key, at)  # too late: the date is here, or the cure period is over
        return "not-due", ()
    settings = accounts.settings(account.creditor)
    if settings.data_too_old(at):
        return "stale", (STALE_RULE,)
    if awaiting(senders.control, settings.run_approval, at):
        return AWAITING, ()
    targets = _targets(account, ("sms", "email"))
    if not targets:
        _mark_reminded(accounts, account.key, key, at)
        return "no-contact", ()
    template = "promise" if commitment.kind == "promise" else "installment"
    step = _Step(key, "late-installment" if commitment.notice_pending else template, previous,
                 lambda *_: _mark_reminded(accounts, account.key, key, at), settings)  # fmt: skip
    return _send_first_allowed(accounts, account, targets, step, senders, at, _skip_reminder)


def _mark_reminded(accounts: Accounts, key: str, step: str, at: datetime, note: Activity | None = None) -> None:
    """The commitment's pending message `step` (its date's reminder, or a late installment's notice) is done with:
    sent, moot or skipped. The account waits for the date, or the end of the cure period. A commitment that moved
    on meanwhile (a new promise, a cure that started) keeps its own message pending."""

    def reminded(current: Account) -> tuple[Account, list[Activity]]:
        if current.commitment is None or commitment_step(current) != step:
            return current, []
        return replace(current, commitment=current.commitment.told(), defer_until=None), [note] if note else []

    change_account(accounts, key, reminded, at)


def _skip_reminder(accounts: Accounts, account: Account, at: datetime, decisions: list[Decision]) -> Outcome:
    """No channel allowed now: a deferral waits for its instant; a block skips the reminder (the date's follow-up
    still comes) and says why in the history."""
    if any(d.decision == "DEFER" and d.until is not None for d in decisions):
        return _hold_back(accounts, account, at, decisions)
    rules = tuple(dict.fromkeys(r for d in decisions for r in d.rules))
    why = "; ".join(d.explanation for d in decisions)
    note = Activity(at=at, kind="status", actor=ACTOR, rules=rules, summary=f"reminder before the date not sent: {why}")
    _mark_reminded(accounts, account.key, commitment_step(account), at, note)
    return "not-sent", rules


@dataclass(frozen=True)
class _Step:
    """What one send is: its attempt's step, its template, the step's earlier attempt, and what moves the account
    past it once sent (given the instant and the channel it went on)."""

    key: str
    template: str
    previous: SendAttempt | None
    done: Callable[[datetime, str], None]
    settings: Settings | None = None  # the creditor's: how to pay (printed in it), its own templates
    letter: Notice | None = None  # the dunning letter, where the step may go by letter


def _skipped(account: Account, step: Step, previous: SendAttempt | None) -> str | None:
    """Why the step is passed over without a contact: the account owes less than its minimum, or the provider
    refused it as many times as the step allows; None: it goes ahead."""
    if step.below_minimum({c: p.owed for c, p in account.positions.items()}):
        return "below-minimum"
    if step.max_attempts is not None and previous is not None and previous.tries >= step.max_attempts:
        return "gave-up"
    return None


def _call_task(accounts: Accounts, account: Account, step: Step, index: int, at: datetime) -> Outcome:
    """A call step sends nothing: it puts the account at the top of its collector's worklist (or the pool's) with
    the task named, until a conversation is logged; the cadence moves on. The call itself is checked when it is
    made (`/collect can-call`), like every call a collector places."""
    task = f"call due: {step.template} (reminder step {index + 1})"

    def to_call(current: Account) -> tuple[Account, list[Activity]]:
        note = Activity(at=at, kind="status", actor=ACTOR, summary=f"call task for the collector: {step.template}",
                        data={"task": "call", "step": index})  # fmt: skip
        follow_up = current.follow_up or task  # a broken promise or plan already on top says more
        return replace(current, dunning_step=max(current.dunning_step, index + 1), follow_up=follow_up), [note]

    change_account(accounts, account.key, to_call, at)
    return "call-task", ()


def _send_first_allowed(
    accounts: Accounts,
    account: Account,
    targets: list[tuple[str, str]],
    step: _Step,
    senders: Senders,
    at: datetime,
    hold: Callable[[Accounts, Account, datetime, list[Decision]], Outcome] | None = None,
) -> Outcome:
    """Check each channel in order and send on the first the rules allow; else hold the step back."""
    refused: list[contacts.Checked] = []
    for channel, address in targets:
        letter = step.letter if channel == "letter" else None
        debts = tuple(d.number for d in letter.debts) if letter else ()
        proposed = ProposedContact(at=at, channel=channel, to=address, automated=True, debt_ids=debts)
        checked = contacts.check_contact(account, proposed)
        if checked.decision.decision == "ALLOW":
            outcome = send_step(senders, checked, proposed, step.template, step.key, step.previous, letter,
                                step.settings)  # fmt: skip
            if outcome != "sent":
                return outcome, ()
            step.done(at, channel)
            return ("mailed" if letter else "sent"), ()
        senders.keep_decision(checked, proposed, ACTOR)
        refused.append(checked)
    return (hold or _hold_back)(accounts, account, at, [c.decision for c in refused])


def _mailed_before(
    account: Account, settings: Settings, previous: SendAttempt | None, senders: Senders, template: str | None
) -> Notice | None:
    """The letter an earlier letter (or notice email) attempt sent: a notice rebuilt for the invoices its stored
    letter names (not those unnoticed now: an invoice imported since was not in it), or the step's dunning letter
    (`template`) of that mail date; a letter found has its day's manifest written again too. None: the attempt was
    no letter."""
    if previous is None or previous.channel not in ("letter", "email") or senders.letters is None:
        return None
    emailed = previous.channel == "email"
    found = senders.letters.kept(None if emailed else mail_date(previous.at), previous.id)
    if found is None:
        return None
    if found.kind == "dunning":
        if settings.letterhead is None or template is None:
            return None
        return build_letter(account, settings.letterhead, template, previous.at)
    notice = _notice_of(account, settings, list(found.invoices), previous.at, found.email)
    return replace(notice, attempt=previous.id) if notice and emailed else notice


def _notice_of(
    account: Account, settings: Settings, owed: list[str], at: datetime, email: str | None = None
) -> Notice | None:
    """The first letter for the `owed` invoices as of `at` (a letter attempt's instant rebuilds the one it mailed:
    the same mail date and validation period), or with `email` the notice emailed there at `at`; None without a
    letterhead."""
    if settings.letterhead is None or not owed:
        return None
    return build_notice(account, settings.letterhead, owed, at, settings.observed_holidays, email)


def _email_notice(
    accounts: Accounts,
    account: Account,
    settings: Settings,
    mailed: Notice,
    step: tuple[int, SendAttempt | None],
    senders: Senders,
    at: datetime,
) -> Outcome | None:
    """The first notice in the body of an email (12 CFR 1006.42(c)(1)) where the creditor asks for it and the
    email is allowed now: the email is the initial communication, dated the debtor's day, with the notice's PDF
    attached and kept. None: it goes by mail (no address that may carry it, or the rules refuse the email now: the
    decision is kept, and the letter is checked on its own)."""
    address = notice_email(account, mailed.sender)
    if address is None:
        return None
    index, previous = step
    notice = _notice_of(account, settings, [d.number for d in mailed.debts], at, address)
    if notice is None:
        return None
    purpose = "validation_notice" if notice.kind == "validation" else "collection"
    proposed = ProposedContact(at=at, channel="email", to=address, automated=True,
                               debt_ids=tuple(d.number for d in notice.debts), purpose=purpose)  # fmt: skip
    checked = contacts.check_contact(account, proposed)
    if checked.decision.decision != "ALLOW":
        senders.keep_decision(checked, proposed, ACTOR)
        return None
    step_name = step_of(account, index)
    notice = replace(notice, attempt=next_attempt(account.key, step_name, proposed, previous).id)
    outcome = send_step(senders, checked, proposed, notice.kind, step_name, previous, notice)
    if outcome != "sent":
        return outcome, ()
    _advance(accounts, account.key, at, index + 1, at, notice)
    return "emailed-notice", ()


def _mail_notice(
    accounts: Accounts,
    account: Account,
    notice: Notice,
    step: tuple[int, SendAttempt | None],
    senders: Senders,
    at: datetime,
) -> Outcome:
    """A consumer debt's first contact is its notice by letter: for a third-party collector the validation
    notice of 12 CFR 1006.34, which opens the validation period and lets texts and emails follow."""
    index, previous = step
    purpose = "validation_notice" if notice.kind == "validation" else "collection"
    debts = tuple(d.number for d in notice.debts)
    proposed = ProposedContact(at=at, channel="letter", to=", ".join(notice.postal.lines), automated=True,
                               debt_ids=debts, purpose=purpose)  # fmt: skip
    checked = contacts.check_contact(account, proposed)
    if checked.decision.decision != "ALLOW":
        senders.keep_decision(checked, proposed, ACTOR)
        return _hold_back(accounts, account, at, [checked.decision])
    outcome = send_step(senders, checked, proposed, notice.kind, step_of(account, index), previous, notice)
    if outcome != "sent":
        return outcome, ()
    _advance(accounts, account.key, at, index + 1, at, notice)
    return "mailed", ()


def _advance(
    accounts: Accounts, key: str, at: datetime, step: int, sent_at: datetime | None, mailed: Notice | None = None
) -> None:
    """Move the account past a step; a send (`sent_at`) is a communication (the first: the initial one), and a
    mailed letter also records its notices. A letter counts as sent at noon of its mail date in the debtor's zone
    (`Notice.sent_at`), the run's instant for everything else."""
    if mailed is not None and sent_at is not None:
        sent_at = mailed.sent_at

    def advance(current: Account) -> tuple[Account, list[Activity]]:
        last = sent_at or current.last_contact_at
        told = communicated(current, sent_at) if sent_at else current
        flags = mailed_flags(told, mailed) if mailed else told.flags
        return replace(
            current, dunning_step=max(current.dunning_step, step), last_contact_at=last, defer_until=None, flags=flags
        ), []

    change_account(accounts, key, advance, at)


def _hold_back(accounts: Accounts, account: Account, at: datetime, decisions: list[Decision]) -> Outcome:
    """No channel allowed now: wait for the earliest deferral, else stop the cadence for a collector's review."""
    untils = [d.until for d in decisions if d.decision == "DEFER" and d.until is not None]
    if untils:
        until = min(untils)
        change_account(accounts, account.key, lambda a: (replace(a, defer_until=until), []), at)
        return "deferred", tuple(dict.fromkeys(r for d in decisions if d.decision == "DEFER" for r in d.rules))
    summary = "reminders stopped for review: " + "; ".join(d.explanation for d in decisions)
    stop = Activity(
        at=at, kind="status", actor=ACTOR, summary=summary, rules=tuple(r for d in decisions for r in d.rules)
    )
    change_account(accounts, account.key, lambda a: (replace(a, automation="review"), [stop]), at)
    rules = tuple(dict.fromkeys(r for d in decisions for r in d.rules))
    return ("blocked" if any(d.decision == "BLOCK" for d in decisions) else "review"), rules
