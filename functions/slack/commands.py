"""Parsing of `/collect` text into a command: pure and fast, so it runs in the ack path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from shared.domain.errors import InvalidInputError
from shared.domain.holds import HOLDS
from shared.domain.letterhead import LANGUAGES
from shared.domain.money import MAX_MAJOR, normalize_currency
from shared.domain.mrkdwn import escape
from shared.domain.outcomes import outcome_list, parse_outcome
from shared.domain.plans import FREQUENCIES, MAX_INSTALLMENTS, MIN_INSTALLMENTS

USAGE: dict[str, str] = {
    "help": "`/collect help`: this list",
    "worklist": "`/collect worklist`: your accounts to work now, best first, with who may be called now",
    "locate": "`/collect locate`: your accounts and the pool's with no usable phone (or no contact at all), "
    "longest waiting first",
    "account": "`/collect account <id>`: balance, invoices, holds and recent history",
    "can-call": "`/collect can-call <id>`: may I call now? If not, when",
    "why": "`/collect why <id>`: the last compliance decisions and the reason for the current state",
    "log": "`/collect log <id> call <outcome> [note]` or `log <id> email|sms|letter|note [text]`: record a contact "
    f"or note (call outcomes: {outcome_list()})",
    "promise": "`/collect promise <id> <amount> <YYYY-MM-DD> [currency]`: record a promise to pay "
    "(at most the balance)",
    "plan": "`/collect plan <id> <total> <count> <first YYYY-MM-DD> [weekly|biweekly|monthly] [currency]`: "
    "set up a payment plan of `count` installments for the whole balance (monthly unless named)",
    "pay": "`/collect pay <id> <amount> <payment-ref> [currency] [overpaid]`: record a payment (the ref makes a "
    "repeat harmless; `overpaid` confirms more than the balance, kept as a credit)",
    "reverse": "`/collect reverse <id> <payment-ref> <reason>`: a payment came back (NSF, chargeback): re-open it",
    "hold": "`/collect hold <id> dispute|cease|bankruptcy|deceased|attorney [note]`: stop collection on a hold",
    "release": "`/collect release <id> dispute|cease|bankruptcy|deceased|attorney <reason>`: lift a hold",
    "contact": "`/collect contact <id> phone|email <value> consumer|skip-trace`: add a phone or email you found "
    "(from the consumer, or a skip trace); an account that needed locating no longer does",
    "language": "`/collect language <id> en|es`: the language the debtor asked to be written in (reminders, "
    "letters and validation notices)",
    "pause": "`/collect pause <id> [reason]`: stop the automated reminders of one account until `resume`",
    "resume": "`/collect resume <id> [note]`: restart reminders that stopped for review",
    "reminders": "`/collect reminders preview [YYYY-MM-DD | <instant>]`: what the reminder run would send then "
    "(a date: its 24 hourly runs, 00:00 to 23:00 UTC; default: the run now), by step and channel, and what holds "
    "the others; sends nothing. "
    "`reminders hold <reason>` stops every automated send until `reminders release`; `reminders approve "
    "[YYYY-MM-DD]` lets the day's sends go for creditors whose runs wait for approval (default: today, UTC)",
}
CHANNELS = ("call", "email", "sms", "letter", "note")
# Commands that move money or stop or restart collection, and what the refusal calls them: for AUTHORIZED_USERS only.
# The rest (help, worklist, account, can-call, why, log) stay open to every member.
GUARDED = {
    "pay": "post payments",
    "reverse": "reverse payments",
    "promise": "record promises to pay",
    "plan": "set up payment plans",
    "hold": "place holds",
    "release": "release holds",
    "pause": "stop reminders",
    "resume": "restart reminders",
    "reminders": "preview, hold or approve reminder runs",
}
MAX_AMOUNT_TEXT = 20

_ARITY = {
    "help": 0,
    "worklist": 0,
    "locate": 0,
    "account": 1,
    "can-call": 1,
    "why": 1,
    "log": 2,
    "promise": 3,
    "plan": 4,
    "pay": 3,
    "reverse": 3,
    "hold": 2,
    "release": 3,
    "contact": 4,
    "language": 2,
    "pause": 1,
    "resume": 1,
    "reminders": 1,
}
_AMOUNT = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_REF = re.compile(r"^[\w.\-/:@+]{1,64}$")


def _shown(text: str) -> str:
    """A word the collector typed, quoted in an error message exactly as typed (never a ping or a link)."""
    return escape(repr(text))


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...]

    @property
    def ref(self) -> str:
        return self.args[0]


def usage_text(name: str | None = None) -> str:
    if name in USAGE:
        return f"Usage: {USAGE[name]}"
    return "*Arrears commands*\n" + "\n".join(f"• {line}" for line in USAGE.values())


def _check_args(name: str, args: tuple[str, ...]) -> None:
    if len(args) < _ARITY[name]:
        raise InvalidInputError(f"`{name}` needs {_ARITY[name]} argument(s). {usage_text(name)}")
    if args and not _REF.match(args[0]):
        raise InvalidInputError(
            f"account id {_shown(args[0])} has characters an account id cannot have. {usage_text(name)}"
        )
    try:
        _check_words(name, args)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{exc}. {usage_text(name)}") from exc


def _check_words(name: str, args: tuple[str, ...]) -> None:
    if name == "log":
        if args[1].lower() not in CHANNELS:
            raise InvalidInputError(f"channel {_shown(args[1])} is not one of {', '.join(CHANNELS)}")
        if args[1].lower() == "call":
            _check_outcome(args[2] if len(args) > 2 else "")
    if name in ("promise", "pay"):
        parse_amount(args[1])
    if name == "pay":
        parse_pay_options(args[3:])
    if name in ("pay", "reverse") and not _REF.match(args[2]):
        raise InvalidInputError(f"payment reference {_shown(args[2])} has characters a reference cannot have")
    if name == "promise":
        parse_day(args[2])
    parsers = {"plan": parse_plan, "reminders": parse_reminders, "contact": parse_contact, "language": parse_language}
    if name in parsers:
        parsers[name](args)
    if name in ("hold", "release") and args[1].lower() not in HOLDS:
        raise InvalidInputError(f"hold {_shown(args[1])} is not one of {', '.join(HOLDS)}")


def _check_outcome(word: str) -> None:
    try:
        parse_outcome(word)
    except InvalidInputError as exc:
        raise InvalidInputError(f"call outcome {_shown(word)} is not one of {outcome_list()}") from exc


def parse_pay_options(words: tuple[str, ...]) -> tuple[str | None, bool]:
    """After `pay <id> <amount> <ref>`: an optional currency and `overpaid`, in either order."""
    currency, overpaid = None, False
    for word in words:
        if word.lower() == "overpaid":
            overpaid = True
        else:
            try:
                currency = normalize_currency(word)
            except InvalidInputError as exc:
                raise InvalidInputError(f"{_shown(word)} is neither a currency code nor `overpaid`") from exc
    return currency, overpaid


@dataclass(frozen=True)
class PlanTerms:
    """What `/collect plan` names: the installments are worked out once the account (and its currency) is read."""

    ref: str
    total_text: str
    count: int
    first_due: date
    every: str = "monthly"
    currency: str | None = None


def parse_count(text: str) -> int:
    if not text.strip().isdigit() or not MIN_INSTALLMENTS <= int(text) <= MAX_INSTALLMENTS:
        raise InvalidInputError(
            f"count {_shown(text)} must be a whole number from {MIN_INSTALLMENTS} to {MAX_INSTALLMENTS}"
        )
    return int(text)


def _plan_currency(word: str) -> str:
    try:
        return normalize_currency(word)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{_shown(word)} is neither {'|'.join(FREQUENCIES)} nor a currency code") from exc


def parse_plan(args: tuple[str, ...]) -> PlanTerms:
    """`<id> <total> <count> <first date> [frequency] [currency]`, the last two in either order."""
    parse_amount(args[1])
    every, currency = "monthly", None
    for word in args[4:6]:
        if word.lower() in FREQUENCIES:
            every = word.lower()
        else:
            currency = _plan_currency(word)
    if len(args) > 6:
        raise InvalidInputError(f"unexpected words after the plan: {_shown(' '.join(args[6:]))}")
    return PlanTerms(args[0], args[1], parse_count(args[2]), parse_day(args[3]), every, currency)


def parse_command(text: str) -> Command:
    """Split and validate; raise InvalidInputError whose message is the usage to show."""
    words = tuple(text.split())
    if not words:
        return Command("help", ())
    name = words[0].lower()
    if name not in _ARITY:
        raise InvalidInputError(f"Unknown command {_shown(words[0])}.\n{usage_text()}")
    _check_args(name, words[1:])
    return Command(name, words[1:])


CONTACT_KINDS = ("phone", "email")
CONTACT_SOURCES = ("consumer", "skip-trace")


def parse_contact(args: tuple[str, ...]) -> tuple[str, str, str]:
    """`contact <id> phone|email <value...> consumer|skip-trace`: (kind, value, source); the value itself (a valid
    number, an address) is checked when it is added."""
    kind, source = args[1].lower(), args[-1].lower()
    if kind not in CONTACT_KINDS:
        raise InvalidInputError(f"{_shown(args[1])} is not one of {', '.join(CONTACT_KINDS)}")
    if source not in CONTACT_SOURCES:
        raise InvalidInputError(f"say where it came from last: {_shown(args[-1])} is not one of "
                                f"{', '.join(CONTACT_SOURCES)}")  # fmt: skip
    return kind, " ".join(args[2:-1]), source


def parse_language(args: tuple[str, ...]) -> str:
    """`language <id> en|es`: the language code."""
    if len(args) > 2 or args[1].lower() not in LANGUAGES:
        raise InvalidInputError(f"say one of {', '.join(LANGUAGES)}: {_shown(' '.join(args[1:]))} is not")
    return args[1].lower()


REMINDER_ACTIONS = ("preview", "hold", "release", "approve")


def parse_reminders(args: tuple[str, ...]) -> str:
    """`reminders preview|hold|release|approve ...`: the action, its arguments checked."""
    action = args[0].lower()
    if action == "preview":
        parse_preview(args)
    elif action == "hold" and len(args) < 2:
        raise InvalidInputError("say why: `reminders hold <reason>`")
    elif action == "release" and len(args) > 1:
        raise InvalidInputError(f"unexpected words after `release`: {_shown(' '.join(args[1:]))}")
    elif action == "approve":
        parse_approval_day(args)
    elif action not in REMINDER_ACTIONS:
        raise InvalidInputError(f"{_shown(args[0])} is not one of {', '.join(REMINDER_ACTIONS)}")
    return action


def parse_approval_day(args: tuple[str, ...]) -> date | None:
    """`approve [YYYY-MM-DD]`: the day approved (None: today)."""
    if len(args) > 2:
        raise InvalidInputError(f"unexpected words after the date: {_shown(' '.join(args[2:]))}")
    return parse_day(args[1]) if len(args) == 2 else None


def parse_preview(args: tuple[str, ...]) -> datetime | date | None:
    """`preview [YYYY-MM-DD | ISO instant with offset]`: the run's instant, or the day whose hourly runs are
    previewed (None: the run now)."""
    if args[0].lower() != "preview":
        raise InvalidInputError(f"{_shown(args[0])} is not `preview`")
    if len(args) == 1:
        return None
    if len(args) > 2:
        raise InvalidInputError(f"unexpected words after the instant: {_shown(' '.join(args[2:]))}")
    if len(args[1]) == 10:
        return parse_day(args[1])
    try:
        at = datetime.fromisoformat(args[1].replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInputError(f"{_shown(args[1])} is neither a YYYY-MM-DD date nor an ISO instant") from exc
    if at.tzinfo is None:
        raise InvalidInputError(f"instant {_shown(args[1])} needs a UTC offset, e.g. 2026-12-04T15:00Z")
    return at.astimezone(UTC)


def parse_amount(text: str) -> Decimal:
    """A positive decimal amount such as `150`, `1,500` or `150.25` (currency comes from the account).

    Commas only group thousands: `150,50` is refused rather than read as 15050.
    """
    if len(text) > MAX_AMOUNT_TEXT * 4 or not _AMOUNT.match(text):
        raise InvalidInputError(f"amount {_shown(text[:MAX_AMOUNT_TEXT])} is not a number (write it like 150.00)")
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidInputError(f"amount {_shown(text)} is not a number (write it like 150.00)") from exc
    if not value.is_finite() or value <= 0:
        raise InvalidInputError(f"amount {_shown(text)} must be more than zero")
    if value >= MAX_MAJOR:
        raise InvalidInputError(
            f"amount {_shown(text)} is above the largest amount Arrears accepts ({MAX_MAJOR - 1:,})"
        )
    return value


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInputError(f"date {_shown(text)} is not a date like 2026-12-01") from exc


def check_promise_day(due: date, today: date) -> date:
    """A promise is to pay by a day still ahead (today counts): the same rule for commands and modals."""
    if due < today:
        raise InvalidInputError(f"promise date {due} is in the past")
    return due
