"""Import one receivables object: stream, parse, upsert in batches, report, and never lose or repeat a row."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from itertools import islice
from typing import Any, TypeVar

from functions.intake import layouts, parts, snapshots
from functions.intake.models import ObjectRef
from functions.intake.payments import PaymentsResult, apply_payments
from functions.intake.rejects import CHANGES, assemble_rejects, keep_changes, keep_rejects
from functions.intake.rejects import errors_key as rejects_key
from functions.intake.summary import parts_text, payments_text, quarantine_text, summary_blocks, summary_text
from functions.intake.upsert import ImportTarget, apply_rows
from shared.db import creditors as creditor_repo
from shared.db import imports as import_repo
from shared.db.accounts import DynamoAccounts
from shared.domain.errors import InvalidInputError
from shared.domain.imports import notable
from shared.domain.money import add_by_currency
from shared.domain.notices import FINAL, Notice
from shared.domain.policies import parse_policy_file
from shared.domain.receivables import (
    BUILTIN_PROFILES,
    Profile,
    ReceivableRow,
    ReceivablesParser,
    RejectedRow,
    load_mapping,
)
from shared.domain.receivables.bounds import READ_LINE_BYTES
from shared.domain.receivables.decoding import ByteLines
from shared.domain.receivables.parser import SAMPLE_LINES, LayoutUncertainError, Resume
from shared.domain.receivables.payments import PaymentRow, PaymentsParser, is_payments_file
from shared.domain.settings import parse_settings
from shared.observability import logger
from shared.ports import Accounts, Notifier, ObjectStore, Queue

CHUNK_ROWS = 1000  # rows a checkpoint; new accounts go 100 to a conditional transaction
PROGRESS_EVERY = 10  # chunks between progress updates of the Slack message (chat.update is rate-limited)
SAFETY_MS = 60_000  # hand over to a continuation when less than this is left
WATCH_MARGIN = timedelta(seconds=5)  # look at a held import this long after its lease runs out
RETRY_AFTER = timedelta(seconds=60)  # after a failure, the import is tried again from its checkpoint
MAX_DELAY_S = 900  # SQS's longest message delay
MAX_INTERRUPTIONS = 5  # then the import is reported stuck instead of tried again
INCOMING = "incoming/"
HEAD_END = SAMPLE_LINES + 1  # the line after the head the parser finds the header in
# Whether a file is a payments export is read from its first lines, in a ranged GET of this many bytes: 50 lines of
# 5 KiB (real exports' lines are under 1 KiB), not the first 1 MiB chunk of the whole object.
SNIFF_BYTES = 256 * 1024
Row = TypeVar("Row")


@dataclass(frozen=True)
class IntakePorts:
    store: ObjectStore
    notifier: Notifier
    queue: Queue
    channel: str
    default_creditor: str
    clock: Callable[[], datetime]  # the time now, for the lease's heartbeat (`now` is when the invocation began)
    accounts: Accounts = field(default_factory=DynamoAccounts)  # where payments files are applied
    parts: Queue | None = None  # where a big file's parts go to the workers (None: every file is read in order)
    parts_from_bytes: int | None = None  # files this big or bigger are applied in parallel parts

    def tell(self, key: str, text: str, blocks: list[dict[str, Any]] | None = None, seq: int = 0) -> None:
        """Queue a message to the ops channel (the import never waits for Slack)."""
        self.notifier.notify(Notice(key, self.channel, text, blocks, seq))


def resolve_profile(key: str, store: ObjectStore, default_creditor: str) -> tuple[Profile | None, str]:
    """Profile and creditor from the path `incoming/[<profile>/[<creditor>/]]<file>`; None = detect from header."""
    folders = key.removeprefix(INCOMING).split("/")[:-1]
    if not folders:
        return None, default_creditor
    name = folders[0]
    profile = BUILTIN_PROFILES.get(name) or _custom_mapping(name, store)
    creditor = profile.creditor or (folders[1] if len(folders) > 1 else default_creditor)
    return profile, creditor


def _custom_mapping(name: str, store: ObjectStore) -> Profile:
    for fmt, ext in (("json", "json"), ("yaml", "yaml"), ("yaml", "yml")):
        text = store.read_text(f"mappings/{name}.{ext}")
        if text is not None:
            return load_mapping(text, fmt)
    known = ", ".join(sorted(BUILTIN_PROFILES))
    raise InvalidInputError(
        f"folder {name!r} is neither a built-in profile ({known}) nor a mapping mappings/{name}.json"
    )


def _chunks(results: Iterator[Row], size: int = CHUNK_ROWS) -> Iterator[list[Row]]:
    while chunk := list(islice(results, size)):
        yield chunk


def _rest(key: str) -> str:
    return key.removeprefix(INCOMING)


def _name(obj: ObjectRef) -> str:
    """One object version: the import record's identity, and the key of its Slack message."""
    return f"{obj.bucket}/{obj.key}@{obj.version}"


