"""Where a listener's failure becomes words for the collector: their mistakes plainly, the rest logged too."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Respond

from functions.slack.replies import Reply
from shared.domain.errors import (
    ArrearsError,
    ConflictError,
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    UpstreamUnavailableError,
)
from shared.observability import logger

NOT_RECORDED = (
    ":warning: *Not recorded*: Arrears could not save this just now ({reason}). Nothing was changed; "
    "run it again in a minute."
)
NOT_CONFIRMED = (
    ":warning: *Not confirmed*: Arrears lost its answer from the database, so it cannot say whether this was saved. "
    "Run it again: a repeat is never recorded twice, and it tells you if this was saved."
)


def attempt(work: Callable[[], Reply], tell: Callable[[str], object], what: str) -> Reply | None:
    """The reply of `work`, or None once the collector was told why it failed (never a traceback).

    A write the database refused (throttled, unavailable, or still racing after the retries) is said to be NOT
    recorded, so the collector repeats it: it is never reported as done or as a repeat. Any other failure (a
    lost response, a bug) is logged with its traceback and the collector is told it is not confirmed: lazy work
    runs after the ack, so silence would leave them believing it was done. Every write is safe to repeat.
    """
    try:
        return work()
    except (InvalidInputError, NotFoundError, NotAllowedError) as exc:
        tell(str(exc))
    except (UpstreamUnavailableError, ConflictError) as exc:
        logger.warning("slack write not recorded", extra={"what": what, "error": type(exc).__name__})
        reason = "the database is busy" if isinstance(exc, UpstreamUnavailableError) else "the account kept changing"
        tell(NOT_RECORDED.format(reason=reason))
    except ArrearsError as exc:
        logger.warning("slack request failed", extra={"what": what, "error": type(exc).__name__})
        tell(f"Could not do that: {exc}")
    except Exception:  # a bulkhead, not a swallow: logged in full, and the collector is told
        logger.exception("slack request failed unexpectedly", extra={"what": what})
        tell(NOT_CONFIRMED)
    return None


def tell_ephemeral(respond: Respond, text: str) -> None:
    """A note only the collector sees, under their request; the message they acted on stays as it was."""
    respond(response_type="ephemeral", text=text, replace_original=False)
