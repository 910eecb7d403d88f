"""Layout detection accuracy on every fixture export (real and generated): chosen right, asked, refused, wrong.

`arrears` is the parser as shipped (built-in layouts checked against the values, then inference, else ask);
`naive` is the detection it replaced: the best-scoring built-in layout by header names alone, else refuse.
Right means the file reads to exactly the expected totals (a payments export: it is told apart as a payments file,
as intake routes it); wrong means it was read, to other totals (or a receivables file taken for payments). Asking
is allowed, guessing wrong is not: the goal is wrong = 0. Run: `python -m bench.detection`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from shared.domain.receivables import BUILTIN_PROFILES, ReceivablesParser, UnreadableFileError
from shared.domain.receivables.header import find_header
from shared.domain.receivables.parser import HEAD_LINES, LayoutUncertainError
from shared.domain.receivables.payments import is_payments_file
from tests.fixtures.real_exports import ASKED_ONLY, EXPORTS, NOT_RECEIVABLES, PAYMENTS_ONLY, REAL

GENERATED = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "receivables"
# Generated fixtures: the built-in layout each is written in (None: it needs its own mapping, so it is asked).
GENERATED_LAYOUTS = {
    "quickbooks_ar_aging_detail.csv": "quickbooks", "quickbooks_open_invoices.csv": "quickbooks",
    "xero_aged_receivables.csv": "xero", "zoho_invoices.csv": "zoho", "freshbooks_ar.csv": "freshbooks",
    "stripe_invoices.csv": "stripe", "invoiceninja_invoices.csv": "invoiceninja", "wave_ar.csv": "wave",
    "generic.csv": "generic", "tab_delimited.csv": "generic", "line_items.csv": "generic",
    "bad_rows.csv": "generic", "ledger.csv": None, "windows1252_semicolon.csv": None,
}  # fmt: skip


@dataclass(frozen=True)
class Case:
    name: str
    family: str
    lines: list[bytes]
    totals: dict[str, int] | None  # None: no single layout reads it (it must be asked or refused)
    payments: bool = False  # a payments export, read as such (by arrears; the naive detection had no such kind)


def _totals(lines: list[bytes], profile: object) -> dict[str, int]:
    parser = ReceivablesParser(profile, remember_all=True)  # type: ignore[arg-type]
    list(parser.parse(lines))
    return parser.report.totals


def cases() -> list[Case]:
    found = []
    for export in EXPORTS:
        lines = (REAL / export.path).read_bytes().splitlines(keepends=True)
        found.append(Case(export.path, export.family, lines, export.totals if export.confirm is None else None))
    for path in (*ASKED_ONLY, *NOT_RECEIVABLES, *PAYMENTS_ONLY):
        lines = (REAL / path).read_bytes().splitlines(keepends=True)
        payments = path.startswith("payments/") and path not in NOT_RECEIVABLES
        found.append(Case(path, path.split("/")[0], lines, None, payments))
    for name, layout in GENERATED_LAYOUTS.items():
        lines = (GENERATED / name).read_bytes().splitlines(keepends=True)
        found.append(Case(name, "generated", lines, _totals(lines, layout) if layout else None))
    return found


def arrears(case: Case) -> str:
    if is_payments_file(case.lines):
        return "right" if case.payments else "wrong"
    try:
        totals = _totals(case.lines, None)
    except LayoutUncertainError as exc:
        return "asked" if exc.proposal is not None else "refused"
    except UnreadableFileError:
        return "refused"
    return "right" if totals == case.totals else "wrong"


def naive(case: Case) -> str:
    text = [(n, raw.decode("utf-8", "replace")) for n, raw in enumerate(case.lines[:HEAD_LINES], start=1)]
    match = find_header(text, list(BUILTIN_PROFILES.values()), detect=True)
    if match is None:
        return "refused"
    try:
        totals = _totals(case.lines, match.profile)
    except UnreadableFileError:
        return "refused"
    return "right" if totals == case.totals else "wrong"


def render(results: list[tuple[Case, str, str]]) -> str:
    outcomes = ("right", "asked", "refused", "wrong")
    lines = [f"{'family':<12} {'files':>5}  impl     " + "  ".join(f"{o:>7}" for o in outcomes)]
    families = sorted({case.family for case, _, _ in results})
    for family in [*families, "all"]:
        rows = [r for r in results if family in ("all", r[0].family)]
        for index, impl in enumerate(("arrears", "naive")):
            counts = Counter(r[1 + index] for r in rows)
            label = f"{family:<12} {len(rows):>5}" if index == 0 else " " * 18
            lines.append(f"{label}  {impl:<7}  " + "  ".join(f"{counts[o]:>7}" for o in outcomes))
    lines.append(
        "right: read to the expected totals · asked: waits for a confirmed mapping · wrong: read to other totals"
    )
    return "\n".join(lines)


def main() -> None:
    results = [(case, arrears(case), naive(case)) for case in cases()]
    print(render(results))
    wrong = [case.name for case, outcome, _ in results if outcome == "wrong"]
    print(f"arrears wrong: {len(wrong)} (goal 0){': ' + ', '.join(wrong) if wrong else ''}")
    readable = [r for r in results if r[0].totals is not None]
    right = sum(1 for r in readable if r[1] == "right")
    print(f"files one layout reads for certain: arrears reads {right} of {len(readable)} right, naive "
          f"{sum(1 for r in readable if r[2] == 'right')}")  # fmt: skip


if __name__ == "__main__":
    main()
