"""In-memory stand-ins for the ports, with the same contract as the DynamoDB versions (tests/contract/)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from shared.db.account_codec import DUE_KINDS
from shared.domain.accounts import Account, Activity, locate_order
from shared.domain.errors import ConflictError, NotFoundError
from shared.domain.notices import Notice
from shared.domain.sends import DeliveryEvent, SendAttempt, SentText, answers_lost_text
from shared.domain.settings import Settings
from shared.domain.texts import e164
from shared.reminders.control import Hold
from shared.reminders.run import RunTotals


@dataclass
class InMemoryAccounts:
    """The Accounts port on dicts: version checks, request markers and due queries behave as on the table."""

    accounts: dict[str, Account] = field(default_factory=dict)
    activities: dict[str, list[Activity]] = field(default_factory=dict)
    markers: set[tuple[str, str]] = field(default_factory=set)
    creditor_settings: dict[str, Settings] = field(default_factory=dict)
    writes: int = 0

    @classmethod
    def holding(cls, *accounts: Account) -> InMemoryAccounts:
        """A store that already holds these accounts, as they are (no write counted)."""
        return cls(accounts={account.key: account for account in accounts})

    def get(self, key: str) -> Account:
        if key not in self.accounts:
            raise NotFoundError(f"no account {key}")
        return self.accounts[key]

    def get_many(self, keys: Iterable[str]) -> dict[str, Account]:
        return {k: self.accounts[k] for k in keys if k in self.accounts}

    def find(self, ref: str) -> list[Account]:
        wanted = ref.strip().lower()
        return [a for a in self.accounts.values() if a.account_id.lower() == wanted]

    def save(self, account: Account, activities: Sequence[Activity] = (), once: str | None = None) -> Account | None:
        if once is not None and (account.key, once) in self.markers:
            return None
        stored = self.accounts.get(account.key)
        if (stored.version if stored else None) != account.version:
            raise ConflictError(f"account {account.key} changed meanwhile; reload and retry")
        saved = replace(account, version=(account.version or 0) + 1)
        self.accounts[account.key] = saved
        self.activities.setdefault(account.key, []).extend(activities)
        if once is not None:
            self.markers.add((account.key, once))
        self.writes += 1
        return saved

    def due(self, now: datetime, kind: str) -> Iterator[Account]:
        for account in sorted(self.accounts.values(), key=lambda a: a.key):
            if kind == "RECON":
                at = account.reconcile_by
            else:
                at = account.next_action_at if DUE_KINDS.get(account.next_action or "") == kind else None
            if at is not None and at <= now:
                yield account

    def due_keys(self, now: datetime, kind: str) -> Iterator[str]:
        return (account.key for account in self.due(now, kind))

    def worklist(self, collector: str | None, limit: int) -> list[Account]:
        listed = [a for a in self.accounts.values() if a.on_worklist and a.collector == collector]
        return sorted(listed, key=lambda a: (a.rank, a.key), reverse=True)[:limit]

    def needing_locate(self, collector: str | None, limit: int) -> list[Account]:
        flagged = [a for a in self.worklist(collector, len(self.accounts)) if a.flags.get("needs_locate")]
        return sorted(flagged, key=locate_order)[:limit]

    def settings(self, creditor: str) -> Settings:
        return self.creditor_settings.get(creditor, Settings())

    def history(self, key: str) -> list[str]:
        """The summaries of an account's activities, oldest first (what a collector reads)."""
        return [a.summary for a in self.activities.get(key, [])]