def quarantine(obj: ObjectRef, state: import_repo.ImportState, reason: str, ports: IntakePorts, now: datetime) -> str:
    """Unreadable file: move it aside with a reason file, alert Slack, close the import."""
    target = f"quarantine/{_rest(obj.key)}"
    ports.store.move(obj.key, target, obj.version_id)
    ports.store.put(f"{target}.reason.txt", f"{reason}\n".encode())
    ports.tell(f"quarantine:{_name(obj)}", quarantine_text(obj.key, reason))
    state.status = "quarantined"
    state.counts = {"reason": reason}
    import_repo.save_progress(state, now)
    logger.warning("file quarantined", extra={"key": obj.key, "reason": reason})
    return "quarantined"


def ask(
    obj: ObjectRef, state: import_repo.ImportState, error: LayoutUncertainError, ports: IntakePorts, now: datetime
) -> str:
    """No layout is certain: the file waits in pending/ beside its proposal, and the ops channel is asked."""
    pending = f"{layouts.PENDING}{_rest(obj.key)}"
    data = layouts.proposal_data(pending, error.proposal)
    ports.store.put(f"{pending}{layouts.PROPOSAL}", json.dumps(data).encode(), "application/json")
    ports.store.move(obj.key, pending, obj.version_id)
    text = layouts.ask_text(obj.key, pending, str(error), data)
    ports.tell(f"pending:{_name(obj)}", text, layouts.ask_blocks(text, data))
    state.status = "pending"
    state.counts = {"reason": str(error), "pending": pending}
    import_repo.save_progress(state, now)
    logger.info("file waits for a mapping", extra={"key": obj.key})
    return "pending"


@dataclass
class _Job:
    """One invocation's import: the object, its lease state, the parser and where rows go."""

    obj: ObjectRef
    state: import_repo.ImportState
    parser: ReceivablesParser
    target: ImportTarget
    now: datetime
    lines: ByteLines  # what the parser reads its rows from: where each recent line starts in the object
    head: ByteLines  # what it read the head from
    resume: Resume | None  # where this invocation resumed

    @property
    def head_bytes(self) -> int | None:
        """Where the head ends: a continuation reads up to there again for the header."""
        return self.resume.head_bytes if self.resume else self.head.remembered

    @property
    def as_of(self) -> datetime:
        """The instant every row of the file is merged at, however many invocations it takes (a retried chunk
        then writes exactly what its first try would have)."""
        return self.state.started_at or self.now


