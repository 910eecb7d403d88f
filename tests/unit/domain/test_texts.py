"""Replies to a reminder text: which opt the number out (any case, the first word, the provider's keyword), and
how numbers are compared."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.texts import OPT_OUT_KEYWORDS, e164, opt_out_keyword


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "STOP"),
        ("stop", "STOP"),
        ("Stop please", "STOP"),
        ("  stop.", "STOP"),
        ("STOP!!! no more", "STOP"),
        ("StopAll", "STOPALL"),
        ("unsubscribe me", "UNSUBSCRIBE"),
        ("Cancel", "CANCEL"),
        ("end", "END"),
        ("Quit", "QUIT"),
        ("revoke", "REVOKE"),
        ("opt out", "OPTOUT"),
        ("Opt-out", "OPTOUT"),
        ("OPTOUT", "OPTOUT"),
        ("remove", "REMOVE"),
        ("Arrêt", "ARRET"),
        ("parar", "PARAR"),
        ("ALTO por favor", "ALTO"),
        ('"Stop"', "STOP"),
        ("please stop texting me", "STOP"),
        ("I want to opt out now", "OPTOUT"),
    ],
)
def test_opt_out_keyword_anywhere_in_any_case_is_the_keyword(body: str, keyword: str) -> None:
    assert opt_out_keyword(body) == keyword


@pytest.mark.parametrize(
    "body",
    ["HELP", "Can I pay Friday?", "Stopped by the office", "nonstop", "", "   ", "👍", "OPT", "opt in"],
)
def test_opt_out_keyword_other_replies_are_none(body: str) -> None:
    assert opt_out_keyword(body) is None


def test_opt_out_keyword_the_providers_matched_keyword_counts_too() -> None:
    assert opt_out_keyword("please, no more", matched="STOP") == "STOP"
    assert opt_out_keyword("what is this", matched="HELP") is None


@given(
    keyword=st.sampled_from(sorted(OPT_OUT_KEYWORDS)),
    upper=st.lists(st.booleans(), min_size=12, max_size=12),
    before=st.text(alphabet=" \t\n\"'.!¡¿*", max_size=4),
    after=st.one_of(st.just(""), st.text(max_size=40).map(lambda rest: " " + rest)),
)
def test_opt_out_keyword_any_casing_and_trailing_text_is_recognised(
    keyword: str, upper: list[bool], before: str, after: str
) -> None:
    cased = "".join(c.upper() if up else c.lower() for c, up in zip(keyword, upper, strict=False))
    assert opt_out_keyword(before + cased + after) == keyword


@given(st.text(max_size=60))
def test_opt_out_keyword_is_a_known_keyword_or_none_for_any_text(body: str) -> None:
    assert opt_out_keyword(body) in OPT_OUT_KEYWORDS | {None}


def test_e164_compares_numbers_however_written() -> None:
    assert e164("+1 (214) 555-0101") == e164("+12145550101") == "+12145550101"
