"""Slack messages as notices: what to say, where, and which message it replaces.

Work (an import, a reminder run, a follow-up) never waits for Slack: it hands notices to a queue, and a small
poster delivers them when Slack allows. A notice's `key` names one Slack message: the first notice of a key posts
it, later ones (higher `seq`) update it in place, and a notice whose `seq` is not above the last delivered one is a
repeat or arrived late, and is dropped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FINAL = 2**53  # the seq of a job's last word (its summary): nothing after it replaces it

MAPPING_REVIEW = "mapping_review"  # the action of a waiting file's "Review mapping" button (intake → Slack)


@dataclass(frozen=True)
class Notice:
    key: str
    channel: str
    text: str
    blocks: list[dict[str, Any]] | None = field(default=None, compare=False)
    seq: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "channel": self.channel, "text": self.text, "blocks": self.blocks, "seq": self.seq}

    @classmethod
    def of(cls, data: dict[str, Any]) -> Notice:
        return cls(str(data["key"]), str(data["channel"]), str(data["text"]), data.get("blocks"), int(data["seq"]))

    @property
    def group(self) -> str:
        """The FIFO group: notices of one message are delivered in order, one at a time (at most 128 chars)."""
        return hashlib.sha256(self.key.encode()).hexdigest()

    @property
    def dedup_id(self) -> str:
        return hashlib.sha256(f"{self.key}#{self.seq}".encode()).hexdigest()


def run_notice(kind: str, run_at: datetime, channel: str, text: str) -> Notice:
    """A scheduled run's report: a repeat of the run saying the same is delivered once; a retry of the run that has
    something else to say (other accounts closed or stopped) is a message of its own."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return Notice(f"{kind}:{run_at.isoformat()}:{digest}", channel, text)


def should_deliver(notice: Notice, delivered_seq: int | None) -> bool:
    """A notice goes out unless one at least as recent was already delivered for its message."""
    return delivered_seq is None or notice.seq > delivered_seq
