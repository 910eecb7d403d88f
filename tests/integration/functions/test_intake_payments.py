"""Payments files applied through the account ledger: once per payment, never twice, unmatched ones listed."""

from __future__ import annotations

import csv
import io

from shared.db import accounts as account_repo
from shared.domain.accounts import account_key
from tests.integration.functions.test_intake import follow_continuations, intake, keys_under, put, read, run

__all__ = ["intake"]  # the fixture, imported for the tests below

RECEIVABLES = (
    b"account_id,debtor_name,invoice,invoice_date,due_date,balance,currency,email\n"
    b"A1,Ann Lee,I-1,2026-09-01,2026-10-01,500.00,USD,ann@example.com\n"
    b"A2,Bo Kim,I-2,2026-09-03,2026-10-03,300.00,EUR,bo@example.com\n"
)
PAYMENTS = (
    b"Payment Date,Customer ID,Invoice Number,Amount Received,Payment Reference,Status\n"
    b"2026-11-02,A1,I-1,200.00,CHK-1001,Succeeded\n"
    b"2026-11-02,A2,I-77,50.00,CHK-1002,Succeeded\n"
    b"2026-11-03,A9,I-9,10.00,CHK-1003,Succeeded\n"
    b"2026-11-03,A1,I-1,25.00,CHK-1004,Failed\n"
    b"2026-11-04,A2,I-2,abc,CHK-1005,Succeeded\n"
    b"2026-11-04,A2,I-2,120.00,CHK-1006,Succeeded\n"
)


def _balances(account_id: str) -> dict[str, int]:
    return account_repo.get_account(account_key("acme", account_id)).balances


def _summary(recorder) -> str:
    return str(recorder.wait_for(lambda c: "Payments from" in str(c.params.get("text"))).params["text"])


def test_payments_file_is_applied_through_the_ledger_and_lists_every_payment_not_applied(intake, recorder):
    # Given two accounts imported from the receivables export
    run(intake, put("incoming/generic/open.csv", RECEIVABLES))
    # When the payments export is dropped in incoming/ (told apart by its header)
    assert run(intake, put("incoming/payments-nov.csv", PAYMENTS)) == {"incoming/payments-nov.csv": "imported"}
    # Then matched payments lower the balances at once, in their own currency
    assert _balances("A1") == {"USD": 30000}
    assert _balances("A2") == {"EUR": 18000}
    # And every payment not applied is in the errors file with the reason, none dropped
    errors = list(csv.DictReader(io.StringIO(read("rejected/payments-nov.csv.errors.csv"))))
    reasons = {int(row["line"]): row["reason"] for row in errors}
    assert set(reasons) == {3, 4, 6}
    assert "invoice 'I-77' is not an invoice of account 'A2'" in reasons[3]
    assert "no account 'A9' of acme" in reasons[4]
    assert reasons[6].startswith("amount 'abc'")
    # And the ops channel reads what happened, with the unmatched ones named
    text = _summary(recorder)
    assert "2 applied" in text and "3 not applied" in text and "1 non-payment lines skipped" in text
    assert "USD 200.00" in text and "EUR 120.00" in text
    assert "status 'Failed'" in text and "line 4: payment not applied: no account 'A9'" in text
    assert keys_under("processed/") == ["processed/generic/open.csv", "processed/payments-nov.csv"]


def test_the_same_payments_sent_again_change_nothing(intake, recorder):
    run(intake, put("incoming/generic/open.csv", RECEIVABLES))
    run(intake, put("incoming/payments/acme/nov.csv", PAYMENTS))
    # A re-export of the same payments (a new object version) finds every reference on its account already
    assert run(intake, put("incoming/payments/acme/nov.csv", PAYMENTS)) == {
        "incoming/payments/acme/nov.csv": "imported"
    }
    assert _balances("A1") == {"USD": 30000} and _balances("A2") == {"EUR": 18000}
    texts = [str(c.params.get("text")) for c in recorder.calls if "Payments from" in str(c.params.get("text"))]
    assert "0 applied" in texts[-1] and "2 already recorded" in texts[-1]


def test_a_payment_the_books_already_showed_is_identified_not_counted_twice(intake, recorder):
    run(intake, put("incoming/generic/open.csv", RECEIVABLES))
    # The next receivables export shows A1 down by 200: an inferred payment
    lower = RECEIVABLES.replace(b"500.00,USD", b"300.00,USD")
    run(intake, put("incoming/generic/open.csv", lower))
    assert _balances("A1") == {"USD": 30000}
    # When the payments export then lists that very payment
    run(intake, put("incoming/payments-nov.csv", PAYMENTS))
    # Then it is the same money: the balance stays 300, and the entry now carries the payment's reference
    assert _balances("A1") == {"USD": 30000}
    entries = account_repo.get_account(account_key("acme", "A1")).entries
    assert [(e.kind, e.ref, e.amount.minor) for e in entries] == [("inferred_payment", "CHK-1001", 20000)]
    assert "1 already in the books (identified)" in _summary(recorder)


