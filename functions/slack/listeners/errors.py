"""Where a listener's failure becomes words for the collector: their mistakes plainly, the rest logged too."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Respond

from functions.slack.replies import Reply
from shared.domain.errors import ArrearsError, InvalidInputError, NotFoundError
from shared.observability import logger


def attempt(work: Callable[[], Reply], tell: Callable[[str], object], what: str) -> Reply | None:
    """The reply of `work`, or None once the collector was told why it failed (never a traceback).

    Errors outside ArrearsError propagate to the App's error handler, which logs them.
    """
    try:
        return work()
    except (InvalidInputError, NotFoundError) as exc:
        tell(str(exc))
    except ArrearsError as exc:
        logger.warning("slack request failed", extra={"what": what, "error": type(exc).__name__})
        tell(f"Could not do that: {exc}")
    return None


def tell_ephemeral(respond: Respond, text: str) -> None:
    """A note only the collector sees, under their request; the message they acted on stays as it was."""
    respond(response_type="ephemeral", text=text, replace_original=False)