@dataclass
class InMemorySendLog:
    """The SendLog port on dicts: a claim is all or nothing and only wins over the attempt it was decided on."""

    attempts: dict[tuple[str, str], SendAttempt] = field(default_factory=dict)
    activities: dict[str, list[Activity]] = field(default_factory=dict)
    recorded: dict[str, dict[str, DeliveryEvent]] = field(default_factory=dict)
    texts: dict[str, SentText] = field(default_factory=dict)

    def attempt(self, account_key: str, step: str) -> SendAttempt | None:
        return self.attempts.get((account_key, step))

    def claim(self, attempt: SendAttempt, previous: SendAttempt | None, activities: Sequence[Activity]) -> bool:
        latest = self.attempts.get((attempt.account_key, attempt.step))
        if (latest.at if latest else None) != (previous.at if previous else None):
            return False
        self.attempts[(attempt.account_key, attempt.step)] = attempt
        self.activities.setdefault(attempt.account_key, []).extend(activities)
        return True

    def settle(self, attempt: SendAttempt) -> None:
        latest = self.attempts.get((attempt.account_key, attempt.step))
        if latest is None or latest.at != attempt.at:
            raise ConflictError(f"a newer send attempt replaced {attempt.id}")
        self.attempts[(attempt.account_key, attempt.step)] = attempt
        entries = self.activities.get(attempt.account_key, [])
        for n, entry in enumerate(entries):
            if entry.kind == "contact" and entry.id == attempt.id:
                data = entry.data | {"message_id": attempt.message_id, "error": attempt.error}
                outcome = entry.outcome if "delivery" in entry.data else attempt.state
                entries[n] = replace(entry, outcome=outcome, data=data)
                message_id = attempt.message_id
                if attempt.channel == "sms" and attempt.state == "sent" and message_id and data.get("to"):
                    sent = SentText(message_id, attempt.account_key, attempt.id, attempt.at, e164(data["to"]))
                    self.texts[sent.message_id] = sent

    def sent_text(self, message_id: str) -> SentText | None:
        return self.texts.get(message_id)

    def lost_text(self, number: str, reported_at: datetime) -> SentText | None:
        found = []
        for (key, _), attempt in self.attempts.items():
            texted = [a for a in self.activities.get(key, []) if a.kind == "contact" and a.channel == "sms"]
            latest = max((a for a in texted if e164(a.data.get("to") or "") == e164(number)), key=lambda a: a.at,
                         default=None)  # fmt: skip
            if latest is not None and latest.id == attempt.id and answers_lost_text(attempt, reported_at):
                found.append(SentText("", key, attempt.id, attempt.at, e164(number)))
        return found[0] if len(found) == 1 else None

    def text_delivery(self, text: SentText, outcome: str, response: str) -> bool:
        entries = self.activities.get(text.account_key, [])
        for n, entry in enumerate(entries):
            if entry.kind == "contact" and entry.id == text.attempt_id and entry.outcome != outcome:
                entries[n] = replace(entry, outcome=outcome, data=entry.data | {"delivery": response})
                return True
        return False

    def record_event(self, event: DeliveryEvent) -> None:
        self.recorded.setdefault(event.attempt_id, {})[event.kind] = event

    def events(self, attempt_id: str) -> list[DeliveryEvent]:
        return sorted(self.recorded.get(attempt_id, {}).values(), key=lambda e: e.kind)

    def contacts(self, key: str) -> list[Activity]:
        return [a for a in self.activities.get(key, []) if a.kind == "contact"]


@dataclass
class InMemoryNotifier:
    """The Notifier port in memory: the notices queued, in order."""

    notices: list[Notice] = field(default_factory=list)

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)

    @property
    def posts(self) -> list[str]:
        return [n.text for n in self.notices]

    @property
    def channels(self) -> list[str]:
        return [n.channel for n in self.notices]


@dataclass
class InMemoryQueue:
    """The Queue port in memory: (message, delay in seconds) in the order sent."""

    messages: list[tuple[dict[str, Any], int]] = field(default_factory=list)

    def send(self, body: dict[str, Any], delay_seconds: int = 0) -> None:
        self.messages.append((body, delay_seconds))

    def send_many(self, bodies: Sequence[dict[str, Any]]) -> None:
        self.messages += [(body, 0) for body in bodies]

    def take(self) -> list[dict[str, Any]]:
        """Every message sent so far (as a consumer receives them), leaving the queue empty."""
        taken, self.messages = [body for body, _ in self.messages], []
        return taken


@dataclass
class _Run:
    planner: str | None = None
    total: int | None = None
    more: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)
    told: bool = False
    outcomes: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)
    stopped: set[str] = field(default_factory=set)
    letter_days: set[date] = field(default_factory=set)


@dataclass
class InMemoryRunTally:
    """The RunTally port on dicts (the contract in tests/contract/test_run_tally.py)."""

    runs: dict[datetime, _Run] = field(default_factory=dict)

    def started(self, at: datetime) -> bool:
        return at in self.runs

    def open(self, at: datetime, planner: str) -> bool:
        run = self.runs.setdefault(at, _Run())
        if run.total is not None or run.planner not in (None, planner):
            return False
        run.planner = planner
        return True

    def planned(self, at: datetime, parts: int) -> RunTotals | None:
        self.runs[at].total = parts
        return self._totals(at)

    def add(self, at: datetime, part: str, totals: RunTotals, more: tuple[str, ...] = ()) -> RunTotals | None:
        run = self.runs[at]
        if part in run.done:
            return self._totals(at)
        if len(run.stopped) < 40:
            run.stopped |= set(totals.stopped[:40])
        run.done.add(part)
        run.more |= set(more)
        run.outcomes.update(totals.outcomes)
        run.held.update(totals.held_by)
        run.letter_days |= set(totals.letter_days)
        return self._totals(at)

    def told(self, at: datetime) -> None:
        self.runs[at].told = True

    def _totals(self, at: datetime) -> RunTotals | None:
        run = self.runs[at]
        if run.total is None or run.told or not {str(n) for n in range(run.total)} | run.more <= run.done:
            return None
        return RunTotals(at, +run.outcomes, +run.held, sorted(run.stopped), sorted(run.letter_days))


@dataclass
class InMemoryRunControl:
    """The RunControl port in memory."""

    current: Hold | None = None
    days: dict[date, str] = field(default_factory=dict)

    def hold_of(self) -> Hold | None:
        return self.current

    def hold(self, hold: Hold) -> None:
        self.current = hold

    def release(self) -> bool:
        had, self.current = self.current is not None, None
        return had

    def approved(self, day: date) -> bool:
        return day in self.days

    def approve(self, day: date, by: str, at: datetime) -> bool:
        if day in self.days:
            return False
        self.days[day] = by
        return True
