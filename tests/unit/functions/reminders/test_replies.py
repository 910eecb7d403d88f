"""Consumers' texts back, on in-memory ports: a STOP stops texts to that number on every account it was texted
for; other replies are kept as inbound texts; a redelivery writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from functions.reminders.models import InboundText
from functions.reminders.replies import record_inbound_texts
from tests.factories import account
from tests.fakes import InMemoryAccounts

AT = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
NUMBER = "+12145550101"


@dataclass
class Texted:
    """The TextedNumbers port on a dict: number -> account keys."""

    numbers: dict[str, list[str]] = field(default_factory=dict)

    def accounts_texted(self, number: str) -> list[str]:
        return self.numbers.get(number, [])


def text(body: str, inbound_id: str = "in-1", received_at: datetime | None = AT) -> InboundText:
    payload = {"originationNumber": NUMBER, "destinationNumber": "+18885550199", "messageKeyword": "",
               "messageBody": body, "inboundMessageId": inbound_id}  # fmt: skip
    return InboundText.model_validate(payload | {"received_at": received_at})


def test_stop_opts_the_number_out_on_every_account_it_was_texted_for_and_a_redelivery_writes_nothing():
    # Given one debtor's number on two accounts (two creditors), both texted
    first, second = account("C-1", creditor="acme"), account("C-1", creditor="globex")
    store = InMemoryAccounts.holding(first, second)
    texted = Texted({NUMBER: [first.key, second.key]})

    # When they reply STOP, and SNS delivers it twice
    outcome = record_inbound_texts([text("stop")], texted, store, AT)
    writes = store.writes
    repeat = record_inbound_texts([text("stop")], texted, store, AT)

    # Then both accounts stop texting that number; the repeat writes nothing
    assert outcome == {"opted-out": 2} and repeat == {"repeat": 2} and store.writes == writes
    assert [store.get(k).phones[0]["opted_out_at"] for k in (first.key, second.key)] == ["2026-11-23T17:00:00Z"] * 2


def test_other_replies_are_inbound_texts_in_the_history_once():
    debtor = account("C-2")
    store = InMemoryAccounts.holding(debtor)
    texted = Texted({NUMBER: [debtor.key]})
    assert record_inbound_texts([text("HELP")], texted, store, AT) == {"reply": 1}
    assert record_inbound_texts([text("HELP")], texted, store, AT) == {"repeat": 1}
    (entry,) = store.activities[debtor.key]
    assert (entry.kind, entry.direction, entry.channel, entry.outcome) == ("contact", "inbound", "sms", "received")
    assert entry.summary == "text received: HELP" and entry.data["from"] == NUMBER
    assert store.get(debtor.key).phones[0]["opted_out_at"] is None
    assert store.get(debtor.key).follow_up is None  # HELP: the provider's auto-reply answers it


def test_a_reply_puts_the_account_on_top_of_the_worklist_with_what_to_do():
    plan, question, promised = account("C-3"), account("C-4"), account("C-5", follow_up="promise broken: call")
    store = InMemoryAccounts.holding(plan, question, promised)
    record_inbound_texts([text("Plan please")], Texted({NUMBER: [plan.key]}), store, AT)
    record_inbound_texts([text("I paid last week", "in-2")], Texted({NUMBER: [question.key, promised.key]}), store,
                         AT)  # fmt: skip
    assert store.get(plan.key).follow_up == "the debtor texted PLAN: call about a payment plan"
    assert store.get(question.key).follow_up == "the debtor replied by text: read the reply in the history and answer"
    assert store.get(promised.key).follow_up == "promise broken: call"  # what was on top already stays


def test_a_number_never_texted_or_an_account_gone_writes_nothing():
    store = InMemoryAccounts()
    assert record_inbound_texts([text("STOP")], Texted(), store, AT) == {"unmatched": 1}
    assert record_inbound_texts([text("STOP")], Texted({NUMBER: ["acme#GONE"]}), store, AT) == {"gone": 1}
    assert store.writes == 0


def test_a_text_without_its_instant_is_stamped_now():
    debtor = account("C-3")
    store = InMemoryAccounts.holding(debtor)
    now = datetime(2026, 11, 23, 17, 5, tzinfo=UTC)
    record_inbound_texts([text("quit", received_at=None)], Texted({NUMBER: [debtor.key]}), store, now)
    assert store.get(debtor.key).phones[0]["opted_out_at"] == "2026-11-23T17:05:00Z"
