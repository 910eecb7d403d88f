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
    return {"disputes": list(account.flags.get("disputes") or []) + entries}


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


def hold_flags(account: Account, hold: str, at: datetime, note: str) -> dict[str, Any]:
    """The account's flags with `hold` added, as of `at` (the instant the collector learned of it)."""
    stamp = _instant(at)
    if hold == "dispute":
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