def import_object(obj: ObjectRef, ports: IntakePorts, now: datetime, time_left_ms: Callable[[], int]) -> str:
    """Import one object version (or continue it); returns imported | continued | watching | repeat |
    quarantined | stuck | ignored."""
    if not obj.key.startswith(INCOMING):
        return "ignored"
    claim = import_repo.claim_import(obj.bucket, obj.key, obj.version, now, uuid.uuid4().hex)
    if claim is None:
        return "repeat"
    if isinstance(claim, import_repo.Held):
        # Another invocation holds it, or held it and died: look again when its lease runs out.
        _requeue(obj, claim.until - now + WATCH_MARGIN, ports)
        return "watching"
    if claim.interruptions > MAX_INTERRUPTIONS:
        return _give_up(obj, claim, ports, now)
    if claim.interrupted:
        text = f":warning: Import of `{obj.key}` was interrupted at line {claim.checkpoint_line}: resuming there"
        ports.tell(f"interrupted:{_name(obj)}#{claim.interruptions}", text)
    try:
        return _start_import(obj, claim, ports, now, time_left_ms)
    except import_repo.LeaseLostError:
        return "superseded"  # this invocation lost the lease (it ran past it); the holder carries on
    except Exception:
        import_repo.release_lease(claim, ports.clock(), failed=True)  # the next delivery resumes at once
        _requeue(obj, RETRY_AFTER, ports)  # and there is one, whatever Lambda does with this error
        raise


def _head_lines(obj: ObjectRef, store: ObjectStore, resume: Resume | None) -> ByteLines:
    """The object's lines from the top, remembering where each starts (and where the head ends); a resumed
    import reads only the head's bytes again, to find the header as the first invocation did."""
    end = resume.head_bytes if resume else None
    return ByteLines(
        lambda _: store.iter_lines(obj.key, obj.version_id, end_byte=end), limit=READ_LINE_BYTES, remember=HEAD_END
    )


def _rest_lines(obj: ObjectRef, store: ObjectStore, resume: Resume) -> ByteLines:
    """The object's lines from a resume point on (a ranged GET), remembering where each starts."""
    return ByteLines(
        lambda at: store.iter_lines(obj.key, obj.version_id, start_byte=at), resume.byte, resume.line, READ_LINE_BYTES
    )


def _requeue(obj: ObjectRef, after: timedelta, ports: IntakePorts) -> None:
    delay = max(0, min(MAX_DELAY_S, int(after.total_seconds())))
    ports.queue.send(obj.model_copy(update={"start_line": obj.start_line or 0}).model_dump(), delay_seconds=delay)


def _give_up(obj: ObjectRef, state: import_repo.ImportState, ports: IntakePorts, now: datetime) -> str:
    """An import that keeps failing at the same place is stopped and reported; the file stays in incoming/."""
    state.status = "stuck"
    import_repo.save_progress(state, now)
    text = (
        f":rotating_light: Import of `{obj.key}` stopped after {state.interruptions} interrupted attempts at line "
        f"{state.checkpoint_line}. The file stays in `incoming/`; the function's logs say why. Upload it again "
        "to retry."
    )
    ports.tell(f"stuck:{_name(obj)}", text)
    logger.error("import stuck", extra={"key": obj.key, "line": state.checkpoint_line})
    return "stuck"


