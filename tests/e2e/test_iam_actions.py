"""Least privilege, measured: the IAM actions each function really uses on the embedded stack against its grants.

The functions run the demo's thread and the collector's other commands while every AWS call they make is recorded
(tests/e2e/iam_calls.py); each recorded action must be granted by the function's role in infra/template.yaml, and
each action the role grants must have been used, or be on the short, justified allow-list below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.events import logs_event, slash_command_body, sms_delivery_log, sns_event, ttl_removal_event
from local.runner import LocalRunner, embedded_aws, simulated_clock
from local.sample_data import HEADER, sample_csv
from local.slack_recorder import SlackRecorder
from local.template import TEMPLATE_PATH, load_template, translate_template
from shared.db import keys
from shared.domain.accounts import account_key
from shared.domain.unsubscribe import ONE_CLICK
from tests.e2e.iam_calls import CallLog, granted_actions, iam_actions, recording_calls
from tests.e2e.test_mapping_flow import UNSURE, asked_message, review_and_confirm

pytestmark = pytest.mark.e2e
COLLECTOR = "U0IAM00001"  # the one authorized user: writes that move money or stop collection are allowed
IMPORTED_AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

# Grants no path of the drive below reaches, each with the reason it must stay. Keep this short.
NOT_DRIVEN: dict[str, dict[str, str]] = {
    "IntakeFunction": {},
    "RemindersFunction": {
        "sns:Publish": "reminders by SMS (OneTrySnsSms); the sample creditor's cadence only emails",
        "dynamodb:DeleteItem": "a send SES or SNS refuses releases its claim marker (activity.release_marker)",
        "s3:PutObject": "letters for the mail vendor (LetterBox); the sample creditor has no letterhead "
        "(tests/integration/functions/test_letters.py mails them)",
        "s3:GetObject": "a letter's manifest row, read to rebuild the day's manifest (LetterBox.write_manifest)",
        "s3:ListBucket": "the day's letters under letters/<date>/ (LetterBox.write_manifest)",
        "dynamodb:UpdateItem": "a fanned-out run's tally (shared/db/runs.py), above FAN_OUT_ABOVE due accounts "
        "(tests/integration/functions/test_reminders_fanout.py fans out)",
    },
    "NotifyFunction": {
        "sqs:ChangeMessageVisibility": "only when Slack rate-limits a post: the notice waits out Retry-After",
    },
    "PlansFunction": {},
    "RetentionFunction": {},
    "SlackFunction": {},
    "UnsubscribeFunction": {},
}
FUNCTIONS = sorted(
    lid for lid, res in load_template(TEMPLATE_PATH)["Resources"].items() if res["Type"] == "AWS::Serverless::Function"
)
# A mapping that reads the demo export as a full snapshot of the creditor's open invoices.
FULL = json.dumps({**{column: column for column in HEADER}, "snapshot": True}).encode()
# Grants SAM adds for the Lambda service itself (not the code): the OnFailure destination of async invocations.
PLATFORM_POLICY_SUFFIX = "EventInvokeConfigOnFailureSQSPolicy"


@pytest.fixture(scope="module")
def runner(recorder: SlackRecorder) -> Iterator[LocalRunner]:
    with embedded_aws(recorder.api_url, parameters={"AuthorizedUsers": COLLECTOR}) as runner:
        yield runner


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    return translate_template(load_template(TEMPLATE_PATH), "us-east-1")


def _collect(runner: LocalRunner, recorder: SlackRecorder, text: str, at: datetime) -> str:
    before = len(recorder.responses)
    body = slash_command_body("/collect", text, user_id=COLLECTOR, response_url=recorder.response_url())
    with simulated_clock(at):
        runner.signed_slack_request(body)
        runner.wait_idle()
    return "\n".join(str(r.params) for r in recorder.responses[before:])


def _drive(runner: LocalRunner, recorder: SlackRecorder) -> None:
    """The demo's thread, plus what a collector and the creditor do on other days."""
    day = IMPORTED_AT.date()
    with simulated_clock(IMPORTED_AT):
        runner.put_object(f"incoming/generic/acme/acme-ar-{day}.csv", sample_csv(day))  # rejects, processed/
        runner.put_object("incoming/generic/acme/unreadable.csv", b"\xff\xfe\x00garbage\x00\n")  # quarantine/
        runner.put_object("policies/acme.json", b'{"max_attempts_per_week": 3}')
        runner.stack.client("s3").put_object(Bucket=runner.stack.bucket_name, Key="mappings/full.json", Body=FULL)
        runner.put_object(f"incoming/full/acme/acme-full-{day}.csv", sample_csv(day))  # a snapshot import
        runner.put_object("incoming/kunden.csv", UNSURE)  # waits in pending/ for a mapping, asked in Slack
        review_and_confirm(runner, recorder, asked_message(recorder), COLLECTOR, "DMY", "EUR")
        runner.notify_object("mappings/kunden.yaml")  # validated; the waiting file moves to incoming/kunden/
        runner.notify_object("incoming/kunden/kunden.csv")
    runner.tick(IMPORTED_AT + timedelta(days=1))
    at = IMPORTED_AT + timedelta(days=1, hours=1)
    due = (at + timedelta(days=3)).date().isoformat()
    for text in (
        "help",
        "worklist",
        "account CUST-0005",
        "why CUST-0005",
        "can-call CUST-0005",
        "log CUST-0005 note asked for a call back",
        f"promise CUST-0005 100 {due}",
        f"plan CUST-0007 4716.39 3 {due} weekly",
        "pay CUST-0008 10 CHK-1",
        "reverse CUST-0008 CHK-1 NSF",
        "hold CUST-0010 dispute says the invoice is wrong",
        "release CUST-0010 dispute resolved with the creditor",
        "resume CUST-0010",
    ):
        _collect(runner, recorder, text, at)
    for days in (5, 9, 12):  # the promise breaks, installments fall due
        runner.tick(IMPORTED_AT + timedelta(days=days))
    with simulated_clock(IMPORTED_AT + timedelta(days=12)):  # a debtor opens a reminder's link, then one-clicks
        query = _last_unsubscribe_query()
        runner.unsubscribe_request("GET", query)
        runner.unsubscribe_request("POST", query, ONE_CLICK)
        # and another texts STOP back (two-way SMS publishes it to the inbound topic; the sample cadence texts no one)
        stop = {"originationNumber": "+12145550199", "destinationNumber": "+18885550100", "messageKeyword": "STOP",
                "messageBody": "STOP", "inboundMessageId": "iam-drive-1"}  # fmt: skip
        topic = f"arn:aws:sns:{runner.stack.region}:{runner.stack.account_id}:arrears-inbound-texts"
        runner.invoke("RemindersFunction", sns_event(stop, topic, IMPORTED_AT + timedelta(days=12)))
        # and SNS's delivery log reports a text (a Logs subscription delivers it; no reminder sent this one)
        group = f"sns/{runner.stack.region}/{runner.stack.account_id}/DirectPublishToPhoneNumber/Failure"
        report = sms_delivery_log("iam-drive-sms", "+12145550199", IMPORTED_AT, False, "Invalid phone number")
        runner.invoke("RemindersFunction", logs_event(group, [report], IMPORTED_AT + timedelta(days=12)))
    # Three years on, TTL removes an account's item and the table's stream tells the retention function
    expired = keys.account_pk(account_key("acme", "CUST-0020"))
    table = runner.stack.table_name
    runner.stack.client("dynamodb").delete_item(TableName=table, Key={"pk": {"S": expired}, "sk": {"S": "A"}})
    stream = (
        f"arn:aws:dynamodb:{runner.stack.region}:{runner.stack.account_id}:table/{runner.stack.table_name}/stream/x"
    )
    runner.invoke("RetentionFunction", ttl_removal_event([(expired, "A")], stream, runner.stack.region))


