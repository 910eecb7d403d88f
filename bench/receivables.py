"""Deterministic, realistic receivables exports (profile `generic`) written row by row to a file."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

HEADER = "account_id,debtor_name,invoice,invoice_date,due_date,balance,currency,email,phone\n"
FIRST = ("Ana", "Ben", "Chloé", "Dmitri", "Emeka", "Fatima", "Grace", "Hiro", "Ines", "Jamal", "Keiko", "Liam")
LAST = ("Okafor", "Smith", "García", "Nguyen", "Müller", "Rossi", "Kowalski", "Tanaka", "O'Brien", "Haddad")
AREAS = ("212", "312", "415", "512", "617", "702", "206", "305", "404", "720")
CURRENCIES = ("USD",) * 17 + ("EUR", "GBP", "CAD")
START = date(2025, 1, 1)

# The shape of the file: most accounts owe one invoice, some several (listed together, as exports sort by
# customer), a few invoices of an earlier customer turn up further down, and a few rows are broken.
SEVERAL_INVOICES = 0.12  # accounts with 2-3 invoices
MANY_INVOICES = 0.03  # accounts with 4-8 invoices
LATE_INVOICE = 0.003  # rows: an extra invoice of an account first seen much earlier in the file
BAD_ROW = 0.001  # rows: rejected by the parser (bad date, amount, currency or missing invoice)
DUPLICATE_ROW = 0.0005  # rows: an exact repeat of the previous row (folded by the parser)


@dataclass
class Generated:
    """What was written: the parser should accept, reject and fold exactly these numbers of rows."""

    path: Path
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    accounts: int = 0
    size_bytes: int = 0


def _money(rng: random.Random) -> str:
    cents = int(rng.lognormvariate(10.5, 1.1))
    return f"{cents // 100}.{cents % 100:02d}"


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.25:
        return ""
    return f"{rng.choice(AREAS)}-{rng.randint(201, 989)}-{rng.randint(0, 9999):04d}"


def _row(rng: random.Random, account: int, invoice: int) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    name = f'"{last}, {first}"' if rng.random() < 0.2 else f"{first} {last}"
    issued = START + timedelta(days=rng.randint(0, 540))
    due = issued + timedelta(days=rng.choice((14, 30, 30, 45, 60)))
    email = f"{first.lower()}.{account}@example.com" if rng.random() < 0.8 else ""
    email = email.replace("é", "e").replace("ü", "u").replace("'", "")
    return (
        f"C{account:08d},{name},INV-{invoice:09d},{issued.isoformat()},{due.isoformat()},"
        f"{_money(rng)},{rng.choice(CURRENCIES)},{email},{_phone(rng)}\n"
    )


def _broken(rng: random.Random, row: str) -> str:
    cells = row.rstrip("\n").split(",")
    if cells[1].startswith('"'):  # keep the quoted name's comma out of the way
        cells[1:3] = [f"{cells[1]},{cells[2]}"]
    where, value = rng.choice(((3, "2025-13-45"), (5, "12..50"), (6, "DOLLARS"), (2, "")))
    cells[where] = value
    return ",".join(cells) + "\n"


def _invoices_of_next_account(rng: random.Random) -> int:
    draw = rng.random()
    if draw < MANY_INVOICES:
        return rng.randint(4, 8)
    if draw < MANY_INVOICES + SEVERAL_INVOICES:
        return rng.randint(2, 3)
    return 1


def write_receivables(path: Path, rows: int, seed: int = 20260901) -> Generated:
    """Write `rows` data rows after the header, one at a time (never the whole file in memory)."""
    rng = random.Random(seed)
    out = Generated(path)
    account = invoice = 0
    pending = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(HEADER)
        previous = ""
        while out.rows < rows:
            if pending == 0:
                account, pending = account + 1, _invoices_of_next_account(rng)
                out.accounts += 1
            draw = rng.random()
            invoice += 1
            if draw < BAD_ROW:
                line, kind = _broken(rng, _row(rng, account, invoice)), "rejected"
            elif draw < BAD_ROW + DUPLICATE_ROW and previous:
                line, kind = previous, "duplicates"
            elif draw < BAD_ROW + DUPLICATE_ROW + LATE_INVOICE and account > 1000:
                line, kind = _row(rng, rng.randint(1, account - 1000), invoice), "accepted"
            else:
                line, kind = _row(rng, account, invoice), "accepted"
                pending -= 1
            setattr(out, kind, getattr(out, kind) + 1)
            file.write(line)
            previous = line if kind == "accepted" else ""
            out.rows += 1
    out.size_bytes = path.stat().st_size
    return out