def _start_import(
    obj: ObjectRef, state: import_repo.ImportState, ports: IntakePorts, now: datetime, time_left_ms: Callable[[], int]
) -> str:
    forced = obj.key.startswith(PAYMENTS)
    sniffed = lambda: ports.store.iter_lines(obj.key, obj.version_id, end_byte=SNIFF_BYTES)  # noqa: E731
    if forced or (state.checkpoint_line == 0 and is_payments_file(sniffed())):
        return _run_payments(obj, state, ports, now, time_left_ms, forced)
    if state.counts.get("kind") == "payments":
        return _run_payments(obj, state, ports, now, time_left_ms, False)
    try:
        profile, creditor = resolve_profile(obj.key, ports.store, ports.default_creditor)
        parser = ReceivablesParser(profile, layouts=() if profile else layouts.confirmed_layouts(ports.store))
        resume = Resume.from_json(state.counts.get("resume")) if state.checkpoint_line else None
        head = _head_lines(obj, ports.store, resume)
        rest = _rest_lines(obj, ports.store, resume) if resume else head
        results = parser.parse(head, start_line=state.checkpoint_line, resume=resume, rest=rest)
    except LayoutUncertainError as exc:
        if exc.proposal is None:  # nothing there looks like a receivables header: no mapping would help
            return quarantine(obj, state, str(exc), ports, now)
        return ask(obj, state, exc, ports, now)
    except InvalidInputError as exc:  # includes UnreadableFileError
        return quarantine(obj, state, str(exc), ports, now)
    kind = (profile.account_type, profile.collector_role) if profile else ("consumer", "first_party")
    settings = parse_settings(creditor_repo.get_policy(creditor))
    target = ImportTarget(creditor, f"{obj.key}@{obj.version}", bool(profile and profile.snapshot), kind, settings)
    job = _Job(
        obj, state, parser, target, now, rest if parser.resumed else head, head, resume if parser.resumed else None
    )
    phase = state.counts.get("phase")
    if phase in (snapshots.PHASE, JOINED):
        return _finish(job, ports, now, time_left_ms)  # the rows are in: continue the missing-items pass
    if phase == parts.MODE:
        return _join_parts(job, ports, now, time_left_ms)  # read: join the parts once the workers are done
    return _run_import(job, results, ports, now, time_left_ms)


def _run_import(
    job: _Job,
    results: Iterator[ReceivableRow | RejectedRow],
    ports: IntakePorts,
    now: datetime,
    time_left_ms: Callable[[], int],
) -> str:
    state = job.state
    if state.checkpoint_line == 0:
        ports.tell(_name(job.obj), f"Importing `{job.obj.key}`…")
        if _in_parallel(job, ports):
            state.counts["mode"] = parts.MODE  # decided once: every continuation reads on in parts
    in_parts = state.counts.get("mode") == parts.MODE
    delta = _ReportDelta(job.parser)
    for number, chunk in enumerate(_chunks(results, parts.PART_ROWS if in_parts else CHUNK_ROWS), start=1):
        if in_parts:
            _queue_part(job, chunk, delta.take(), ports)
        else:
            apply_chunk(ports.store, job.obj, job.target, job.as_of, chunk, delta.take(), state.counts)
        _checkpoint(job, chunk)
        import_repo.save_progress(state, ports.clock())  # the heartbeat: the lease runs on from now
        if time_left_ms() < SAFETY_MS:
            return _continue(job.obj, state, ports)
        if number % PROGRESS_EVERY == 0 and not in_parts:
            _show(job.obj, state, ports, {}, state.checkpoint_line)
    # Lines after the last row (footers, totals); the account counts are there even for a file with no row.
    trailing = delta.take() | dict.fromkeys(ACCOUNT_COUNTS, 0)
    parts.add_counts(state.counts, trailing, job.target.settings)
    if in_parts:
        return _parts_queued(job, ports, now, time_left_ms)
    return _finish(job, ports, now, time_left_ms)


ACCOUNT_COUNTS = ("new", "updated", "unchanged")


