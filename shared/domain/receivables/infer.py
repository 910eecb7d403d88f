"""Column inference by meaning: header names scored against the vocabulary, values checked on the first rows.

A layout is used only when it is certain: every field it needs has one column clearly ahead of any other, the
values in those columns read as what the field holds, the day/month order is proven by the dates themselves,
and the currency is known. Otherwise the proposal says what is in doubt, so someone can confirm it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Literal

from shared.domain.money import is_currency
from shared.domain.receivables.amounts import AmountError, parse_amount
from shared.domain.receivables.dates import DateError, parse_date
from shared.domain.receivables.header import DELIMITERS, split_line
from shared.domain.receivables.profiles import AMOUNT_FIELDS, Profile, normalize_name
from shared.domain.receivables.vocabulary import LINE_ITEM_MARKS, STATUS_WORDS, VOCABULARY

DateOrder = Literal["MDY", "DMY", "YMD"]
DATE_FIELDS = ("invoice_date", "due_date")
_AMOUNTS = frozenset(AMOUNT_FIELDS) | {"amount_paid"}
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b")
_TRUE = frozenset({"true", "t", "1", "yes", "y", "x", "deleted"})
_FALSE = frozenset({"false", "f", "0", "no", "n", ""})
PARTIAL = 0.55  # a header that only contains a field's name scores this much (an exact name scores near 1)
PARTIAL_MIN = 8  # only names this long are looked for inside a longer header (`Invoice Number (ref)`)
PARTIAL_FIELDS = ("invoice", "account_id", "debtor_name", "balance", "due_date")  # the others: exact names only
TIE = 0.001  # scores closer than this are a tie: neither column is clearly ahead


@dataclass(frozen=True)
class Proposal:
    """The mapping inference proposes for one header line, and what (if anything) keeps it from being certain."""

    line: int
    delimiter: str
    cells: list[str]
    columns: dict[str, int]  # field → index of the header cell
    date_order: DateOrder | None = None
    default_currency: str | None = None
    customer_from_group: bool = False
    doubts: tuple[str, ...] = ()
    score: float = 0.0

    @property
    def certain(self) -> bool:
        return not self.doubts

    def profile(self, name: str = "inferred", **options: object) -> Profile:
        columns = {name_: (self.cells[index],) for name_, index in self.columns.items()}
        base = Profile(
            name=name, columns=columns, date_order=self.date_order, default_currency=self.default_currency,
            customer_from_group=self.customer_from_group,
            header=tuple(cell for cell in map(normalize_name, self.cells) if cell),
        )  # fmt: skip
        return replace(base, **options)  # type: ignore[arg-type]

    def describe(self) -> list[str]:
        """One line a field: `field ← "Column"`, for Slack and `arrears check`."""
        return [f"{name} ← {self.cells[index]!r}" for name, index in self.columns.items()]


@dataclass
class _Column:
    index: int
    name: str
    values: list[str] = field(default_factory=list)


def infer(head: Sequence[tuple[int, str]], header_lines: int) -> Proposal | None:
    """The best proposal over the first `header_lines` lines of `head` as header, the rest of `head` as sample."""
    best: Proposal | None = None
    for number, text in head[:header_lines]:
        for delimiter in DELIMITERS:
            if delimiter not in text:
                continue
            cells = split_line(text, delimiter)
            if len([c for c in cells if c.strip()]) < 3:
                continue
            sample = [split_line(t, delimiter) for n, t in head if n > number]
            proposal = propose(number, delimiter, cells, sample)
            if proposal is not None and (best is None or proposal.score > best.score):
                best = proposal
    return best


def propose(line: int, delimiter: str, cells: list[str], sample: list[list[str]]) -> Proposal | None:
    """Score every (field, column), assign greedily, then check what the assignment leaves in doubt."""
    columns = [_Column(i, normalize_name(cell)) for i, cell in enumerate(cells)]
    rows = [row for row in sample if _is_data(row)]
    for column in columns:
        column.values = [row[column.index].strip() for row in rows if column.index < len(row)]
    scores = {(f, c.index): _score(f, c) for f in VOCABULARY for c in columns if c.name}
    scores = {key: value for key, value in scores.items() if value > 0}
    assigned: dict[str, int] = {}
    taken: set[int] = set()
    for (name, index), _value in sorted(scores.items(), key=lambda item: -item[1]):
        if name not in assigned and index not in taken:
            assigned[name] = index
            taken.add(index)
    _line_items(assigned, columns, scores)
    _drop_guesses(assigned, columns, scores)
    misfit = None if _AMOUNTS & assigned.keys() else _misfit_amount(columns, taken)
    if misfit is not None:
        assigned[misfit[0]], scores[misfit] = misfit[1], PARTIAL
    known = {"invoice", "account_id", "debtor_name", "invoice_date", "due_date"} & assigned.keys()
    if not _AMOUNTS & assigned.keys() or len(known) < 2:
        return None  # not a receivables header: no amount, or too little else that is named
    doubts = _ties(assigned, scores, taken)
    if misfit is not None:
        doubts.append(f"{misfit[0]}: not every value of {cells[misfit[1]]!r} reads as an amount in one style")
    doubts += [] if "invoice" in assigned else ["no column names the invoice number"]
    order, order_doubt = date_order([columns[assigned[f]].values for f in DATE_FIELDS if f in assigned])
    doubts += [order_doubt] if order_doubt else []
    currency, currency_doubt = _currency(assigned, columns)
    doubts += [currency_doubt] if currency_doubt else []
    grouped = False
    if "account_id" not in assigned and "debtor_name" not in assigned:
        grouped = has_group_rows(sample)
        doubts += [] if grouped else ["no column names the customer (account id or name)"]
    terms = "terms" in assigned and any(columns[assigned["terms"]].values)
    if "due_date" not in assigned and not terms:
        doubts.append("no due-date or terms column: choose the payment terms (days after the invoice date)")
    owed_from = {"balance", "amount_paid", "line_amount", "debit", "credit", "amount", "status"}
    if not owed_from & assigned.keys():
        doubts.append("no open-balance column: the invoice total would be read as what is owed")
    total = sum(scores[(name, index)] for name, index in assigned.items())
    return Proposal(line, delimiter, list(cells), assigned, order, currency, grouped, tuple(doubts), total)


def _misfit_amount(columns: list[_Column], taken: set[int]) -> tuple[str, int] | None:
    """An amount column named as such whose values do not all parse (mixed styles): proposed, in doubt."""
    for name in ("balance", "total"):
        for column in columns:
            if column.index not in taken and column.name in VOCABULARY[name]:
                return name, column.index
    return None


def _is_data(row: list[str]) -> bool:
    return len([cell for cell in row if cell.strip()]) >= 3


def _score(name: str, column: _Column) -> float:
    vocabulary = VOCABULARY[name]
    if column.name in vocabulary:
        base = 1.0 - 0.002 * vocabulary.index(column.name)
    elif any(len(word) >= PARTIAL_MIN and word in column.name for word in vocabulary):
        base = PARTIAL
    else:
        return 0.0
    return base * _fit(name, column.values)


def _fit(name: str, values: list[str]) -> float:
    """How well the sample values read as the field: 1, 0.9 when the sample has none, 0 when they do not."""
    filled = [v for v in values if v]
    if not filled:
        return 0.9
    if name in DATE_FIELDS:
        check = _is_date
    elif name in _AMOUNTS:
        check = _is_amount
    elif name == "currency":
        check = is_currency
    elif name == "email":
        return 1.0 if sum("@" in v for v in filled) * 2 >= len(filled) else 0.0
    elif name == "deleted":
        return 1.0 if all(v.lower() in _TRUE | _FALSE | {"null"} or _is_date(v[:10]) for v in filled) else 0.0
    elif name in ("status", "state"):
        words = sum(normalize_name(v) in STATUS_WORDS for v in filled)
        return 1.0 if (words >= 0.8 * len(filled)) == (name == "status") else 0.0
    elif name in ("invoice", "account_id", "debtor_name"):
        return 0.0 if all(_is_date(v) for v in filled) else 1.0
    else:
        return 1.0
    return 1.0 if sum(map(check, filled)) >= 0.9 * len(filled) else 0.0


def _is_date(text: str) -> bool:
    for order in ("MDY", "DMY"):
        try:
            parse_date(text, order)
            return True
        except DateError:
            continue
    return False


def _is_amount(text: str) -> bool:
    try:
        parse_amount(text)
        return True
    except (AmountError, ArithmeticError):
        return False


def _line_items(assigned: dict[str, int], columns: list[_Column], scores: dict[tuple[str, int], float]) -> None:
    """In a line-item export a bare `Amount` is the line's amount, not the invoice's total."""
    names = {c.name for c in columns}
    index = assigned.get("total")
    if (
        index is not None
        and columns[index].name == "amount"
        and names & LINE_ITEM_MARKS
        and "line_amount" not in assigned
    ):
        assigned["line_amount"] = assigned.pop("total")
        scores[("line_amount", index)] = scores[("total", index)]


def _drop_guesses(assigned: dict[str, int], columns: list[_Column], scores: dict[tuple[str, int], float]) -> None:
    """Partly named columns are proposed only for the fields a file cannot do without, and never for a
    customer field the file names exactly the other way; in a ledger, an `Account` column is the ledger's
    account, not the customer's."""
    for name in list(assigned):
        partial = scores[(name, assigned[name])] < PARTIAL + TIE
        other = {"account_id": "debtor_name", "debtor_name": "account_id"}.get(name)
        exact_other = other in assigned and scores[(other, assigned[other])] >= PARTIAL + TIE if other else False
        if partial and (name not in PARTIAL_FIELDS or exact_other):
            del assigned[name]
    ledger = {"debit", "credit"} <= assigned.keys()
    if ledger and "account_id" in assigned and columns[assigned["account_id"]].name.startswith("account"):
        del assigned["account_id"]


