"""One rule's verdict and the severity order used to combine verdicts (spec §3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.domain.compliance.context import Context


class Outcome(IntEnum):
    """Ordered by severity so that `max` picks the overall outcome."""

    ALLOW = 0
    DEFER = 1
    REVIEW = 2
    BLOCK = 3


@dataclass(frozen=True)
class RuleResult:
    rule: str
    outcome: Outcome
    reason: str
    until: datetime | None = None


Rule = Callable[["Context", datetime], RuleResult | None]


def block(rule: str, reason: str) -> RuleResult:
    return RuleResult(rule, Outcome.BLOCK, reason)


def review(rule: str, reason: str) -> RuleResult:
    return RuleResult(rule, Outcome.REVIEW, reason)


def defer(rule: str, until: datetime, reason: str) -> RuleResult:
    return RuleResult(rule, Outcome.DEFER, reason, until)
