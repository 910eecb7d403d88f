"""`python -m shared.domain.compliance check [--file CASE.json]` for local runs and check_runner.py."""

from __future__ import annotations

import sys

from shared.domain.compliance.cli import run_check


def main() -> int:
    args = sys.argv[1:]
    if not args or args[0] != "check":
        sys.stderr.write("usage: python -m shared.domain.compliance check [--file CASE.json]\n")
        return 2
    return run_check(args[1:], sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
