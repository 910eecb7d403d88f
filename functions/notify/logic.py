"""Deliver queued Slack notices: post a key's first message, update it after, honour Slack's rate limits.

The queue is FIFO with one group per message key, so the notices of one message arrive in order. A notice at or
below the seq already delivered is a repeat and is dropped. Slack's 429 hides the notice (and the rest of the
batch) for `Retry-After` seconds; a notice Slack will never accept (unknown channel, too long) is logged and
dropped; any other Slack failure leaves them for the queue's redelivery. Nothing here
fails the work that produced the notice: that work finished before the notice was queued.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from shared.db import notices as notice_repo
from shared.domain.errors import ConflictError, InvalidInputError, RateLimitedError, UpstreamUnavailableError
from shared.domain.notices import Notice, should_deliver
from shared.observability import logger
from shared.ports import SlackPoster


@dataclass(frozen=True)
class Message:
    """One SQS record: its id (for the batch response), receipt handle and notice."""

    message_id: str
    receipt: str
    notice: Notice


@dataclass
class Outcome:
    delivered: int = 0
    repeats: int = 0
    dropped: int = 0  # notices Slack will never accept (unknown channel, message too long): logged, not retried
    failed: list[str] = field(default_factory=list)  # message ids to hand back to the queue


RECORD_TRIES = 3


def deliver(notice: Notice, poster: SlackPoster, now: datetime) -> bool:
    """Post or update the notice's message; False when it was a repeat (nothing sent)."""
    before = notice_repo.get_delivered(notice.key)
    if not should_deliver(notice, before.seq if before else None):
        return False
    if before is None:
        ts = poster.post(notice.channel, notice.text, notice.blocks)
        channel = notice.channel
    else:
        poster.update(before.channel, before.ts, notice.text, notice.blocks)
        ts, channel = before.ts, before.channel
    _record(notice, notice_repo.Delivered(channel, ts, notice.seq), now)
    return True


def _record(notice: Notice, delivered: notice_repo.Delivered, now: datetime) -> None:
    """Keep what was posted, retried here: a notice redelivered without its record would be posted again."""
    for attempt in range(RECORD_TRIES):
        try:
            notice_repo.put_delivered(notice.key, delivered, now)
            return
        except ConflictError:
            logger.info("a later notice was delivered meanwhile", extra={"key_hash": notice.group[:12]})
            return
        except UpstreamUnavailableError:
            if attempt == RECORD_TRIES - 1:
                raise
            time.sleep(0.2 * 2**attempt)


def deliver_batch(
    messages: list[Message], poster: SlackPoster, now: datetime, hide: Callable[[Message, int], None]
) -> Outcome:
    """Deliver in order; at the first failure the rest of the batch goes back (FIFO order is kept)."""
    outcome = Outcome()
    for position, message in enumerate(messages):
        try:
            if deliver(message.notice, poster, now):
                outcome.delivered += 1
            else:
                outcome.repeats += 1
        except InvalidInputError as exc:
            outcome.dropped += 1
            logger.error(
                "Slack will never accept this notice: dropped",
                extra={"key_hash": message.notice.group[:12], "error": str(exc)},
            )
        except RateLimitedError as exc:
            for waiting in messages[position:]:
                hide(waiting, exc.retry_after)
            outcome.failed = [m.message_id for m in messages[position:]]
            logger.warning("Slack rate limit: notices wait", extra={"retry_after": exc.retry_after})
            break
        except UpstreamUnavailableError as exc:
            outcome.failed = [m.message_id for m in messages[position:]]
            logger.warning("Slack unavailable: notices go back to the queue", extra={"error": str(exc)})
            break
    return outcome
