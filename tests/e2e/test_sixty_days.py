"""Sixty simulated days of one debtor on the embedded stack: every contact the schedules make and every step a
collector takes, through the real handlers, with the functions' clocks set to each simulated instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from local.events import slash_command_body
from local.runner import LocalRunner, simulated_clock
from local.slack_recorder import SlackRecorder

pytestmark = pytest.mark.e2e
HEADER = "account_id,debtor_name,invoice,invoice_date,due_date,balance,currency,email,address1,city,state,postal_code,country"
START = date(2026, 11, 2)  # the invoice fell due Oct 20: 13 days past due when it arrives


def export(balance: str) -> bytes:
    row = f"D-1,Pat Doe,INV-1,2026-09-15,2026-10-20,{balance},USD,pat@example.com,1 Main St,Chicago,IL,60601,US"
    return f"{HEADER}\r\n{row}\r\n".encode()


def morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC)  # 10:00 in Chicago


class Debtor:
    """The simulation: the creditor's exports, the hourly schedules once a day, and the collector's commands."""

    def __init__(self, runner: LocalRunner, recorder: SlackRecorder) -> None:
        self.runner, self.recorder = runner, recorder
        self.emails: list[tuple[date, str]] = []

    def import_export(self, day: date, balance: str) -> None:
        with simulated_clock(morning(day) - timedelta(hours=6)):
            result = self.runner.put_object(f"incoming/generic/acme/ar-{day}.csv", export(balance))
        assert result[0]["results"] == {f"incoming/generic/acme/ar-{day}.csv": "imported"}

    def collect(self, day: date, text: str) -> str:
        before = len(self.recorder.responses)
        body = slash_command_body("/collect", text, user_id="U-ANA", response_url=self.recorder.response_url())
        with simulated_clock(morning(day) + timedelta(hours=2)):
            self.runner.signed_slack_request(body)
            self.runner.wait_idle()
        return str(self.recorder.responses[before:][-1].params)

    def tick(self, day: date) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
        before = len(sent)
        self.runner.tick(morning(day))
        self.emails += [(day, m.subject) for m in sent[before:]]

    def story(self) -> list[str]:
        items = self.runner.stack.client("dynamodb").query(
            TableName=self.runner.stack.table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :act)",
            ExpressionAttributeValues={":pk": {"S": "ACCT#acme#D-1"}, ":act": {"S": "ACT#"}},
        )["Items"]
        return [i["summary"]["S"] for i in items if i["kind"]["S"] != "compliance"]


def test_sixty_days_dunning_promise_broken_plan_and_paid_in_source(
    runner: LocalRunner, recorder: SlackRecorder
) -> None:
    debtor = Debtor(runner, recorder)
    actions: dict[date, Any] = {
        START: lambda d: debtor.import_export(d, "600.00"),
        date(2026, 11, 3): lambda d: debtor.collect(d, "promise D-1 300 2026-11-10"),
        date(2026, 11, 16): lambda d: debtor.collect(d, "plan D-1 600 2 2026-11-20 biweekly"),
        date(2026, 11, 20): lambda d: debtor.collect(d, "pay D-1 300 CHK-1"),
        date(2026, 12, 1): lambda d: debtor.import_export(d, "600.00"),  # the books have not posted CHK-1 yet
        date(2026, 12, 3): lambda d: debtor.import_export(d, "0.00"),  # CHK-1 posted, the rest paid to the creditor
    }
    # When sixty days go by, one morning run of the schedules each day
    for offset in range(60):
        day = START + timedelta(days=offset)
        if day in actions:
            actions[day](day)
        debtor.tick(day)

    # Then the debtor got the reminder its age called for, no dunning while the promise stood (only its reminder two
    # days before the date), the next step (not the first, not every missed one) after it broke, no dunning during
    # the plan (a reminder two days before each installment), and nothing once paid
    assert debtor.emails == [
        (date(2026, 11, 2), "Account D-1 with acme: USD 600.00 past due"),  # 13 days: the nudge step (by email)
        (date(2026, 11, 8), "Your payment to acme is due on 2026-11-10"),  # the promise's reminder
        (date(2026, 11, 13), "Your account D-1 with acme is 24 days past due"),  # the firm step
        (date(2026, 11, 18), "Your next payment-plan installment with acme is due on 2026-11-20"),
        # the second installment, still owed as far as Arrears knows on Dec 2 (the books show it paid on Dec 3)
        (date(2026, 12, 2), "Your next payment-plan installment with acme is due on 2026-12-04"),
    ]
    story = debtor.story()
    expected = [
        "nudge reminder by email",
        "promised USD 300.00 by 2026-11-10",
        "promise reminder by email",
        "promise of USD 300.00 by 2026-11-10 broken (USD 0.00 received)",
        "firm reminder by email",
        "payment plan USD 600.00 in 2 biweekly installments from 2026-11-20",
        "installment reminder by email",
        "payment USD 300.00 ref CHK-1",
        "payment plan: installment 1 of 2 (USD 300.00 due 2026-11-20) paid",
        "installment reminder by email",
        "invoice INV-1: USD 600.00 in the creditor's books, now USD 0.00",
        "payment USD 300.00 ref CHK-1 now in the creditor's books",
        "payment of USD 300.00 inferred from the creditor's books",
        "payment plan completed: USD 600.00 in 2 installments",
    ]
    assert [line for line in story if line in expected] == expected
    # And the account is closed: paid, nothing scheduled, off the worklist
    item = runner.stack.client("dynamodb").get_item(
        TableName=runner.stack.table_name, Key={"pk": {"S": "ACCT#acme#D-1"}, "sk": {"S": "A"}}
    )["Item"]
    assert item["status"]["S"] == "paid" and "gsi1pk" not in item and "gsi2pk" not in item