def _ties(assigned: dict[str, int], scores: dict[tuple[str, int], float], taken: set[int]) -> list[str]:
    """A needed field whose column is not clearly ahead of another free column, or only partly named."""
    doubts = []
    for name in ("invoice", "account_id", "debtor_name", "balance", "due_date", "currency"):
        index = assigned.get(name)
        if index is None:
            continue
        best = scores.get((name, index), 1.0)
        rivals = [i for (f, i), s in scores.items() if f == name and i != index and i not in taken and s >= best - TIE]
        if rivals:
            doubts.append(f"{name}: two columns fit equally (columns {index + 1} and {rivals[0] + 1})")
        elif best < PARTIAL + TIE:
            doubts.append(f"{name}: column {index + 1} only partly names it")
    return doubts


def date_order(columns: Sequence[Sequence[str]]) -> tuple[DateOrder | None, str | None]:
    """The day/month order the values prove (a part above 12), or None with a doubt when they do not.

    Only when day-first/month-first dates are how the columns are written (at least half their values) is an
    unproven order a doubt; a stray one among ISO dates is that row's problem, and the row says so.
    """
    first_big = second_big = False
    numeric = filled = 0
    for values in columns:
        for value in values:
            filled += bool(value)
            match = _NUMERIC_DATE.match(value)
            if not match:
                continue
            numeric += 1
            first_big |= int(match.group(1)) > 12
            second_big |= int(match.group(2)) > 12
    if not numeric or numeric * 2 < filled:
        return None, None  # year-first or month names, but for a stray row or two: no order to learn from them
    if first_big and second_big:
        return None, "dates put a value above 12 both first and second: the date columns disagree"
    if first_big:
        return "DMY", None
    if second_big:
        return "MDY", None
    return None, "no date in the first rows has a day above 12, so day-first and month-first both fit"


def _currency(assigned: dict[str, int], columns: list[_Column]) -> tuple[str | None, str | None]:
    if "currency" in assigned:
        return None, None
    written = set()
    for name in _AMOUNTS & assigned.keys():
        for value in columns[assigned[name]].values:
            try:
                written.add(parse_amount(value)[1])
            except (AmountError, ArithmeticError):
                continue
    written.discard(None)
    if len(written) == 1:
        return None, None  # every amount names its currency
    return None, "no currency column and the amounts do not name one: choose the currency"


def has_group_rows(sample: list[list[str]]) -> bool:
    """Report downloads head each customer's rows with the customer's name alone on a row."""
    for row, after in pairwise(sample):
        filled = [cell.strip() for cell in row if cell.strip()]
        if len(filled) == 1 and not normalize_name(filled[0]).startswith("total") and _is_data(after):
            return True
    return False
