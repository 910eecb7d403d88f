"""Worklist priority: older and larger debts first; a score, never money arithmetic."""

from __future__ import annotations

import math
from datetime import date

from shared.domain.accounts import Account
from shared.domain.money import Money


def priority(account: Account, today: date) -> int:
    """Days past due dominate (x100), then the size of the largest balance (0-99, log scale)."""
    if account.oldest_due is None or not account.is_open:
        return 0
    days = max(0, min((today - account.oldest_due).days, 9_999))
    largest = max((float(Money(v, c).to_decimal()) for c, v in account.balances.items() if v > 0), default=0.0)
    size = min(99, int(math.log10(max(largest, 1.0)) * 16))
    return days * 100 + size
