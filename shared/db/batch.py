"""BatchWriteItem in chunks of 25, with unprocessed items retried under exponential backoff and jitter."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from pynamodb.models import Model

from shared.domain.errors import UpstreamUnavailableError

BATCH = 25  # DynamoDB's limit per BatchWriteItem
MAX_ATTEMPTS = 8


def _chunks(items: Iterable[Model], size: int) -> Iterable[list[Model]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def batch_put(model: type[Model], items: Iterable[Model], sleep: Callable[[float], None] = time.sleep) -> int:
    """Put every item; returns how many BatchWriteItem calls it took (the benchmark counts them)."""
    calls = 0
    connection = model._get_connection()
    table = model.Meta.table_name
    for chunk in _chunks(items, BATCH):
        pending: list[dict[str, Any]] = [item.serialize() for item in chunk]
        for attempt in range(MAX_ATTEMPTS):
            calls += 1
            answer = connection.batch_write_item(put_items=pending) or {}
            left = answer.get("UnprocessedItems", {}).get(table, [])
            if not left:
                break
            pending = [entry["PutRequest"]["Item"] for entry in left]
            sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not crypto
        else:
            raise UpstreamUnavailableError(
                f"DynamoDB left {len(pending)} item(s) unprocessed after {MAX_ATTEMPTS} tries"
            )
    return calls
