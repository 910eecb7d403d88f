"""Compliance engine: decides whether a proposed collection contact may go out now, later or never.

The engine's modules load on the first `evaluate`: code that only needs a piece of the package (business days
for validation periods, the Decision type) does not load every rule with it."""

from __future__ import annotations

from typing import Any

from shared.domain.compliance.decision import RULES_VERSION, Decision

__all__ = ["RULES_VERSION", "Decision", "evaluate"]


def evaluate(check: dict[str, Any]) -> Decision:
    """Decide the SCHEMA `input` object as of its `proposed.at`; raises InvalidInputError naming the field."""
    from shared.domain.compliance.engine import decide
    from shared.domain.compliance.parse import parse_check

    return decide(parse_check(check))
