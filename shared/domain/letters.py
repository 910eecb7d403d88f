"""Letters: the validation notice of 12 CFR 1006.34 (third-party collectors), the first-party notice, the dunning
letters of a cadence's letter steps, and what mailing (or emailing) one records. Pure: what a letter says and
when; `shared/letters.py` lays it out as a PDF."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.domain.accounts import Account, Activity
from shared.domain.compliance.businessdays import is_business_day, validation_period_end
from shared.domain.letterhead import LANGUAGES, Letterhead
from shared.domain.money import Money

MAILED_AT = time(12, 0)  # a letter counts as sent at noon of its mail date in the debtor's zone (no date shift)
FALLBACK_ZONE = "America/New_York"  # an account without a zone counts its letter sent at noon there
VENDOR_ZONE = "America/New_York"  # the print-and-mail vendor's days and cut-off
VENDOR_CUTOFF = time(16, 0)  # letters made later go out the next mail day (the day's manifest is taken at 16:00)


@dataclass(frozen=True)
class DebtLine:
    """One debt (invoice) itemized from the itemization date (the transaction date: the invoice date) to now."""

    number: str
    itemization_date: date
    then: Money  # what the creditor's books report for it
    interest: Money
    fees: Money
    paid: Money  # payments and credits since, as Arrears recorded them
    now: Money
    due: date | None = None  # the invoice's due date

    @property
    def returned(self) -> Money:
        """Payments the books had counted that came back since (a pending reversal): added back, so the lines
        add up: then + interest + fees - paid + returned = now."""
        return Money(
            max(0, self.now.minor - self.then.minor - self.interest.minor - self.fees.minor), self.now.currency
        )


@dataclass(frozen=True)
class Notice:
    """One letter's content. `kind`: `validation` (third party: Reg F model-form content with the validation
    period), `first_party` (the creditor's own notice: no validation period), or `dunning` (a later letter of the
    cadence, its `template` a shipped dunning letter: what is owed now and how to pay)."""

    kind: str
    language: str
    account_key: str
    account_id: str
    creditor: str
    consumer: str
    postal: Postal
    sender: Letterhead
    mail_date: date
    period_end: date | None
    debts: tuple[DebtLine, ...]
    zone: str  # the debtor's: the letter counts as sent at noon of its mail date there
    emailed_at: datetime | None = None  # set: the notice goes in the body of an email at that instant, not by mail
    emailed_to: str | None = None
    attempt: str | None = None  # the send attempt that emailed it: a bounce of that email, and no other, takes it back
    template: str | None = None  # a dunning letter's
    third_party: bool = False  # a dunning letter from a debt collector prints the debt collector's disclosure
    payment_link: str = ""  # a dunning letter's: how to pay (the creditor's `collections.payment`)
    payment_instructions: str = ""
    noticed_on: date | None = None  # a dunning letter's: the validation notice whose period is still open
    rights_until: date | None = None  # and that period's end: the letter says the rights stand until then

    @property
    def totals(self) -> dict[str, Money]:
        """What is owed now per currency (never one sum across currencies)."""
        totals: dict[str, int] = {}
        for debt in self.debts:
            totals[debt.now.currency] = totals.get(debt.now.currency, 0) + debt.now.minor
        return {c: Money(minor, c) for c, minor in sorted(totals.items())}

    @property
    def sent_at(self) -> datetime:
        return self.emailed_at or mailed_at(self.mail_date, self.zone)

    @property
    def channel(self) -> str:
        return "letter" if self.emailed_at is None else "email"


def mail_date(now: datetime) -> date:
    """The day the vendor mails a letter made at `now`: the first day the post office works (no weekend, no
    federal holiday, statutory or observed) on or after the run's date in the vendor's zone, or after it when the
    run is past the vendor's cut-off (the day's manifest is taken then)."""
    local = now.astimezone(ZoneInfo(VENDOR_ZONE))
    day = local.date() + timedelta(days=1 if local.time() >= VENDOR_CUTOFF else 0)
    while not is_business_day(day, observed=True):
        day += timedelta(days=1)
    return day


def mailed_at(day: date, zone: str | None) -> datetime:
    return datetime.combine(day, MAILED_AT, ZoneInfo(zone or FALLBACK_ZONE)).astimezone(UTC)


def mailable(address: dict[str, Any] | None) -> bool:
    """A postal address a vendor can print and mail: street, city, state and ZIP."""
    return bool(address) and all(
        str((address or {}).get(f) or "").strip() for f in ("line1", "city", "state", "postal_code")
    )


def unnoticed(account: Account) -> list[str]:
    """The open invoices a first letter is still owed for: for a third-party collector of a consumer debt, every
    open invoice without a validation notice; for a first-party creditor, all of them until it first contacted
    the debtor (a letter, or a reminder before the creditor set its letterhead)."""
    if account.account_type != "consumer" or not mailable(account.address):
        return []  # no postal address to mail: collectors locate the debtor first
    open_numbers = [i.number for i in account.open_invoices()]
    if account.collector_role != "third_party":
        contacted = account.last_contact_at or account.flags.get("initial_communication_at")
        return [] if contacted else open_numbers
    noticed = account.flags.get("validation_notices") or {}
    return [n for n in open_numbers if n not in noticed]


def notice_owed(account: Account, sender: Letterhead | None) -> bool:
    """A validation notice is owed after the debtor was contacted (an emailed notice that bounced, an invoice that
    arrived since): the 5 days of 1006.34(a)(1) run from that contact, so the letter should go at once."""
    return sender is not None and bool(account.flags.get("initial_communication_at")) and bool(unnoticed(account))


def build_notice(
    account: Account, sender: Letterhead, numbers: list[str], now: datetime, observed: bool, email: str | None = None
) -> Notice:
    """The notice for the `numbers` invoices of `account`, mailed on the first mail day from `now`, or with an
    `email` address sent there at `now` (dated the debtor's day: the day the information is provided); `observed`:
    the validation period skips observed holidays too (the creditor's `validation_holidays` policy)."""
    zone = account.timezone or FALLBACK_ZONE
    day = now.astimezone(ZoneInfo(zone)).date() if email else mail_date(now)
    third_party = account.collector_role == "third_party"
    return _addressed(
        account, sender, kind="validation" if third_party else "first_party", mail_date=day,
        period_end=validation_period_end(day, observed) if third_party else None, debts=_debt_lines(account, numbers),
        emailed_at=now if email else None, emailed_to=email,
    )  # fmt: skip


def _addressed(account: Account, sender: Letterhead, **content: Any) -> Notice:
    """A letter from `sender` to the account's debtor at its postal address, in the debtor's language (else the
    letterhead's) and zone, with `content`."""
    language = account.preferences.get("language") or sender.language
    return Notice(
        language=language if language in LANGUAGES else "en", account_key=account.key, account_id=account.account_id,
        creditor=account.creditor, consumer=account.debtor, postal=Postal.of(account.address or {}), sender=sender,
        zone=account.timezone or FALLBACK_ZONE, **content,
    )  # fmt: skip


def _debt_lines(account: Account, numbers: list[str] | None = None) -> tuple[DebtLine, ...]:
    """The open invoices (those of `numbers`; None: all), each itemized from its invoice date to what is owed now."""
    owed = account.open_amounts()
    debts = []
    for invoice in account.open_invoices():
        if numbers is not None and invoice.number not in numbers:
            continue
        then, now_owed = invoice.balance, Money(owed[invoice.number], invoice.balance.currency)
        zero = Money(0, then.currency)
        paid = Money(max(0, then.minor - now_owed.minor), then.currency)
        day = invoice.invoice_date or invoice.due_date
        debts.append(DebtLine(invoice.number, day, then, zero, zero, paid, now_owed, invoice.due_date))
    return tuple(debts)


def build_letter(
    account: Account, sender: Letterhead, template: str, now: datetime, payment: tuple[str, str] = ("", "")
) -> Notice:
    """The dunning letter `template` of a cadence's letter step for every open invoice of `account`, mailed on the
    first mail day from `now`, with how to pay (`payment`: the account's link and the creditor's instructions).
    While a validation period of its debts is still open on the mail date, the letter says the rights of that
    notice stand until its end (1006.38(b): no collection letter may overshadow them)."""
    day = mail_date(now)
    noticed_on, rights_until = _open_period(account, day)
    return _addressed(
        account, sender, kind="dunning", mail_date=day, period_end=None, debts=_debt_lines(account),
        template=template, third_party=account.collector_role == "third_party" and account.account_type == "consumer",
        payment_link=payment[0], payment_instructions=payment[1], noticed_on=noticed_on, rights_until=rights_until,
    )  # fmt: skip


def _open_period(account: Account, day: date) -> tuple[date | None, date | None]:
    """The latest validation period of the account's open invoices still open on `day`: its notice's date (in the
    debtor's zone) and its end; (None, None) when none is."""
    notices = account.flags.get("validation_notices") or {}
    open_numbers = {i.number for i in account.open_invoices()}
    periods = [(date.fromisoformat(n["period_end"]), str(n["sent_at"])) for number, n in notices.items()
               if number in open_numbers and n.get("period_end")]  # fmt: skip
    open_periods = [(end, sent) for end, sent in periods if end >= day]
    if not open_periods:
        return None, None
    end, sent = max(open_periods)
    zone = ZoneInfo(account.timezone or FALLBACK_ZONE)
    return datetime.fromisoformat(sent.replace("Z", "+00:00")).astimezone(zone).date(), end


def notice_email(account: Account, sender: Letterhead) -> str | None:
    """Where the first notice may go in the body of an email (12 CFR 1006.42(c)(1)): the creditor asked for email
    delivery, the email is the first contact (no communication yet, so none the notice follows), and the account
    holds a personal address that was neither bounced nor opted out. Whether that address may be written to at all
    (its provenance, 1006.6(d)(3)-(4); state rules; the hour) is the compliance engine's check of the email itself;
    None: the notice goes by mail. Only a third-party collector's validation notice goes by email: a bounce takes
    it back (`notice_bounced`) and the letter follows. A first-party creditor's notice records nothing a bounce
    could take back, so it is mailed."""
    if account.collector_role != "third_party" or sender.notice_delivery != "email":
        return None
    if account.last_contact_at or account.flags.get("initial_communication_at"):
        return None
    for entry in account.emails:
        if not entry.get("invalid") and not entry.get("opted_out_at") and not entry.get("work_email"):
            return str(entry["address"])
    return None


@dataclass(frozen=True)
class Postal:
    """A mailing address as a print-and-mail vendor takes it."""

    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str = "US"
    _FIELDS = ("line1", "line2", "city", "state", "postal_code")

    @classmethod
    def of(cls, address: dict[str, Any]) -> Postal:
        line1, line2, city, state, postal_code = (str(address.get(f) or "") for f in cls._FIELDS)
        return cls(line1, line2, city, state, postal_code, str(address.get("country") or "US"))

    @property
    def lines(self) -> tuple[str, ...]:
        place = " ".join(p for p in (self.state, self.postal_code) if p)
        last = ", ".join(p for p in (self.city, place) if p)
        lines = [self.line1, self.line2, last, "" if self.country == "US" else self.country]
        return tuple(line for line in lines if line)


def communicated(account: Account, at: datetime) -> Account:
    """The account after a communication about its debt at `at` (a reminder sent, a letter mailed, a call with the
    debtor, a collector's email). For a debt collector's consumer debt the first one is its initial communication
    (1006.34(b)(2)), from which the validation notice is owed within 5 days (`notice_owed`, REGF-VALIDATION-TIMING)
    and after which a text may carry the short disclosure; kept as the earliest such instant. A creditor's own
    debt (no validation notice: its first letter is the first-party notice) is unchanged here."""
    if account.collector_role != "third_party" or account.account_type != "consumer":
        return account
    flags = _first_communication(account.flags, at)
    return account if flags is account.flags else replace(account, flags=flags)


def _first_communication(flags: dict[str, Any], at: datetime) -> dict[str, Any]:
    """`flags` with `initial_communication_at` the earlier of what it holds and `at` (the same dict if unchanged)."""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    earlier = flags.get("initial_communication_at")
    return flags if earlier and earlier <= stamp else {**flags, "initial_communication_at": stamp}


def mailed_flags(account: Account, notice: Notice) -> dict[str, Any]:
    """The account's flags once the letter is mailed: the initial communication (if it is the first) and, for a
    validation notice, each debt's notice with its validation period, as the compliance engine reads them. A
    creditor's own first-party notice is kept the same way (`kind: first_party`, the engine computes its period):
    under the default policy, which applies Regulation F to a creditor's own consumer debt, it is the information
    the engine's REGF-VALIDATION-TIMING waits for, so the cadence goes on after it (a dispute within its period
    holds collection, as for a collector)."""
    if notice.kind == "dunning":  # a later letter: a communication like any other, no notice
        return communicated(account, notice.sent_at).flags
    sent = notice.sent_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    flags = dict(_first_communication(account.flags, notice.sent_at))
    if notice.kind in ("validation", "first_party") and not _bounced(account, notice.emailed_to):
        notices = dict(flags.get("validation_notices") or {})
        extra = {"to": notice.emailed_to, "attempt": notice.attempt,
                 "period_end": str(notice.period_end) if notice.period_end else None,
                 "kind": "first_party" if notice.kind == "first_party" else None}  # fmt: skip
        for debt in notice.debts:
            entry = {"sent_at": sent, "channel": notice.channel}
            notices[debt.number] = entry | {key: value for key, value in extra.items() if value}
        flags["validation_notices"] = notices
    return flags


def _bounced(account: Account, address: str | None) -> bool:
    """The address an emailed notice went to bounced for good before the notice was recorded (the bounce can beat a
    run that died after the send): that notice was not provided, so it is not recorded and the letter is owed."""
    return address is not None and any(
        e["address"].lower() == address.lower() and e.get("invalid") for e in account.emails
    )


def notice_bounced(
    account: Account, address: str, at: datetime, attempt: str | None = None
) -> tuple[Account, list[Activity]]:
    """The email `attempt` to `address` bounced for good. A notice that email carried was not provided (1006.42(a):
    a notice of undeliverability means no actual notice), so its invoices are owed one again and the next run mails
    it (`notice_owed`: the account is due at once). The initial communication stays recorded (the stricter reading:
    other contacts wait for the notice). A later email to the same address (a reminder) that bounces takes back
    nothing: the notice it did not carry was delivered. Unchanged (no activity) when no notice went in that email."""
    notices = account.flags.get("validation_notices") or {}

    def carried(entry: dict[str, Any]) -> bool:
        sent_there = str(entry.get("to") or "").lower() == address.lower()
        return sent_there and entry.get("attempt") in (None, attempt)  # notices kept before attempts were: by address

    kept = {n: v for n, v in notices.items() if not carried(v)}
    if len(kept) == len(notices):
        return account, []
    flags = {**account.flags, "validation_notices": kept}
    gone = sorted(set(notices) - set(kept))
    summary = f"the validation notice emailed for {', '.join(gone)} bounced: it goes by mail on the next run"
    return replace(account, flags=flags), [Activity(at=at, kind="status", actor="ses", summary=summary)]
