"""A third-party consumer debt's first contact is its validation notice by letter (moto): the PDF and the day's
manifest for the mail vendor, the notice recorded, and only then texts; a repeated or interrupted run mails once."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from pypdf import PdfReader

from local.events import LambdaContext, scheduler_event, ses_bounce, sns_event
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import creditors as creditor_repo
from shared.domain.sends import ATTEMPT_TAG, account_tag
from tests.factories import BUCKET, account, phone
from tests.factories import email as debt_email

ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/reminders"
MONDAY = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10:00 in Chicago, the Monday of Thanksgiving week
LETTERS = {
    "name": "Northwind Recovery LLC",
    "address": ["PO Box 4410", "Austin, TX 78765"],
    "phone": "(512) 555-0142",
    "email": "disputes@northwind.example",
}


def _run(handler: Any, at: datetime) -> dict[str, Any]:
    handler.clock = lambda: at
    report: dict[str, Any] = handler.lambda_handler(scheduler_event(at, ARN), LambdaContext("reminders", ARN))
    return report


def _objects(prefix: str = "letters/") -> dict[str, bytes]:
    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]
    return {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys}


def run_dying_before_settling(handler: Any, at: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run at `at`, killed after its send (a letter stored, an email sent) and before its outcome is recorded."""
    from shared.db.sends import DynamoSendLog

    def dies(self: Any, attempt: Any) -> None:
        raise SystemExit("killed")

    with monkeypatch.context() as patched, pytest.raises(SystemExit):
        patched.setattr(DynamoSendLog, "settle", dies)
        _run(handler, at)


def _texts() -> list[tuple[str, str]]:
    return [(m[0], m[1]) for m in sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values()]


def _third_party_debt(**extra: Any) -> Any:
    creditor_repo.put_policy("acme", {"collections": {"letters": LETTERS}}, "test", MONDAY)
    debt = account(due=date(2026, 11, 20), collector_role="third_party", next_action_at=MONDAY - timedelta(hours=1))
    debt = replace(debt, **extra)
    account_repo.put_new_accounts([debt])
    return debt


def test_first_contact_is_a_validation_notice_pdf_then_texts_may_follow(load_handler):
    # Given a third-party consumer debt never contacted, the creditor's letterhead, and a cell number with
    # consent that the reassigned-numbers database shows not reassigned (the text safe harbour)
    handler = load_handler("functions.reminders.handler")
    cell = phone("+12145550101", "America/Chicago") | {
        "reassigned_check": {"checked_at": "2026-11-01T00:00:00Z", "result": "not_reassigned"}}  # fmt: skip
    debt = _third_party_debt(phones=(cell,))
    # When the reminder run is due on Monday of Thanksgiving week, and runs again (a repeated delivery)
    first, again = _run(handler, MONDAY), _run(handler, MONDAY)
    # Then one letter is for the mail (no email, no text), with the day's manifest naming it
    assert first["outcomes"] == {"mailed": 1} and again["outcomes"] == {}
    assert ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages == [] and _texts() == []
    stored = _objects("letters/2026-11-23/")
    pdfs = [key for key in stored if key.endswith(".pdf")]
    manifest = stored["letters/2026-11-23/manifest.csv"].decode().splitlines()
    assert len(pdfs) == 1 and len(manifest) == 2 and pdfs[0] in manifest[1]
    assert manifest[1].startswith("Debtor C-1001,1 Main St,,Dallas,TX,75201,US,")
    # And the PDF reads back as the validation notice: mailed the 23rd, receipt assumed 5 counted days later
    # (Thanksgiving skipped: 24, 25, 27, 30 Nov, 1 Dec), so the period ends 30 days after, on 31 December
    text = " ".join(PdfReader(io.BytesIO(stored[pdfs[0]])).pages[0].extract_text().split())
    assert "Northwind Recovery LLC is a debt collector" in text
    assert "Call or write to us by December 31, 2026, to dispute all or part of the debt" in text
    # And the account keeps the initial communication and the notice, with the letter in its history
    kept = account_repo.get_account(debt.key)
    assert kept.flags["initial_communication_at"] == "2026-11-23T18:00:00Z"
    notice = kept.flags["validation_notices"][debt.invoices[0].number]
    assert notice == {"sent_at": "2026-11-23T18:00:00Z", "channel": "letter", "period_end": "2026-12-31"}
    contact = next(a for a in activity_repo.query_activity(debt.key) if a.kind == "contact")
    assert (contact.channel, contact.outcome, contact.data["purpose"]) == ("letter", "sent", "validation_notice")
    # When the next step (a text, 8 days after the due date) comes due
    step = kept.next_action_at
    assert step is not None and kept.dunning_step == 1
    later = _run(handler, step)
    # Then the text goes out: the notice made it no longer an initial communication
    assert later["outcomes"] == {"sent": 1}
    assert [number for number, _ in _texts()] == ["+12145550101"]


