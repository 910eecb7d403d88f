"""`arrears compliance check [--file CASE.json]`: one decision as JSON on stdout, errors as one line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from shared.domain.compliance import evaluate
from shared.domain.errors import InvalidInputError

EXIT_OK = 0
EXIT_INVALID = 2


class _Parser(argparse.ArgumentParser):
    """Raise instead of exiting so that usage errors also become one line on stderr."""

    def error(self, message: str) -> Any:
        raise InvalidInputError(f"arguments: {message}")


def _read_input(argv: list[str], stdin: TextIO) -> Any:
    parser = _Parser(prog="arrears compliance check", add_help=False)
    parser.add_argument("--file")
    args = parser.parse_args(argv)
    if args.file is None:
        text, source = stdin.read(), "stdin"
    else:
        try:
            text, source = Path(args.file).read_text(encoding="utf-8"), args.file
        except OSError as exc:
            raise InvalidInputError(f"--file: cannot read {args.file!r} ({exc.strerror})") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if isinstance(document, dict) and isinstance(document.get("input"), dict):
        return document["input"]
    return document


def run_check(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Read one check's `input` (stdin, or --file with a case or a bare input), print the decision JSON."""
    try:
        decision = evaluate(_read_input(argv, stdin))
    except InvalidInputError as exc:
        stderr.write(f"error: {' '.join(str(exc).split())}\n")
        return EXIT_INVALID
    stdout.write(json.dumps(decision.to_json()) + "\n")
    return EXIT_OK
