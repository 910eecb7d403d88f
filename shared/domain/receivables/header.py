"""Finding the header row in the first lines: delimiter sniffing, column matching and profile detection."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, replace

from shared.domain.receivables.bounds import MAX_LINE_CHARS
from shared.domain.receivables.profiles import AMOUNT_FIELDS, Profile, normalize_name

DELIMITERS = (",", ";", "\t")


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


def is_usable(columns: dict[str, int], profile: Profile) -> bool:
    """A header must give the invoice, what is owed and who owes it (a column, or report group rows)."""
    who = bool({"account_id", "debtor_name"} & columns.keys()) or profile.customer_from_group
    return "invoice" in columns and bool(set(AMOUNT_FIELDS) & columns.keys()) and who


@dataclass(frozen=True)
class HeaderMatch:
    """Where the header is, how it splits and which profile reads it."""

    line: int
    delimiter: str
    profile: Profile
    columns: dict[str, int]
    cells: list[str]
    reason: str
    certain: bool = True  # False when another layout fits the header as well


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
            if is_usable(columns, profile):
                scored.append((len(columns), -rank, delimiter, profile, columns, cells))
    return sorted(scored, key=lambda item: (item[0], item[1]), reverse=True)


def _choose(number: int, scored: _Scored, detect: bool) -> HeaderMatch:
    score, _, delimiter, profile, columns, cells = scored[0]
    named = sum(1 for cell in cells if normalize_name(cell))
    tied = any(item[0] == score and item[3].name != profile.name for item in scored[1:])
    if not detect:
        reason = f"profile {profile.name!r} chosen by name; header matched {score} of {named} columns"
    else:
        others = [f"{item[3].name} {item[0]}" for item in scored[1:] if item[3].name != profile.name]
        runner = f"; next best: {others[0]}" if others else ""
        reason = f"detected from the header: {score} of {named} columns match {profile.name!r}{runner}"
    return HeaderMatch(number, delimiter, profile, columns, cells, reason, certain=not (detect and tied))


def find_confirmed(lines: list[tuple[int, str]], layouts: Sequence[Profile]) -> HeaderMatch | None:
    """The first line that is exactly the header a confirmed mapping was saved for."""
    by_header = {layout.header: layout for layout in layouts if layout.header}
    for number, text in lines:
        for delimiter in DELIMITERS:
            cells = split_line(text, delimiter) if delimiter in text else []
            layout = by_header.get(tuple(filter(None, map(normalize_name, cells))))
            if layout is not None:
                reason = f"confirmed mapping {layout.name!r}, saved for this header"
                return HeaderMatch(number, delimiter, layout, map_columns(cells, layout), cells, reason)
    return None


def checked(match: HeaderMatch, head: list[tuple[int, str]]) -> HeaderMatch | None:
    """A built-in layout's day/month order against the dates of the first rows: kept when they agree, learnt
    when the profile has none and the dates prove it, None (not certain) when they contradict or leave it open."""
    from shared.domain.receivables.infer import date_order  # infer builds on this module

    sample = [split_line(text, match.delimiter) for number, text in head if number > match.line]
    values = [[row[i].strip() for row in sample if i < len(row)] for f, i in match.columns.items() if "date" in f]
    order, doubt = date_order(values)
    declared = match.profile.date_order
    if order is None:
        return None if doubt and declared not in ("MDY", "DMY") else match
    if declared is None:
        return replace(match, profile=replace(match.profile, date_order=order))
    return match if declared == order else None
