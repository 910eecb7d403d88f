"""The send log against moto: a text's claim points its number at the account, so a STOP reply (which names only
the number) finds it, even when the text's outcome was never recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from shared.db.models import MarkerItem
from shared.db.sends import DynamoSendLog
from shared.domain.accounts import Activity
from shared.domain.sends import SendAttempt

AT = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def _contact(attempt: SendAttempt, to: str) -> Activity:
    return Activity(at=attempt.at, kind="contact", summary="nudge reminder by sms", id=attempt.id,
                    channel=attempt.channel, direction="outbound", outcome="unknown", data={"to": to})  # fmt: skip


def test_a_texts_claim_points_its_number_at_the_account_and_a_retry_keeps_one_pointer(aws):
    # Given two accounts texted at one number, one of them twice (a retry after a refusal)
    log = DynamoSendLog()
    first = SendAttempt("acme#C-1", "2026-11-13#1", AT, "sms")
    other = SendAttempt("globex#C-9", "2026-11-13#1", AT, "sms")
    assert log.claim(first, None, [_contact(first, "+12145550101")])
    assert log.claim(other, None, [_contact(other, "+1 214 555 0101")])
    retry = replace(first, at=AT + timedelta(hours=1), tries=2)
    assert log.claim(retry, first, [_contact(retry, "+12145550101")])

    # When a reply from that number is matched (no outcome was settled: the claim wrote the pointer)
    texted = log.accounts_texted("+12145550101")

    # Then both accounts are found, once each, the pointer expiring 400 days after the latest text
    assert sorted(texted) == ["acme#C-1", "globex#C-9"]
    pointer = MarkerItem.get("TEXTED#+12145550101", "ACCT#acme#C-1")
    assert pointer.expires_at == retry.at + timedelta(days=400)


def test_an_emails_claim_points_no_number(aws):
    log = DynamoSendLog()
    email = SendAttempt("acme#C-2", "2026-11-13#0", AT, "email")
    assert log.claim(email, None, [_contact(email, "c-2@example.com")])
    assert log.accounts_texted("+12145550101") == []
    assert [i.pk for i in MarkerItem.scan()] == ["ACCT#acme#C-2"] * 2  # the attempt and its contact only
