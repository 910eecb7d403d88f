"""What a reminder run would do at an instant, by the run's own code with nothing sent and nothing written.

The preview runs `run_reminders` itself over ports that read the real store and keep every write in memory: the
accounts (a step advanced or deferred is seen by the rest of the run, as in a real one), the send log (a claim is
kept, not written), the mailer, texts and letter box (nothing leaves), and no decision is logged. So what it shows
is what the run at that instant does, unless an account or the clock changes in between.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from shared.domain.accounts import Account, Activity
from shared.domain.sends import DeliveryEvent, SendAttempt
from shared.domain.settings import Settings
from shared.domain.unsubscribe import UnsubscribeLinks
from shared.letters import KeptLetter, Letter
from shared.ports import Accounts, RunControl, SendLog
from shared.reminders.control import Hold, held_text
from shared.reminders.run import RunReport, outcome_counts, remind_due
from shared.reminders.sending import COMMITMENT_STEP, Senders


class _Accounts:
    """Reads the store; keeps the run's writes in memory (and reads them back)."""

    def __init__(self, store: Accounts) -> None:
        self.store = store
        self.written: dict[str, Account] = {}

    def get(self, key: str) -> Account:
        return self.written.get(key) or self.store.get(key)

    def get_many(self, keys: Iterable[str]) -> dict[str, Account]:
        wanted = list(keys)
        found = self.store.get_many(k for k in wanted if k not in self.written)
        return found | {k: self.written[k] for k in wanted if k in self.written}

    def find(self, ref: str) -> list[Account]:
        return self.store.find(ref)

    def save(self, account: Account, activities: Sequence[Activity] = (), once: str | None = None) -> Account | None:
        kept = replace(account, version=(account.version or 0) + 1)
        self.written[account.key] = kept
        return kept

    def due(self, now: datetime, kind: str) -> Iterator[Account]:
        """The store's due index, less the accounts this preview has moved past `now` (the index would have moved
        them too: a day's later runs do not see what its earlier ones sent)."""
        return (due for due in self.store.due(now, kind) if self._still_due(due.key, now))

    def due_keys(self, now: datetime, kind: str) -> Iterator[str]:
        return (key for key in self.store.due_keys(now, kind) if self._still_due(key, now))

    def _still_due(self, key: str, now: datetime) -> bool:
        mine = self.written.get(key)
        return mine is None or (mine.next_action_at is not None and mine.next_action_at <= now)

    def worklist(self, collector: str | None, limit: int) -> list[Account]:
        return self.store.worklist(collector, limit)

    def needing_locate(self, collector: str | None, limit: int) -> list[Account]:
        return self.store.needing_locate(collector, limit)

    def settings(self, creditor: str) -> Settings:
        return self.store.settings(creditor)


@dataclass
class _SendLog:
    """Reads the real attempts and events; a claim or a settled outcome stays here."""

    store: SendLog
    claimed: list[SendAttempt] = field(default_factory=list)

    def attempt(self, account_key: str, step: str) -> SendAttempt | None:
        return self.store.attempt(account_key, step)

    def claim(self, attempt: SendAttempt, previous: SendAttempt | None, activities: Sequence[Activity]) -> bool:
        self.claimed.append(attempt)
        return True

    def settle(self, attempt: SendAttempt) -> None:
        return None

    def record_event(self, event: DeliveryEvent) -> None:
        return None

    def events(self, attempt_id: str) -> list[DeliveryEvent]:
        return self.store.events(attempt_id)


class _Nothing:
    """The mailer, the texts and the letter box of a preview: each send is taken, nothing leaves."""

    days: frozenset[date] = frozenset()  # no letter is put on any day

    def send_email(self, to: str, subject: str, body: str, attempt_id: str, account_key: str, link: str,
                   html: str = "", attachment: tuple[str, bytes] | None = None) -> str:  # fmt: skip
        return f"preview-{attempt_id}"

    def send_sms(self, to: str, body: str) -> str:
        return "preview"

    def keep(self, letter: Letter, attempt_id: str) -> str:
        return f"preview-{attempt_id}.pdf"

    def kept(self, day: date | None, attempt_id: str) -> KeptLetter | None:
        return None  # a letter whose answer was lost shows as unsettled, where the run finds it and confirms it

    def write_manifests(self) -> None:
        return None


@dataclass(frozen=True)
class PlannedSend:
    """One send the run would make: to which account (creditor and id, what a collector types), what, how."""

    creditor: str
    account_id: str
    step: str  # "step 2", "promise reminder"...
    channel: str


SHOWN_SENDS = 10  # sends listed one by one (each can be held back from Slack); the rest are counted


@dataclass(frozen=True)
class Preview:
    report: RunReport  # every previewed run's, added up
    steps: Counter[tuple[str, str]]  # ("step 1", or "promise reminder"...: what is sent, channel) -> sends
    until: dict[str, datetime]  # deferred accounts -> when the rules allow their step
    hold: Hold | None = None  # a person's hold over the runs: nothing goes until it is released
    sends: tuple[PlannedSend, ...] = ()  # the first SHOWN_SENDS sends, in the run's order
    runs: tuple[datetime, ...] = ()  # the instants previewed, one after another


