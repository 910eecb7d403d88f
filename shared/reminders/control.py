"""A person's say over the reminder runs: a hold that stops every automated send until it is released, and the
approval of a day's sends that creditors with `collections.run_approval` wait for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain.errors import UpstreamUnavailableError
from shared.domain.mrkdwn import escape
from shared.domain.notices import run_notice
from shared.observability import logger
from shared.ports import Notifier, RunControl

HELD = "held"  # the outcome of every account a held run leaves due
AWAITING = "awaiting-approval"  # the outcome of an account whose creditor waits for the day's approval


@dataclass(frozen=True)
class Hold:
    by: str  # the Slack user who placed it
    reason: str
    at: datetime


def held_text(hold: Hold) -> str:
    return (f":double_vertical_bar: Reminders are held by <@{hold.by}> since {hold.at:%Y-%m-%d %H:%M} UTC: "
            f"{escape(hold.reason)}. Nothing automated is sent; the accounts stay due. `/collect reminders release` "
            "sends them again.")  # fmt: skip


def tell_held(hold: Hold, notify: tuple[Notifier, str] | None) -> None:
    """Said once per hold, however many runs it holds (the notice's key is the hold's instant)."""
    if notify is None:
        return
    notifier, channel = notify
    try:
        notifier.notify(run_notice("reminders-held", hold.at, channel, held_text(hold)))
    except UpstreamUnavailableError:
        logger.warning("could not queue the reminders-held notice")


def awaiting(control: RunControl | None, needs_approval: bool, at: datetime) -> bool:
    """Whether a creditor that waits for approval has not had the day of `at` (UTC) approved."""
    return needs_approval and control is not None and not control.approved(at.date())