def test_a_letter_whose_pdf_was_stored_before_the_run_died_is_mailed_once(load_handler, monkeypatch):
    # Given the run dies after the letter's PDF and row were stored, before its outcome was recorded
    handler = load_handler("functions.reminders.handler")
    debt = _third_party_debt()
    run_dying_before_settling(handler, MONDAY, monkeypatch)
    assert len([k for k in _objects() if k.endswith(".pdf")]) == 1
    # When the next run comes (a minute later)
    report = _run(handler, MONDAY + timedelta(minutes=1))
    # Then it finds the stored letter, records it as mailed, lists it, and makes no second one
    assert report["outcomes"] == {"confirmed": 1}
    stored = _objects()
    assert len([k for k in stored if k.endswith(".pdf")]) == 1
    assert len(stored["letters/2026-11-23/manifest.csv"].decode().splitlines()) == 2
    assert account_repo.get_account(debt.key).flags["validation_notices"]


def test_without_a_letterhead_no_letter_goes_and_email_is_the_first_contact(load_handler):
    handler = load_handler("functions.reminders.handler")
    cadence = [{"offset_days": 1, "channel": "email", "template": "friendly"},
               {"offset_days": 15, "channel": "email", "template": "firm"}]  # fmt: skip
    creditor_repo.put_policy("acme", {"collections": {"cadence": cadence}}, "test", MONDAY)
    debt = account(due=date(2026, 11, 20), collector_role="third_party", next_action_at=MONDAY - timedelta(hours=1))
    account_repo.put_new_accounts([debt])
    assert _run(handler, MONDAY)["outcomes"] == {"sent": 1}
    assert _objects() == {}
    # And that email is the initial communication: the validation notice is owed within 5 days of it
    kept = account_repo.get_account(debt.key)
    assert kept.flags["initial_communication_at"] == "2026-11-23T16:00:00Z"
    # So the next step, 12 days on with no notice given, is stopped by the rule that says why, not sent
    later = _run(handler, kept.next_action_at)
    assert later["outcomes"] == {"blocked": 1} and later["held_by"] == {"REGF-VALIDATION-TIMING": 1}
    assert len(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages) == 1


def test_a_creditors_own_first_letter_lets_its_later_steps_go(load_handler):
    # Given a creditor collecting its own consumer debt, with a letterhead: its first contact is its own notice
    handler = load_handler("functions.reminders.handler")
    creditor_repo.put_policy("acme", {"collections": {"letters": LETTERS}}, "test", MONDAY)
    debt = account(due=date(2026, 11, 20), next_action_at=MONDAY - timedelta(hours=1))
    account_repo.put_new_accounts([debt])
    assert debt.collector_role == "first_party" and _run(handler, MONDAY)["outcomes"] == {"mailed": 1}
    # When the cadence's later steps come due, past the 5 days Regulation F (applied by policy) gives a notice,
    # and a second invoice arrives between them
    kept = account_repo.get_account(debt.key)
    steps = [_run(handler, kept.next_action_at)]
    later = account_repo.get_account(debt.key)
    invoices = (*later.invoices, replace(later.invoices[0], number="INV-NEW"))
    account_repo.put_new_accounts([replace(later, invoices=invoices)])
    steps.append(_run(handler, account_repo.get_account(debt.key).next_action_at))
    # Then they go: the creditor's own notice, once for the account, is what the notice rule waits for
    assert [step["outcomes"] for step in steps] == [{"sent": 1}, {"sent": 1}]


