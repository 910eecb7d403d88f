"""Helpers shared by test modules (not fixtures): e.g. running code under another machine time zone."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def machine_zone(name: str) -> Iterator[None]:
    """Run the block with the process's local time zone set to `name` (TZ + tzset), then restore it."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()


def http_post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    """POST over real HTTP to a local server; an HTTP error status is returned, not raised."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def moto_without_transaction_backup() -> Iterator[None]:
    """moto's TransactWriteItems without its whole-table backup (a `copy.deepcopy` per item of the transaction).

    That backup makes a transaction cost time in proportion to the whole table, which DynamoDB does not. Only for
    runs where no transaction is cancelled (nothing to roll back): bulk creation of new accounts.
    """
    import moto.dynamodb.models as models

    class _NoCopy:
        @staticmethod
        def deepcopy(value: object, memo: object = None) -> object:
            return value

    original = models.copy
    models.copy = _NoCopy  # type: ignore[assignment]
    try:
        yield
    finally:
        models.copy = original