def apply_chunk(
    store: ObjectStore,
    obj: ObjectRef,
    target: ImportTarget,
    as_of: datetime,
    chunk: list[ReceivableRow | RejectedRow],
    report: dict[str, Any],
    counts: dict[str, Any],
) -> None:
    """Write one chunk's rows, store its rejected rows and changes, and add what it did into `counts` (with
    `report`, the parser's counts of its lines): the same for a chunk read in order and a part a worker applies."""
    accepted = [r for r in chunk if isinstance(r, ReceivableRow)]
    result = apply_rows(accepted, target, as_of, chunk[0].line)
    rejected = [r for r in chunk if isinstance(r, RejectedRow)] + result.rejected
    keep_rejects(obj.key, sorted(rejected, key=lambda r: r.line), store, obj.version)
    keep_changes(obj.key, chunk[0].line, result.diff, store, obj.version)
    left_out = {id(row) for row in result.repeats}
    turned_away = {r.line for r in result.rejected}
    totals: dict[str, int] = {}
    for row in accepted:
        if id(row) not in left_out and row.line not in turned_away and not row.settled:
            add_by_currency(totals, row.balance)
    report = dict(report)
    report["accepted"] -= len(left_out) + len(turned_away)
    report["rows_read"] -= len(left_out)
    report["duplicates"] += len(left_out)  # scattered repeats: folded like the parser folds adjacent ones
    report["rejected"] += len(turned_away)  # past the account's invoice cap
    accounts = {name: result.changes.get(name, 0) for name in ACCOUNT_COUNTS}
    changed = dict(Counter(line.kind for line in result.diff))
    largest = notable(result.diff, target.settings, [])
    added = report | accounts | {"totals": totals, "changed": changed, "notable": largest}
    parts.add_counts(counts, added, target.settings)


def _checkpoint(job: _Job, chunk: list[ReceivableRow | RejectedRow]) -> None:
    """The import's state after a chunk (not yet saved): its last line, and where a continuation reads on."""
    job.state.checkpoint_line = chunk[-1].line
    resume = job.parser.resume_point(job.lines.start_of, job.head_bytes)  # a continuation reads on from there
    if resume is None:
        job.state.counts.pop("resume", None)
    else:
        job.state.counts["resume"] = resume.to_json()


class _RunningCounts:
    """A parser's running counts since the last take (its fields, and its skipped rows by reason), so each
    checkpoint adds exactly its own part to the import's totals."""

    def __init__(self, report: Callable[[], Any], fields: tuple[str, ...], reasons: str) -> None:
        self.report, self.fields, self.reasons = report, fields, reasons
        self.seen = dict.fromkeys(fields, 0)
        self.seen_reasons: dict[str, int] = {}

    def take(self) -> dict[str, Any]:
        report = self.report()
        now = {name: getattr(report, name) for name in self.fields}
        delta: dict[str, Any] = {name: now[name] - self.seen[name] for name in self.fields}
        reasons: dict[str, int] = getattr(report, self.reasons)
        seen = self.seen_reasons
        delta[self.reasons] = {r: n - seen.get(r, 0) for r, n in reasons.items() if n > seen.get(r, 0)}
        self.seen, self.seen_reasons = now, dict(reasons)
        return delta


class _ReportDelta(_RunningCounts):
    """The receivables parser's running counts, with the layout it read the file as."""

    FIELDS = ("rows_read", "accepted", "rejected", "duplicates", "rows_skipped")

    def __init__(self, parser: ReceivablesParser) -> None:
        super().__init__(lambda: parser.report, self.FIELDS, "not_owed")
        self.parser = parser

    def take(self) -> dict[str, Any]:
        report = self.parser.report
        return super().take() | {
            "profile": report.profile,
            "profile_reason": report.profile_reason,
            "warnings": list(report.warnings),
        }


JOINED = "joined"  # a parallel import's parts are added into its counts: only the end is left


def _in_parallel(job: _Job, ports: IntakePorts) -> bool:
    """A big file goes in parts, unless it is a full snapshot: its accounts' snapshot markers are written by read
    and merge, which parts racing on one account would get wrong."""
    big = ports.parts_from_bytes is not None and (job.obj.size or 0) >= ports.parts_from_bytes
    return big and ports.parts is not None and not job.target.snapshot


def _queue_part(
    job: _Job, chunk: list[ReceivableRow | RejectedRow], report: dict[str, Any], ports: IntakePorts
) -> None:
    """Queue one part for the workers; one too big for a message (rows near the line bound) is applied here."""
    body = parts.message(job.obj, job.target, job.as_of, chunk, report)
    if ports.parts is not None and parts.fits(body):
        ports.parts.send(body)
    else:
        parts.apply_part(body["part"], partial(apply_chunk, ports.store), ports.clock())
    job.state.counts["parts_queued"] = job.state.counts.get("parts_queued", 0) + 1


