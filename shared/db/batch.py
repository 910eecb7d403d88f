"""BatchWriteItem in chunks of 25 and BatchGetItem in pages of 100, unprocessed entries retried under exponential
backoff and jitter a bounded number of times (pynamodb's own batch_get retries unprocessed keys forever, at once)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from pynamodb.exceptions import PynamoDBException
from pynamodb.models import Model

from shared.chunks import chunked
from shared.domain.errors import UpstreamUnavailableError

M = TypeVar("M", bound=Model)

BATCH = 25  # DynamoDB's limit per BatchWriteItem
GET_PAGE = 100  # and per BatchGetItem
MAX_ATTEMPTS = 8


def _backoff(attempt: int) -> float:
    return min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not crypto


def batch_put(model: type[Model], items: Iterable[Model], sleep: Callable[[float], None] = time.sleep) -> int:
    """Put every item; returns how many BatchWriteItem calls it took (the benchmark counts them)."""
    return _batch_write(model, ({"PutRequest": {"Item": item.serialize()}} for item in items), sleep)


def batch_delete(
    model: type[Model], wanted: Iterable[tuple[str, str]], sleep: Callable[[float], None] = time.sleep
) -> int:
    """Delete the items of these (pk, sk) keys; returns how many BatchWriteItem calls it took."""
    keys = ({"DeleteRequest": {"Key": {"pk": {"S": pk}, "sk": {"S": sk}}}} for pk, sk in wanted)
    return _batch_write(model, keys, sleep)


def _batch_write(model: type[Model], requests: Iterable[dict[str, Any]], sleep: Callable[[float], None]) -> int:
    calls = 0
    connection = model._get_connection().connection
    table = model.Meta.table_name
    for chunk in chunked(requests, BATCH):
        pending: list[dict[str, Any]] = chunk
        for attempt in range(MAX_ATTEMPTS):
            calls += 1
            answer = _write_requests(connection, table, pending)
            pending = answer.get("UnprocessedItems", {}).get(table, [])
            if not pending:
                break
            sleep(_backoff(attempt))
        else:
            raise UpstreamUnavailableError(
                f"DynamoDB left {len(pending)} item(s) unprocessed after {MAX_ATTEMPTS} tries"
            )
    return calls


def _write_requests(connection: Any, table: str, requests: list[dict[str, Any]]) -> dict[str, Any]:
    try:
        return dict(connection.dispatch("BatchWriteItem", {"RequestItems": {table: requests}}) or {})
    except PynamoDBException as exc:
        raise UpstreamUnavailableError("DynamoDB refused the batch write") from exc


def batch_get(
    model: type[M],
    wanted: Iterable[tuple[str, str]],
    consistent_read: bool = False,
    attributes: list[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[M]:
    """The items of these (pk, sk) keys that exist; UpstreamUnavailableError when DynamoDB keeps leaving keys
    unprocessed after MAX_ATTEMPTS tries (throttling), instead of spinning until the function times out."""
    connection = model._get_connection()
    table = model.Meta.table_name
    for chunk in chunked(dict.fromkeys(wanted), GET_PAGE):
        pending: list[dict[str, Any]] = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in chunk]
        for attempt in range(MAX_ATTEMPTS):
            answer = connection.batch_get_item(
                pending,  # type: ignore[arg-type]  # pynamodb passes attribute-value maps through as they are
                consistent_read=consistent_read,
                attributes_to_get=attributes,
            )
            for raw in answer.get("Responses", {}).get(table, []):
                yield model.from_raw_data(raw)
            pending = answer.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
            if not pending:
                break
            sleep(_backoff(attempt))
        else:
            raise UpstreamUnavailableError(f"DynamoDB left {len(pending)} key(s) unread after {MAX_ATTEMPTS} tries")
