"""Reminder texts: subject, open invoices only, mini-Miranda for third parties, an opt-out in every message."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from shared.domain.accounts import Account, Commitment, Invoice
from shared.domain.contact_check import ProposedContact, build_check
from shared.domain.dunning import DEFAULT_CADENCE
from shared.domain.messages import render_reminder
from shared.domain.money import Money

TODAY = date(2026, 6, 10)
FULL_MINI_MIRANDA = "attempt to collect a debt and any information obtained will be used for that purpose"
EMAIL_STEPS = sorted({s.template for s in DEFAULT_CADENCE if s.channel == "email"})
SMS_STEPS = sorted({s.template for s in DEFAULT_CADENCE if s.channel == "sms"})


def account(role: str = "first_party", **overrides: Any) -> Account:
    fields: dict[str, Any] = {
        "creditor": "Acme Supply",
        "account_id": "C-1",
        "debtor": "Pat Doe",
        "collector_role": role,
        "invoices": (
            Invoice("INV-OPEN-1", Money(10000, "USD"), date(2026, 5, 1)),
            Invoice("INV-PAID-2", Money(0, "USD"), date(2026, 4, 1)),
            Invoice("INV-OPEN-3", Money(2550, "USD"), date(2026, 5, 20)),
        ),
        "commitment": Commitment(
            "promise", "p-1", Money(5000, "USD"), date(2026, 6, 12), datetime(2026, 6, 1, tzinfo=UTC)
        ),
    }
    fields.update(overrides)
    return Account(**fields)


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("template", "subject"),
    [
        ("friendly", "A reminder about your balance with Acme Supply"),
        ("firm", "Your account C-1 with Acme Supply is 40 days past due"),
        ("final", "Final reminder: account C-1 with Acme Supply"),
    ],
)
def test_render_reminder_email_subject_parsed_from_first_line(template: str, subject: str) -> None:
    # Given an account whose oldest open invoice is 40 days past due
    # When an email reminder is rendered
    message = render_reminder(template, "email", account(), TODAY)

    # Then the subject comes from the `Subject:` line, which is not repeated in the body
    assert message.channel == "email"
    assert message.subject == subject
    assert "Subject:" not in message.body
    assert message.body.startswith("Hello Pat Doe,")


@pytest.mark.parametrize("template", EMAIL_STEPS)
def test_render_reminder_email_lists_only_open_invoices(template: str) -> None:
    # Given two open invoices and a paid one
    # When an email reminder is rendered
    body = render_reminder(template, "email", account(), TODAY).body

    # Then each open invoice is listed with its due date and amount, and the paid one is not
    assert "invoice INV-OPEN-1, due 2026-05-01: USD 100.00" in body
    assert "invoice INV-OPEN-3, due 2026-05-20: USD 25.50" in body
    assert "INV-PAID-2" not in body
    assert "USD 125.50" in body  # the balance


ALL_STEPS = [(t, "email") for t in EMAIL_STEPS] + [(t, "sms") for t in SMS_STEPS]
# Every message Arrears may send: each step on its own channel, and each SMS step as its email fallback.
# the reminders before a promise's date and a plan's next installment, by text or (the fallback) email
COMMITMENT_MESSAGES = [(t, c) for t in ("promise", "installment", "late-installment") for c in ("sms", "email")]
ALL_MESSAGES = ALL_STEPS + [(t, "email") for t in SMS_STEPS] + COMMITMENT_MESSAGES


@pytest.mark.parametrize(("template", "channel"), ALL_MESSAGES)
def test_render_reminder_third_party_says_from_debt_collector(template: str, channel: str) -> None:
    # Given a consumer account collected by a third party
    # When any reminder is rendered
    text = one_line(render_reminder(template, channel, account("third_party"), TODAY).body)

    # Then it says it is from a debt collector
    assert "from a debt collector" in text


@pytest.mark.parametrize(("template", "channel"), ALL_MESSAGES)
def test_render_reminder_first_party_never_claims_debt_collector(template: str, channel: str) -> None:
    # Given the creditor collecting its own debt
    # When any reminder is rendered
    text = one_line(render_reminder(template, channel, account("first_party"), TODAY).body)

    # Then it does not claim to come from a debt collector
    assert "debt collector" not in text


# What each language's templates print: the full disclosure, the short ones, and words no other message may hold.
DISCLOSURES = {
    "en": (FULL_MINI_MIRANDA, ("from a debt collector", "is collecting a debt"), ("debt collector", "collecting a debt")),
    "es": ("intento de cobrar una deuda y cualquier información obtenida se utilizará con ese fin",
           ("es de un cobrador de deudas", "está cobrando una deuda"), ("cobrador de deudas", "cobrando una deuda")),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(DISCLOSURES))
@pytest.mark.parametrize("account_type", ["consumer", "commercial"])
@pytest.mark.parametrize("role", ["first_party", "third_party"])
@pytest.mark.parametrize(("template", "channel"), ALL_MESSAGES)
def test_render_reminder_text_matches_mini_miranda_declared_to_engine(
    template: str, channel: str, role: str, account_type: str, language: str
) -> None:
    # Given any account, in either language, and the content flags the reminder run gives the compliance engine
    acct = account(role, account_type=account_type, preferences={"language": language})
    proposed = ProposedContact(at=datetime(2026, 6, 10, 15, 0, tzinfo=UTC), channel=channel, to="x", automated=True)
    declared = build_check(acct, [], proposed)["proposed"]["content_flags"]["mini_miranda"]

    # When the reminder is rendered
    text = one_line(render_reminder(template, channel, acct, TODAY).body)

    # Then the text holds exactly what was declared, in its language, so the engine judges the message actually sent
    full, short, collector_words = DISCLOSURES[language]
    if declared == "full":
        assert full in text
    elif declared == "short":
        assert full not in text
        assert any(words in text for words in short)
    else:
        assert declared == "none"
        assert full not in text
        assert not any(words in text for words in collector_words)


def test_render_reminder_consumer_email_full_sms_short_commercial_none() -> None:
    # Given a third-party consumer account and a commercial one
    consumer, business = account("third_party"), account("third_party", account_type="commercial")

    # When the friendly email and the nudge SMS are rendered
    email_text = one_line(render_reminder("friendly", "email", consumer, TODAY).body)
    sms_text = render_reminder("nudge", "sms", consumer, TODAY).body
    business_email = one_line(render_reminder("friendly", "email", business, TODAY).body)

    # Then the consumer email has the full sentence, the SMS the short one, and business debt neither
    assert FULL_MINI_MIRANDA in email_text
    assert "This is from a debt collector." in sms_text
    assert FULL_MINI_MIRANDA not in sms_text
    assert "debt collector" not in business_email
    assert FULL_MINI_MIRANDA not in business_email


@pytest.mark.parametrize("role", ["first_party", "third_party"])
@pytest.mark.parametrize(("template", "channel"), ALL_MESSAGES)
def test_render_reminder_every_message_has_free_opt_out(template: str, channel: str, role: str) -> None:
    # Given any account
    # When any reminder it may receive is rendered
    text = render_reminder(template, channel, account(role), TODAY).body

    # Then it tells the debtor how to stop messages with a STOP reply
    assert "STOP" in text
    if channel == "email":
        assert "costs nothing and needs no login" in text


@pytest.mark.parametrize("template", SMS_STEPS)
def test_render_reminder_sms_step_as_email_fallback_has_subject_and_opt_out(template: str) -> None:
    # Given an SMS step of the cadence (reminders fall back to email when the text cannot go out)
    # When it is rendered as an email
    message = render_reminder(template, "email", account("third_party"), TODAY)

    # Then it is a real email: a subject, the mini-Miranda and an opt-out
    assert message.subject
    assert FULL_MINI_MIRANDA in one_line(message.body)
    assert "STOP" in message.body


@pytest.mark.parametrize("role", ["first_party", "third_party"])
@pytest.mark.parametrize("template", SMS_STEPS)
def test_render_reminder_sms_one_line_without_subject(template: str, role: str) -> None:
    # Given an account owing in two currencies (the longest balance text)
    multi = account(role, invoices=(*account().invoices, Invoice("INV-EUR", Money(990, "EUR"), date(2026, 5, 2))))

    # When an SMS reminder is rendered
    message = render_reminder(template, "sms", multi, TODAY)

    # Then it is one line without a subject, naming the creditor and the balance
    assert message.channel == "sms"
    assert message.subject == ""
    assert "\n" not in message.body
    assert message.body == message.body.strip()
    assert message.body.startswith("Acme Supply:")
    assert "EUR 9.90, USD 125.50" in message.body


def test_render_reminder_nothing_open_zero_days_and_no_invoice_lines() -> None:
    # Given an account whose invoices are all paid
    paid = account(invoices=(Invoice("INV-PAID-2", Money(0, "USD"), date(2026, 4, 1)),))

    # When a firm reminder is rendered
    message = render_reminder("firm", "email", paid, TODAY)

    # Then no invoice is listed and the days past due do not count from a paid invoice
    assert "invoice INV" not in message.body
    assert message.subject.endswith("is 0 days past due")


@pytest.mark.parametrize("template", [*EMAIL_STEPS, *SMS_STEPS])
def test_render_reminder_email_ends_with_its_unsubscribe_link(template: str) -> None:
    # Given the email's unsubscribe link (the one its List-Unsubscribe header carries)
    link = "https://abc.lambda-url.us-east-1.on.aws/u?t=eyJhIjoxfQ.c2ln"

    # When any email reminder is rendered with it
    body = render_reminder(template, "email", account(), TODAY, unsubscribe_url=link).body

    # Then the body offers it as written (a plain-text body: nothing escaped), after the STOP line
    assert body.rstrip().endswith(f"Or unsubscribe in one click: {link}")
    assert body.index("STOP") < body.index(link)


def test_render_reminder_sms_and_unlinked_email_have_no_unsubscribe_line() -> None:
    # Given no link (a text message has STOP only), When rendered, Then no unsubscribe line is printed
    assert "unsubscribe" not in render_reminder("nudge", "sms", account(), TODAY).body.lower()
    assert "unsubscribe in one click" not in render_reminder("firm", "email", account(), TODAY).body


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_the_reminder_before_a_promised_date_names_the_amount_and_date(channel: str) -> None:
    message = render_reminder("promise", channel, account(), TODAY)
    assert "USD 50.00" in message.body and "2026-06-12" in message.body
    installment = render_reminder("installment", channel, account(), TODAY)
    assert "USD 50.00" in installment.body and "2026-06-12" in installment.body and "installment" in installment.body


@pytest.mark.parametrize(("template", "channel"), ALL_MESSAGES)
def test_every_reminder_says_how_to_pay_when_the_creditor_set_it(template: str, channel: str) -> None:
    from shared.domain.settings import Payment

    payment = Payment("https://pay.example.com/acme/{account_id}", "Or mail a check to Acme, PO Box 1, Austin TX.")
    message = render_reminder(template, channel, account(account_id="C 1/2"), TODAY, payment=payment)
    assert "https://pay.example.com/acme/C%201%2F2" in message.body  # the account's own link, its id escaped
    if channel == "email":
        assert "Or mail a check to Acme, PO Box 1, Austin TX." in message.body
    without = render_reminder(template, channel, account(), TODAY)
    assert "pay.example.com" not in without.body and "Pay online" not in without.body
