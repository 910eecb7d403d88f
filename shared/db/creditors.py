"""Repository of per-creditor settings: the contact policy that overrides the engine's defaults."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from shared.db import keys
from shared.db.models import CreditorItem

CACHE_SECONDS = 300.0  # a policy change reaches warm Lambdas within five minutes
_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def put_policy(creditor: str, policy: dict[str, Any], source: str, at: datetime) -> None:
    CreditorItem(keys.creditor_pk(creditor), "POLICY", policy=policy, source=source, updated_at=at).save()
    _cache.pop(creditor, None)


def get_policy(creditor: str) -> dict[str, Any]:
    """The creditor's overrides ({} when none), cached per warm Lambda for CACHE_SECONDS."""
    cached = _cache.get(creditor)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        policy = dict(CreditorItem.get(keys.creditor_pk(creditor), "POLICY").policy or {})
    except DoesNotExist:
        policy = {}
    _cache[creditor] = (time.monotonic() + CACHE_SECONDS, policy)
    return policy


IMPORTED_SK = "IMPORTED"  # the creditor's last finished receivables import: the age of what Arrears knows


def mark_imported(creditor: str, source: str, at: datetime) -> None:
    """Record that an import of the creditor's receivables finished at `at` (one PutItem an import)."""
    CreditorItem(keys.creditor_pk(creditor), IMPORTED_SK, source=source, updated_at=at).save()
    _imported.pop(creditor, None)


def last_imported(creditor: str) -> datetime | None:
    """When the creditor's last receivables import finished (None: never), cached like the policy."""
    cached = _imported.get(creditor)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        at: datetime | None = CreditorItem.get(keys.creditor_pk(creditor), IMPORTED_SK).updated_at
    except DoesNotExist:
        at = None
    _imported[creditor] = (time.monotonic() + CACHE_SECONDS, at)
    return at


_imported: dict[str, tuple[float, datetime | None]] = {}


def clear_cache() -> None:
    _cache.clear()
    _imported.clear()
