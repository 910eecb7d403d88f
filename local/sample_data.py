"""Generated sample receivables for the demo: deterministic, fictional (example.com, 555-01xx numbers)."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal

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
# City, state, postal code, country, currency, phone. Debtors around the world, so that at any hour of the
# demo some are inside their local contact window and some are not. Numbers are from ranges reserved for
# fiction or examples (NANP 555-01xx, Ofcom 020 7946 0xxx, ACMA 02 5550 xxxx); the others are invented.
PLACES = [
    ("New York", "NY", "10001", "US", "USD", "(212) 555-01{n:02d}"),
    ("Chicago", "IL", "60601", "US", "USD", "(312) 555-01{n:02d}"),
    ("Denver", "CO", "80202", "US", "USD", "(303) 555-01{n:02d}"),
    ("Los Angeles", "CA", "90012", "US", "USD", "(213) 555-01{n:02d}"),
    ("Honolulu", "HI", "96813", "US", "USD", "(808) 555-01{n:02d}"),
    ("Dallas", "TX", "75201", "US", "USD", "(214) 555-01{n:02d}"),
    ("Seattle", "WA", "98101", "US", "USD", "(206) 555-01{n:02d}"),
    ("Boston", "MA", "02108", "US", "USD", "(617) 555-01{n:02d}"),
    ("London", "", "EC1A 1BB", "GB", "GBP", "+44 20 7946 0{n:03d}"),
    ("Berlin", "", "10115", "DE", "EUR", "+49 30 901820{n:02d}"),
    ("Tokyo", "", "100-0001", "JP", "JPY", "+81 3-3201-00{n:02d}"),
    ("Sydney", "NSW", "2000", "AU", "AUD", "+61 2 5550 01{n:02d}"),
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
        city, state, postal, country, currency, phone = PLACES[n % len(PLACES)]
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        for k in range(1 + (n % 3 == 0)):
            due = today - timedelta(days=rng.randint(3, 95))
            whole = rng.randint(40, 4800)
            amount = f"{whole * 100}" if currency == "JPY" else f"{whole}.{rng.randint(0, 99):02d}"
            rows.append(
                [
                    f"CUST-{n:04d}",
                    name,
                    f"INV-{2026_000 + n * 10 + k}",
                    (due - timedelta(days=30)).isoformat(),
                    due.isoformat(),
                    amount,
                    currency,
                    f"{name.split()[0].lower()}.{n}@example.com",
                    phone.format(n=n % 100),
                    f"{100 + n} Main St",
                    city,
                    state,
                    postal,
                    country,
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


def sample_payments_csv(today: date) -> bytes:
    """The demo's payments export (Stripe's dashboard layout): part of two accounts' first invoices paid, a
    charge that failed, and one for a customer Arrears does not hold."""
    rows = {row[0]: row for row in reversed(sample_rows(today))}  # each account's first invoice
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "Created date (UTC)", "Amount", "Amount Refunded", "Currency", "Status", "Customer ID",
                     "Invoice ID"])  # fmt: skip
    for n, (account, status) in enumerate((("CUST-0001", "Paid"), ("CUST-0002", "Paid"), ("CUST-0004", "Failed"))):
        row = rows[account]
        amount = Decimal(row[5]) / 2
        amount = amount.quantize(Decimal(1) if row[6] == "JPY" else Decimal("0.01"))
        writer.writerow([f"ch_demo{n}", f"{today.isoformat()} 09:1{n}:00", amount, "0.00", row[6].lower(), status,
                         account, row[2]])  # fmt: skip
    writer.writerow(["ch_demo9", f"{today.isoformat()} 09:30:00", "25.00", "0.00", "usd", "Paid", "CUST-7777", ""])
    return out.getvalue().encode("utf-8")


# A collection agency's placement for the demo's notices step: a third-party consumer portfolio of one creditor,
# whose policy asks for first notices by email where the rules allow it (collections.letters.notice_delivery).
AGENCY_CREDITOR = "globex"
AGENCY_MAPPING = b"""name: agency
account_id: account_id
debtor_name: debtor_name
invoice: invoice
invoice_date: invoice_date
due_date: due_date
balance: balance
currency: currency
email: email
address1: address1
city: city
state: state
postal_code: postal_code
country: country
creditor: globex
collector_role: third_party
"""
AGENCY_POLICY = {"collections": {"letters": {
    "name": "Northwind Recovery LLC", "address": ["PO Box 4410", "Austin, TX 78765"], "phone": "(512) 555-0142",
    "email": "disputes@northwind.example", "notice_delivery": "email"}}}  # fmt: skip
AGENCY_EMAIL = "jane.roe@example.com"  # the Texas debtor: a personal address from the creditor (safe harbour)


def agency_csv(today: date) -> bytes:
    """Three placed debts: a Texan with an email (the notice goes by email), a New Yorker with one (New York wants
    written consent: a letter), and a Texan without (a letter)."""
    invoiced, due = (today - timedelta(days=60)).isoformat(), (today - timedelta(days=30)).isoformat()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["account_id", "debtor_name", "invoice", "invoice_date", "due_date", "balance", "currency", "email",
                     "address1", "city", "state", "postal_code", "country"])  # fmt: skip
    writer.writerows([
        ["G-1", "Jane Roe", "GX-1", invoiced, due, "125.00", "USD", AGENCY_EMAIL, "1 Main St", "Dallas", "TX",
         "75201", "US"],
        ["G-2", "Sam Poe", "GX-2", invoiced, due, "480.00", "USD", "sam.poe@example.com", "350 Fifth Ave",
         "New York", "NY", "10118", "US"],
        ["G-3", "Ana Ruiz", "GX-3", invoiced, due, "99.00", "USD", "", "2 Elm St", "Austin", "TX", "78701", "US"],
    ])  # fmt: skip
    return out.getvalue().encode()
