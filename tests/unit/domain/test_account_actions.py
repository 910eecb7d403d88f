"""A STOP reply on an account (pure): that number gets no more texts, once; other numbers and channels stay."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from shared.domain.account_actions import text_refused, usable_emails
from tests.factories import account, phone

AT = datetime(2026, 11, 23, 17, 0, 12, tzinfo=UTC)


def test_text_refused_opts_the_number_out_with_a_status_entry_without_the_full_number():
    # Given an account with two cell numbers
    debtor = replace(account(), phones=(phone("+12145550101"), phone("+12145550102")))

    # When the first replies STOP (written as the consumer's phone shows it)
    changed, activities = text_refused(debtor, "+1 214-555-0101", AT, "STOP")

    # Then that number is opted out at the reply's instant, the other is not, and email is untouched
    assert changed.phones[0]["opted_out_at"] == "2026-11-23T17:00:12Z"
    assert changed.phones[0]["opt_out_reason"] == "replied STOP"
    assert changed.phones[1]["opted_out_at"] is None
    assert usable_emails(changed) == usable_emails(debtor)
    assert "needs_locate" not in changed.flags  # they just wrote from it
    # and the history says so by the number's last digits (collectors without the grant read it too)
    (entry,) = activities
    assert (entry.kind, entry.actor, entry.channel) == ("status", "sms-reply", "sms")
    assert entry.summary == "texts to the number ending 0101 stopped: the consumer replied STOP"
    assert "2145550101" not in entry.summary and entry.data == {"number": "+12145550101", "keyword": "STOP"}


def test_text_refused_again_or_for_a_number_not_on_the_account_changes_nothing():
    debtor = account()
    out, _ = text_refused(debtor, "+12145550101", AT, "STOP")
    assert text_refused(out, "+12145550101", AT, "QUIT") == (out, [])  # the first opt-out's instant is kept
    assert text_refused(debtor, "+13125550000", AT, "STOP") == (debtor, [])
