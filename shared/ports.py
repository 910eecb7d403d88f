"""Small protocols for side effects, so logic can be driven by real adapters or in-memory fakes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from shared.domain.accounts import Account, Activity
    from shared.domain.notices import Notice
    from shared.domain.sends import DeliveryEvent, SendAttempt, SentText
    from shared.domain.settings import Settings
    from shared.reminders.control import Hold
    from shared.reminders.run import RunTotals


class Mailer(Protocol):
    def send_email(self, to: str, subject: str, body: str) -> str:
        """Send one email; return the provider's message id."""
        ...


class SmsSender(Protocol):
    def send_sms(self, to: str, body: str) -> str:
        """Send one text to an E.164 number; return the provider's message id."""
        ...


class TrackedMailer(Protocol):
    def send_email(
        self,
        to: str,
        subject: str,
        body: str,
        attempt_id: str,
        account_key: str,
        unsubscribe_url: str,
        html: str = "",
        attachment: tuple[str, bytes] | None = None,
    ) -> str:
        """Send one email tagged with `attempt_id` and its account (its delivery events, bounces and complaints
        name them), with `unsubscribe_url` as its one-click List-Unsubscribe header; `html`: also an HTML body;
        `attachment`: a PDF (file name, bytes). Return the message id. DeliveryUnknownError when the response was
        lost (it may have been sent), UpstreamUnavailableError when the provider refused it."""
        ...


class TrackedSms(Protocol):
    def send_sms(self, to: str, body: str) -> str:
        """As SmsSender, with a lost response (DeliveryUnknownError) told apart from a refusal."""
        ...


class SendLog(Protocol):
    """Each reminder step's send attempt, written before the provider is called (fake and DynamoDB, one contract)."""

    def attempt(self, account_key: str, step: str) -> SendAttempt | None:
        """The step's latest attempt (read consistently); None when it was never tried."""
        ...

    def claim(self, attempt: SendAttempt, previous: SendAttempt | None, activities: Sequence[Activity]) -> bool:
        """Record the attempt with its activities (the decision, the contact as `unknown`), all or nothing, if the
        step's latest attempt is still `previous`; False when another run got there first (nothing written)."""
        ...

    def settle(self, attempt: SendAttempt) -> None:
        """Keep the attempt's outcome (state, message id) on it and on its contact record."""
        ...

    def record_event(self, event: DeliveryEvent) -> None:
        """Keep a provider event (repeats overwrite: SNS delivers at least once)."""
        ...

    def events(self, attempt_id: str) -> list[DeliveryEvent]: ...


class TextReports(SendLog, Protocol):
    """The send log as texts' delivery reports use it: a report names only the provider's message id."""

    def sent_text(self, message_id: str) -> SentText | None:
        """The text the provider accepted under `message_id` (kept when its attempt was settled); None if unknown."""
        ...

    def lost_text(self, number: str, reported_at: datetime) -> SentText | None:
        """The text to `number` (E.164) whose Publish response was lost that a report at `reported_at` with an
        unknown message id answers (`sends.answers_lost_text`), when exactly one does; its message_id is empty."""
        ...

    def text_delivery(self, text: SentText, outcome: str, response: str) -> bool:
        """Keep a text's delivery report on its contact record (`outcome` delivered or undelivered, with the
        provider's words); False when the record says so already (a repeat) or is gone."""
        ...


class TextedNumbers(Protocol):
    """Which accounts a phone number was texted for: what a reply, which names only the number, is matched by."""

    def accounts_texted(self, number: str) -> list[str]:
        """Keys of the accounts whose reminders texted `number` (E.164) in the last 400 days; [] when none."""
        ...


class SlackPoster(Protocol):
    def post(self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None) -> str:
        """Post a message; return its `ts` so it can be updated."""
        ...

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Replace a posted message (used for progress of long jobs)."""
        ...


class Notifier(Protocol):
    def notify(self, notice: Notice) -> None:
        """Hand a Slack message over for delivery; it is sent when Slack allows, never blocking the caller's work."""
        ...


