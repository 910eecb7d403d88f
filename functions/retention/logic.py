"""Remove an account's remaining records once DynamoDB's TTL has removed the account item (retention ran out)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from shared.observability import logger


def reap(expired_partitions: Iterable[str], delete_partition: Callable[[str], int]) -> int:
    """Delete every item left under each expired account's partition; returns how many were deleted."""
    deleted = 0
    for pk in dict.fromkeys(expired_partitions):
        deleted += delete_partition(pk)
    logger.info("expired accounts removed", extra={"items": deleted})
    return deleted