def test_a_letter_marked_sent_before_the_run_died_is_still_listed_and_notices_only_its_invoices(
    load_handler, monkeypatch
):
    # Given the run dies after the letter was stored and recorded sent, before the account moved on
    handler = load_handler("functions.reminders.handler")
    debt = _third_party_debt()
    import shared.reminders.run as run

    with monkeypatch.context() as patched, pytest.raises(SystemExit):
        patched.setattr(run, "change_account", lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed")))
        _run(handler, MONDAY)
    # And a new invoice arrives before the next run
    later = replace(account_repo.get_account(debt.key), invoices=(*debt.invoices, replace(
        debt.invoices[0], number="INV-NEW")))  # fmt: skip
    account_repo.put_new_accounts([later])
    # When the next run comes
    report = _run(handler, MONDAY + timedelta(minutes=5))
    # Then the letter is taken as mailed once, the day's manifest lists it, and only its own invoice is noticed
    assert report["outcomes"] == {"repeat": 1}
    stored = _objects("letters/2026-11-23/")
    assert len([k for k in stored if k.endswith(".pdf")]) == 1
    assert len(stored["letters/2026-11-23/manifest.csv"].decode().splitlines()) == 2
    notices = account_repo.get_account(debt.key).flags["validation_notices"]
    assert sorted(notices) == [debt.invoices[0].number]


# --- The first notice by email (collections.letters.notice_delivery: email; 12 CFR 1006.42(c)(1)) ---------------
SES_TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"


def _emailing_debt(due: date = date(2026, 11, 20), **extra: Any) -> Any:
    letters = LETTERS | {"notice_delivery": "email"}
    creditor_repo.put_policy("acme", {"collections": {"letters": letters}}, "test", MONDAY)
    debt = account(due=due, collector_role="third_party", next_action_at=MONDAY - timedelta(hours=1))
    debt = replace(debt, **extra)
    account_repo.put_new_accounts([debt])
    return debt


def _capture_ses_requests() -> list[dict[str, Any]]:
    """Every SendEmail request as the SES adapter makes it (moto keeps the body, not the attachments)."""
    from shared.adapters.sending import one_try_client

    requests: list[dict[str, Any]] = []
    one_try_client("sesv2").meta.events.register(
        "provide-client-params.sesv2.SendEmail", lambda params, **_: requests.append(params)
    )
    return requests


def test_first_notice_goes_in_the_body_of_an_email_with_its_pdf_and_opens_the_validation_period(load_handler):
    # Given a third-party consumer debt never contacted, a creditor that asks for email delivery of first notices,
    # and the debtor's personal address from the creditor (a safe-harbour source)
    handler = load_handler("functions.reminders.handler")
    requests = _capture_ses_requests()
    debt = _emailing_debt()
    address = debt.emails[0]["address"]
    # When the run is due at 10:00 in Chicago on the Monday of Thanksgiving week, and is delivered twice
    first, again = _run(handler, MONDAY), _run(handler, MONDAY)
    # Then one email goes, nothing is for the mail, and the repeat sends nothing
    assert first["outcomes"] == {"emailed-notice": 1} and again["outcomes"] == {}
    assert len(requests) == 1 and _texts() == []
    assert not [k for k in _objects() if k.endswith("manifest.csv")]
    request = requests[0]
    # And its subject names the creditor and the account (1006.42(b)), its HTML body is the notice itself, with
    # the validation period computed from the email's day (receipt 5 counted days later, Thanksgiving skipped)
    simple = request["Content"]["Simple"]
    assert request["Destination"] == {"ToAddresses": [address]}
    assert simple["Subject"]["Data"] == "acme account C-1001: notice of debt"
    html = simple["Body"]["Html"]["Data"]
    assert "Northwind Recovery LLC is a debt collector" in html
    assert "Call or write to us by December 31, 2026, to dispute all or part of the debt" in html
    assert "unsubscribe in one click" in html and "by December 31, 2026" in simple["Body"]["Text"]["Data"]
    assert {h["Name"] for h in simple["Headers"]} == {"List-Unsubscribe", "List-Unsubscribe-Post"}
    # And the PDF attached reads back as the same notice, and is kept beside the letters (in no manifest)
    (attached,) = simple["Attachments"]
    assert (attached["FileName"], attached["ContentType"]) == ("notice.pdf", "application/pdf")
    text = " ".join(PdfReader(io.BytesIO(attached["RawContent"])).pages[0].extract_text().split())
    assert "Call or write to us by December 31, 2026, to dispute all or part of the debt" in text
    kept_pdfs = [k for k in _objects("letters/emailed/") if k.endswith(".pdf")]
    assert len(kept_pdfs) == 1 and _objects("letters/emailed/")[kept_pdfs[0]] == attached["RawContent"]
    # And the account records the email as the initial communication and each invoice's notice by email
    kept = account_repo.get_account(debt.key)
    assert kept.flags["initial_communication_at"] == "2026-11-23T16:00:00Z"
    assert kept.flags["validation_notices"][debt.invoices[0].number] == {
        "sent_at": "2026-11-23T16:00:00Z", "channel": "email", "period_end": "2026-12-31", "to": address,
        "attempt": _attempt_of(request)}  # fmt: skip  # the email's own tag: only its bounce takes the notice back
    contact = next(a for a in activity_repo.query_activity(debt.key) if a.kind == "contact")
    assert (contact.channel, contact.outcome, contact.data["purpose"]) == ("email", "sent", "validation_notice")


@pytest.mark.parametrize("due", [date(2026, 11, 20), date(2026, 8, 1)], ids=["first-step", "past-the-cadence"])
def test_a_bounced_notice_email_is_not_a_notice_and_the_next_run_mails_the_letter(load_handler, due: date):
    # Given the first notice went by email (for a debt placed late, as the cadence's last step: none is left)
    handler = load_handler("functions.reminders.handler")
    debt = _emailing_debt(due)
    address = debt.emails[0]["address"]
    assert _run(handler, MONDAY)["outcomes"] == {"emailed-notice": 1}
    attempt = next(a for a in activity_repo.query_activity(debt.key) if a.kind == "contact").id
    # When SES reports a permanent bounce for it
    bounce = ses_bounce(address, attempt, account_tag(debt.key), MONDAY + timedelta(minutes=1))
    handler.lambda_handler(sns_event(bounce, SES_TOPIC, MONDAY), LambdaContext("reminders", ARN))
    # Then the address is bad and the invoice is owed its notice again; the history says so
    bounced = account_repo.get_account(debt.key)
    assert bounced.emails[0]["invalid"] is True and bounced.flags["validation_notices"] == {}
    assert any("bounced: it goes by mail" in a.summary for a in activity_repo.query_activity(debt.key))
    # And the account is due at once, not at its next step a week later (the 5 days run from the first contact)
    assert bounced.next_action_at == datetime(2026, 11, 23, 16, 1, tzinfo=UTC)
    # When the next hourly run comes
    later = _run(handler, MONDAY + timedelta(hours=1))
    # Then the validation notice is mailed, with a period of its own from its mail date
    assert later["outcomes"] == {"mailed": 1}
    notice = account_repo.get_account(debt.key).flags["validation_notices"][debt.invoices[0].number]
    assert notice["channel"] == "letter"
    assert [k for k in _objects() if k.endswith("manifest.csv")]


def test_an_address_the_rules_do_not_allow_gets_the_letter_and_the_refusal_is_kept(load_handler):
    # Given the only address came from a skip trace (no safe-harbour provenance: the engine asks for review)
    handler = load_handler("functions.reminders.handler")
    found = {**debt_email("found@example.net"), "source": "skip_trace"}
    debt = _emailing_debt(emails=(found,))
    # When the run is due
    report = _run(handler, MONDAY)
    # Then the notice goes by mail, and the email's decision is in the history with its rule
    assert report["outcomes"] == {"mailed": 1}
    assert ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages == []
    decisions = [a for a in activity_repo.query_activity(debt.key) if a.kind == "compliance"]
    assert any(a.channel == "email" and "REGF-ELEC-ADDRESS" in a.rules for a in decisions)


def test_a_notice_email_sent_before_the_run_died_is_recorded_once_for_its_address(load_handler, monkeypatch):
    # Given the run dies after the email went and its outcome was kept, before the account moved on
    handler, requests, debt = _notice_emailed_then_run_killed(load_handler, monkeypatch)
    # When the next run comes
    report = _run(handler, MONDAY + timedelta(minutes=5))
    # Then no second email goes, and the notice is recorded as the one emailed (its instant, its address)
    assert report["outcomes"] == {"repeat": 1} and len(requests) == 1
    notice = account_repo.get_account(debt.key).flags["validation_notices"][debt.invoices[0].number]
    assert notice == {"sent_at": "2026-11-23T16:00:00Z", "channel": "email", "period_end": "2026-12-31",
                      "to": debt.emails[0]["address"], "attempt": _attempt_of(requests[0])}  # fmt: skip


def _notice_emailed_then_run_killed(load_handler: Any, monkeypatch: Any) -> tuple[Any, list[dict[str, Any]], Any]:
    """The Monday run emails the first notice, then dies before the account records it (the send's outcome kept)."""
    handler = load_handler("functions.reminders.handler")
    requests = _capture_ses_requests()
    debt = _emailing_debt()
    import shared.reminders.run as run

    with monkeypatch.context() as patched, pytest.raises(SystemExit):
        patched.setattr(run, "change_account", lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed")))
        _run(handler, MONDAY)
    return handler, requests, debt


def _attempt_of(request: dict[str, Any]) -> str:
    """The send attempt an SES request is tagged with (what its bounce will name)."""
    return next(tag["Value"] for tag in request["EmailTags"] if tag["Name"] == ATTEMPT_TAG)


def test_a_notice_email_that_bounced_before_the_dead_run_recorded_it_is_mailed_as_a_letter(load_handler, monkeypatch):
    # Given the run dies after the notice's email went, and SES's bounce for it arrives before the next run
    handler, requests, debt = _notice_emailed_then_run_killed(load_handler, monkeypatch)
    bounce = ses_bounce(debt.emails[0]["address"], _attempt_of(requests[0]), account_tag(debt.key),
                        MONDAY + timedelta(minutes=1))  # fmt: skip
    handler.lambda_handler(sns_event(bounce, SES_TOPIC, MONDAY), LambdaContext("reminders", ARN))
    # When the run at which the account is next due settles the send it finds
    due = account_repo.get_account(debt.key).next_action_at
    assert due is not None and due <= MONDAY + timedelta(days=1)
    report = _run(handler, due)
    # Then no second email goes, the bounced email is not recorded as the notice, and the notice is owed by mail
    assert report["outcomes"] == {"repeat": 1} and len(requests) == 1
    kept = account_repo.get_account(debt.key)
    assert kept.flags.get("validation_notices", {}) == {}
    assert kept.flags["initial_communication_at"] == "2026-11-23T16:00:00Z"
    # And the hourly run after it mails the letter
    assert _run(handler, due + timedelta(hours=1))["outcomes"] == {"mailed": 1}
