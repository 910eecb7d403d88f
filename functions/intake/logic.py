"""Import one receivables object: stream, parse, upsert in batches, report, and never lose or repeat a row."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from functions.intake import snapshots
from functions.intake.models import ObjectRef
from functions.intake.rejects import assemble_rejects, keep_rejects
from functions.intake.summary import quarantine_text, summary_blocks, summary_text
from functions.intake.upsert import ImportTarget, apply_rows
from shared.db import creditors as creditor_repo
from shared.db import imports as import_repo
from shared.domain.errors import InvalidInputError
from shared.domain.money import add_by_currency
from shared.domain.policies import parse_policy_file
from shared.domain.receivables import (
    BUILTIN_PROFILES,
    Profile,
    ReceivableRow,
    ReceivablesParser,
    RejectedRow,
    load_mapping,
)
from shared.domain.settings import parse_settings
from shared.observability import logger
from shared.ports import ObjectStore, Queue, SlackPoster

CHUNK_ROWS = 1000  # rows a checkpoint; new accounts go 100 to a conditional transaction
PROGRESS_EVERY = 10  # chunks between progress updates of the Slack message (chat.update is rate-limited)
SAFETY_MS = 60_000
LEASE_MARGIN = timedelta(seconds=30)  # hand over to a continuation when less than this is left
INCOMING = "incoming/"


@dataclass(frozen=True)
class IntakePorts:
    store: ObjectStore
    poster: SlackPoster
    queue: Queue
    channel: str
    default_creditor: str


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


def _chunks(results: Iterator[ReceivableRow | RejectedRow]) -> Iterator[list[ReceivableRow | RejectedRow]]:
    while chunk := list(islice(results, CHUNK_ROWS)):
        yield chunk


def _rest(key: str) -> str:
    return key.removeprefix(INCOMING)


def _merge_counts(
    counts: dict[str, Any], report: dict[str, Any], chunk_counts: Counter[str], totals: dict[str, int]
) -> None:
    for name in _ReportDelta.FIELDS:
        counts[name] = counts.get(name, 0) + report[name]
    for name in ("new", "updated", "unchanged"):
        counts[name] = counts.get(name, 0) + chunk_counts.get(name, 0)
    summed = counts.setdefault("totals", {})
    for currency, minor in totals.items():
        summed[currency] = summed.get(currency, 0) + minor
    counts["profile"], counts["profile_reason"] = report["profile"], report["profile_reason"]
    counts["warnings"] = list(dict.fromkeys(counts.get("warnings", []) + report["warnings"]))


def quarantine(obj: ObjectRef, state: import_repo.ImportState, reason: str, ports: IntakePorts, now: datetime) -> str:
    """Unreadable file: move it aside with a reason file, alert Slack, close the import."""
    target = f"quarantine/{_rest(obj.key)}"
    ports.store.move(obj.key, target, obj.version_id)
    ports.store.put(f"{target}.reason.txt", f"{reason}\n".encode())
    ports.poster.post(ports.channel, quarantine_text(obj.key, reason))
    state.status = "quarantined"
    state.counts = {"reason": reason}
    import_repo.save_progress(state, now)
    logger.warning("file quarantined", extra={"key": obj.key, "reason": reason})
    return "quarantined"


@dataclass
class _Job:
    """One invocation's import: the object, its lease state, the parser and where rows go."""

    obj: ObjectRef
    state: import_repo.ImportState
    parser: ReceivablesParser
    target: ImportTarget


def import_object(obj: ObjectRef, ports: IntakePorts, now: datetime, time_left_ms: Callable[[], int]) -> str:
    """Import one object version (or continue it); returns imported | continued | repeat | quarantined | ignored."""
    if not obj.key.startswith(INCOMING):
        return "ignored"
    # Held for this invocation's remaining time and a margin: a retry after a crash or timeout takes it over.
    lease = timedelta(milliseconds=time_left_ms()) + LEASE_MARGIN
    state = import_repo.claim_import(obj.bucket, obj.key, obj.version, now, obj.start_line is not None, lease)
    if state is None:
        return "repeat"
    try:
        return _start_import(obj, state, ports, now, time_left_ms)
    except Exception:
        import_repo.release_lease(state, now)  # a failure must not leave the import held until the lease ends
        raise


def _start_import(
    obj: ObjectRef, state: import_repo.ImportState, ports: IntakePorts, now: datetime, time_left_ms: Callable[[], int]
) -> str:
    try:
        profile, creditor = resolve_profile(obj.key, ports.store, ports.default_creditor)
        parser = ReceivablesParser(profile)
        results = parser.parse(ports.store.iter_lines(obj.key, obj.version_id), start_line=state.checkpoint_line)
    except InvalidInputError as exc:  # includes UnreadableFileError
        return quarantine(obj, state, str(exc), ports, now)
    kind = (profile.account_type, profile.collector_role) if profile else ("consumer", "first_party")
    settings = parse_settings(creditor_repo.get_policy(creditor))
    target = ImportTarget(creditor, f"{obj.key}@{obj.version}", bool(profile and profile.snapshot), kind, settings)
    job = _Job(obj, state, parser, target)
    if state.counts.get("phase") == snapshots.PHASE:
        return _finish(job, ports, now, time_left_ms)  # the rows are in: continue the missing-items pass
    return _run_import(job, results, ports, now, time_left_ms)


