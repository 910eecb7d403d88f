"""Holds a collector records (dispute, cease, bankruptcy, death, attorney) in the compliance engine's flag shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.domain.accounts import Account
from shared.domain.errors import InvalidInputError

HOLDS = ("dispute", "cease", "bankruptcy", "deceased", "attorney")


def _instant(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _dispute(account: Account, at: datetime, note: str) -> dict[str, Any]:
    # A dispute is taken as written (a letter, email or portal message) unless the collector says `oral`:
    # only a written dispute stops collection until verification is sent (Reg F 1006.34(c)(3)).
    oral = note.split(maxsplit=1)[:1] == ["oral"]
    entries = [
        {
            "debt_id": invoice.number,
            "received_at": _instant(at),
            "written": not oral,
            "channel": "oral" if oral else "mail",
            "verification_sent_at": None,
        }
        for invoice in account.open_invoices()
    ]
    known = {d.get("debt_id") for d in account.flags.get("disputes") or [] if not d.get("verification_sent_at")}
    fresh = [entry for entry in entries if entry["debt_id"] not in known]
    return {"disputes": list(account.flags.get("disputes") or []) + fresh}


def _attorney(at: datetime, note: str) -> dict[str, Any]:
    if not note:
        raise InvalidInputError(
            "an attorney hold needs the attorney's name and address or phone, e.g. "
            "`hold C-1 attorney Dana Lee, 1 Court St, Austin TX 78701`"
        )
    return {
        "attorney": {
            "represented_at": _instant(at),
            "debt_ids": None,
            "name": note,
            "address": note,
            "consents_to_direct_contact": False,
        }
    }


def is_held(account: Account, hold: str) -> bool:
    """Whether `hold` is already in force (a dispute: every open invoice already has an open dispute)."""
    if hold != "dispute":
        return bool(account.flags.get(hold))
    disputed = {d.get("debt_id") for d in account.flags.get("disputes") or [] if not d.get("verification_sent_at")}
    return bool(account.open_invoices()) and {i.number for i in account.open_invoices()} <= disputed


def hold_flags(account: Account, hold: str, at: datetime, note: str) -> dict[str, Any]:
    """The account's flags with `hold` added, as of `at` (the instant the collector learned of it).

    Raises InvalidInputError when there is nothing to hold (a dispute on an account with no open invoice).
    """
    stamp = _instant(at)
    if hold == "dispute":
        if not account.open_invoices():
            # Refused rather than kept as an account-level dispute: a dispute (Reg F) is about a debt, and what
            # ends the hold is verification of that debt; with nothing owed there is nothing to verify or to stop.
            raise InvalidInputError(
                "Nothing recorded: this account has no open invoice, so there is nothing open to dispute. "
                "If the debtor disputes a debt already paid or closed, keep it as a note with `/collect log`."
            )
        added = _dispute(account, at, note)
    elif hold == "cease":
        added = {"cease": {"received_at": stamp, "written": True, "channel": "mail", "debt_ids": None}}
    elif hold == "bankruptcy":
        # The petition date is unknown here: today's date treats every existing debt as pre-petition (stayed).
        added = {
            "bankruptcy": {
                "chapter": None,
                "case_no": note or None,
                "filed_at": at.date().isoformat(),
                "notice_received_at": stamp,
                "status": "open",
            }
        }
    elif hold == "deceased":
        added = {
            "deceased": {"date_of_death": None, "notice_received_at": stamp, "verified": False, "representative": None}
        }
    elif hold == "attorney":
        added = _attorney(at, note)
    else:
        raise InvalidInputError(f"hold {hold!r} is not one of {', '.join(HOLDS)}")
    return dict(account.flags) | added


def release_flags(account: Account, hold: str, at: datetime, actor: str, reason: str) -> dict[str, Any]:
    """The account's flags with `hold` lifted, who lifted it, when and why kept under `released`.

    A dispute is lifted by recording that it was answered (verification sent), which is what ends the
    dispute hold under Regulation F; the other holds are removed. Raises InvalidInputError when not held.
    """
    if hold not in HOLDS:
        raise InvalidInputError(f"hold {hold!r} is not one of {', '.join(HOLDS)}")
    if not reason.strip():
        raise InvalidInputError(f"say why the {hold} hold is lifted, e.g. `release C-1 {hold} entered in error`")
    flags = dict(account.flags)
    if hold == "dispute":
        open_disputes = [d for d in flags.get("disputes") or [] if not d.get("verification_sent_at")]
        if not open_disputes:
            raise InvalidInputError("this account has no open dispute to release")
        flags["disputes"] = [
            d if d.get("verification_sent_at") else d | {"verification_sent_at": _instant(at), "resolution": reason}
            for d in flags.get("disputes") or []
        ]
        record: Any = open_disputes
    else:
        if not flags.get(hold):
            raise InvalidInputError(f"this account has no {hold} hold to release")
        record = flags.pop(hold)
    released = {"hold": hold, "at": _instant(at), "by": actor, "reason": reason, "record": record}
    flags["released"] = [*(flags.get("released") or []), released]
    return flags
