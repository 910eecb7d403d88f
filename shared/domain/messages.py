"""Reminder texts rendered from Jinja2 templates; pure (no sending)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.domain.accounts import Account, Commitment
from shared.domain.errors import InvalidInputError
from shared.domain.ledger import Invoice
from shared.domain.letterhead import LANGUAGES
from shared.domain.money import Money

if TYPE_CHECKING:
    import jinja2

    from shared.domain.settings import Payment

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Message:
    channel: str
    subject: str
    body: str


def disclosure(account: Account, channel: str) -> str:
    """The debt-collection disclosure a reminder carries: `full` in emails, `short` in texts, none for business debt.

    The templates print exactly this, and the compliance check is told exactly this.
    """
    if account.account_type != "consumer":
        return "none"
    return "short" if channel == "sms" else "full"


Templates = Mapping[str, str]  # a creditor's own: Jinja source by file name (`friendly.es.email.j2`)
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")


@cache
def _env(own: tuple[tuple[str, str], ...] = ()) -> jinja2.Environment:
    """The shipped templates, under a creditor's own (same file name: the creditor's wins). Sandboxed: a creditor's
    template is data from a policy file, so it may read the merge fields and nothing else (no attribute walk to
    Python internals, `range` capped), and it cannot change what it is given."""
    import jinja2  # on first render: the Slack function imports this module for `disclosure` alone
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    shipped = jinja2.FileSystemLoader(TEMPLATES)
    return ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader([jinja2.DictLoader(dict(own)), shipped]) if own else shipped,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def language_of(account: Account) -> str:
    """The language an account's reminders are written in: its preference when a template language, else English."""
    language = account.preferences.get("language")
    return language if language in LANGUAGES else "en"


def template_file(template: str, channel: str, language: str = "en") -> str:
    """`friendly.email.j2` (English), `friendly.es.email.j2`: shipped and creditor templates are named alike."""
    middle = "" if language == "en" else f".{language}"
    return f"{template}{middle}.{'sms' if channel == 'sms' else 'email'}.j2"


def letter_template(template: str, language: str) -> str:
    """`letters/dunning/final.en.html.j2`: a dunning letter of a cadence's letter step, laid out as a PDF."""
    return f"letters/dunning/{template}.{language}.html.j2"


def has_template(template: str, channel: str, own: Templates | None = None) -> bool:
    """Whether a reminder template exists for the channel in English (what a creditor's cadence may name: shipped or
    the creditor's own; a letter, shipped); a call step's names the task a collector sees (nothing is rendered:
    the collector calls)."""
    if channel == "call":
        return template.replace("-", "_").isidentifier()
    if template.startswith("_") or not _NAME.fullmatch(template):  # a piece the templates include, not a reminder
        return False
    if channel == "letter":  # the shipped dunning letters (a creditor's own wording is for emails and texts)
        return (TEMPLATES / letter_template(template, "en")).is_file()
    name = template_file(template, channel)
    return name in (own or {}) or (TEMPLATES / name).is_file()


def _chosen(template: str, channel: str, language: str, own: Templates) -> str:
    """The file a reminder renders: in the account's language if the creditor or Arrears has it, else English."""
    wanted = template_file(template, channel, language)
    return wanted if wanted in own or (TEMPLATES / wanted).is_file() else template_file(template, channel)


def _commitment(account: Account) -> dict[str, str] | None:
    """The promise or the plan's next installment, for the reminders before their dates."""
    c = account.commitment
    if c is None:
        return None
    cure = c.cure_until.isoformat() if c.cure_until else ""
    return {"kind": c.kind, "amount": c.amount.format(), "due": c.due.isoformat(), "cure_until": cure}


def render_reminder(
    template: str,
    channel: str,
    account: Account,
    today: date,
    unsubscribe_url: str | None = None,
    payment: Payment | None = None,
    own: Templates | None = None,
) -> Message:
    """Render a reminder in the account's language (`own`: the creditor's templates, over the shipped ones); the
    first line of an email template is its `Subject:` header. An email's body ends with how to pay (the creditor's
    link and words, when set), its disclosure, and `unsubscribe_url` (the same link as its List-Unsubscribe header)
    when there is one; a text carries the payment link."""
    own = own or {}
    name = _chosen(template, channel, language_of(account), own)
    fields = _fields(channel, account, today, unsubscribe_url, payment)
    return _message(channel, _env(tuple(sorted(own.items()))).get_template(name).render(**fields))


def _fields(
    channel: str, account: Account, today: date, unsubscribe_url: str | None, payment: Payment | None
) -> dict[str, Any]:
    """The merge fields every template may print."""
    invoices = account.open_invoices()
    owed = account.open_amounts()  # after payments the creditor's books do not show yet
    oldest = min((i.due_date for i in invoices), default=today)
    return {
        "creditor": account.creditor,
        "debtor": account.debtor,
        "account_id": account.account_id,
        "balance": account.balance_text(),
        "days_past_due": (today - oldest).days,
        "third_party": account.collector_role == "third_party",
        "disclosure": disclosure(account, channel),
        "unsubscribe_url": unsubscribe_url or "",
        "commitment": _commitment(account),
        "payment_link": payment.link_for(account.account_id) if payment else "",
        "payment_instructions": (payment.instructions or "") if payment else "",
        "invoices": [
            {
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "amount": Money(owed[i.number], i.balance.currency).format(),
            }
            for i in invoices
        ],
    }