def preview_run(at: datetime, accounts: Accounts, log: SendLog, control: RunControl | None = None) -> Preview:
    """The reminder run due at `at`, as it would go then (its checks at `at`, the days approved so far), with
    nothing sent or written; a hold on the runs is shown beside what the run would do once it is released."""
    return preview_runs((at,), accounts, log, control)


def preview_day(day: date, accounts: Accounts, log: SendLog, control: RunControl | None = None) -> Preview:
    """The day's hourly reminder runs (00:00 to 23:00 UTC), each as it would go at its hour: a step due at 10:00 in
    Chicago is in the 16:00 run, one in Los Angeles in the 18:00 run."""
    start = datetime.combine(day, time(0), UTC)
    return preview_runs(tuple(start + timedelta(hours=h) for h in range(24)), accounts, log, control)


def preview_runs(
    runs: Sequence[datetime], accounts: Accounts, log: SendLog, control: RunControl | None = None
) -> Preview:
    """The runs at `runs`, one after another by the run's own code, each seeing what the ones before it would have
    written (kept in memory, as is every claim), nothing sent or written; each account reported once, at the
    outcome of the last run that took it."""
    kept = _Accounts(accounts)
    claims = _SendLog(log)
    nothing: Any = _Nothing()
    links = UnsubscribeLinks("https://preview.invalid/", secrets.token_bytes(32))  # made, never sent
    last: dict[str, tuple[str, tuple[str, ...]]] = {}  # each account's outcome in the latest run that took it
    for at in runs:
        clock: Callable[[], datetime] = partial(_same, at)
        senders = Senders(nothing, nothing, claims, clock, links, lambda _: None, nothing, lambda *_: None,
                          control=control)  # fmt: skip
        report, _ = remind_due(at, kept, senders)  # an account it could not finish is in report.unfinished
        for key, taken in report.by_key.items():
            last.pop(key, None)
            last[key] = taken
    total = RunReport(runs[0])  # each account once, at its last outcome (one waiting all day is one, not 24)
    for key, (outcome, rules) in last.items():
        total.add(key, outcome, rules)
    steps = Counter((_step_label(a, kept), a.channel) for a in claims.claimed)
    until = {k: a.defer_until for k, a in kept.written.items() if a.defer_until is not None}
    sends = tuple(_planned(a, kept) for a in claims.claimed[:SHOWN_SENDS])
    return Preview(total, steps, until, control.hold_of() if control else None, sends, tuple(runs))


def _same(at: datetime) -> datetime:
    return at


def _planned(attempt: SendAttempt, kept: _Accounts) -> PlannedSend:
    account = kept.get(attempt.account_key)  # advanced by the send: read back from memory
    return PlannedSend(account.creditor, account.account_id, _step_label(attempt, kept), attempt.channel)


def _step_label(attempt: SendAttempt, kept: _Accounts) -> str:
    """A cadence step by its number; the reminder before a promise's date or an installment's by its kind."""
    if attempt.step.startswith(COMMITMENT_STEP):
        commitment = kept.get(attempt.account_key).commitment
        return "promise reminder" if commitment and commitment.kind == "promise" else "installment reminder"
    return f"step {int(attempt.step.rsplit('#', 1)[1]) + 1}"


SHOWN_HELD = 15  # accounts listed by name of what holds them; the rest are counted


def preview_text(preview: Preview) -> str:
    """The preview as a collector reads it (account keys and rule ids only: no debtor data), under 3,000
    characters whatever the run's size."""
    report = preview.report
    if len(preview.runs) > 1:
        first, last = preview.runs[0], preview.runs[-1]
        when = f"The {len(preview.runs)} hourly reminder runs of {first:%Y-%m-%d} ({first:%H:%M} to {last:%H:%M} UTC)"
    else:
        when = f"Reminder run at {report.at:%Y-%m-%d %H:%M} UTC"
    lines = [f":crystal_ball: {when}, previewed: nothing was sent."]
    if preview.hold is not None:
        lines.append(held_text(preview.hold) + " Once released, the run would do this:")
    outcomes = outcome_counts(report.outcomes)
    lines.append("Would do: " + (" · ".join(outcomes) if outcomes else "nothing (no reminder is due then)"))
    if preview.steps:
        steps = " · ".join(f"{label} by {channel}: {n}" for (label, channel), n in sorted(preview.steps.items()))
        lines.append(f"Sends by step and channel: {steps}")
    for key, outcome, rules in report.held[:SHOWN_HELD]:
        until = preview.until.get(key)
        when = f" until {until:%Y-%m-%d %H:%M} UTC" if until else ""
        lines.append(f"• `{key}` {outcome}{when}: " + ", ".join(f"`{r}`" for r in rules))
    if len(report.held) > SHOWN_HELD:
        lines.append(f"…and {len(report.held) - SHOWN_HELD} more held back (`/collect why <id>` explains one)")
    return "\n".join(lines)[:2900]
