"""The streaming receivables parser: byte lines in, accepted and rejected rows out, and a running report."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from heapq import merge
from itertools import chain
from operator import attrgetter

from shared.domain.errors import InvalidInputError
from shared.domain.money import Money, add_by_currency
from shared.domain.receivables.bounds import MAX_COLUMNS
from shared.domain.receivables.decoding import (
    UnreadableFileError,
    decode_lines,
    read_head,
    split_physical,
)
from shared.domain.receivables.header import HeaderMatch, checked, find_confirmed, find_header, normalize_name
from shared.domain.receivables.infer import Proposal, infer
from shared.domain.receivables.ledger import LedgerBook
from shared.domain.receivables.models import ParseReport, ReceivableRow, RejectedRow
from shared.domain.receivables.profiles import BUILTIN_PROFILES, Profile, get_profile
from shared.domain.receivables.records import Record, iter_records
from shared.domain.receivables.rows import RowError, RowReader, build_row, settled_row

HEAD_LINES = 50  # the header is looked for in these first lines
SAMPLE_LINES = 200  # and the values of the lines up to here check what its columns hold
Result = ReceivableRow | RejectedRow


class LayoutUncertainError(UnreadableFileError):
    """No layout reads the file for certain; `proposal` is the best guess (None: no line looks like a header)."""

    def __init__(self, message: str, proposal: Proposal | None) -> None:
        super().__init__(message)
        self.proposal = proposal


@dataclass(frozen=True)
class Resume:
    """Where a continuation picks up without reading the file from the top: the physical line to read next, the
    byte it starts at, and the parser's state there (the customer group of a report download, and the key of the
    last row, whose repeat on the next line is folded)."""

    line: int
    byte: int
    group: str = ""
    last_key: tuple[str, str] | None = None
    head_bytes: int | None = None  # the size of the head (the lines the header is found in): all a resume re-reads

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "byte": self.byte, "group": self.group, "last_key": self.last_key,
                "head_bytes": self.head_bytes}  # fmt: skip

    @classmethod
    def from_json(cls, data: object) -> Resume | None:
        if not isinstance(data, dict):
            return None
        key = data.get("last_key")
        last_key = (str(key[0]), str(key[1])) if isinstance(key, list | tuple) and len(key) == 2 else None
        head = data.get("head_bytes")
        return cls(int(data["line"]), int(data["byte"]), str(data.get("group") or ""), last_key,
                   int(head) if head is not None else None)  # fmt: skip


@dataclass(frozen=True)
class _Count:
    """One increment of a report counter (`duplicates`, `rows_skipped`) that belongs to a line of the file;
    `reason`: a skipped row that owes nothing, counted under its reason too."""

    line: int
    name: str
    reason: str | None = None


@dataclass
class _State:
    reader: RowReader
    start_line: int
    seen: set[tuple[str, str]] = field(default_factory=set)
    last_key: tuple[str, str] | None = None
    group: str = ""  # the customer whose group of rows a report download is in
    ledger: LedgerBook | None = None
    grand_total: tuple[int, Decimal] | None = None
    held: list[Result | _Count] = field(default_factory=list)  # ledger mode: what is released at the end


class ReceivablesParser:
    """Parse one receivables export. `profile`: a Profile, a built-in profile name, or None to detect it.

    Repeated (account, invoice) rows are folded into the first. By default only a repeat of the row just
    before is recognised here (line-item exports repeat an invoice on consecutive rows), so memory stays flat
    however long the file; the importer recognises the rarer scattered repeats when it merges. With
    `remember_all` every key of the file is remembered (a preview, which holds every row anyway).
    """

    def __init__(
        self, profile: Profile | str | None = None, remember_all: bool = False, layouts: Sequence[Profile] = ()
    ) -> None:
        self._profile = profile
        self._remember_all = remember_all
        self._layouts = layouts  # confirmed mappings, each for the header it names
        self.report = ParseReport()
        self.layout: HeaderMatch | None = None  # how the last parse reads the file (its header and profile)
        self.resumed = False  # whether the last parse continued from a Resume instead of reading from the top
        self._mark: tuple[int, str, tuple[str, str] | None] | None = None  # after the last result: next line, state

    def parse(
        self, lines: Iterable[bytes], start_line: int = 0, resume: Resume | None = None, rest: Iterable[bytes] = ()
    ) -> Iterator[Result]:
        """Read up to the header now (raising UnreadableFileError at once), then stream the rows lazily.

        Results come in ascending line order and the report counts a line's rows when the results reach it,
        so a checkpoint at the line of the last result taken splits the file exactly. Rows whose line is
        <= `start_line` are read (header, de-duplication and ledger state) but neither yielded nor counted in
        the report, so a follow-up invocation resumes after such a checkpoint with no row lost or repeated.

        With `resume` (a `resume_point` of an earlier parse) and `rest` (the lines from its byte on), only the
        head is read from `lines` (for the header); the rows come from `rest`, numbered from the resume line, in
        the state the parser had there. A ledger layout nets its rows at the end, so it always reads them all.
        """
        self.report = report = ParseReport()
        empty = "the file is empty: it has no header and no rows to import"
        physical, head_raw, encoding, head = read_head(lines, SAMPLE_LINES, empty)
        match = self._find_header(head)
        if len(match.cells) > MAX_COLUMNS:
            raise UnreadableFileError(
                f"header on line {match.line} has {len(match.cells):,} columns, over the bound of {MAX_COLUMNS}"
            )
        self.layout = match
        report.profile, report.profile_reason = match.profile.name, match.reason
        report.encoding, report.delimiter, report.header_line = encoding, match.delimiter, match.line
        header = tuple(name for name in map(normalize_name, match.cells) if name)
        reader = RowReader(match.profile, match.columns, header, len(match.cells))
        state = _State(reader, start_line, ledger=LedgerBook() if match.profile.nets_rows else None)
        self.resumed = resume is not None and state.ledger is None and resume.line > len(head_raw)
        self._mark = None
        if resume is not None and self.resumed:
            state.group, state.last_key = resume.group, resume.last_key
            numbered = decode_lines(split_physical(rest), encoding, resume.line, report.warnings.append)
        else:
            numbered = chain(
                (item for item in head if item[0] > match.line),
                decode_lines(physical, encoding, len(head_raw) + 1, report.warnings.append),
            )
        return self._stream(iter_records(numbered, match.delimiter), state)

    def resume_point(self, byte_at: Callable[[int], int | None], head_bytes: int | None = None) -> Resume | None:
        """Where to continue after the last result yielded (None: read from the top). `byte_at(line)` is where
        that physical line starts in the object, when the reader still knows it; `head_bytes`, where the line
        after the head (SAMPLE_LINES) starts, so a continuation reads just those bytes again for the header."""
        if self._mark is None:
            return None
        line, group, last_key = self._mark
        byte = byte_at(line)
        return None if byte is None else Resume(line, byte, group, last_key, head_bytes)

    def _find_header(self, head: list[tuple[int, str]]) -> HeaderMatch:
        """A named profile, else a confirmed mapping for this very header, else a built-in layout the values
        agree with and no other ties, else a layout inferred for certain; otherwise LayoutUncertainError."""
        chosen = get_profile(self._profile) if isinstance(self._profile, str) else self._profile
        if chosen:
            match = find_header(head[:HEAD_LINES], [chosen], detect=False)
            if match is None:
                raise UnreadableFileError(
                    f"no header row for profile {chosen.name!r} in the first {HEAD_LINES} lines: it needs "
                    f"columns for invoice, balance and account_id or debtor_name named {dict(chosen.columns)}"
                )
            return match
        confirmed = find_confirmed(head[:HEAD_LINES], self._layouts)
        if confirmed is not None:
            return confirmed
        builtin = find_header(head[:HEAD_LINES], list(BUILTIN_PROFILES.values()), detect=True)
        verified = checked(builtin, head) if builtin is not None and builtin.certain else None
        if verified is not None:
            return verified
        proposal = infer(head, HEAD_LINES)
        if proposal is not None and proposal.certain:
            reason = f"inferred from the column names and values: {'; '.join(proposal.describe())}"
            return HeaderMatch(
                proposal.line, proposal.delimiter, proposal.profile(), proposal.columns, proposal.cells, reason
            )
        if proposal is None:
            raise LayoutUncertainError(
                f"no header row in the first {HEAD_LINES} lines: none names an invoice number and an amount "
                f"(known layouts: {', '.join(BUILTIN_PROFILES)}): is this a receivables export?",
                None,
            )
        doubts = "; ".join(proposal.doubts)
        raise LayoutUncertainError(f"the layout is not certain: {doubts}", proposal)

    def _stream(self, records: Iterator[Record], state: _State) -> Iterator[Result]:
        if state.ledger is None:
            for record in records:
                for result in self._step(record, state):
                    if self._tally(result, state):
                        # A multi-line record's lines were joined with "\n"; a broken one stands for its first only.
                        after = record.line + (0 if record.broken else record.raw.count("\n")) + 1
                        self._mark = (after, state.group, state.last_key)
                        yield result
        else:
            for record in records:
                state.held.extend(r for r in self._step(record, state) if r.line > state.start_line)
            yield from self._release(state, state.ledger)
        self._check_grand_total(state)

    def _release(self, state: _State, ledger: LedgerBook) -> Iterator[Result]:
        """Ledger mode: the invoices netted at the end merged in line order with what was held while reading
        (rejected rows and counts), as the default mode streams them, so a checkpoint means the same."""
        held, state.held = state.held, []
        netted: Iterator[Result | _Count] = ledger.finish()
        # On a tie (an invoice row folded into its earlier payment) merge takes `held` first, so the count is
        # in the report before the result is yielded, as the checkpoint at that line assumes.
        for item in merge(held, netted, key=attrgetter("line")):
            if isinstance(item, _Count):
                self._add(item)
            elif self._tally(item, state):
                yield item

    def _count(self, state: _State, line: int, name: str, reason: str | None = None) -> None:
        if line <= state.start_line:
            return
        if state.ledger is not None:
            state.held.append(_Count(line, name, reason))
        else:
            self._add(_Count(line, name, reason))

    def _add(self, count: _Count) -> None:
        setattr(self.report, count.name, getattr(self.report, count.name) + 1)
        if count.reason is not None:
            self.report.not_owed[count.reason] = self.report.not_owed.get(count.reason, 0) + 1

    def _non_data(self, record: Record, state: _State, kind: str) -> None:
        self._count(state, record.line, "rows_skipped")
        if kind == "total":
            amount = state.reader.total_amount(record.cells)
            state.grand_total = (record.line, amount) if amount is not None else state.grand_total
        elif kind == "group":
            state.group = next(cell.strip() for cell in record.cells if cell.strip())

    def _step(self, record: Record, state: _State) -> Iterator[Result]:
        if record.broken:
            yield RejectedRow(record.line, record.raw, record.reason)
            return
        kind = state.reader.kind(record.cells)
        if kind != "data":
            self._non_data(record, state, kind)
            return
        key = state.reader.key(record.cells, state.group)
        owed = state.reader.not_owed(record.cells)
        if owed is not None:
            reason, closes = owed
            if closes and key is not None:
                yield settled_row(state.reader, record.line, record.raw, record.cells, reason, state.group)
            else:
                self._count(state, record.line, "rows_skipped", reason)
            return
        if key is None and state.reader.is_payment(record.cells) and not state.reader.cell(record.cells, "invoice"):
            self._count(state, record.line, "rows_skipped", "payment or credit applied to no invoice")
            return
        if state.ledger is not None:
            yield from self._ledger_step(record, state, state.ledger, key)
        elif key is not None and (key == state.last_key or key in state.seen):
            self._count(state, record.line, "duplicates")
        else:
            result = build_row(state.reader, record.line, record.raw, record.cells, state.group)
            # Only an accepted row folds the rows after it: a valid row after a rejected one with its key imports.
            if isinstance(result, ReceivableRow):
                state.last_key = key
                if key is not None and self._remember_all:
                    state.seen.add(key)
            yield result

    def _ledger_step(
        self, record: Record, state: _State, ledger: LedgerBook, key: tuple[str, str] | None
    ) -> Iterator[Result]:
        if key is not None and state.reader.is_payment(record.cells):
            try:
                amount = state.reader.money(record.cells)
            except RowError as exc:
                yield RejectedRow(record.line, record.raw, str(exc))
                return
            if not ledger.add_payment(key, amount, record.line, record.raw):
                self._count(state, record.line, "duplicates")
            return
        result = build_row(state.reader, record.line, record.raw, record.cells, state.group)
        if isinstance(result, RejectedRow) or key is None:
            yield result
        elif not ledger.add_invoice(key, result, sums=state.reader.sums_rows):
            self._count(state, record.line, "duplicates")

    def _tally(self, result: Result, state: _State) -> bool:
        if result.line <= state.start_line:
            return False
        report = self.report
        if isinstance(result, ReceivableRow) and result.settled:
            self._add(_Count(result.line, "rows_skipped", result.settled))
            return True
        report.rows_read += 1
        if isinstance(result, RejectedRow):
            report.rejected += 1
        else:
            report.accepted += 1
            add_by_currency(report.totals, result.balance)
        return True

    def _check_grand_total(self, state: _State) -> None:
        if state.grand_total is None or state.start_line or len(self.report.totals) != 1:
            return
        line, amount = state.grand_total
        currency, minor = next(iter(self.report.totals.items()))
        try:
            stated = Money.from_decimal(amount, currency)
        except InvalidInputError:
            return
        if stated.minor != minor:
            self.report.warnings.append(
                f"report total {stated.format()} on line {line} differs from the accepted rows' sum "
                f"{Money(minor, currency).format()}; the total is not used as a check"
            )