def _message(channel: str, text: str) -> Message:
    if channel == "sms":
        return Message(channel, "", text.strip())
    first, _, rest = text.partition("\n")
    return Message(channel, first.removeprefix("Subject:").strip(), rest.lstrip("\n"))


def _ending(channel: str, language: str) -> str:
    """What every reminder of the channel ends with (disclosures, how to pay, how to stop): the shipped piece."""
    return template_file("_footer" if channel == "email" else "_tail", channel, language)


MAX_SOURCE = 6000  # characters of one template


def parse_templates(raw: Any) -> dict[str, str]:
    """`collections.templates`: a creditor's own reminder templates, `{"<name>.<email|sms>": {"<language>":
    "<Jinja source>"}}`, named like the shipped ones (a shipped name replaces it for this creditor). Each is rendered
    once here for a sample third-party consumer debt, so a syntax error or an unknown merge field is refused on
    upload, naming it; and each must include the shipped ending of its channel and language (`_footer.email.j2`,
    `_footer.es.email.j2`, `_tail.sms.j2`, `_tail.es.sms.j2`), which prints the disclosures, how to pay and how to
    stop: a creditor words its reminders, never its disclosures."""
    import jinja2

    if not isinstance(raw, dict) or not raw:
        raise InvalidInputError("collections.templates must map <name>.<email|sms> to {<language>: <template>}")
    own: dict[str, str] = {}
    for key, languages in raw.items():
        template, _, channel = str(key).rpartition(".")
        if not _NAME.fullmatch(template) or channel not in ("email", "sms"):
            raise InvalidInputError(f"collections.templates: {key!r} must be <name>.email or <name>.sms "
                                    "(name: lower-case letters, digits, - and _)")  # fmt: skip
        if not isinstance(languages, dict) or not languages or set(languages) - set(LANGUAGES):
            raise InvalidInputError(f"collections.templates.{key} must map languages ({', '.join(LANGUAGES)}) to text")
        for language, source in languages.items():
            if not isinstance(source, str) or not 1 <= len(source) <= MAX_SOURCE:
                raise InvalidInputError(f"collections.templates.{key}.{language}: 1 to {MAX_SOURCE} characters of text")
            own[template_file(template, channel, language)] = source
    env = _env(tuple(sorted(own.items())))
    for name in own:
        where = f"collections.templates.{name.removesuffix('.j2')}"
        template, channel, language = _parts(name)
        try:
            _check(env, name, channel, language)
        except jinja2.TemplateSyntaxError as exc:
            raise InvalidInputError(f"{where}: line {exc.lineno}: {exc.message}") from exc
        except jinja2.TemplateError as exc:  # an unknown merge field, a missing include
            raise InvalidInputError(f"{where}: {exc.message or type(exc).__name__}") from exc
    return own


def _parts(name: str) -> tuple[str, str, str]:
    """`friendly.es.email.j2` -> ("friendly", "email", "es"); `friendly.email.j2` -> ("friendly", "email", "en")."""
    pieces = name.removesuffix(".j2").split(".")
    return pieces[0], pieces[-1], pieces[1] if len(pieces) == 3 else "en"


def _check(env: jinja2.Environment, name: str, channel: str, language: str) -> None:
    """Render a creditor's template for each sample debt it may be sent for (first- and third-party; with a
    commitment for the reminders before a date, without for a cadence step); InvalidInputError when its ending
    (the disclosures, how to pay, how to stop) is not in every one of them."""
    from shared.domain.settings import Payment  # settings imports this module

    sample_payment = Payment("https://pay.example.invalid/{account_id}", "Call 555-0100 to pay by phone.")
    dated = _parts(name)[0] in COMMITMENT_TEMPLATES
    for role in ("first_party", "third_party"):
        sample = replace(_SAMPLE, collector_role=role, commitment=_SAMPLE.commitment if dated else None)
        fields = _fields(channel, sample, _SAMPLE_DAY, "https://example.invalid/u?t=sample", sample_payment)
        text = env.get_template(name).render(**fields)
        ending = env.get_template(_ending(channel, language)).render(**fields).strip()
        if ending not in text:
            include = f'{{% include "{_ending(channel, language)}" %}}'
            raise InvalidInputError(f"collections.templates.{name.removesuffix('.j2')}: must include {include} (the "
                                    "disclosures, how to pay and how to stop) for every debt it is sent for "
                                    f"({role.replace('_', '-')} too)")  # fmt: skip


COMMITMENT_TEMPLATES = frozenset({"promise", "installment", "late-installment"})  # sent while a commitment stands
_SAMPLE_DAY = date(2026, 3, 2)
_SAMPLE = Account(
    creditor="Sample Creditor", account_id="S-1", debtor="Sample Debtor", collector_role="third_party",
    invoices=(Invoice("INV-1", Money(12_500, "USD"), date(2026, 1, 15)),),
    commitment=Commitment("plan", "P-1", Money(5_000, "USD"), date(2026, 3, 9), datetime(2026, 2, 1, tzinfo=UTC),
                          cure_until=date(2026, 3, 16)),
)  # fmt: skip
