"""Validation notices and first letters: who is owed one, the mail date and validation period across a DST change
and federal holidays, what mailing one records, and the PDF as a reader (or a vendor's scanner) reads it back."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from pypdf import PdfReader

from shared.domain.accounts import Account
from shared.domain.compliance import evaluate
from shared.domain.contact_check import ProposedContact, build_check
from shared.domain.errors import InvalidInputError
from shared.domain.ledger import Invoice, LedgerEntry
from shared.domain.letterhead import Letterhead, parse_letterhead
from shared.domain.letters import (
    build_letter,
    build_notice,
    mail_date,
    mailed_flags,
    notice_bounced,
    notice_email,
    notice_owed,
    unnoticed,
)
from shared.domain.money import Money
from shared.domain.settings import Settings
from shared.domain.state import recompute
from shared.letters import letter_html, manifest_csv, notice_email_of, render_letter
from tests.factories import account

SENDER = Letterhead(
    "Northwind Recovery LLC", ("PO Box 4410", "Austin, TX 78765"), "(512) 555-0142", email="disputes@example.com"
)


def consumer(role: str = "third_party", **extra: Any) -> Account:
    invoices = (
        Invoice("INV-1", Money(125_000, "USD"), date(2026, 10, 1), date(2026, 9, 1)),
        Invoice("INV-2", Money(40_000, "USD"), date(2026, 10, 15), date(2026, 9, 15)),
    )
    return replace(account("C-2001", collector_role=role, **extra), invoices=invoices, debtor="María José Pérez")


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_mail_date_is_the_next_business_day_in_the_debtors_zone_across_the_dst_change():
    # Given a run late on Saturday 7 March 2026 in Chicago (already Sunday 8 March, DST day, in UTC)
    run = datetime(2026, 3, 8, 5, 30, tzinfo=UTC)
    # When the letter's mail date and sent instant are taken
    day = mail_date(run)
    notice = build_notice(consumer(), SENDER, ["INV-1"], run, observed=False)
    # Then it is Monday the 9th, counted sent at noon there: 17:00 UTC under daylight time (not 18:00)
    assert day == date(2026, 3, 9) == notice.mail_date
    assert notice.sent_at == datetime(2026, 3, 9, 17, 0, tzinfo=UTC)


def test_validation_period_skips_weekends_and_veterans_day_then_adds_thirty_days():
    # Given a notice mailed Friday 6 November 2026 (DST ended on the 1st; Veterans Day is Wednesday the 11th)
    notice = build_notice(consumer(), SENDER, ["INV-1", "INV-2"], datetime(2026, 11, 6, 15, 0, tzinfo=UTC), False)
    # Then receipt is assumed 5 counted days later (9, 10, 12, 13, 16 Nov) and the period ends 30 days after
    assert notice.mail_date == date(2026, 11, 6)
    assert notice.period_end == date(2026, 12, 16)


def test_a_notice_is_owed_for_each_unnoticed_open_invoice_of_a_third_party_consumer_debt_only():
    noticed = consumer(flags={"validation_notices": {"INV-1": {"sent_at": "2026-10-01T17:00:00Z"}}})
    assert unnoticed(noticed) == ["INV-2"]
    assert unnoticed(consumer()) == ["INV-1", "INV-2"]
    assert unnoticed(consumer("first_party")) == ["INV-1", "INV-2"]
    assert unnoticed(consumer("first_party", flags={"initial_communication_at": "2026-10-01T17:00:00Z"})) == []
    assert unnoticed(consumer(account_type="commercial")) == []
    assert unnoticed(replace(consumer(), address=None)) == []  # no address to mail: collectors locate first


def test_mailing_records_the_initial_communication_and_each_debts_notice_so_texts_may_follow():
    # Given a third-party consumer debt never contacted: a text is blocked as an initial communication
    subject = consumer()
    text = ProposedContact(at=datetime(2026, 11, 20, 16, 0, tzinfo=UTC), channel="sms", to="+12145550101",
                           automated=True)  # fmt: skip
    before = evaluate(build_check(subject, [], text))
    # When its validation notice is mailed
    notice = build_notice(subject, SENDER, unnoticed(subject), datetime(2026, 11, 6, 15, 0, tzinfo=UTC), False)
    mailed = replace(subject, flags=mailed_flags(subject, notice))
    # Then the account holds the initial communication and both notices, and the mini-Miranda rule no longer blocks
    assert mailed.flags["initial_communication_at"] == "2026-11-06T18:00:00Z"
    assert mailed.flags["validation_notices"]["INV-2"] == {
        "sent_at": "2026-11-06T18:00:00Z", "channel": "letter", "period_end": "2026-12-16"}  # fmt: skip
    after = evaluate(build_check(mailed, [], text))
    assert "REGF-MINI-MIRANDA" in before.rules and "REGF-MINI-MIRANDA" not in after.rules
    assert unnoticed(mailed) == []


def test_the_validation_notice_pdf_reads_back_with_every_field_the_rule_requires():
    # Given a notice of two debts, the older partly paid through Arrears ($250, not yet in the creditor's books)
    paid = LedgerEntry("P-1", "payment", Money(25_000, "USD"), datetime(2026, 11, 2, 15, 0, tzinfo=UTC), "U-ANA")
    subject = replace(consumer(), entries=(paid,))
    notice = build_notice(subject, SENDER, unnoticed(subject), datetime(2026, 11, 6, 15, 0, tzinfo=UTC), False)
    # When it is laid out and read back as text
    text = text_of(render_letter(notice).pdf)
    # Then it carries each 1006.34(c) item: who, to whom, the debts itemized, the period and the response form
    for required in [
        "Northwind Recovery LLC is a debt collector", "PO Box 4410", "María José Pérez", "1 Main St",
        "account number C-2001", "as of September 1, 2026, you owed: $1,250.00",
        "you were charged this amount in interest", "You paid or were credited this amount toward the debt: - $250.00",
        "Total amount of invoice INV-1 now: $1,000.00", "Total amount of invoice INV-2 now: $400.00",
        "Total amount of the debt now (USD): $1,400.00", "Call or write to us by December 16, 2026", "If you write to us by December 16, 2026",
        "name and address of the original creditor", "www.cfpb.gov/debt-collection",
        "disputes@example.com", "This is not my debt.", "The amount is wrong.", "I enclosed this amount",
        "Póngase en contacto con nosotros para solicitar una copia de este formulario en español",
    ]:  # fmt: skip
        assert required in text, required


def test_the_spanish_notice_reads_back_in_spanish_with_dates_and_amounts_of_its_language():
    subject = replace(consumer(), preferences={"language": "es"})
    notice = build_notice(subject, SENDER, ["INV-1"], datetime(2026, 11, 6, 15, 0, tzinfo=UTC), False)
    text = text_of(render_letter(notice).pdf)
    for required in [
        "es un cobrador de deudas", "al 1 de septiembre de 2026, usted debía:", "$1,250.00",
        "a más tardar el 16 de diciembre de 2026", "acreedor original", "Esta deuda no es mía.",
    ]:  # fmt: skip
        assert required in text, required


def test_a_first_party_letter_has_no_debt_collector_statement_or_validation_period():
    subject = consumer("first_party")
    notice = build_notice(subject, SENDER, unnoticed(subject), datetime(2026, 11, 6, 15, 0, tzinfo=UTC), False)
    text = text_of(render_letter(notice).pdf)
    assert notice.kind == "first_party" and notice.period_end is None
    assert "past due" in text and "$1,650.00" in text and "debt collector" not in text
    # Kept as what the engine's notice rule waits for (Reg F applied to the creditor's own debt by policy), with
    # no period of its own
    kept = mailed_flags(subject, notice)["validation_notices"]
    assert kept["INV-1"] == {"sent_at": "2026-11-06T18:00:00Z", "channel": "letter", "kind": "first_party"}


def test_a_returned_payment_is_added_back_so_the_itemization_adds_up():
    # Given a payment the books had counted, returned since (a pending reversal re-opens $100)
    back = LedgerEntry("R-1", "reversal", Money(10_000, "USD"), datetime(2026, 11, 2, 15, 0, tzinfo=UTC), "U-ANA")
    subject = replace(consumer(), entries=(back,))
    notice = build_notice(subject, SENDER, ["INV-1"], datetime(2026, 11, 6, 15, 0, tzinfo=UTC), False)
    (debt,) = notice.debts
    assert (debt.then.minor, debt.paid.minor, debt.returned.minor, debt.now.minor) == (125_000, 0, 10_000, 135_000)
    assert "Payments returned since, added back: + $100.00" in text_of(render_letter(notice).pdf)


def test_a_name_with_markup_is_printed_as_text():
    subject = replace(consumer(), debtor="<b>Bobby</b> & Co")
    notice = build_notice(subject, SENDER, ["INV-1"], datetime(2026, 11, 6, 15, 0, tzinfo=UTC), False)
    assert "<b>Bobby</b> & Co" in text_of(render_letter(notice).pdf)


def test_the_manifest_has_one_row_a_letter_in_a_vendors_columns():
    notice = build_notice(consumer(), SENDER, ["INV-1"], datetime(2026, 11, 6, 15, 0, tzinfo=UTC), False)
    letter = render_letter(notice)
    rows = manifest_csv([(letter, "letters/2026-11-06/a.pdf")]).splitlines()
    assert rows[0].startswith("recipient,address_line1,address_line2,city,state,postal_code,country,file,mail_class")
    assert rows[1].startswith("María José Pérez,1 Main St,,Dallas,TX,75201,US,letters/2026-11-06/a.pdf,first_class,1,")


PAY = ("https://pay.example.com/C-2001", "Or mail a check to PO Box 4410.")


def test_a_dunning_letter_reads_back_with_what_is_owed_how_late_and_how_to_pay():
    # Given a later letter step of a third-party consumer debt, made on Monday 16 November 2026
    notice = build_letter(consumer(), SENDER, "final", datetime(2026, 11, 16, 15, 0, tzinfo=UTC), PAY)
    text = text_of(render_letter(notice).pdf)
    # Then the debt collector's disclosure, each invoice with its due date, days late and what is owed now, the
    # total, and how to pay are printed; it opens no validation period and promises no action it will not take
    assert notice.kind == "dunning" and notice.period_end is None and notice.mail_date == date(2026, 11, 16)
    for required in [
        "Final reminder: your account is still unpaid", "Northwind Recovery LLC is a debt collector",
        "attempt to collect a debt owed to", "María José Pérez", "1 Main St", "Account: C-2001",
        "INV-1 October 1, 2026 46 $1,250.00", "INV-2 October 15, 2026 32 $400.00", "Total owed now (USD) $1,650.00",
        "Pay online at https://pay.example.com/C-2001.", "Or mail a check to PO Box 4410.", "(512) 555-0142",
    ]:  # fmt: skip
        assert required in text, required
    assert not re.search(r"lawsuit|legal action|sue\b", text, re.IGNORECASE)


def test_a_dunning_letter_within_the_validation_period_says_its_rights_stand_until_the_end():
    # Given the validation notice mailed on 6 November, its period open until 16 December
    notice = {"sent_at": "2026-11-06T18:00:00Z", "channel": "letter", "period_end": "2026-12-16"}
    noticed = consumer(flags={"initial_communication_at": notice["sent_at"], "validation_notices": {"INV-1": notice}})
    # When a letter step comes on 16 November, and another after the period ends
    inside = text_of(render_letter(build_letter(noticed, SENDER, "firm", datetime(2026, 11, 16, 15, tzinfo=UTC))).pdf)
    after = text_of(render_letter(build_letter(noticed, SENDER, "firm", datetime(2026, 12, 17, 15, tzinfo=UTC))).pdf)
    # Then the first says the notice's rights are unchanged and until when (no overshadowing); the later one has
    # no such paragraph
    assert ("This letter does not change the rights described in our notice of November 6, 2026: you may still "
            "dispute all or part of the debt, or ask for the name and address of the original creditor, until "
            "December 16, 2026.") in inside  # fmt: skip
    assert "Your rights are not affected" not in after


def test_a_dunning_letter_in_spanish_and_a_first_partys_without_the_debt_collector_statement():
    at = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    spanish = build_letter(replace(consumer(), preferences={"language": "es"}), SENDER, "firm", at)
    text = text_of(render_letter(spanish).pdf)
    for required in ["Su cuenta está vencida", "es un cobrador de deudas", "16 de noviembre de 2026", "$1,650.00"]:
        assert required in text, required
    own = text_of(render_letter(build_letter(consumer("first_party"), SENDER, "firm", at)).pdf)
    assert "Your account is past due" in own and "debt collector" not in own
    # (nor a business debt's, which the debt-collection rules do not cover)
    business = text_of(render_letter(build_letter(consumer(account_type="commercial"), SENDER, "firm", at)).pdf)
    assert "Your account is past due" in business and "debt collector" not in business


def test_a_dunning_letters_manifest_row_says_what_it_is():
    letter = render_letter(build_letter(consumer(), SENDER, "final", datetime(2026, 11, 16, 15, 0, tzinfo=UTC)))
    (row,) = manifest_csv([(letter, "letters/2026-11-16/a.pdf")], header=False).splitlines()
    assert row.endswith(",C-2001,dunning,en,2026-11-16,INV-1 INV-2")


def test_the_same_notice_makes_the_same_pdf_bytes():
    notice = build_notice(consumer(), SENDER, ["INV-1"], datetime(2026, 11, 6, 15, 0, tzinfo=UTC), False)
    assert render_letter(notice).pdf == render_letter(notice).pdf


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"address": ["PO Box 1"], "phone": "1"}, "collections.letters.name"),
        ({"name": "N", "address": [], "phone": "1"}, "collections.letters.address"),
        (
            {"name": "N", "address": ["PO Box 1"], "phone": "1", "mail_class": "pigeon"},
            "collections.letters.mail_class",
        ),
        (
            {"name": "N", "address": ["PO Box 1"], "phone": "1", "notice_delivery": "fax"},
            "collections.letters.notice_delivery",
        ),
        ({"name": "N", "address": ["PO Box 1"], "phone": "1", "fax": "2"}, "fax"),
    ],
)
def test_letterhead_errors_name_the_field(raw: dict[str, Any], field: str):
    with pytest.raises(InvalidInputError, match=field):
        parse_letterhead(raw)


def test_a_letter_made_after_the_vendors_cut_off_goes_out_the_next_mail_day():
    # 15:59 and 16:00 in New York on Wednesday 25 November 2026; Thanksgiving is the 26th
    assert mail_date(datetime(2026, 11, 25, 20, 59, tzinfo=UTC)) == date(2026, 11, 25)
    assert mail_date(datetime(2026, 11, 25, 21, 0, tzinfo=UTC)) == date(2026, 11, 27)
    # 22:00 in Los Angeles is already the next day in New York, past the cut-off or not
    assert mail_date(datetime(2026, 11, 24, 6, 0, tzinfo=UTC)) == date(2026, 11, 24)


def test_no_letter_for_an_address_the_vendor_cannot_mail():
    assert unnoticed(replace(consumer(), address={"state": "TX", "timezone": "America/Chicago"})) == []
    street_only = {"line1": "1 Main St", "city": "Dallas", "state": "TX", "postal_code": ""}
    assert unnoticed(replace(consumer(), address=street_only)) == []


EMAILING = replace(SENDER, notice_delivery="email")


def test_a_notice_goes_by_email_only_as_the_first_contact_to_a_personal_address_still_good():
    subject = consumer()
    assert notice_email(subject, SENDER) is None  # the creditor did not ask for it
    assert notice_email(subject, EMAILING) == subject.emails[0]["address"]
    contacted = replace(subject, flags={"initial_communication_at": "2026-11-02T15:00:00Z"})
    assert notice_email(contacted, EMAILING) is None  # not the initial communication: (c)(1) does not apply
    # A first-party creditor's own notice is mailed: nothing it records could be taken back by a bounce
    assert notice_email(consumer("first_party"), EMAILING) is None
    assert notice_email(replace(subject, last_contact_at=datetime(2026, 11, 2, tzinfo=UTC)), EMAILING) is None
    for bad in ({"invalid": True}, {"opted_out_at": "2026-11-01T00:00:00Z"}, {"work_email": True}):
        assert notice_email(replace(subject, emails=({**subject.emails[0], **bad},)), EMAILING) is None, bad


def test_an_emailed_notice_is_dated_the_debtors_day_and_records_its_instant_and_address():
    # Given an email at 20:30 in Chicago on Friday 6 November 2026 (02:30 UTC on Saturday)
    subject = consumer()
    at = datetime(2026, 11, 7, 2, 30, tzinfo=UTC)
    notice = build_notice(subject, EMAILING, unnoticed(subject), at, False, email="debtor@example.com")
    # Then the notice is dated Friday the 6th, where the debtor is (a letter from then would be mailed Monday)
    assert notice.mail_date == date(2026, 11, 6) and notice.period_end == date(2026, 12, 16)
    assert build_notice(subject, EMAILING, unnoticed(subject), at, False).mail_date == date(2026, 11, 9)
    flags = mailed_flags(subject, notice)
    assert flags["initial_communication_at"] == "2026-11-07T02:30:00Z"
    assert flags["validation_notices"]["INV-1"] == {"sent_at": "2026-11-07T02:30:00Z", "channel": "email",
                                                     "period_end": "2026-12-16", "to": "debtor@example.com"}  # fmt: skip


def test_a_bounce_takes_back_the_notices_emailed_to_that_address_and_makes_the_letter_due_at_once():
    subject = consumer(next_action_at=None)
    sent = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    notice = build_notice(subject, EMAILING, ["INV-1"], sent, False, email="Debtor@Example.com")
    emailed = replace(subject, flags=mailed_flags(subject, notice), dunning_step=1)
    # Mailed INV-2 stays noticed; an unknown address changes nothing
    both = replace(emailed, flags={**emailed.flags, "validation_notices": {**emailed.flags["validation_notices"],
                   "INV-2": {"sent_at": "2026-11-20T18:00:00Z", "channel": "letter"}}})  # fmt: skip
    assert notice_bounced(both, "other@example.com", sent) == (both, [])
    bounced, activities = notice_bounced(both, "debtor@example.com", sent)
    assert list(bounced.flags["validation_notices"]) == ["INV-2"] and unnoticed(bounced) == ["INV-1"]
    assert activities[0].summary.startswith("the validation notice emailed for INV-1 bounced")
    assert bounced.flags["initial_communication_at"] == "2026-11-23T16:00:00Z"
    # And the notice owed since the first contact makes the next reminder due now, not at its step
    now = datetime(2026, 11, 23, 16, 5, tzinfo=UTC)
    assert notice_owed(bounced, EMAILING) and not notice_owed(both, EMAILING) and not notice_owed(bounced, None)
    assert recompute(bounced, now).next_action_at != now  # no letterhead: no letter can go, nothing is due early
    assert recompute(bounced, now, Settings(letterhead=EMAILING)).next_action_at == now
    assert recompute(both, now, Settings(letterhead=EMAILING)).next_action_at != now


def test_a_bounce_of_a_later_email_to_the_same_address_takes_back_no_notice():
    # Given the notice emailed by attempt A and recorded with it
    subject = consumer(next_action_at=None)
    address = subject.emails[0]["address"]
    sent = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    notice = replace(build_notice(subject, EMAILING, ["INV-1"], sent, False, email=address), attempt="A")
    emailed = replace(subject, flags=mailed_flags(subject, notice), dunning_step=1)
    assert emailed.flags["validation_notices"]["INV-1"]["attempt"] == "A"
    later = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)

    # When a reminder to that address (attempt B) bounces weeks later, Then the delivered notice stands
    assert notice_bounced(emailed, address, later, "B") == (emailed, [])
    # And when the notice's own email bounces, it is taken back
    bounced, activities = notice_bounced(emailed, address, later, "A")
    assert "INV-1" in unnoticed(bounced) and activities


def test_a_notice_whose_email_bounced_before_it_was_recorded_is_not_recorded_as_given():
    # Given the notice emailed, the run dying before it recorded it, and SES's bounce marking the address first
    subject = consumer(next_action_at=None)
    address = subject.emails[0]["address"]
    sent = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    notice = replace(build_notice(subject, EMAILING, ["INV-1"], sent, False, email=address), attempt="A")
    gone = replace(subject, emails=tuple({**e, "invalid": True} for e in subject.emails))

    # When the next run records the send it finds
    flags = mailed_flags(gone, notice)

    # Then the email counts as the first contact, but no notice was given: the letter is owed at once
    assert flags["initial_communication_at"] == "2026-11-23T16:00:00Z"
    assert "validation_notices" not in flags
    owing = replace(gone, flags=flags, dunning_step=1)
    assert "INV-1" in unnoticed(owing) and notice_owed(owing, EMAILING)


def test_the_notice_email_names_creditor_and_account_in_its_subject_and_carries_the_notice_and_opt_out():
    subject = replace(consumer(), preferences={"language": "es"})
    notice = build_notice(subject, EMAILING, ["INV-1"], datetime(2026, 11, 6, 15, 0, tzinfo=UTC), False, "d@e.com")
    mail = notice_email_of(render_letter(notice), "https://unsubscribe.example/t")
    assert mail.subject == "acme cuenta C-2001: aviso de deuda"
    assert "es un cobrador de deudas" in mail.html and 'href="https://unsubscribe.example/t"' in mail.html
    assert "16 de diciembre de 2026" in mail.text and "https://unsubscribe.example/t" in mail.text
    assert mail.attachment[0] == "aviso.pdf" and "a más tardar el 16 de diciembre de 2026" in text_of(
        mail.attachment[1]
    )


class _Segments(HTMLParser):
    """Each run of text between tags of an HTML notice, as a reader sees it; a table's column headings are left
    out (the text part writes each row as "label: amount")."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.heading = self.heading or tag == "th"

    def handle_endtag(self, tag: str) -> None:
        self.heading = self.heading and tag != "th"

    def handle_data(self, data: str) -> None:
        if data.strip() and not self.heading:
            self.found.append(_plain(data))