def _parts_queued(job: _Job, ports: IntakePorts, now: datetime, time_left_ms: Callable[[], int]) -> str:
    """The whole file is read and its parts queued: join now if the workers are done already, else the last
    part's worker hands the import back (`handle_part`)."""
    state = job.state
    state.counts["phase"], state.counts["parts_total"] = parts.MODE, state.counts.get("parts_queued", 0)
    import_repo.save_progress(state, ports.clock())
    _show(job.obj, state, ports, {}, state.checkpoint_line)
    return _join_parts(job, ports, now, time_left_ms)


def _join_parts(job: _Job, ports: IntakePorts, now: datetime, time_left_ms: Callable[[], int]) -> str:
    state = job.state
    # Set again on every delivery until the join: a reader that died after its save above still sets it.
    import_repo.set_parts_total(state.bucket, state.key, state.version, state.counts["parts_total"], ports.clock())
    if not import_repo.parts_progress(state.bucket, state.key, state.version).complete:
        import_repo.release_lease(state, ports.clock())  # the last part's worker queues the join
        return "parts-queued"
    counts = import_repo.part_counts(state.bucket, state.key, state.version)
    state.counts = parts.join(state.counts, counts, job.target.settings)
    state.counts["phase"] = JOINED
    import_repo.save_progress(state, ports.clock())  # joined once: a retry goes on to the end
    return _finish(job, ports, now, time_left_ms)


def handle_part(part: dict[str, Any], ports: IntakePorts, now: datetime, receives: int = 1) -> str:
    """A worker's part of a big file; the one that completes the count hands the import back to be joined. A part
    that fails on its last delivery stops the import as stuck and says so, as an import read in order does."""
    try:
        obj, last = parts.apply_part(part, partial(apply_chunk, ports.store), now)
    except Exception:
        if receives >= parts.MAX_RECEIVES:
            _part_failed(ObjectRef.model_validate(part["object"]), int(part["rows"][0]["line"]), ports, now)
        raise
    if last:
        _requeue(obj, timedelta(0), ports)
        return "part-last"
    return "part-applied"


def _part_failed(obj: ObjectRef, line: int, ports: IntakePorts, now: datetime) -> None:
    if not import_repo.mark_stuck(obj.bucket, obj.key, obj.version, now):
        return  # closed or stopped already
    text = (
        f":rotating_light: Import of `{obj.key}` stopped: its part from line {line:,} failed {parts.MAX_RECEIVES} "
        "times and was set aside in the failure queue. The file stays in `incoming/`; the function's logs say why. "
        "Upload it again to retry."
    )
    ports.tell(f"stuck:{_name(obj)}", text)
    logger.error("import part failed for good", extra={"key": obj.key, "line": line})


def _show(obj: ObjectRef, state: import_repo.ImportState, ports: IntakePorts, files: dict[str, str], seq: int) -> None:
    """Progress, then the final summary (`files`: where its errors and changes files are)."""
    if state.counts.get("mode") == parts.MODE and state.status == "running":  # the counts come with the join
        read_all = state.counts.get("phase") == parts.MODE
        queued = state.counts.get("parts_queued", 0)
        ports.tell(_name(obj), parts_text(obj.key, state.checkpoint_line, queued, parts.PART_ROWS, read_all), None, seq)
        return
    if state.counts.get("kind") == "payments":
        text = payments_text(obj.key, state.counts, state.status, files.get("errors"))
    else:
        text = summary_text(obj.key, state.counts, state.status, files.get("errors"), files.get("changes"))
    ports.tell(_name(obj), text, summary_blocks(text, state.counts), seq)


