"""Text that came from a user or a file, made safe to put in a Slack message.

Slack reads `<...>` in mrkdwn as a mention, a channel-wide ping (`<!channel>`, `<!here>`, `<!everyone>`) or a link,
and `&` starts an entity. Escaping the three control characters shows such text literally, exactly as typed.
Formatting characters (`*`, `_`, `~`, backticks) are left alone: they can only style, not ping or link.
"""

from __future__ import annotations

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def count(n: int, noun: str) -> str:
    """`1 account`, `2 accounts`: a count as a reader says it (nouns whose plural adds an s)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def escape(text: object) -> str:
    """`text` (a debtor name, a note, an import value, a command argument) shown literally in a Slack message."""
    return str(text).translate(_ESCAPES)
