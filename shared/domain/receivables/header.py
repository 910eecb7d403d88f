"""Finding the header row in the first lines: delimiter sniffing, column matching and profile detection."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

from shared.domain.receivables.bounds import MAX_LINE_CHARS
from shared.domain.receivables.profiles import Profile

DELIMITERS = (",", ";", "\t")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_name(name: str) -> str:
    """Header names compare ignoring case, spaces, punctuation and Xero's `*` required marker."""
    return _NOT_ALNUM.sub("", name.strip().lower().replace("#", "number"))


def split_line(text: str, delimiter: str) -> list[str]:
    """The cells of one line; none for a line csv cannot split (a header is never such a line)."""
    try:
        return next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error:
        return []


def map_columns(cells: list[str], profile: Profile) -> dict[str, int]:
    """Field → column index; for each field the first of the profile's names present in the header wins."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        positions.setdefault(normalize_name(cell), index)
    positions.pop("", None)
    mapped: dict[str, int] = {}
    for field_name, names in profile.columns.items():
        for name in names:
            if normalize_name(name) in positions:
                mapped[field_name] = positions[normalize_name(name)]
                break
    return mapped


def is_usable(columns: dict[str, int]) -> bool:
    """A header must give the invoice, the balance and who owes it."""
    return {"invoice", "balance"} <= columns.keys() and bool({"account_id", "debtor_name"} & columns.keys())


@dataclass(frozen=True)
class HeaderMatch:
    """Where the header is, how it splits and which profile reads it."""

    line: int
    delimiter: str
    profile: Profile
    columns: dict[str, int]
    cells: list[str]
    reason: str


def find_header(lines: list[tuple[int, str]], profiles: list[Profile], detect: bool) -> HeaderMatch | None:
    """The first line that some profile can read as a header; the best-scoring profile on it wins."""
    for number, text in lines:
        scored = _score_line(text, profiles)
        if scored:
            return _choose(number, scored, detect)
    return None


_Scored = list[tuple[int, int, str, Profile, dict[str, int], list[str]]]


def _score_line(text: str, profiles: list[Profile]) -> _Scored:
    scored: _Scored = []
    if len(text) > MAX_LINE_CHARS:
        return scored
    for delimiter in DELIMITERS:
        if delimiter not in text:
            continue
        cells = split_line(text, delimiter)
        for rank, profile in enumerate(profiles):
            columns = map_columns(cells, profile)
            if is_usable(columns):
                scored.append((len(columns), -rank, delimiter, profile, columns, cells))
    return sorted(scored, key=lambda item: (item[0], item[1]), reverse=True)


def _choose(number: int, scored: _Scored, detect: bool) -> HeaderMatch:
    score, _, delimiter, profile, columns, cells = scored[0]
    named = sum(1 for cell in cells if normalize_name(cell))
    if not detect:
        reason = f"profile {profile.name!r} chosen by name; header matched {score} of {named} columns"
    else:
        others = [f"{item[3].name} {item[0]}" for item in scored[1:] if item[3].name != profile.name]
        runner = f"; next best: {others[0]}" if others else ""
        reason = f"detected from the header: {score} of {named} columns match {profile.name!r}{runner}"
    return HeaderMatch(number, delimiter, profile, columns, cells, reason)
