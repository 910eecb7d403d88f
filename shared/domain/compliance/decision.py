"""The engine's answer: decision, deferral instant, deciding rules (primary first) and a plain explanation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

RULES_VERSION = "regf-2026.1/spec-0.1"


def format_instant(instant: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, to the second."""
    return instant.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Decision:
    decision: str
    until: datetime | None
    rules: tuple[str, ...]
    explanation: str
    rules_version: str = RULES_VERSION

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"decision": self.decision}
        if self.decision == "DEFER" and self.until is not None:
            body["until"] = format_instant(self.until)
        body["rules"] = list(self.rules)
        body["explanation"] = self.explanation
        body["rules_version"] = self.rules_version
        return body
