"""The wall clock the handlers read (logic takes `now` as an argument): one place, so `arrears tick --at` and the
local stack's simulated days can run every function as of another instant. In production it is the real time."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
