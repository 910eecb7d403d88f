"""Raw byte lines to numbered text lines: encoding choice, line splitting and refusal of binary files."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from shared.domain.errors import InvalidInputError

_BOM = b"\xef\xbb\xbf"


class UnreadableFileError(InvalidInputError):
    """The file cannot be read at all (binary, no header, unknown profile): quarantine it with this reason."""


def split_physical(items: Iterable[bytes]) -> Iterator[bytes]:
    """Yield physical lines without terminators.

    Items are lines with or without their endings (`iter_lines(keepends=True)`, a file opened 'rb');
    a lone CR inside an item also ends a line, and a CR/LF pair split across two items counts once.
    """
    after_cr = False
    for item in items:
        if item == b"\n" and after_cr:
            after_cr = False
            continue
        after_cr = item.endswith(b"\r")
        yield from item.splitlines() or [b""]


def split_chunks(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """Byte lines with their endings (CR, LF or CRLF) from chunks of any size, in time linear in the input.

    A line longer than `limit` bytes keeps only its first `limit + 1` (then its ending): the rest is read past,
    so memory stays bounded by `limit` and a chunk, and the reader can still tell the line was too long.
    A CRLF split between two chunks comes out as two items, `...\\r` and `\\n`, as split_physical expects.
    """
    carry: list[bytes] = []
    size = 0
    for chunk in chunks:
        for piece in chunk.splitlines(keepends=True):
            body = piece.rstrip(b"\r\n")
            if size <= limit:
                kept = body[: limit + 1 - size]
                carry.append(kept)
                size += len(kept)
            if len(body) < len(piece):
                yield b"".join(carry) + piece[len(body) :]
                carry, size = [], 0
    if carry:
        yield b"".join(carry)


def choose_encoding(head: list[bytes]) -> str:
    """Pick the codec from the first lines; refuse content that is not delimited text."""
    first = head[0] if head else b""
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFileError("file is UTF-16 text: save it as 'CSV UTF-8' and upload it again")
    if first.startswith(b"PK\x03\x04"):
        raise UnreadableFileError("file is a zip or .xlsx workbook, not CSV: export it as CSV")
    if any(b"\x00" in line for line in head):
        raise UnreadableFileError("file contains NUL bytes: it is binary, not CSV text")
    if first.startswith(_BOM):
        return "utf-8-sig"
    try:
        for line in head:
            line.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def decode_line(raw: bytes, encoding: str) -> tuple[str, bool]:
    """Decode one line; on failure read it as Windows-1252 (then Latin-1) and say so with the flag."""
    try:
        return raw.decode(encoding), False
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), True
    except UnicodeDecodeError:
        return raw.decode("latin-1"), True


def decode_lines(
    raw_lines: Iterable[bytes], encoding: str, first_number: int, warn: Callable[[str], None]
) -> Iterator[tuple[int, str]]:
    """Number and decode lines lazily; NUL bytes after the header are removed with a file warning."""
    for number, raw in enumerate(raw_lines, start=first_number):
        text, fell_back = decode_line(raw, encoding)
        if fell_back and encoding != "cp1252":
            warn(f"line {number} is not valid {encoding}; read it as Windows-1252")
        if "\x00" in text:
            warn(f"line {number} contained NUL bytes; they were removed")
            text = text.replace("\x00", "")
        yield number, text


def read_head(
    lines: Iterable[bytes], count: int, empty: str
) -> tuple[Iterator[bytes], list[bytes], str, list[tuple[int, str]]]:
    """The first `count` physical lines, decoded and numbered, and the physical lines after them (unread).

    Returns (the rest, the head's raw lines, the encoding chosen from them, the numbered head); an empty file is
    refused with `empty`, a binary one with its reason (UnreadableFileError)."""
    physical = split_physical(lines)
    head_raw = list(islice(physical, count))
    if not any(raw.strip() for raw in head_raw):
        raise UnreadableFileError(empty)
    encoding = choose_encoding(head_raw)
    head = [(number, decode_line(raw, encoding)[0]) for number, raw in enumerate(head_raw, start=1)]
    return physical, head_raw, encoding, head


class ByteLines:
    """Byte lines of an object read from byte `start` (its line `first_line` starts there), that remember where
    their recent physical lines start, so an import can checkpoint there and resume by a ranged read.

    `open_at(start)` gives the lines (with their endings) from that byte; it is called on first iteration only.
    Positions are known while every line is whole: a line cut to the reader's bound `limit` loses its length, and
    from then on `start_of` says None (the import then resumes by reading from the top, as before).
    """

    KEEP = 1_024  # lines remembered: more than the parser reads ahead of the rows it has yielded

    def __init__(
        self,
        open_at: Callable[[int], Iterable[bytes]],
        start: int = 0,
        first_line: int = 1,
        limit: int | None = None,
        remember: int = 0,
    ) -> None:
        self._open_at = open_at
        self.start, self.first_line, self.limit = start, first_line, limit
        self._starts: deque[tuple[int, int]] = deque(maxlen=self.KEEP)
        self._remember = remember
        self.remembered: int | None = None  # where line `remember` starts, kept however far the reader goes
        self._line, self._at, self._lost = first_line, start, False
        self._after_cr = False  # the last line read ended in CR: an LF may follow, the next line's start is unsure

    def __iter__(self) -> Iterator[bytes]:
        for item in self._open_at(self.start):
            for piece in item.splitlines(keepends=True) or [item]:
                if piece == b"\n" and self._after_cr:  # the LF of a CRLF split between two reads
                    self._after_cr = False
                    self._at += 1
                    yield piece
                    continue
                self._starts.append((self._line, self._at))
                if self._line == self._remember:
                    self.remembered = self._at
                self._line += 1
                self._at += len(piece)
                body = len(piece.rstrip(b"\r\n"))
                self._lost |= self.limit is not None and body > self.limit
                self._after_cr = piece.endswith(b"\r")
                yield piece

    def start_of(self, line: int) -> int | None:
        """The byte at which physical line `line` starts, if this reader still knows it."""
        if self._lost:
            return None
        if line == self._line:
            return None if self._after_cr else self._at  # the next line to read
        return next((at for number, at in reversed(self._starts) if number == line), None)