def _run_import(
    job: _Job,
    results: Iterator[ReceivableRow | RejectedRow],
    ports: IntakePorts,
    now: datetime,
    time_left_ms: Callable[[], int],
) -> str:
    state = job.state
    if state.slack_ts is None:
        state.slack_ts = ports.poster.post(ports.channel, f"Importing `{job.obj.key}`…")
    delta = _ReportDelta(job.parser)
    for number, chunk in enumerate(_chunks(results), start=1):
        accepted = [r for r in chunk if isinstance(r, ReceivableRow)]
        keep_rejects(job.obj.key, [r for r in chunk if isinstance(r, RejectedRow)], ports.store)
        result = apply_rows(accepted, job.target, now)
        repeated = {id(row) for row in result.repeats}
        totals: dict[str, int] = {}
        for row in accepted:
            if id(row) not in repeated:
                add_by_currency(totals, row.balance)
        report = delta.take()
        report["accepted"] -= len(repeated)
        report["rows_read"] -= len(repeated)
        report["duplicates"] += len(repeated)  # scattered repeats: folded like the parser folds adjacent ones
        _merge_counts(state.counts, report, result.changes, totals)
        state.checkpoint_line = chunk[-1].line
        import_repo.save_progress(state, now)
        if time_left_ms() < SAFETY_MS:
            return _continue(job.obj, state, ports)
        if number % PROGRESS_EVERY == 0:
            _show(job.obj, state, ports, None)
    _merge_counts(state.counts, delta.take(), Counter(), {})  # lines after the last row: footers, totals
    return _finish(job, ports, now, time_left_ms)


class _ReportDelta:
    """The parser's running counts since the last take, so each checkpoint stores exact running totals."""

    FIELDS = ("rows_read", "accepted", "rejected", "duplicates", "rows_skipped")

    def __init__(self, parser: ReceivablesParser) -> None:
        self.parser = parser
        self.seen = dict.fromkeys(self.FIELDS, 0)

    def take(self) -> dict[str, Any]:
        report = self.parser.report
        now = {name: getattr(report, name) for name in self.FIELDS}
        delta = {name: now[name] - self.seen[name] for name in self.FIELDS}
        self.seen = now
        return delta | {
            "profile": report.profile,
            "profile_reason": report.profile_reason,
            "warnings": list(report.warnings),
        }


def _show(obj: ObjectRef, state: import_repo.ImportState, ports: IntakePorts, errors_at: str | None) -> None:
    text = summary_text(obj.key, state.counts, state.status, errors_at)
    if state.slack_ts:
        ports.poster.update(ports.channel, state.slack_ts, text, summary_blocks(text, state.counts))


def _continue(obj: ObjectRef, state: import_repo.ImportState, ports: IntakePorts) -> str:
    ports.queue.send(obj.model_copy(update={"start_line": state.checkpoint_line}).model_dump())
    _show(obj, state, ports, None)
    return "continued"


def _finish(job: _Job, ports: IntakePorts, now: datetime, time_left_ms: Callable[[], int]) -> str:
    obj, state = job.obj, job.state
    if job.target.snapshot and not snapshots.missing_pass(
        job.target, state, now, lambda: time_left_ms() > SAFETY_MS, lambda: import_repo.save_progress(state, now)
    ):
        return _continue(obj, state, ports)
    errors_key = assemble_rejects(obj.key, ports.store)
    ports.store.move(obj.key, f"processed/{_rest(obj.key)}", obj.version_id)
    state.status = "done"
    import_repo.save_progress(state, now)
    # Where the errors file is, not a link to it: its raw rows hold contact data, and a channel is no place for
    # a link that opens without signing in. Operations open it with their own AWS access.
    _show(obj, state, ports, f"s3://{obj.bucket}/{errors_key}" if errors_key else None)
    logger.info("import finished", extra={"key": obj.key, "counts": state.counts})
    return "imported"


POLICIES = "policies/"


def import_policy(obj: ObjectRef, ports: IntakePorts, now: datetime) -> str:
    """`policies/<creditor>.json`: a creditor's contact-policy overrides, validated then stored for every check."""
    creditor = obj.key.removeprefix(POLICIES).rsplit(".", 1)[0]
    text = ports.store.read_text(obj.key)
    try:
        policy = parse_policy_file(text or "")
    except InvalidInputError as exc:
        ports.poster.post(ports.channel, f":rotating_light: `{obj.key}` was not applied: {exc}")
        return "policy-rejected"
    creditor_repo.put_policy(creditor, policy, f"{obj.key}@{obj.version}", now)
    keys = ", ".join(sorted(policy)) or "none (defaults)"
    ports.poster.post(ports.channel, f":scales: Contact policy of *{creditor}* updated; overrides: {keys}")
    return "policy-updated"


def handle_object(obj: ObjectRef, ports: IntakePorts, now: datetime, time_left_ms: Callable[[], int]) -> str:
    """Route an object by its folder: receivables under incoming/, policies under policies/."""
    if obj.key.startswith(POLICIES) and obj.start_line is None:
        return import_policy(obj, ports, now)
    return import_object(obj, ports, now, time_left_ms)
