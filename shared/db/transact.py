"""The one way to write several items at once: a TransactWriteItems whose items have names.

Cancellation reasons are read by item name, never by position (pynamodb sends condition checks, then deletes,
then puts, then updates, whatever order they were added in). Idempotency markers have one key format
(`ONCE#<what>#<id>`) and one expiry. A transaction cancelled by a conflicting one or by throttling is retried
with backoff under the same client request token, so a lost response that did commit is not written twice.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from shared.db import keys
from shared.db.errors import code_of
from shared.db.models import AccountItem, MarkerItem
from shared.domain.errors import UpstreamUnavailableError

MARKER_TTL = timedelta(days=400)
MAX_ITEMS = 100
ATTEMPTS = 5
REQUEST = "request"  # the name of the idempotency marker in a transaction
_LOST = (ReadTimeoutError, ConnectionClosedError, EndpointConnectionError)  # sent, or maybe sent: no answer
_ORDER = ("check", "delete", "put", "update")  # how pynamodb lays out TransactItems
_RETRYABLE = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


def once_marker(account_key: str, what: str, at: datetime, data: dict[str, Any] | None = None) -> MarkerItem:
    """The marker that makes one piece of work happen once: `ONCE#<what>` on the account's partition."""
    return MarkerItem(keys.account_pk(account_key), f"ONCE#{what}", at=at, data=data or {}, expires_at=at + MARKER_TTL)


class Cancelled(Exception):
    """The transaction was cancelled because the conditions of these named items failed."""

    def __init__(self, failed: frozenset[str]) -> None:
        super().__init__(f"conditions failed: {', '.join(sorted(failed))}")
        self.failed = failed


@dataclass
class Transaction:
    """Collect named writes, then `commit()`; `Cancelled.failed` names the items whose condition failed."""

    sleep: Callable[[float], None] = time.sleep
    _ops: list[tuple[str, str, Callable[[TransactWrite], None]]] = field(default_factory=list)

    def put(self, name: str, item: Model, condition: Any = None) -> None:
        self._add("put", name, lambda tx: tx.save(item, condition=condition))

    def update(self, name: str, item: Model, actions: list[Any], condition: Any = None, versioned: bool = True) -> None:
        self._add(
            "update",
            name,
            lambda tx: tx.update(item, actions=actions, condition=condition, add_version_condition=versioned),
        )

    def delete(self, name: str, item: Model, condition: Any = None) -> None:
        self._add("delete", name, lambda tx: tx.delete(item, condition=condition, add_version_condition=False))

    def once(self, account_key: str, what: str, at: datetime, data: dict[str, Any] | None = None) -> None:
        """The request marker: if it exists, the transaction fails with REQUEST among the failed names."""
        self.put(REQUEST, once_marker(account_key, what, at, data), condition=MarkerItem.pk.does_not_exist())

    def _add(self, category: str, name: str, apply: Callable[[TransactWrite], None]) -> None:
        if any(existing == name for _, existing, _ in self._ops):
            raise ValueError(f"two items named {name!r} in one transaction")
        if len(self._ops) >= MAX_ITEMS:
            raise ValueError(f"a transaction holds at most {MAX_ITEMS} items")
        self._ops.append((category, name, apply))

    def names(self) -> list[str]:
        """Item names in the order DynamoDB receives them (and reports cancellation reasons in)."""
        return [name for category in _ORDER for cat, name, _ in self._ops if cat == category]

    def commit(self) -> None:
        """Write all or nothing. Raises Cancelled for failed conditions, UpstreamUnavailableError when DynamoDB
        keeps refusing (throttling, conflicting transactions) after ATTEMPTS tries."""
        token = uuid.uuid4().hex
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self._write(token)
                return
            except TransactWriteError as exc:
                failed = self._failed(exc)
                if failed:
                    raise Cancelled(failed) from exc
                if not self._retryable(exc) or attempt == ATTEMPTS:
                    raise UpstreamUnavailableError(f"DynamoDB refused the transaction ({code_of(exc)})") from exc
            self.sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not crypto

    def _write(self, token: str) -> None:
        connection = AccountItem._get_connection().connection
        with TransactWrite(connection=connection, client_request_token=token) as tx:
            for category in _ORDER:
                for cat, _, apply in self._ops:
                    if cat == category:
                        apply(tx)

    def _failed(self, exc: TransactWriteError) -> frozenset[str]:
        if code_of(exc) != "TransactionCanceledException":
            return frozenset()
        reasons = exc.cancellation_reasons or []
        return frozenset(
            name
            for name, reason in zip(self.names(), reasons, strict=False)
            if reason is not None and reason.code == "ConditionalCheckFailed"
        )

    @staticmethod
    def _retryable(exc: TransactWriteError) -> bool:
        if isinstance(exc.cause, _LOST):  # the answer was lost: the same token makes a repeat of a commit a no-op
            return True
        throttled = ("ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded")
        if code_of(exc) in _RETRYABLE or code_of(exc) in throttled:
            return True
        codes = {reason.code for reason in exc.cancellation_reasons or [] if reason is not None}
        return code_of(exc) == "TransactionCanceledException" and codes <= _RETRYABLE | {"None"}