def _plain(text: str) -> str:
    """Whitespace as one space, a rule of dashes as three: how text reads whatever its layout."""
    return re.sub(r"-{3,}", "---", " ".join(text.replace("\xa0", " ").split()))


@pytest.mark.parametrize(
    ("language", "stop"), [("en", "reply with the word STOP"), ("es", "responda con la palabra STOP")]
)
def test_the_notice_emails_text_part_is_the_whole_notice_as_its_html_and_pdf_are(language, stop):
    # Given a validation notice with two debts, one with a payment returned, to be emailed in the debtor's language
    subject = replace(consumer(), preferences={"language": language})
    notice = build_notice(subject, EMAILING, ["INV-1"], datetime(2026, 11, 6, 15, 0, tzinfo=UTC), False, "d@e.com")
    first = notice.debts[0]
    returned = replace(first, number="INV-2", now=Money(first.then.minor + 2500, "USD"))  # a returned payment
    notice = replace(notice, debts=(first, returned))

    # When it is made into an email
    mail = notice_email_of(render_letter(notice), "https://unsubscribe.example/t")

    # Then a mail reader showing only the text part shows every word of the notice the HTML part shows, in order:
    # the itemization, the validation period's end, the dispute and original-creditor prompts and the form
    parser = _Segments()
    parser.feed(letter_html(notice))
    text, at = _plain(mail.text), 0
    for segment in parser.found:
        found = text.find(segment, at)
        assert found >= 0, f"the text part lacks, or misorders, {segment!r}"
        at = found + len(segment)
    assert len(parser.found) > 40 and ("INV-2" in text and "25.00" in text)
    # And then how to stop emails, with the one-click link
    assert stop in text[at:] and text.endswith("https://unsubscribe.example/t")


def test_a_first_party_notice_has_no_email_form():
    notice = build_notice(consumer("first_party"), EMAILING, ["INV-1"], datetime(2026, 11, 6, 15, 0, tzinfo=UTC),
                          False, "d@e.com")  # fmt: skip
    with pytest.raises(ValueError, match="first_party notice goes by mail only"):
        notice_email_of(render_letter(notice), "https://unsubscribe.example/t")
