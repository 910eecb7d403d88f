"""Texts a consumer sends back to a reminder: whether one opts the number out, and the number it came from; and what
a text's failed delivery says about its number."""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

# Honoured in any case as the reply's first word (or the keyword the provider matched):
# - AWS End User Messaging SMS's required opt-out keywords (ARRET, CANCEL, END, OPT-OUT, OPTOUT, QUIT, REMOVE, STOP,
#   TD, UNSUBSCRIBE: https://docs.aws.amazon.com/sms-voice/latest/userguide/keywords-required.html);
# - CTIA's STOPALL, and the words the FCC names for revoking consent by text (stop, quit, end, revoke, opt out,
#   cancel, unsubscribe: 47 CFR 64.1200(a)(10), FCC 24-24);
# - Spanish PARAR and ALTO: letters go out in Spanish too, and a revocation in other words counts when a reasonable
#   person would read it as one (same rule). A false opt-out costs a channel; a missed one is a violation.
OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "REMOVE", "ARRET", "TD",
     "PARAR", "ALTO"}
)  # fmt: skip
_WORDS = re.compile(r"[A-Z]+")


def _words(text: str) -> list[str]:
    """The text's words in upper case without accents (ARRÊT is ARRET); punctuation and emoji separate them."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _WORDS.findall(plain.upper())


def opt_out_keyword(body: str, matched: str = "") -> str | None:
    """The opt-out keyword `body` holds anywhere as a word ("Stop please", "please stop texting me" → STOP;
    "opt-out" and "OPT OUT" → OPTOUT), or that the provider matched (`matched`: the registered keyword it
    reports); None for any other text (HELP, a question), which a collector reads in the history. A revocation
    may come in any reasonable words (47 CFR 64.1200(a)(10)): a keyword anywhere counts, over-honouring."""
    for text in (matched, body):
        words = _words(text)
        pairs = ["OPTOUT" for pair in pairwise(words) if pair == ("OPT", "OUT")]
        found = [w for w in words if w in OPT_OUT_KEYWORDS] + pairs
        if found:
            return found[0]
    return None


PROVIDER_KEYWORDS = frozenset({"HELP", "INFO", "AYUDA"})  # answered by the provider's own auto-reply


def reply_task(body: str) -> str | None:
    """The follow-up a reply that is no opt-out gives the account's collector (it puts the account at the top of
    the worklist until a conversation is logged): PLAN, as the reminder texts invite, asks for a call about a
    payment plan; any other words are for a person to read and answer. None: a HELP the provider answers."""
    words = _words(body)
    if not words or (len(words) == 1 and words[0] in PROVIDER_KEYWORDS):
        return None
    if words[0] == "PLAN":
        return "the debtor texted PLAN: call about a payment plan"
    return "the debtor replied by text: read the reply in the history and answer"


def e164(number: str) -> str:
    """A phone number as `+<digits>`, however it is spaced or punctuated: how numbers are compared and keyed."""
    return "+" + "".join(c for c in number if c.isdigit())


# What an SMS delivery report's provider response says about the number. Amazon SNS writes it in words
# (`delivery.providerResponse` of its delivery status logs: "Invalid phone number", "Phone is currently
# unreachable/unavailable", "Phone carrier has blocked this message", "Unknown error attempting to reach phone").
# Only an answer that the number itself does not exist flags it: one not in service is not called or texted again,
# as a call logged "disconnected" is not. Unreachable, blocked, filtered, over the price or unknown say nothing
# certain about the number: the text is kept as undelivered and the cadence goes on.
_NO_SUCH_NUMBER = re.compile(
    r"invalid (phone|destination|mobile)? ?number|not a valid|no longer in service|not in service|unallocated"
    r"|does not exist|disconnected|unknown subscriber",
    re.IGNORECASE,
)


def number_gone(provider_response: str) -> bool:
    """True when a failed text's provider response says its number does not exist (disconnected, unallocated)."""
    return bool(_NO_SUCH_NUMBER.search(provider_response))
