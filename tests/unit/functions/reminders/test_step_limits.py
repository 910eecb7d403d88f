"""A step's own limits: passed over when the account owes less than its minimum, given up after the provider
refused it as often as it allows; the cadence goes on to its next step either way."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from shared.domain.dunning import Step
from shared.domain.errors import IncompleteRunError, UpstreamUnavailableError
from shared.domain.settings import Settings
from shared.reminders.run import run_reminders
from tests.factories import account
from tests.unit.functions.reminders.test_run_isolation import (
    FRESH,
    MORNING,
    LossyMailer,
    ThrottledAccounts,
    _senders,
    log,
)

__all__ = ["log"]  # the fixture


class RefusingMailer(LossyMailer):
    def send_email(self, to, subject, body, attempt_id, account_key="", unsubscribe_url=""):  # type: ignore[no-untyped-def]
        raise UpstreamUnavailableError("MessageRejected")


def store_with(step: Step, minor: int) -> ThrottledAccounts:
    cadence = (step, Step(15, "email", "firm"))
    store = ThrottledAccounts(creditor_settings={"acme": Settings(cadence=cadence)})
    store.save(replace(account(due=FRESH, minor=minor, next_action_at=MORNING - timedelta(hours=1)), version=None))
    return store


def test_a_step_is_passed_over_when_the_account_owes_less_than_its_minimum(log):
    store = store_with(Step(1, "email", "friendly", min_balance=(("USD", 25_000),)), minor=10_000)
    mailer = LossyMailer()

    report = run_reminders(MORNING, store, _senders(mailer, log, MORNING))

    assert report.outcomes["below-minimum"] == 1 and mailer.outbox == []
    assert store.get(account().key).dunning_step == 1  # on to the next step, no contact made


def test_a_step_at_or_over_its_minimum_goes_out(log):
    store = store_with(Step(1, "email", "friendly", min_balance=(("USD", 25_000),)), minor=25_000)
    mailer = LossyMailer()

    report = run_reminders(MORNING, store, _senders(mailer, log, MORNING))

    assert report.outcomes["sent"] == 1 and len(mailer.outbox) == 1


def test_a_step_the_provider_keeps_refusing_is_given_up_after_its_attempts(log):
    store = store_with(Step(1, "email", "friendly", max_attempts=2), minor=50_000)

    # When SES refuses the email in two runs
    for hours in (0, 1):
        at = MORNING + timedelta(hours=hours)
        with pytest.raises(IncompleteRunError):
            run_reminders(at, store, _senders(RefusingMailer(), log, at))
    # Then the third run gives the step up and moves on, without a third try
    at = MORNING + timedelta(hours=2)
    report = run_reminders(at, store, _senders(RefusingMailer(), log, at))

    assert report.outcomes["gave-up"] == 1
    assert store.get(account().key).dunning_step == 1
    assert [c.outcome for c in log.contacts(account().key)] == ["failed", "failed"]


class KeepingMailer(LossyMailer):
    bodies: list[str]

    def send_email(self, to, subject, body, attempt_id, account_key="", unsubscribe_url=""):  # type: ignore[no-untyped-def]
        self.__dict__.setdefault("bodies", []).append(body)
        return super().send_email(to, subject, body, attempt_id, account_key, unsubscribe_url)


def test_a_reminder_carries_the_creditors_payment_link_for_the_account(log):
    from shared.domain.settings import Payment

    store = store_with(Step(1, "email", "friendly"), minor=50_000)
    store.creditor_settings["acme"] = replace(store.creditor_settings["acme"],
                                              payment=Payment("https://pay.acme.example/{account_id}"))  # fmt: skip
    mailer = KeepingMailer()

    run_reminders(MORNING, store, _senders(mailer, log, MORNING))

    (body,) = mailer.bodies
    assert f"Pay online: https://pay.acme.example/{account().account_id}" in body
