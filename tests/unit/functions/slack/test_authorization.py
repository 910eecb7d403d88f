"""Who may write: money and collection-stopping writes are for AUTHORIZED_USERS only (empty = nobody), checked in
the ack and again where the write happens; reading and logging stay open to every member."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from unittest.mock import Mock, patch

import boto3
import botocore.session
import pytest

from functions.slack import actions
from functions.slack.commands import GUARDED, Command, PlanTerms
from functions.slack.env import Settings
from functions.slack.listeners.collect import make_ack, make_worker
from functions.slack.listeners.interactive import guarded_submission, modal_opener
from functions.slack.modals import AMOUNT, promise_modal
from functions.slack.replies import Caller
from shared.domain.errors import NotAllowedError
from tests.factories import account
from tests.fakes import InMemoryAccounts

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
WRITES = [
    "pay C-1001 100 CHK-1",
    "reverse C-1001 CHK-1 nsf",
    "promise C-1001 100 2099-01-15",
    "plan C-1001 1250 2 2099-01-15",
    "hold C-1001 cease",
    "release C-1001 cease wrong account",
    "resume C-1001",
]
READS = ["help", "worklist", "account C-1001", "can-call C-1001", "why C-1001", "log C-1001 call no-answer", ""]


def settings(authorized: str = "") -> Settings:
    return Settings(
        table_name="arrears-test",
        slack_bot_token_param="/arrears/slack/bot-token",
        slack_api_url="http://127.0.0.1:9/api/",
        slack_signing_secret_param="/arrears/slack/signing-secret",
        report_channel="C-REPORTS",
        authorized_users=authorized,
    )


def slash(text: str, user: str = "U-TEMP") -> dict[str, Any]:
    return {"command": "/collect", "text": text, "user_id": user, "trigger_id": "1.2.abc"}


@pytest.fixture
def no_aws() -> Iterator[Mock]:
    refuse = Mock(side_effect=AssertionError("the ack path created an AWS client"))
    with patch.object(boto3, "client", refuse), patch.object(botocore.session.Session, "create_client", refuse):
        yield refuse


def test_settings_without_authorized_users_authorize_nobody() -> None:
    # Given the default settings (AUTHORIZED_USERS empty) and a configured list
    # When / Then nobody may write or see contact data by default, and only listed users once configured
    assert not settings().is_authorized("U-ANA") and not settings().is_authorized("")
    assert settings(" U-ANA , U-BOSS").is_authorized("U-BOSS") and not settings("U-ANA").is_authorized("U-TEMP")


@pytest.mark.parametrize("text", WRITES)
def test_ack_collect_write_by_unauthorized_user_is_refused_naming_the_setting(text: str, no_aws: Mock) -> None:
    # Given the default settings: nobody is authorized
    ack = Mock()

    # When a member runs a command that moves money or stops or restarts collection
    make_ack(settings())(ack, slash(text))

    # Then the ack refuses it at once, says how to grant it, and no AWS client was made
    refusal = ack.call_args.kwargs["text"]
    assert "AUTHORIZED_USERS" in refusal and "`U-TEMP`" in refusal and GUARDED[text.split()[0]] in refusal
    no_aws.assert_not_called()


@pytest.mark.parametrize("text", READS)
def test_ack_collect_reads_and_logging_stay_open_to_members(text: str, no_aws: Mock) -> None:
    ack = Mock()
    make_ack(settings())(ack, slash(text))
    ack.assert_called_once_with()


@pytest.mark.parametrize("text", WRITES)
def test_ack_collect_write_by_authorized_user_is_acked(text: str, no_aws: Mock) -> None:
    ack = Mock()
    make_ack(settings("U-ANA"))(ack, slash(text, user="U-ANA"))
    ack.assert_called_once_with()


def test_collect_worker_does_not_run_a_refused_write() -> None:
    # Given an unauthorized member's payment (the ack refused it)
    respond, client = Mock(), Mock()

    # When the lazy worker runs anyway (Bolt runs lazy listeners whatever the ack said)
    with patch("functions.slack.logic.run_command") as run:
        make_worker(settings())(slash("pay C-1001 100 CHK-1"), respond, client)

    # Then nothing runs and nothing more is said
    run.assert_not_called()
    respond.assert_not_called()


def _write_calls(caller: Caller, fake: InMemoryAccounts) -> list[Any]:
    terms = PlanTerms("C-1001", "1250", 2, date(2099, 1, 15))
    return [
        lambda: actions.record_payment(Command("pay", ("C-1001", "100", "CHK-1")), caller, NOW, fake),
        lambda: actions.reverse_payment(Command("reverse", ("C-1001", "CHK-1", "nsf")), caller, NOW, fake),
        lambda: actions.promise_for("C-1001", "100", date(2099, 1, 15), None, caller, NOW, fake),
        lambda: actions.plan_for(terms, caller, NOW, fake),
        lambda: actions.place_hold(Command("hold", ("C-1001", "bankruptcy")), caller, NOW, fake),
        lambda: actions.release_hold(Command("release", ("C-1001", "cease", "why")), caller, NOW, fake),
        lambda: actions.resume(Command("resume", ("C-1001",)), caller, NOW, fake),
    ]


@pytest.mark.parametrize("index", range(7))
def test_write_use_cases_refuse_an_unauthorized_caller_and_write_nothing(index: int) -> None:
    # Given an account and a caller not in AUTHORIZED_USERS (a button or modal that skipped the command's ack)
    fake = InMemoryAccounts({account().key: account()})
    caller = Caller("U-TEMP", False, "req-1")

    # When the write use case is called directly
    with pytest.raises(NotAllowedError, match="AUTHORIZED_USERS"):
        _write_calls(caller, fake)[index]()

    # Then the account is as it was
    assert fake.accounts[account().key] == account() and fake.activities == {} and fake.markers == set()


def test_guarded_modal_opener_tells_unauthorized_user_instead_of_opening(no_aws: Mock) -> None:
    # Given a click on Promise by a member not in AUTHORIZED_USERS
    slack = Mock()
    body = {"user": {"id": "U-TEMP"}, "trigger_id": "1.2.abc", "actions": [{"value": "acme:C-1001"}]}

    # When the ack listener runs
    modal_opener(promise_modal, (settings(), GUARDED["promise"]))(slack.ack, body, slack.client, slack.respond)

    # Then the click is acked, no modal opens, and the member is told how access is granted
    slack.ack.assert_called_once_with()
    slack.client.views_open.assert_not_called()
    assert "AUTHORIZED_USERS" in slack.respond.call_args.kwargs["text"]


def test_guarded_submission_refuses_unauthorized_user_beside_the_field(no_aws: Mock) -> None:
    # Given a Promise modal submitted by a member not in AUTHORIZED_USERS
    ack, check = Mock(), Mock()

    # When its ack runs
    guarded_submission(settings(), AMOUNT[0], GUARDED["promise"], check)(ack, {"user": {"id": "U-TEMP"}}, {}, None)

    # Then the modal stays open with the refusal beside the amount, and the fields are not even checked
    assert ack.call_args.kwargs["response_action"] == "errors"
    assert "AUTHORIZED_USERS" in ack.call_args.kwargs["errors"][AMOUNT[0]]
    check.assert_not_called()
