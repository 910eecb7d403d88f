"""What promise and plan follow-ups share: the failures of a run, reported without stopping the others."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.domain.errors import ArrearsError
from shared.observability import logger


@dataclass
class Failures:
    """Follow-ups that failed in this run; the others go on, and the run raises them all at the end."""

    lines: list[str] = field(default_factory=list)
    errors: list[ArrearsError] = field(default_factory=list)

    def add(self, account_key: str, kind: str, exc: ArrearsError) -> None:
        """Log and keep the failure by account key and error class only: no debtor data in logs or Slack."""
        error = type(exc).__name__
        logger.warning("follow-up failed", extra={"account_key": account_key, "kind": kind, "error": error})
        self.lines.append(f"{account_key} ({kind}: {error})")
        self.errors.append(exc)

    def raise_any(self) -> None:
        """Raise so Lambda retries and the failure destination keeps the event; closes are conditioned on the
        item still being open, so the retry only does what is left."""
        if self.errors:
            raise ExceptionGroup(f"{len(self.errors)} follow-up(s) failed", self.errors)
