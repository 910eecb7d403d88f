"""Reminders in the debtor's language and in the creditor's own words: every shipped reminder has a Spanish version
with the same disclosures; a creditor's templates (its policy's `collections.templates`) replace the shipped ones
for its accounts, are checked when the policy is uploaded, and always end with the shipped disclosures."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from shared.domain.errors import InvalidInputError
from shared.domain.messages import TEMPLATES, render_reminder
from shared.domain.settings import Payment, parse_settings
from tests.unit.domain.test_messages import DISCLOSURES, FULL_MINI_MIRANDA, TODAY, account, one_line

SPANISH_MINI_MIRANDA = DISCLOSURES["es"][0]
SHIPPED = sorted(
    (p.name.split(".")[0], p.name.split(".")[-2]) for p in TEMPLATES.glob("*.j2") if not p.name.startswith("_")
    and p.name.count(".") == 2
)  # fmt: skip
OWN_FRIENDLY = {
    "en": "Subject: {{ debtor }}, a word from {{ creditor }}\n\nWe miss you: {{ balance }} is open.\n"
    '{% include "_footer.email.j2" %}',
    "es": "Subject: {{ debtor }}, un mensaje de {{ creditor }}\n\nTiene {{ balance }} pendiente.\n"
    '{% include "_footer.es.email.j2" %}',
}


def spanish(role: str = "third_party", **overrides: Any) -> Any:
    return account(role, preferences={"language": "es"}, **overrides)


def test_every_shipped_reminder_has_a_spanish_version() -> None:
    assert len(SHIPPED) == 12
    missing = [f"{name}.es.{channel}.j2" for name, channel in SHIPPED
               if not (TEMPLATES / f"{name}.es.{channel}.j2").is_file()]  # fmt: skip
    assert missing == []


@pytest.mark.parametrize("role", ["first_party", "third_party"])
@pytest.mark.parametrize(("template", "channel"), SHIPPED)
def test_a_spanish_reminder_is_all_spanish_and_says_how_to_stop(template: str, channel: str, role: str) -> None:
    # Given a debtor who reads Spanish (the disclosures per language: test_messages.py)
    acct = spanish(role)

    # When the reminder is rendered (an email with its unsubscribe link)
    message = render_reminder(template, channel, acct, TODAY, "https://u.example/u?t=1")
    text = one_line(message.body)

    # Then no English sentence of the shipped ones is in it, and it says how to stop for free
    assert FULL_MINI_MIRANDA not in text and "debt collector" not in text and "Reply STOP" not in text
    assert ("proviene de un cobrador de deudas" in text or "es de un cobrador de deudas" in text) is (
        role == "third_party"
    )
    assert "STOP" in text
    if channel == "email":
        assert message.subject and "Subject" not in message.body
        assert message.body.rstrip().endswith("https://u.example/u?t=1")


def test_a_language_without_templates_gets_english() -> None:
    message = render_reminder("friendly", "email", account("third_party", preferences={"language": "fr"}), TODAY)
    assert message.subject == "A reminder about your balance with Acme Supply"
    assert FULL_MINI_MIRANDA in one_line(message.body)


def test_a_creditors_own_templates_replace_the_shipped_ones_in_each_language() -> None:
    # Given a creditor whose policy words the friendly reminder itself, in English and Spanish
    settings = parse_settings({"collections": {"templates": {"friendly.email": OWN_FRIENDLY}}})

    # When an English and a Spanish debtor of that creditor get it
    english = render_reminder("friendly", "email", account("third_party"), TODAY, None, None, settings.templates)
    es = render_reminder("friendly", "email", spanish(), TODAY, None, None, settings.templates)

    # Then each reads the creditor's words in their language, with the shipped disclosures under them
    assert english.subject == "Pat Doe, a word from Acme Supply"
    assert "We miss you: USD 125.50 is open." in english.body and FULL_MINI_MIRANDA in one_line(english.body)
    assert es.subject == "Pat Doe, un mensaje de Acme Supply"
    assert SPANISH_MINI_MIRANDA in one_line(es.body)
    # and the templates it did not replace stay the shipped ones
    firm = render_reminder("firm", "email", account("third_party"), TODAY, None, None, settings.templates)
    assert firm.subject == "Your account C-1 with Acme Supply is 40 days past due"


def test_an_english_only_template_of_the_creditor_gives_way_to_a_shipped_spanish_one() -> None:
    own = {"friendly.email": {"en": OWN_FRIENDLY["en"]}}
    settings = parse_settings({"collections": {"templates": own}})
    es = render_reminder("friendly", "email", spanish(), TODAY, None, None, settings.templates)
    assert es.subject == "Un recordatorio sobre su saldo con Acme Supply"


def test_a_promise_reminder_of_the_creditor_may_print_the_promise() -> None:
    own = {"promise.sms": {"en": '{{ creditor }}: {{ commitment.amount }} due {{ commitment.due }}.'
                                 '{% include "_tail.sms.j2" %}'}}  # fmt: skip
    settings = parse_settings({"collections": {"templates": own}})
    text = render_reminder("promise", "sms", account("third_party"), TODAY, None, None, settings.templates).body
    assert text.startswith("Acme Supply: USD 50.00 due 2026-06-12. This is from a debt collector.")


def test_a_creditors_new_template_can_be_named_in_its_cadence_and_texts_end_with_the_shipped_tail() -> None:
    own = {"thanks.sms": {"en": '{{ creditor }}: thank you for your payment plan.{% include "_tail.sms.j2" %}'}}
    cadence = [{"offset_days": 5, "channel": "sms", "template": "thanks"}]
    settings = parse_settings({"collections": {"templates": own, "cadence": cadence}})
    assert [s.template for s in settings.cadence_for("consumer")] == ["thanks"]
    assert settings.cadence_for("consumer")[0].channels == ("sms",)  # no email form: no fall back to email
    payment = Payment("https://pay.example/{account_id}")
    text = render_reminder("thanks", "sms", account("third_party"), TODAY, None, payment, settings.templates).body
    assert text == ("Acme Supply: thank you for your payment plan. This is from a debt collector. "
                    "Pay: https://pay.example/C-1 Reply STOP to opt out.")  # fmt: skip


@pytest.mark.parametrize(
    ("templates", "error"),
    [
        ({"friendly.email": {"en": "Subject: Hi\n\nPay {{ balance }} now."}},
         'collections.templates.friendly.email: must include {% include "_footer.email.j2" %}'),
        ({"friendly.email": {"es": 'Subject: Hola\n\n{% include "_footer.email.j2" %}'}},
         'collections.templates.friendly.es.email: must include {% include "_footer.es.email.j2" %}'),
        ({"nudge.sms": {"en": "{{ creditor }}: pay now. Reply STOP to opt out."}},
         'collections.templates.nudge.sms: must include {% include "_tail.sms.j2" %}'),
        ({"friendly.email": {"en": "Subject: {{ debtor }\n"}}, "collections.templates.friendly.email: line 1:"),
        ({"friendly.email": {"en": 'Subject: {{ nickname }}\n{% include "_footer.email.j2" %}'}},
         "collections.templates.friendly.email: 'nickname' is undefined"),
        ({"friendly.email": {"en": 'Subject: Hi\n{% if third_party %}{% include "_footer.email.j2" %}{% endif %}'}},
         "collections.templates.friendly.email: must include {% include \"_footer.email.j2\" %}"),
        ({"friendly.email": {"en": 'Subject: {{ commitment.due }}\n{% include "_footer.email.j2" %}'}},
         "collections.templates.friendly.email: 'None' has no attribute 'due'"),
        ({"friendly.email": {"en": 'Subject: {{ debtor.__class__.__mro__ }}\n{% include "_footer.email.j2" %}'}},
         "collections.templates.friendly.email: access to attribute '__class__' of 'str' object is unsafe"),
        ({"friendly.letter": {"en": "x"}}, "'friendly.letter' must be <name>.email or <name>.sms"),
        ({"Friendly.email": {"en": "x"}}, "'Friendly.email' must be <name>.email or <name>.sms"),
        ({"friendly.email": {"fr": "x"}}, "collections.templates.friendly.email must map languages (en, es)"),
        ({"friendly.email": {"en": ""}}, "collections.templates.friendly.email.en: 1 to 6000 characters"),
        ([], "collections.templates must map <name>.<email|sms>"),
    ],
)  # fmt: skip
def test_a_template_that_would_not_render_or_drops_the_disclosures_is_refused_naming_it(
    templates: Any, error: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_settings({"collections": {"templates": templates}})
    assert error in str(raised.value)


def test_a_cadence_naming_a_template_nobody_has_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="thanks"):
        parse_settings({"collections": {"cadence": [{"offset_days": 5, "channel": "sms", "template": "thanks"}]}})


def test_a_commercial_debtor_gets_the_creditors_words_without_consumer_disclosures() -> None:
    settings = parse_settings({"collections": {"templates": {"friendly.email": OWN_FRIENDLY}}})
    business = replace(account("third_party"), account_type="commercial")
    body = one_line(render_reminder("friendly", "email", business, TODAY, None, None, settings.templates).body)
    assert "We miss you" in body and FULL_MINI_MIRANDA not in body and "debt collector" not in body