def _continue(obj: ObjectRef, state: import_repo.ImportState, ports: IntakePorts) -> str:
    import_repo.release_lease(state, ports.clock())  # handed over: the continuation takes it at once
    _requeue(obj, timedelta(0), ports)
    _show(obj, state, ports, {}, state.checkpoint_line)
    return "continued"


def _finish(job: _Job, ports: IntakePorts, now: datetime, time_left_ms: Callable[[], int]) -> str:
    obj, state = job.obj, job.state
    if job.target.snapshot and not snapshots.missing_pass(
        job.target,
        state,
        now,
        lambda: time_left_ms() > SAFETY_MS,
        lambda: import_repo.save_progress(state, ports.clock()),
    ):
        return _continue(obj, state, ports)
    changes_key = CHANGES.assemble(obj.key, ports.store, obj.version) or (
        CHANGES.final_key(obj.key) if state.counts.get("changed") else None
    )
    state.counts.pop("resume", None)
    if state.counts.get("accepted"):  # a file whose every row was rejected refreshes nothing
        creditor_repo.mark_imported(job.target.creditor, job.target.source, now)  # the data-freshness gate
    return _close(obj, state, ports, {"errors": _errors_key(obj, state, ports), "changes": changes_key})


def _errors_key(obj: ObjectRef, state: import_repo.ImportState, ports: IntakePorts) -> str | None:
    """The errors file, joined from its pieces (or joined already by an earlier try that then stopped before the
    file moved); None when no row was rejected."""
    joined = assemble_rejects(obj.key, ports.store, obj.version)
    if joined is None and (state.counts.get("rejected") or state.counts.get("unmatched")):
        return rejects_key(obj.key)
    return joined


def _close(obj: ObjectRef, state: import_repo.ImportState, ports: IntakePorts, files: dict[str, str | None]) -> str:
    """The file to processed/, the final summary queued, the import marked done.

    The summary names where the errors file is, not a link to it: its raw rows hold contact data, and a channel
    is no place for a link that opens without signing in. Operations open it with their own AWS access. It is
    queued before the import is marked done: a retry after a stop in between queues it again (delivered once:
    same key and seq), while after `done` no retry would.
    """
    ports.store.move(obj.key, f"processed/{_rest(obj.key)}", obj.version_id)
    state.status = "done"
    _show(obj, state, ports, {k: f"s3://{obj.bucket}/{v}" for k, v in files.items() if v}, FINAL)
    import_repo.save_progress(state, ports.clock())
    logger.info("import finished", extra={"key": obj.key, "counts": state.counts})
    return "imported"


PAYMENTS = f"{INCOMING}payments/"  # files here are payments files, whatever their header looks like


def _run_payments(
    obj: ObjectRef,
    state: import_repo.ImportState,
    ports: IntakePorts,
    now: datetime,
    time_left_ms: Callable[[], int],
    forced: bool,
) -> str:
    """A payments file: each payment applied through its account's ledger, chunk by chunk with checkpoints;
    unmatched payments go to the errors file with their reasons and are counted in the summary."""
    parser = PaymentsParser(forced)
    creditor = _payments_creditor(obj.key, ports.default_creditor, forced)
    try:
        results = parser.parse(ports.store.iter_lines(obj.key, obj.version_id), start_line=state.checkpoint_line)
    except InvalidInputError as exc:
        return quarantine(obj, state, str(exc), ports, now)
    if state.checkpoint_line == 0:
        ports.tell(_name(obj), f"Applying payments from `{obj.key}`…")
    counts = state.counts
    counts["kind"], counts["creditor"] = "payments", creditor
    running = _RunningCounts(lambda: parser.report, PAYMENT_COUNTS, "not_payments")
    for chunk in _chunks(results):
        rows = [r for r in chunk if isinstance(r, PaymentRow)]
        applied = apply_payments(rows, creditor, now, ports.accounts, f"{obj.key}@{obj.version}")
        rejected = sorted([r for r in chunk if isinstance(r, RejectedRow)] + applied.unmatched, key=lambda r: r.line)
        keep_rejects(obj.key, rejected, ports.store, obj.version)
        _count_payments(counts, running.take(), applied)
        state.checkpoint_line = chunk[-1].line
        import_repo.save_progress(state, ports.clock())
        if time_left_ms() < SAFETY_MS:
            return _continue(obj, state, ports)
    _count_payments(counts, running.take(), None)  # lines after the last payment: totals, blank lines
    return _close(obj, state, ports, {"errors": _errors_key(obj, state, ports)})


