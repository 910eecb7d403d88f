"""Call outcomes a collector logs: a closed set, each with what it means for the compliance engine.

A wrong number or a third party is not a conversation about the debt (it starts no 7-day block); a wrong or
disconnected number is flagged so the debtor is located again instead of called there.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.errors import InvalidInputError


@dataclass(frozen=True)
class Outcome:
    word: str  # what the collector types
    engine: str  # the compliance schema's outcome (docs/COMPLIANCE.md)
    meaning: str
    conversation: bool = False
    recipient: str = "consumer"
    phone_problem: str | None = None  # wrong_number | disconnected: the number is flagged for locate


OUTCOMES: dict[str, Outcome] = {
    o.word: o
    for o in (
        Outcome("talked", "answered_conversation", "spoke with the debtor about the debt", conversation=True),
        Outcome("promised", "answered_conversation", "the debtor promised to pay", conversation=True),
        Outcome("disputed", "answered_conversation", "the debtor disputed the debt", conversation=True),
        Outcome("refused", "answered_conversation", "the debtor refused to pay", conversation=True),
        Outcome("callback", "answered_conversation", "the debtor asked to be called back", conversation=True),
        Outcome("answered", "answered_no_conversation", "answered, no conversation (hung up)"),
        Outcome("no-answer", "no_answer", "nobody answered"),
        Outcome("voicemail", "voicemail", "left a voicemail"),
        Outcome("busy", "busy", "line busy"),
        Outcome("disconnected", "not_connected", "number not in service", phone_problem="disconnected"),
        Outcome("wrong-number", "answered_no_conversation", "someone else's number", phone_problem="wrong_number"),
        Outcome("third-party", "answered_no_conversation", "spoke with someone else", recipient="third_party"),
    )
}


def outcome_list() -> str:
    return ", ".join(OUTCOMES)


def parse_outcome(word: str) -> Outcome:
    """The outcome a word names; InvalidInputError listing every outcome otherwise."""
    found = OUTCOMES.get(word.strip().lower())
    if found is None:
        raise InvalidInputError(f"call outcome {word!r} is not one of {outcome_list()}")
    return found