def test_a_posted_payment_is_matched_when_the_books_show_it(intake, recorder):
    run(intake, put("incoming/generic/open.csv", RECEIVABLES))
    run(intake, put("incoming/payments-nov.csv", PAYMENTS))
    # The receivables export that reflects the payments lowers the source balance by as much: matched, not again
    reflected = RECEIVABLES.replace(b"500.00,USD", b"300.00,USD").replace(b"300.00,EUR", b"180.00,EUR")
    run(intake, put("incoming/generic/open.csv", reflected))
    assert _balances("A1") == {"USD": 30000} and _balances("A2") == {"EUR": 18000}
    states = {e.ref: e.state for e in account_repo.get_account(account_key("acme", "A1")).entries}
    assert states == {"CHK-1001": "matched"}


def test_a_payments_file_without_a_readable_header_is_quarantined_with_a_sentence(intake, recorder):
    body = b"When,Who,How much\n2026-11-02,A1,200.00\n"
    assert run(intake, put("incoming/payments/odd.csv", body)) == {"incoming/payments/odd.csv": "quarantined"}
    reason = read("quarantine/payments/odd.csv.reason.txt")
    assert "names a payment date, an amount and the customer who paid" in reason


def test_the_import_summary_names_what_changed_and_the_changes_file_lists_it_all(intake, recorder):
    # Given accounts already held, the next export adds one, lowers one, and closes the other's invoice as paid
    big = RECEIVABLES.replace(b"500.00,USD", b"5000.00,USD")
    run(intake, put("incoming/generic/open.csv", big))
    later = (
        b"account_id,debtor_name,invoice,invoice_date,due_date,balance,currency,email\n"
        b"A1,Ann Lee,I-1,2026-09-01,2026-10-01,2000.00,USD,ann@example.com\n"
        b"A2,Bo Kim,I-2,2026-09-03,2026-10-03,0.00,EUR,bo@example.com\n"
        b"A3,Cy Park,I-3,2026-10-03,2026-11-03,1500.00,GBP,cy@example.com\n"
    )
    run(intake, put("incoming/generic/open.csv", later))
    # Then the ops channel reads which accounts changed and how, above the summary threshold
    final = [str(c.params.get("text")) for c in recorder.calls if ":white_check_mark: Imported" in str(c.params)]
    text = final[-1]
    assert (
        "Changes: new accounts: 1 · balances changed: 2 · payments seen in the books: 2 · "
        "invoices closed as paid per source: 1"
    ) in text
    assert "`acme:A3`: new, owes GBP 1,500.00" in text
    assert "`acme:A1`: owed USD 5,000.00 → USD 2,000.00" in text
    assert "`acme:A1`: paid USD 3,000.00 per the creditor's books" in text
    assert "EUR 300.00" not in text  # below the threshold (1,000 in the reference currency): in the file only
    assert "Every change: `s3://" in text and "reports/generic/open.csv.changes.csv" in text
    # And the changes file in the bucket lists every change, the small ones too
    rows = list(csv.DictReader(io.StringIO(read("reports/generic/open.csv.changes.csv"))))
    got = {(r["change"], r["account"], r["invoice"], r["currency"], r["before"], r["after"]) for r in rows}
    assert got == {
        ("balance", "acme:A1", "", "USD", "5000.00", "2000.00"),
        ("inferred_payment", "acme:A1", "", "USD", "3000.00", "0.00"),
        ("balance", "acme:A2", "", "EUR", "300.00", "0.00"),
        ("closed_paid", "acme:A2", "I-2", "EUR", "300.00", "0.00"),
        ("inferred_payment", "acme:A2", "", "EUR", "300.00", "0.00"),
        ("new_account", "acme:A3", "", "GBP", "0.00", "1500.00"),
    }


def test_a_payments_file_applied_over_several_invocations_counts_every_row_once(intake, recorder, monkeypatch):
    import functions.intake.logic as logic

    # Given chunks of 2 rows and invocations that always run short of time after one chunk
    monkeypatch.setattr(logic, "CHUNK_ROWS", 2)
    run(intake, put("incoming/generic/open.csv", RECEIVABLES))
    outcomes = list(run(intake, put("incoming/payments/acme/nov.csv", PAYMENTS), timeout_s=1).values())
    outcomes += follow_continuations(intake)
    # Then it finishes, and the summary counts each row once, the skipped one too, whichever invocation read it
    assert outcomes[-1] == "imported" and "continued" in outcomes
    assert _balances("A1") == {"USD": 30000} and _balances("A2") == {"EUR": 18000}
    texts = [str(c.params.get("text")) for c in recorder.calls if "ayments from" in str(c.params.get("text"))]
    assert any(t.startswith(":hourglass_flowing_sand: Applying payments from") for t in texts)  # its progress
    final = texts[-1]
    assert final.startswith(":white_check_mark: Payments from")
    assert "5 read · 2 applied" in final and "3 not applied" in final and "1 non-payment lines skipped" in final
    assert "Skipped: 1 status 'Failed': no money received" in final
