"""Items taken a fixed number at a time (itertools.batched arrives with Python 3.12; the runtime is 3.11)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items in order, the last one shorter; nothing for no items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
