"""`/collect` text parsing: every subcommand, its arity, amounts, dates, channels and holds, with usage on error."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.slack.commands import (
    CHANNELS,
    HOLDS,
    USAGE,
    Command,
    parse_amount,
    parse_command,
    parse_day,
    parse_preview,
    usage_text,
)
from shared.domain.errors import InvalidInputError


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_parse_command_empty_text_help(text: str) -> None:
    # Given `/collect` typed with nothing after it
    # When the text is parsed
    # Then it is the help command
    assert parse_command(text) == Command("help", ())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", Command("help", ())),
        ("worklist", Command("worklist", ())),
        ("WorkList", Command("worklist", ())),
        ("account C-1", Command("account", ("C-1",))),
        ("can-call acme:C-1", Command("can-call", ("acme:C-1",))),
        ("why C-1", Command("why", ("C-1",))),
        ("log C-1 call no-answer", Command("log", ("C-1", "call", "no-answer"))),
        (
            "log C-1 NOTE said she will pay friday",
            Command("log", ("C-1", "NOTE", "said", "she", "will", "pay", "friday")),
        ),
        ("promise C-1 150.25 2026-12-01", Command("promise", ("C-1", "150.25", "2026-12-01"))),
        ("promise C-1 150 2026-12-01 EUR", Command("promise", ("C-1", "150", "2026-12-01", "EUR"))),
        ("pay C-1 1,234.50 ch_3Mx9", Command("pay", ("C-1", "1,234.50", "ch_3Mx9"))),
        ("hold C-1 Dispute says not hers", Command("hold", ("C-1", "Dispute", "says", "not", "hers"))),
        ("  account   C-1  ", Command("account", ("C-1",))),
    ],
)
def test_parse_command_valid_text_command_and_args(text: str, expected: Command) -> None:
    # Given a well-formed `/collect` text
    # When it is parsed
    command = parse_command(text)

    # Then the command name is lower-cased and the words after it are its arguments
    assert command == expected
    if command.args:
        assert command.ref == command.args[0]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("account", "account"),
        ("can-call", "can-call"),
        ("why", "why"),
        ("log C-1", "log"),
        ("promise C-1 150", "promise"),
        ("pay C-1 150", "pay"),
        ("hold C-1", "hold"),
    ],
)
def test_parse_command_too_few_args_raises_with_usage(text: str, name: str) -> None:
    # Given a subcommand missing arguments
    # When it is parsed
    with pytest.raises(InvalidInputError) as caught:
        parse_command(text)

    # Then the message names the command and shows its usage line
    assert f"`{name}` needs" in str(caught.value)
    assert USAGE[name] in str(caught.value)


@pytest.mark.parametrize("channel", ["fax", "telegram", "calls"])
def test_parse_command_log_unknown_channel_raises_with_usage(channel: str) -> None:
    # Given a log with a channel Arrears does not know
    # When it is parsed
    with pytest.raises(InvalidInputError) as caught:
        parse_command(f"log C-1 {channel} talked")

    # Then the message lists the channels and shows the log usage
    assert f"channel '{channel}' is not one of {', '.join(CHANNELS)}" in str(caught.value)
    assert USAGE["log"] in str(caught.value)


@pytest.mark.parametrize("hold", ["lawyer", "pause", "ceased"])
def test_parse_command_unknown_hold_raises_with_usage(hold: str) -> None:
    # Given a hold kind Arrears does not know
    # When it is parsed
    with pytest.raises(InvalidInputError) as caught:
        parse_command(f"hold C-1 {hold}")

    # Then the message lists the holds and shows the hold usage
    assert f"hold '{hold}' is not one of {', '.join(HOLDS)}" in str(caught.value)
    assert USAGE["hold"] in str(caught.value)


@pytest.mark.parametrize("hold", HOLDS)
def test_parse_command_every_hold_upper_case_accepted(hold: str) -> None:
    # Given each hold written in capitals
    # When it is parsed
    # Then it is accepted as written
    assert parse_command(f"hold C-1 {hold.upper()}").args[1] == hold.upper()


@pytest.mark.parametrize("text", ["collect", "accounts C-1", "delete C-1", "?"])
def test_parse_command_unknown_command_raises_with_full_usage(text: str) -> None:
    # Given a subcommand that does not exist
    # When it is parsed
    with pytest.raises(InvalidInputError) as caught:
        parse_command(text)

    # Then the message names it and lists every command
    message = str(caught.value)
    assert f"Unknown command '{text.split()[0]}'" in message
    assert usage_text() in message
    assert all(line in message for line in USAGE.values())


@pytest.mark.parametrize("text", ["account C-1;drop", "why <@U123>", "account " + "x" * 65])
def test_parse_command_bad_account_id_raises_invalid_input(text: str) -> None:
    # Given an account id with characters or a length no id has
    # When it is parsed
    # Then it is refused before any lookup
    with pytest.raises(InvalidInputError, match="account id"):
        parse_command(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("pay C-1 abc ref-1", "pay"),
        ("pay C-1 0 ref-1", "pay"),
        ("pay C-1 -5 ref-1", "pay"),
        ("promise C-1 NaN 2026-12-01", "promise"),
        ("promise C-1 Infinity 2026-12-01", "promise"),
        ("promise C-1 12..5 2026-12-01", "promise"),
    ],
)
def test_parse_command_bad_amount_raises_invalid_input(text: str, name: str) -> None:
    # Given a promise or payment with an amount that is not a positive number
    # When it is parsed (in the ack path, before any lookup)
    # Then it is refused, naming the amount
    with pytest.raises(InvalidInputError, match="amount"):
        parse_command(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [("pay C-1 abc ref-1", "pay"), ("promise C-1 150 tomorrow", "promise"), ("promise C-1 x 2026-12-01", "promise")],
)
def test_parse_command_bad_amount_or_date_message_has_usage(text: str, name: str) -> None:
    # Given a promise or payment with a bad amount or date
    # When it is parsed
    with pytest.raises(InvalidInputError) as caught:
        parse_command(text)

    # Then the collector is shown how to write the command
    assert USAGE[name] in str(caught.value)


@pytest.mark.parametrize("day", ["tomorrow", "2026-13-01", "2026-02-30", "12/01/2026", "01.12.2026"])
def test_parse_command_promise_bad_date_raises_invalid_input(day: str) -> None:
    # Given a promise with a date that is not a real YYYY-MM-DD date
    # When it is parsed
    # Then it is refused with an example of the format
    with pytest.raises(InvalidInputError, match="is not a date like 2026-12-01"):
        parse_command(f"promise C-1 150 {day}")


def test_parse_command_pay_third_arg_not_a_date() -> None:
    # Given a payment whose third word is a payment reference
    # When it is parsed
    # Then the reference is not read as a date
    assert parse_command("pay C-1 150 INV-2026-REF").args[2] == "INV-2026-REF"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("150", Decimal("150")),
        ("150.25", Decimal("150.25")),
        ("1,234.50", Decimal("1234.50")),
        ("0.01", Decimal("0.01")),
    ],
)
def test_parse_amount_valid_text_exact_decimal(text: str, value: Decimal) -> None:
    # Given an amount as collectors type it
    # When it is parsed
    # Then the value is the exact decimal (never a float)
    parsed = parse_amount(text)
    assert parsed == value
    assert isinstance(parsed, Decimal)


@given(cents=st.integers(min_value=1, max_value=10**12))
def test_parse_amount_plain_two_place_text_round_trips(cents: int) -> None:
    # Given any positive amount written with two decimal places
    text = f"{cents // 100}.{cents % 100:02d}"

    # When it is parsed
    # Then the cents are exact
    assert parse_amount(text) * 100 == cents


@pytest.mark.parametrize("text", ["150,50", "1,5", "12,345,6", "1,2345.00", ",500"])
def test_parse_amount_misgrouped_comma_raises_invalid_input(text: str) -> None:
    # Given an amount with a comma that cannot be a thousands separator (a decimal comma, say)
    # When it is parsed
    # Then it is refused rather than read as a number 100 times larger
    with pytest.raises(InvalidInputError):
        parse_amount(text)


def test_parse_day_iso_date() -> None:
    # Given an ISO date
    # When it is parsed
    # Then it is that calendar date
    assert parse_day("2026-12-01") == date(2026, 12, 1)


def test_usage_text_known_and_unknown_names() -> None:
    # Given the usage of one command and of none
    # When they are asked for
    # Then one command gives its line, anything else gives the full list
    assert usage_text("pay") == f"Usage: {USAGE['pay']}"
    assert usage_text("nope").startswith("*Arrears commands*\n")
    assert usage_text().count("\n• ") == len(USAGE)


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("reminders preview", None),
        ("reminders preview 2026-12-04", date(2026, 12, 4)),  # the day's hourly runs
        ("reminders preview 2026-12-04T21:30Z", datetime(2026, 12, 4, 21, 30, tzinfo=UTC)),
        ("reminders PREVIEW 2026-12-04T16:30-05:00", datetime(2026, 12, 4, 21, 30, tzinfo=UTC)),
    ],
)
def test_parse_reminders_preview_takes_now_a_date_or_an_instant(text: str, at: datetime | date | None) -> None:
    command = parse_command(text)
    assert command.name == "reminders" and parse_preview(command.args) == at


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("reminders", "needs 1 argument"),
        ("reminders send", "'send' is not one of preview, hold, release, approve"),
        ("reminders preview tomorrow", "'tomorrow' is neither a YYYY-MM-DD date nor an ISO instant"),
        ("reminders preview 2026-12-04T21:30", "needs a UTC offset"),
        ("reminders preview 2026-12-04 now", "unexpected words"),
        ("reminders hold", "say why"),
        ("reminders release now", "unexpected words after `release`"),
        ("reminders approve 2026-13-01", "2026-13-01"),
        ("reminders approve 2026-12-04 please", "unexpected words after the date"),
    ],
)
def test_parse_reminders_preview_refuses_what_it_cannot_read_with_its_usage(text: str, named: str) -> None:
    with pytest.raises(InvalidInputError, match=named) as refused:
        parse_command(text)
    assert "/collect reminders preview" in str(refused.value)