def _payments_creditor(key: str, default: str, forced: bool) -> str:
    """`incoming/payments/[<creditor>/]<file>`; a detected payments file elsewhere is the default creditor's."""
    folders = key.removeprefix(PAYMENTS if forced else INCOMING).split("/")[:-1]
    return folders[0] if forced and folders else default


PAYMENT_COUNTS = ("rows_read", "accepted", "rejected", "rows_skipped")


def _count_payments(counts: dict[str, Any], delta: dict[str, Any], applied: PaymentsResult | None) -> None:
    """Add one chunk's part to a payments import's running totals."""
    for name in PAYMENT_COUNTS:
        counts[name] = counts.get(name, 0) + delta[name]
    _add_all(counts.setdefault("not_payments", {}), delta["not_payments"])
    if applied is None:
        return
    for name, number in applied.counts.items():
        counts[name] = counts.get(name, 0) + number
    counts["unmatched"] = counts.get("unmatched", 0) + len(applied.unmatched)
    _add_all(counts.setdefault("applied_totals", {}), applied.applied)
    _add_all(counts.setdefault("identified_totals", {}), applied.identified)
    sample = counts.setdefault("unmatched_sample", [])
    sample += [[r.line, r.reason] for r in applied.unmatched[: max(0, UNMATCHED_SHOWN - len(sample))]]


def _add_all(into: dict[str, int], part: dict[str, int]) -> None:
    for name, number in part.items():
        into[name] = into.get(name, 0) + number


UNMATCHED_SHOWN = 5
POLICIES = "policies/"


def import_policy(obj: ObjectRef, ports: IntakePorts, now: datetime) -> str:
    """`policies/<creditor>.json` (or `.yaml`): a creditor's contact-policy overrides and collections settings,
    validated then stored for every check."""
    name = obj.key.removeprefix(POLICIES)
    creditor, _, fmt = name.rpartition(".") if "." in name else (name, "", "json")
    text = ports.store.read_text(obj.key)
    try:
        policy = parse_policy_file(text or "", fmt.lower())
    except InvalidInputError as exc:
        ports.tell(f"policy:{_name(obj)}", f":rotating_light: `{obj.key}` was not applied: {exc}")
        return "policy-rejected"
    creditor_repo.put_policy(creditor, policy, f"{obj.key}@{obj.version}", now)
    keys = ", ".join(sorted(policy)) or "none (defaults)"
    ports.tell(f"policy:{_name(obj)}", f":scales: Contact policy of *{creditor}* updated; overrides: {keys}")
    return "policy-updated"


def handle_object(obj: ObjectRef, ports: IntakePorts, now: datetime, time_left_ms: Callable[[], int]) -> str:
    """Route an object by its folder: receivables under incoming/, policies under policies/, mappings under
    mappings/."""
    if obj.key.startswith(POLICIES) and obj.start_line is None:
        return import_policy(obj, ports, now)
    if obj.key.startswith(layouts.MAPPINGS) and obj.start_line is None:

        def release(pending: str, incoming: str) -> None:
            ports.store.move(pending, incoming)
            ports.store.delete(f"{pending}{layouts.PROPOSAL}")

        tell = partial(ports.tell, f"mapping:{_name(obj)}")
        return layouts.check_mapping(obj.key, ports.store, tell, release)
    return import_object(obj, ports, now, time_left_ms)