class ObjectStore(Protocol):
    def iter_lines(
        self, key: str, version_id: str | None = None, start_byte: int = 0, end_byte: int | None = None
    ) -> Iterator[bytes]:
        """Stream an object as raw byte lines (line endings kept) from byte `start_byte` up to before `end_byte`
        (the end of the object when None), never loading it whole."""
        ...

    def put(self, key: str, body: bytes | IO[bytes], content_type: str = "text/plain") -> None: ...

    def delete(self, key: str) -> None: ...

    def list_keys(self, prefix: str) -> Iterator[str]: ...

    def move(self, key: str, new_key: str, version_id: str | None = None) -> None: ...

    def read_text(self, key: str) -> str | None:
        """Whole small object as text (mapping files); None when it does not exist."""
        ...


class Queue(Protocol):
    def send(self, body: dict[str, Any], delay_seconds: int = 0) -> None: ...

    def send_many(self, bodies: Sequence[dict[str, Any]]) -> None:
        """Queue every message (SQS: ten a call); UpstreamUnavailableError when any was not accepted (sending
        them all again is safe: their consumers are idempotent)."""
        ...


class RunTally(Protocol):
    """A fanned-out reminder run's parts added up, once each (shared/reminders/fanout.py)."""

    def started(self, at: datetime) -> bool:
        """Whether the run of `at` was fanned out (even in part)."""
        ...

    def open(self, at: datetime, planner: str) -> bool:
        """Start the fanned-out run of `at` for `planner` (the invocation planning it; its own retry may plan
        again); False when it was planned whole before, or another invocation plans it."""
        ...

    def planned(self, at: datetime, parts: int) -> RunTotals | None:
        """The run has parts `0` to `parts - 1`; its totals when all of them were added already and the run was
        not told yet (the caller then tells it, then calls `told`)."""
        ...

    def add(self, at: datetime, part: str, totals: RunTotals, more: tuple[str, ...] = ()) -> RunTotals | None:
        """Add one part's totals and the ids of the parts it queued (its retry), once: a redelivered part adds
        nothing. The run's totals when every part it expects is added and it was not told yet, else None."""
        ...

    def told(self, at: datetime) -> None:
        """The run's summary went out: no later part or redelivery tells it again."""
        ...


class RunControl(Protocol):
    """A person's hold over the reminder runs, and the days approved for creditors that wait for approval."""

    def hold_of(self) -> Hold | None: ...

    def hold(self, hold: Hold) -> None: ...

    def release(self) -> bool:
        """Lift the hold; False when there was none."""
        ...

    def approved(self, day: date) -> bool: ...

    def approve(self, day: date, by: str, at: datetime) -> bool:
        """Approve the day's sends; False when it was approved before."""
        ...


class Accounts(Protocol):
    """The account store: what use cases read and the one way they write (tested against a fake and DynamoDB)."""

    def get(self, key: str) -> Account:
        """The account, read consistently; NotFoundError when there is none."""
        ...

    def get_many(self, keys: Iterable[str]) -> dict[str, Account]: ...

    def find(self, ref: str) -> list[Account]:
        """Accounts whose customer id is `ref`, any creditor."""
        ...

    def save(self, account: Account, activities: Sequence[Activity] = (), once: str | None = None) -> Account | None:
        """Write the account (conditioned on the version it was read at; None: create) with its activities and,
        with `once`, a request marker, all or nothing. None when `once` was done before; ConflictError when the
        account changed meanwhile. Returns the stored account (its new version)."""
        ...

    def due(self, now: datetime, kind: str) -> Iterator[Account]:
        """Accounts whose next action of `kind` (REMIND, FOLLOWUP) is due at or before `now` (a run's worth)."""
        ...

    def due_keys(self, now: datetime, kind: str) -> Iterator[str]:
        """The keys of every account with `kind` due at or before `now`, however many (keys only)."""
        ...

    def worklist(self, collector: str | None, limit: int) -> list[Account]:
        """A collector's (None: the pool's) worklist accounts, best first."""
        ...

    def needing_locate(self, collector: str | None, limit: int) -> list[Account]:
        """A collector's (None: the pool's) worklist accounts flagged `needs_locate`, longest waiting first."""
        ...

    def settings(self, creditor: str) -> Settings:
        """The creditor's collection settings (cadence, ranking rates, reconciliation rule)."""
        ...