def _last_unsubscribe_query() -> str:
    """The query (`t=<token>`) of the link in the last reminder email moto accepted."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    body = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages[-1].body
    found = re.search(r"/u\?(t=\S+)", body)
    assert found, "the reminder email carries no unsubscribe link"
    return found.group(1)


@pytest.fixture(scope="module")
def calls(runner: LocalRunner, recorder: SlackRecorder) -> CallLog:
    with recording_calls() as log:
        _drive(runner, recorder)
    return log


def _template_functions(cfn: dict[str, Any]) -> list[str]:
    return sorted(lid for lid, res in cfn["Resources"].items() if res["Type"] == "AWS::Lambda::Function")


def _code_grants(cfn: dict[str, Any], function_id: str) -> set[str]:
    """The grants of the template's own `Policies` (SAM's OnFailure destination policy serves Lambda itself)."""
    policies = granted_actions(cfn, function_id)
    return set().union(*(actions for name, actions in policies.items() if not name.endswith(PLATFORM_POLICY_SUFFIX)))


def test_iam_drive_invokes_every_template_function(calls: CallLog, cfn: dict[str, Any]) -> None:
    # Given the drive's recorded calls, Then every function of the template made some, and has an allow-list entry
    # (a new function needs a step in _drive and a NOT_DRIVEN entry: docs/SECURITY.md, "Adding a function")
    assert sorted(calls.actions) == _template_functions(cfn)
    assert sorted(NOT_DRIVEN) == _template_functions(cfn)


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_iam_every_action_used_is_granted(calls: CallLog, cfn: dict[str, Any], function_id: str) -> None:
    # Given what the function called while driven, When comparing with its role's grants
    missing = calls.actions[function_id] - _code_grants(cfn, function_id)

    # Then nothing it does would be denied in AWS
    assert missing == set(), f"{function_id} calls {sorted(calls.operations[function_id])}"


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_iam_every_grant_is_used_or_justified(calls: CallLog, cfn: dict[str, Any], function_id: str) -> None:
    # Given the role's grants, When removing what the drive used and the justified allow-list
    granted = _code_grants(cfn, function_id)
    unused = granted - calls.actions[function_id] - set(NOT_DRIVEN[function_id])

    # Then no grant is left over, and the allow-list names only grants that exist and went unused
    assert unused == set()
    assert set(NOT_DRIVEN[function_id]) <= granted - calls.actions[function_id]


def test_iam_platform_policy_is_only_the_failure_destination(cfn: dict[str, Any]) -> None:
    # Given the policies SAM adds to each role besides the template's own
    for function_id in _template_functions(cfn):
        platform = [a for n, a in granted_actions(cfn, function_id).items() if n.endswith(PLATFORM_POLICY_SUFFIX)]
        # Then it is the OnFailure destination's sqs:SendMessage, used by Lambda for exhausted async events
        assert platform in ([], [{"sqs:SendMessage"}])


def test_iam_transactions_are_authorised_per_item() -> None:
    # Given a transaction of every item kind, Then it needs the per-item actions (TransactWriteItems is no action)
    items = [{"Put": {}}, {"Update": {}}, {"Delete": {}}, {"ConditionCheck": {}}]
    assert iam_actions("dynamodb", "TransactWriteItems", {"TransactItems": items}) == {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
    }
