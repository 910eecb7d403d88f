"""The `arrears` command line: demo, serve, tick, check, compliance check and the Slack app manifest."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from shared.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from shared.domain.receivables import Profile
    from shared.domain.receivables.parser import LayoutUncertainError
    from shared.domain.receivables.preview import HumanCheck, Progress

MAPPING_SUFFIXES = (".json", ".yaml", ".yml")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arrears", description="Arrears on an embedded local AWS (moto).")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the main job end to end on the embedded stack; exit 0 only if all steps pass")
    serve = sub.add_parser("serve", help="keep the embedded stack and a local Slack endpoint running until Ctrl-C")
    serve.add_argument("--port", type=int, default=0, help="port of the Slack endpoint (default: a free one)")
    tick = sub.add_parser("tick", help="run the schedules once against a running `arrears serve`")
    tick.add_argument("--at", type=_instant, default=None, help="ISO-8601 instant with offset (default: now)")
    tick.add_argument("--url", default="http://127.0.0.1:8790", help="control URL printed by `arrears serve`")
    check = sub.add_parser(
        "check",
        help="preview a receivables file without writing anything",
        description="Read a receivables file as the import would, streaming: memory stays flat however long the "
        "file. Exit 0 when every row is accepted, 1 when some rows are rejected, 2 when the file cannot be read. "
        "A check running longer than 2 s prints its progress to stderr every 2 s.",
    )
    check.add_argument("file", type=Path, help="the receivables export to read")
    check.add_argument("--profile", help="built-in profile name or a mapping file (.json/.yaml)")
    check.add_argument(
        "--json",
        action="store_true",
        help='JSON Lines, one object a line as the file is read: {"type": "row", ...} per accepted row, '
        '{"type": "rejected", "line", "reason"} per rejected row, then {"type": "summary", "profile", "rows_read", '
        '"accepted", "rejected", "duplicates", "skipped", "totals": {currency: minor units}, "warnings"}',
    )
    check.add_argument("--summary", action="store_true", help="print only the summary (with --json: its one object)")
    check.add_argument(
        "--save-mapping",
        type=Path,
        metavar="NAME.yaml",
        help="write the mapping the file is read with (or, when its layout is not certain, the proposed one) to "
        "upload to mappings/; with a proposal, edit what it says is in doubt first",
    )
    manifest = sub.add_parser("slack-manifest", help="print the Slack app manifest with the stack's request URL")
    manifest.add_argument("--stack", default="arrears", help="deployed stack to read SlackRequestUrl from")
    manifest.add_argument("--url", help="use this request URL instead of reading the stack")
    compliance = sub.add_parser("compliance", help="compliance engine")
    compliance.add_argument("action", choices=["check"])
    compliance.add_argument("--file", help="a case file or bare input JSON (default: stdin)")
    return parser


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--at {text!r} is not an ISO-8601 instant") from exc
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"--at {text!r} needs a UTC offset, e.g. 2026-11-23T16:00:00Z")
    return value.astimezone(UTC)


def _profile(name: str | None) -> Profile | None:
    """A built-in profile by name, or a mapping file (.json/.yaml) by path."""
    from shared.domain.receivables import BUILTIN_PROFILES, get_profile, load_mapping

    if not name:
        return None
    mapping = Path(name)
    is_mapping = mapping.suffix.lower() in MAPPING_SUFFIXES or mapping.is_file()
    if name.strip().lower() in BUILTIN_PROFILES or not is_mapping:
        return get_profile(name)  # an unknown name raises, listing the built-in profiles
    try:
        text = mapping.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"mapping file {name}: not UTF-8 text") from exc
    return load_mapping(text, "json" if mapping.suffix.lower() == ".json" else "yaml")


def _check(args: argparse.Namespace) -> int:

    from shared.domain.receivables.parser import LayoutUncertainError
    from shared.domain.receivables.preview import HumanCheck

    profile = _profile(args.profile)
    human = None if args.json else HumanCheck(args.summary)
    try:
        return _check_rows(args, profile, human)
    except LayoutUncertainError as exc:
        return _propose(args, exc)


def _check_rows(args: argparse.Namespace, profile: Profile | None, human: HumanCheck | None) -> int:
    import os
    import time

    from shared.domain.receivables.payments import is_payments_file
    from shared.domain.receivables.preview import ProgressMeter, check_payments, check_rows

    with args.file.open("rb") as head:
        payments = profile is None and is_payments_file(head)
    with args.file.open("rb") as lines:
        meter = ProgressMeter(time.monotonic, _print_progress, os.fstat(lines.fileno()).st_size)
        events = check_payments(lines, meter) if payments else check_rows(lines, profile, meter)
        for event in events:
            sys.stdout.write(human.feed(event) if human else _json_line(event, args.summary))
    if args.save_mapping:
        _save_mapping(args.save_mapping, args.file, profile)
    return 1 if event["rejected"] else 0  # the last event is the summary


def _save_mapping(path: Path, file: Path, profile: Profile | None) -> None:
    """The mapping the file was read with, for its header: uploaded, it reads every file with that header."""
    from shared.domain.receivables import BUILTIN_PROFILES, ReceivablesParser
    from shared.domain.receivables.profiles import dump_mapping

    parser = ReceivablesParser(profile)
    with file.open("rb") as lines:
        parser.parse(lines)  # reads the head only
    match = parser.layout
    if match is None:
        raise InvalidInputError(f"{file}: no layout to save")
    layout = match.profile
    if layout.name in BUILTIN_PROFILES and profile is None:
        layout = replace(layout, name=path.stem)  # a built-in layout, saved to read this header by name
    path.write_text(dump_mapping(replace(layout, name=path.stem), match.cells), encoding="utf-8")
    print(f"arrears: wrote {path}: upload it to mappings/{path.name}", file=sys.stderr)


def _propose(args: argparse.Namespace, error: LayoutUncertainError) -> int:
    """Not certain: print the proposal (and save it when asked); exit 2, as Arrears would not import it as is."""
    from shared.domain.receivables.profiles import dump_mapping

    proposal = error.proposal
    if proposal is None:
        raise error
    name = args.save_mapping.stem if args.save_mapping else args.file.stem
    text = dump_mapping(proposal.profile(name=name), proposal.cells)
    if args.json:
        print(json.dumps({"type": "proposal", "doubts": list(proposal.doubts), "header_line": proposal.line,
                          "columns": {f: proposal.cells[i] for f, i in proposal.columns.items()}, "mapping": text},
                         ensure_ascii=False))  # fmt: skip
    else:
        print(f"The layout is not certain, so Arrears would ask in Slack before importing {args.file.name}:")
        print("".join(f"  - {doubt}\n" for doubt in proposal.doubts), end="")
        print(f"Proposed mapping (header on line {proposal.line}):")
        print("".join(f"  {line}\n" for line in proposal.describe()), end="")
    if args.save_mapping:
        args.save_mapping.write_text(text, encoding="utf-8")
        print(
            f"arrears: wrote {args.save_mapping}: settle what is in doubt, then upload it to mappings/", file=sys.stderr
        )
    return 2


def _json_line(event: dict[str, object], summary_only: bool) -> str:
    if summary_only and event["type"] != "summary":
        return ""
    return json.dumps(event, ensure_ascii=False) + "\n"


def _print_progress(progress: Progress) -> None:
    print(progress.render(), file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args, list(argv if argv is not None else sys.argv[1:]))
    except (InvalidInputError, OSError) as exc:
        print(f"arrears: {' '.join(str(exc).split())}", file=sys.stderr)  # one line, even for a YAML error
        return 2


def _dispatch(args: argparse.Namespace, argv: list[str]) -> int:
    if args.command == "compliance":
        from shared.domain.compliance.cli import run_check

        return run_check(argv[2:], sys.stdin, sys.stdout, sys.stderr)
    if args.command == "check":
        return _check(args)
    if args.command == "slack-manifest":
        from local.manifest import fill_manifest, stack_request_url

        print(fill_manifest(args.url or stack_request_url(args.stack)), end="")
        return 0
    if args.command == "demo":
        from local.demo import run_demo

        return 0 if run_demo(sys.stdout) else 1
    from local.serve import run_serve, run_tick

    if args.command == "serve":
        return run_serve(args.port)
    return run_tick(args.url, args.at)


if __name__ == "__main__":
    sys.exit(main())
