"""Reminder texts rendered from Jinja2 templates; pure (no sending)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from shared.domain.accounts import Account
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


@cache
def _env() -> jinja2.Environment:
    import jinja2  # on first render: the Slack function imports this module for `disclosure` alone

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,  # noqa: S701 - plain-text email and SMS, never HTML
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def has_template(template: str, channel: str) -> bool:
    """Whether a reminder template exists for the channel (what a creditor's cadence may name); a call step's
    names the task a collector sees (nothing is rendered: the collector calls)."""
    if channel == "call":
        return template.replace("-", "_").isidentifier()
    shared_part = template.startswith("_")  # a piece the templates include, not a reminder
    return template.isidentifier() and not shared_part and (TEMPLATES / _template_file(template, channel)).is_file()


def _template_file(template: str, channel: str) -> str:
    return f"{template}.{'sms' if channel == 'sms' else 'email'}.j2"


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
) -> Message:
    """Render a reminder; the first line of an email template is its `Subject:` header. An email's body ends with
    how to pay (the creditor's link and words, when set), its disclosure, and `unsubscribe_url` (the same link as
    its List-Unsubscribe header) when there is one; a text carries the payment link."""
    name = _template_file(template, channel)
    invoices = account.open_invoices()
    owed = account.open_amounts()  # after payments the creditor's books do not show yet
    oldest = min((i.due_date for i in invoices), default=today)
    text = (
        _env()
        .get_template(name)
        .render(
            creditor=account.creditor,
            debtor=account.debtor,
            account_id=account.account_id,
            balance=account.balance_text(),
            days_past_due=(today - oldest).days,
            third_party=account.collector_role == "third_party",
            disclosure=disclosure(account, channel),
            unsubscribe_url=unsubscribe_url or "",
            commitment=_commitment(account),
            payment_link=payment.link_for(account.account_id) if payment else "",
            payment_instructions=(payment.instructions or "") if payment else "",
            invoices=[
                {
                    "number": i.number,
                    "due_date": i.due_date.isoformat(),
                    "amount": Money(owed[i.number], i.balance.currency).format(),
                }
                for i in invoices
            ],
        )
    )
    if channel == "sms":
        return Message(channel, "", text.strip())
    first, _, rest = text.partition("\n")
    return Message(channel, first.removeprefix("Subject:").strip(), rest.lstrip("\n"))
