"""Generated sample receivables for the demo: deterministic, fictional (example.com, 555-01xx numbers)."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

HEADER = [
    "account_id",
    "debtor_name",
    "invoice",
    "invoice_date",
    "due_date",
    "balance",
    "currency",
    "email",
    "phone",
    "address1",
    "city",
    "state",
    "postal_code",
    "country",
]
PLACES = [
    ("New York", "NY", "10001", "212"),
    ("Chicago", "IL", "60601", "312"),
    ("Denver", "CO", "80202", "303"),
    ("Los Angeles", "CA", "90012", "213"),
    ("Honolulu", "HI", "96813", "808"),
    ("Dallas", "TX", "75201", "214"),
    ("Seattle", "WA", "98101", "206"),
    ("Boston", "MA", "02108", "617"),
]
FIRST = [
    "Avery",
    "Blake",
    "Casey",
    "Devon",
    "Emery",
    "Finley",
    "Harper",
    "Jordan",
    "Kendall",
    "Logan",
    "Morgan",
    "Parker",
    "Quinn",
    "Riley",
    "Rowan",
    "Sawyer",
    "Taylor",
    "Tatum",
]
LAST = ["Adler", "Brooks", "Castillo", "Dunn", "Ellis", "Fischer", "Garza", "Hayes", "Ibarra", "Jensen", "Keller"]


def sample_rows(today: date, accounts: int = 24, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    rows = []
    for n in range(1, accounts + 1):
        city, state, postal, area = PLACES[n % len(PLACES)]
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        for k in range(1 + (n % 3 == 0)):
            due = today - timedelta(days=rng.randint(3, 95))
            amount = f"{rng.randint(40, 4800)}.{rng.randint(0, 99):02d}"
            rows.append(
                [
                    f"CUST-{n:04d}",
                    name,
                    f"INV-{2026_000 + n * 10 + k}",
                    (due - timedelta(days=30)).isoformat(),
                    due.isoformat(),
                    amount,
                    "USD",
                    f"{name.split()[0].lower()}.{n}@example.com",
                    f"({area}) 555-01{n % 100:02d}",
                    f"{100 + n} Main St",
                    city,
                    state,
                    postal,
                    "US",
                ]
            )
    return rows


def sample_csv(today: date) -> bytes:
    """The demo export: good rows plus two rows an accounting system might get wrong."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(sample_rows(today))
    writer.writerow(_row_with_gap("CUST-0999", "Missing Amount LLC", today, today.isoformat(), amount=""))
    writer.writerow(_row_with_gap("CUST-0998", "Bad Date Co", today, "31/31/2026", amount="10.00"))
    return out.getvalue().encode("utf-8")


def _row_with_gap(account_id: str, debtor: str, invoiced: date, due: str, amount: str) -> list[str]:
    """A row an accounting system might get wrong: no contact data, and a missing amount or an impossible date."""
    invoice = f"INV-{account_id[-1]}"
    return [account_id, debtor, invoice, invoiced.isoformat(), due, amount, "USD", "", "", "", "", "", "", "US"]
