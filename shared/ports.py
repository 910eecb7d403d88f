"""Small protocols for side effects, so logic can be driven by real adapters or in-memory fakes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any, Protocol


class Mailer(Protocol):
    def send_email(self, to: str, subject: str, body: str) -> str:
        """Send one email; return the provider's message id."""
        ...


class SmsSender(Protocol):
    def send_sms(self, to: str, body: str) -> str:
        """Send one text to an E.164 number; return the provider's message id."""
        ...


class SlackPoster(Protocol):
    def post(self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None) -> str:
        """Post a message; return its `ts` so it can be updated."""
        ...

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Replace a posted message (used for progress of long jobs)."""
        ...


class ObjectStore(Protocol):
    def iter_lines(self, key: str, version_id: str | None = None) -> Iterator[bytes]:
        """Stream an object as raw byte lines (line endings kept), never loading it whole."""
        ...

    def put(self, key: str, body: bytes | IO[bytes], content_type: str = "text/plain") -> None: ...

    def delete(self, key: str) -> None: ...

    def list_keys(self, prefix: str) -> Iterator[str]: ...

    def move(self, key: str, new_key: str, version_id: str | None = None) -> None: ...

    def read_text(self, key: str) -> str | None:
        """Whole small object as text (mapping files); None when it does not exist."""
        ...


class Queue(Protocol):
    def send(self, body: dict[str, Any]) -> None: ...
