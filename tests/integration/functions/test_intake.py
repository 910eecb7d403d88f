"""The intake function against moto: real S3 events import fixture exports once, losing no row."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.events import LambdaContext, s3_put_event, sqs_event
from local.slack_recorder import SlackRecorder
from shared.db import accounts as account_repo
from shared.db import activity as activity_repo
from shared.db import creditors as creditor_repo
from shared.domain.accounts import account_key
from shared.domain.receivables import BUILTIN_PROFILES, preview
from shared.domain.settings import parse_settings
from tests.factories import BUCKET
from tests.support import deliver_notices, moto_without_transaction_backup

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "receivables"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:arrears-intake"
QUEUE = "arrears-intake"


@pytest.fixture
def intake(load_handler: Any, recorder: SlackRecorder) -> Any:
    url = boto3.client("sqs").create_queue(QueueName=QUEUE)["QueueUrl"]
    return load_handler("functions.intake.handler", SLACK_API_URL=recorder.api_url, INTAKE_QUEUE_URL=url)


def put(key: str, body: bytes) -> dict[str, Any]:
    """Put an object and return the S3 event that the bucket notification sends for it."""
    answer = boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    return s3_put_event(BUCKET, key, size=len(body), etag=answer["ETag"], version_id=answer.get("VersionId"))


def run(handler: Any, event: dict[str, Any], timeout_s: int = 900) -> dict[str, str]:
    """Invoke the intake function, then deliver the Slack notices it queued (as the notify function does)."""
    results = handler.lambda_handler(event, LambdaContext("arrears-intake", ARN, timeout_s=timeout_s))["results"]
    deliver_notices()
    return results


def follow_continuations(handler: Any, timeout_s: int = 1) -> list[str]:
    """Run every continuation message the intake queued (and those they queue) as SQS would deliver them, one
    invocation each; returns their outcomes in order."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    outcomes: list[str] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", []):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
        event = sqs_event(messages, f"arn:aws:sqs:us-east-1:123456789012:{QUEUE}")
        outcomes += run(handler, event, timeout_s=timeout_s).values()
    return outcomes


def keys_under(prefix: str) -> list[str]:
    listing = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [o["Key"] for o in listing.get("Contents", [])]


def read(key: str) -> str:
    return boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


@pytest.mark.parametrize("profile", ["quickbooks", "xero", "zoho", "freshbooks", "stripe", "invoiceninja", "wave"])
def test_builtin_layout_imports_every_accepted_row_as_account_balance(intake, recorder, profile):
    # Given an export in a built-in layout dropped in its profile folder
    fixture = next(FIXTURES.glob(f"{profile}*.csv"))
    body = fixture.read_bytes()
    expected = preview(iter(body.splitlines(keepends=True)), BUILTIN_PROFILES[profile])
    # When the bucket notification reaches the intake function
    assert run(intake, put(f"incoming/{profile}/{fixture.name}", body)) == {
        f"incoming/{profile}/{fixture.name}": "imported"
    }
    # Then every accepted invoice is on its account with the parsed balance, and the file moved to processed/
    for row in expected["accepted"]:
        stored = account_repo.get_account(account_key("acme", row["account_id"]))
        invoice = next(i for i in stored.invoices if i.number == row["invoice"])
        assert (invoice.balance.minor, invoice.balance.currency) == (row["balance_minor"], row["currency"])
    assert keys_under("processed/") == [f"processed/{profile}/{fixture.name}"]
    assert keys_under("incoming/") == []
    # And the creditor's data counts as fresh from now (the reminders' data-freshness gate reads it)
    assert creditor_repo.last_imported("acme") is not None
    summary = recorder.wait_for(lambda c: c.method == "chat.update" and "Imported" in c.params.get("text", ""))
    assert f"{len(expected['accepted'])} accepted" in summary.params["text"]


def test_same_s3_event_delivered_twice_imports_once(intake):
    body = (FIXTURES / "generic.csv").read_bytes()
    event = put("incoming/generic/ar.csv", body)
    assert run(intake, event) == {"incoming/generic/ar.csv": "imported"}
    first = account_repo.get_account(account_key("acme", "00042"))
    assert run(intake, event) == {"incoming/generic/ar.csv": "repeat"}
    assert account_repo.get_account(account_key("acme", "00042")).version == first.version


def test_bad_rows_go_to_errors_file_and_good_rows_still_import(intake, recorder):
    # Given a file with good rows and bad rows of every kind
    body = (FIXTURES / "bad_rows.csv").read_bytes()
    expected = preview(iter(body.splitlines(keepends=True)), None)
    # When it is imported
    run(intake, put("incoming/bad rows (june).csv", body))
    # Then each rejected row is in rejected/<key>.errors.csv with its line and reason
    errors = list(csv.DictReader(io.StringIO(read("rejected/bad rows (june).csv.errors.csv"))))
    assert [(int(e["line"]), e["reason"]) for e in errors] == [(r["line"], r["reason"]) for r in expected["rejected"]]
    # And accepted + rejected = data rows, as the summary says
    assert len(expected["accepted"]) + len(errors) == expected["rows_read"]
    for row in expected["accepted"]:
        assert account_repo.find_accounts(row["account_id"])
    summary = recorder.wait_for(lambda c: c.method == "chat.update" and "Imported" in c.params.get("text", ""))
    assert (
        f"{len(errors)} rejected" in summary.params["text"] and "Rejected rows with reasons" in summary.params["text"]
    )
    assert keys_under("rejected/bad rows (june).csv.errors.d/") == []
    # And a repeat of an invoice far from its first row is folded as the preview folds it
    assert f"{len(expected['accepted'])} accepted" in summary.params["text"]
    assert "1 duplicate lines folded" in summary.params["text"]


def test_unreadable_file_is_quarantined_with_reason_and_alert(intake, recorder):
    result = run(intake, put("incoming/export.csv", b"PK\x03\x04\x00\x00binary zip"))
    assert result == {"incoming/export.csv": "quarantined"}
    assert sorted(keys_under("quarantine/")) == ["quarantine/export.csv", "quarantine/export.csv.reason.txt"]
    assert read("quarantine/export.csv.reason.txt").strip()
    alert = recorder.wait_for(lambda c: c.method == "chat.postMessage" and "quarantine" in c.params.get("text", ""))
    assert alert.params["channel"] == "C-OPS"


def test_unknown_profile_folder_is_quarantined(intake):
    body = (FIXTURES / "generic.csv").read_bytes()
    assert run(intake, put("incoming/nosuch/ar.csv", body)) == {"incoming/nosuch/ar.csv": "quarantined"}
    assert "nosuch" in read("quarantine/nosuch/ar.csv.reason.txt")


def test_custom_mapping_from_bucket_imports_windows1252_semicolon_file(intake):
    mapping = (FIXTURES / "windows1252_semicolon.yaml").read_bytes()
    boto3.client("s3").put_object(Bucket=BUCKET, Key="mappings/de-erp.yaml", Body=mapping)
    body = (FIXTURES / "windows1252_semicolon.csv").read_bytes()
    assert run(intake, put("incoming/de-erp/offene-posten.csv", body)) == {
        "incoming/de-erp/offene-posten.csv": "imported"
    }
    from shared.domain.receivables import load_mapping

    expected = preview(iter(body.splitlines(keepends=True)), load_mapping(mapping.decode(), "yaml"))
    creditor = "Beispiel Handels AG"
    for row in expected["accepted"]:
        stored = account_repo.get_account(account_key(creditor, row["account_id"]))
        assert stored.balances[row["currency"]] >= row["balance_minor"]


def test_lower_balance_on_reimport_is_recorded_as_inferred_payment(intake):
    header = b"account_id,debtor_name,invoice,invoice_date,due_date,balance,currency,email\n"
    run(
        intake, put("incoming/generic/a.csv", header + b"A1,Ann,I-1,2026-09-01,2026-10-01,500.00,USD,ann@example.com\n")
    )
    run(
        intake, put("incoming/generic/a.csv", header + b"A1,Ann,I-1,2026-09-01,2026-10-01,200.00,USD,ann@example.com\n")
    )
    stored = account_repo.get_account(account_key("acme", "A1"))
    assert stored.balances == {"USD": 20000}
    payment = next(a for a in activity_repo.query_activity(stored.key) if a.kind == "payment")
    assert payment.data["amount_minor"] == 30000 and payment.data["inferred"] is True


def test_large_file_continues_from_checkpoint_without_repeating_rows(intake, monkeypatch):
    # Given a file of 9 accounts, chunks of 2 rows, and an invocation that is always short of time
    import functions.intake.logic as logic

    monkeypatch.setattr(logic, "CHUNK_ROWS", 2)
    header = "account_id,debtor_name,invoice,invoice_date,due_date,balance,currency\n"
    rows = "".join(f"K{i},Debtor {i},I-{i},2026-09-01,2026-10-01,{i}.00,USD\n" for i in range(1, 10))
    event = put("incoming/generic/big.csv", (header + rows).encode())
    # When the first invocation runs out of time after one chunk
    assert run(intake, event, timeout_s=1) == {"incoming/generic/big.csv": "continued"}
    # Then a continuation message carries the checkpoint, and following it (again and again) finishes the file
    outcomes = follow_continuations(intake)
    assert outcomes[-1] == "imported" and set(outcomes[:-1]) <= {"continued"}
    # And every row was imported exactly once
    for i in range(1, 10):
        stored = account_repo.get_account(account_key("acme", f"K{i}"))
        assert stored.balances == {"USD": i * 100}
        assert activity_repo.query_activity(stored.key) == []


SNAPSHOT_MAPPING = (
    b'{"name": "snap", "account_id": "account_id", "debtor_name": "debtor_name", "invoice": "invoice", '
    b'"due_date": "due_date", "balance": "balance", "currency": "currency", "snapshot": true, "creditor": "globex", '
    b'"account_type": "commercial"}'
)


def snapshot_mapping() -> bytes:
    """Store the `snap` mapping (full snapshots of globex) and return the header of its files."""
    boto3.client("s3").put_object(Bucket=BUCKET, Key="mappings/snap.json", Body=SNAPSHOT_MAPPING)
    return b"account_id,debtor_name,invoice,due_date,balance,currency\n"


def snapshot_rows(*ids: str) -> dict[str, bytes]:
    return {k: f"{k},Debtor {k},I-{k},2026-10-01,10.00,USD\n".encode() for k in ids}


def test_full_snapshot_reports_accounts_it_no_longer_lists_without_deleting_them(intake, recorder):
    # Given a creditor whose mapping declares its exports full snapshots, and a first export of three accounts
    header, rows = snapshot_mapping(), snapshot_rows("S1", "S2", "S3")
    run(intake, put("incoming/snap/july.csv", header + rows["S1"] + rows["S2"] + rows["S3"]))
    # When the next full export no longer lists S2
    run(intake, put("incoming/snap/august.csv", header + rows["S1"] + rows["S3"]))
    # Then the summary names S2 (with buttons to confirm), S2 is still owed and its reminders wait for a person
    summary = recorder.wait_for(
        lambda c: (
            c.method == "chat.update"
            and "august" in c.params.get("text", "")
            and "Imported" in c.params.get("text", "")
        )
    )
    assert "1 account(s) of globex have open invoices this file leaves out" in summary.params["text"]
    assert "`globex:S2`" in summary.params["text"]
    assert '"snapshot_paid:globex:S2"' in json.dumps(summary.params)
    kept = account_repo.get_account(account_key("globex", "S2"))
    assert kept.balances == {"USD": 1000}
    assert kept.next_action == "hold: snapshot_review" and kept.next_action_at is None
    # And the mapping's account type reached the accounts it created (business debt: company rules, not Reg F)
    assert kept.account_type == "commercial"


def test_creditor_policy_file_changes_when_reminders_may_go_out(intake, load_handler, recorder):
    # Given acme's policy file narrowing the contact window to 10:00-18:00
    from datetime import UTC, datetime

    from local.events import scheduler_event
    from tests.factories import account

    policy = b'{"time_window": {"start": "10:00", "end": "18:00"}}'
    assert run(intake, put("policies/acme.json", policy)) == {"policies/acme.json": "policy-updated"}
    # When a reminder is due at 09:30 in Chicago
    account_repo.put_new_accounts([account(next_action_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC))])
    reminders = load_handler("functions.reminders.handler")
    reminders.clock = lambda: datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    event = scheduler_event(
        datetime(2026, 11, 23, 15, 30, tzinfo=UTC), "arn:aws:scheduler:us-east-1:1:schedule/default/r"
    )
    report = reminders.lambda_handler(event, LambdaContext("reminders", ARN))
    # Then it waits for 10:00 local, the creditor's window, not the legal 08:00
    assert report["outcomes"] == {"deferred": 1}
    assert account_repo.get_account(account().key).next_action_at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def test_invalid_policy_file_is_refused_with_reason_in_slack(intake, recorder):
    result = run(intake, put("policies/acme.json", b'{"time_window": {"start": "25:00"}, "colour": "red"}'))
    assert result == {"policies/acme.json": "policy-rejected"}
    alert = recorder.wait_for(lambda c: c.method == "chat.postMessage" and "not applied" in c.params.get("text", ""))
    assert "colour" in alert.params["text"]


def test_a_policy_file_may_be_yaml_and_a_yaml_mistake_is_named_by_line(intake, recorder):
    # Given acme's dunning cadence written as YAML, a letter step among its steps
    policy = b"""time_window: {start: 09:00, end: 20:00}
collections:
  letters:
    name: Acme Collections
    address: [PO Box 1, "Austin, TX 78765"]
    phone: 800-555-0100
  cadence:
    - {offset_days: 1, channel: email, template: friendly}
    - {offset_days: 45, channel: [letter, email], template: final}
"""
    # When it is dropped as policies/acme.yaml, then a broken one as policies/globex.yml
    assert run(intake, put("policies/acme.yaml", policy)) == {"policies/acme.yaml": "policy-updated"}
    broken = run(intake, put("policies/globex.yml", b"collections:\n  cadence: [\n    {offset_days: 1\n"))
    # Then acme's cadence is the one it wrote, and globex's file is refused naming where YAML broke
    stored = creditor_repo.get_policy("acme")
    assert stored["time_window"] == {"start": "09:00", "end": "20:00"}  # times of day, not YAML 1.1's base 60
    steps = parse_settings(stored).cadence_for("consumer")
    assert [(step.offset_days, step.channels) for step in steps] == [(1, ("email",)), (45, ("letter", "email"))]
    assert broken == {"policies/globex.yml": "policy-rejected"}
    alert = recorder.wait_for(lambda c: c.method == "chat.postMessage" and "globex.yml" in c.params.get("text", ""))
    assert "is not valid YAML (line" in alert.params["text"]


def test_crashed_import_is_resumed_by_the_retry_of_the_same_event(intake, monkeypatch):
    # Given a file in chunks of 2 rows, and an invocation that fails while writing its second chunk
    import functions.intake.logic as logic

    monkeypatch.setattr(logic, "CHUNK_ROWS", 2)
    header = "account_id,debtor_name,invoice,invoice_date,due_date,balance,currency\n"
    rows = "".join(f"R{i},Debtor {i},I-{i},2026-09-01,2026-10-01,{i}.00,USD\n" for i in range(1, 8))
    event = put("incoming/generic/crash.csv", (header + rows).encode())
    real_apply, calls = logic.apply_rows, []

    def failing_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("DynamoDB went away")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(logic, "apply_rows", failing_second_chunk)
    with pytest.raises(RuntimeError):
        run(intake, event)
    # When Lambda retries the same event a minute later
    assert run(intake, event) == {"incoming/generic/crash.csv": "imported"}
    # Then every row is imported once, and the file is processed
    for i in range(1, 8):
        assert account_repo.get_account(account_key("acme", f"R{i}")).balances == {"USD": i * 100}
    assert keys_under("processed/") == ["processed/generic/crash.csv"]


def test_snapshot_reimport_keeps_a_cease_hold_placed_between_its_read_and_its_write(intake, recorder, monkeypatch):
    # Given a full snapshot of S1, S2, S3 imported
    import functions.intake.upsert as upsert

    header, rows = snapshot_mapping(), snapshot_rows("S1", "S2", "S3")
    run(intake, put("incoming/snap/july.csv", header + rows["S1"] + rows["S2"] + rows["S3"]))
    s1 = account_key("globex", "S1")
    read_accounts = upsert.account_repo.get_accounts

    acted: list[str] = []

    def collector_acts_after_read(keys):
        found = read_accounts(keys)  # the import's copy, read before the collector's change
        if s1 in found and not acted:
            acted.append(s1)
            held = dict(found[s1].flags, cease={"received_at": "2026-11-23T15:00:00Z"})
            upsert.account_repo.save_account(replace(found[s1], flags=held))
        return found

    monkeypatch.setattr(upsert.account_repo, "get_accounts", collector_acts_after_read)
    before = account_repo.get_account(s1).version
    # When the next export lists S1 and S3 unchanged, while a collector puts S1 on a cease hold
    run(intake, put("incoming/snap/august.csv", header + rows["S1"] + rows["S3"]))
    # Then the hold and its version survive the import, and only S2 is reported missing
    stored = account_repo.get_account(s1)
    assert stored.flags["cease"] == {"received_at": "2026-11-23T15:00:00Z"}
    assert stored.version == before + 1
    summary = recorder.wait_for(
        lambda c: c.method == "chat.update" and "august" in c.params.get("text", "") and "Imported" in c.params["text"]
    )
    assert "1 account(s) of globex have open invoices this file leaves out" in summary.params["text"]
    assert "`globex:S2`" in summary.params["text"] and "`globex:S1`" not in summary.params["text"]


@pytest.mark.parametrize("snapshot", [False, True])
def test_two_imports_creating_the_same_account_at_once_keep_both_invoices(aws, monkeypatch, snapshot):
    # Given two files that both create account X (with different invoices), file A also creating Y
    import functions.intake.upsert as upsert
    from functions.intake.upsert import ImportTarget, apply_rows

    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    first = ImportTarget("acme", "incoming/a.csv@1", snapshot)
    second = ImportTarget("acme", "incoming/b.csv@1")
    read_accounts = upsert.account_repo.get_accounts

    def other_file_creates_x_after_read(keys):
        found = read_accounts(keys)
        monkeypatch.setattr(upsert.account_repo, "get_accounts", read_accounts)
        apply_rows([receivable("X", "I-B", 2, line=2)], second, now, 2)  # lands between our BatchGet and create
        return found

    monkeypatch.setattr(upsert.account_repo, "get_accounts", other_file_creates_x_after_read)
    # When file A's chunk is applied
    result = apply_rows([receivable("X", "I-A", 1, line=2), receivable("Y", "I-Y", 3, line=3)], first, now, 2)
    # Then X holds both files' invoices, Y was created, and A counts X as an update of an existing account
    stored = account_repo.get_account(account_key("acme", "X"))
    assert sorted(i.number for i in stored.invoices) == ["I-A", "I-B"]
    assert stored.balances == {"USD": 300} and stored.version == 2
    assert account_repo.get_account(account_key("acme", "Y")).version == 1
    assert result.changes == Counter({"updated": 1, "new": 1})
    # And a snapshot counts its own rows as listed (only the other file's invoice is left out of it)
    if snapshot:
        page = account_repo.query_missing_from_snapshot("acme", first.source)
        assert [(a.account_id, gone) for a, gone in page.missing] == [("X", ("I-B",))]


@pytest.mark.parametrize("snapshot", [False, True])
def test_import_of_1000_new_accounts_stays_within_41_write_calls(intake, monkeypatch, snapshot):
    # Given a file of 1,000 rows, each a new account (a full snapshot also stamps each one)
    header = snapshot_mapping() if snapshot else b"account_id,debtor_name,invoice,due_date,balance,currency\n"
    rows = b"".join(f"B{i:04d},Debtor {i},I-{i},2026-10-01,{i}.00,USD\n".encode() for i in range(1000))
    key = "incoming/snap/bulk.csv" if snapshot else "incoming/generic/bulk.csv"
    event = put(key, header + rows)
    writes = count_dynamodb_writes(monkeypatch)
    # When it is imported (moto's per-transaction table copy skipped: every account is new, nothing rolls back)
    with moto_without_transaction_backup():
        assert run(intake, event) == {key: "imported"}
    # Then the whole import (claim, account creation, checkpoint, finish) made at most 41 write calls, and a full
    # snapshot one more for each page of 50 accounts its missing-items pass checkpoints (20 here)
    assert sum(writes.values()) <= 41 + (20 if snapshot else 0), writes
    creditor = "globex" if snapshot else "acme"
    assert account_repo.get_account(account_key(creditor, "B0999")).balances == {"USD": 99900}


WRITES = frozenset({"PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems", "DeleteItem"})


def count_dynamodb_writes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """DynamoDB write calls by operation, counted where boto3 and pynamodb both end (as bench/probe.py does)."""
    from botocore.client import BaseClient

    writes: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb" and operation in WRITES:
            writes[operation] += 1
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    return writes


def receivable(account_id: str, invoice: str, dollars: int, line: int) -> Any:
    from shared.domain.money import Money
    from shared.domain.receivables import ReceivableRow

    return ReceivableRow(
        line=line,
        account_id=account_id,
        invoice=invoice,
        debtor=f"Debtor {account_id}",
        email=None,
        phone=None,
        timezone=None,
        address=None,
        balance=Money(dollars * 100, "USD"),
        invoice_date=None,
        due_date=date(2026, 10, 1),
        warnings=(),
        raw=f"{account_id},{invoice}",
    )


def test_long_import_keeps_its_lease_by_heartbeat_so_a_duplicate_event_waits(intake, monkeypatch):
    # Given a file read in chunks of 2 rows, each chunk taking 100 s (a slow table), and S3 delivering the same
    # event again while the first invocation is on its third chunk, 250 s after it began
    import functions.intake.logic as logic
    from shared import clock

    monkeypatch.setattr(logic, "CHUNK_ROWS", 2)
    started = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    moment = {"now": started}
    monkeypatch.setattr(clock, "utcnow", lambda: moment["now"])
    header = "account_id,debtor_name,invoice,invoice_date,due_date,balance,currency\n"
    rows = "".join(f"H{i},Debtor {i},I-{i},2026-09-01,2026-10-01,{i}.00,USD\n" for i in range(1, 7))
    event = put("incoming/generic/slow.csv", (header + rows).encode())
    real_apply, duplicate = logic.apply_rows, {}

    def slow_apply(*args, **kwargs):
        moment["now"] += timedelta(seconds=100)
        if moment["now"] == started + timedelta(seconds=300):  # the third chunk: the duplicate arrives
            moment["now"] -= timedelta(seconds=50)
            duplicate.update(run(intake, event))
            moment["now"] += timedelta(seconds=50)
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(logic, "apply_rows", slow_apply)
    # When both run
    first = run(intake, event)
    # Then the duplicate found the lease alive (renewed at the last checkpoint, not run out 120 s after the
    # start) and only queued a look for later; the first finished the import alone
    assert duplicate == {"incoming/generic/slow.csv": "watching"}
    assert first == {"incoming/generic/slow.csv": "imported"}


OWN_FRIENDLY_ES = ('Subject: {{ debtor }}: su cuenta con {{ creditor }}\n\nTiene {{ balance }} pendiente. Llámenos.\n'
                   '{% include "_footer.es.email.j2" %}')  # fmt: skip


def test_a_creditors_own_spanish_reminder_is_uploaded_and_sent_to_its_spanish_debtor(intake, load_handler, recorder):
    # Given acme's policy file with its own Spanish wording of the first reminder
    from dataclasses import replace
    from datetime import UTC, date, datetime

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from local.events import scheduler_event
    from tests.factories import account

    policy = json.dumps({"collections": {"templates": {"friendly.email": {"es": OWN_FRIENDLY_ES}}}}).encode()
    assert run(intake, put("policies/acme.json", policy)) == {"policies/acme.json": "policy-updated"}
    # and a debtor who reads Spanish, whose first reminder is due at 10:00 in Chicago
    morning = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    debtor = replace(account(due=date(2026, 11, 20), next_action_at=morning), preferences={"language": "es"})
    account_repo.put_new_accounts([debtor])

    # When the reminder run comes
    reminders = load_handler("functions.reminders.handler")
    reminders.clock = lambda: morning
    report = reminders.lambda_handler(scheduler_event(morning, ARN), LambdaContext("reminders", ARN))

    # Then the email SES sent is the creditor's Spanish one, with the Spanish disclosures and unsubscribe link
    assert report["outcomes"] == {"sent": 1}
    (sent,) = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert sent.subject == "Debtor C-1001: su cuenta con acme"
    assert "Tiene USD 1,250.00 pendiente. Llámenos." in sent.body
    assert "Este es un intento de cobrar una deuda" in sent.body and "cancele la suscripción con un clic" in sent.body


def test_a_policy_whose_template_drops_the_disclosures_is_refused_naming_it(intake, recorder):
    own = {"friendly.email": {"en": "Subject: Pay up\n\nPay {{ balance }} today."}}
    policy = json.dumps({"collections": {"templates": own}}).encode()
    assert run(intake, put("policies/acme.json", policy)) == {"policies/acme.json": "policy-rejected"}
    alert = recorder.wait_for(lambda c: c.method == "chat.postMessage" and "not applied" in c.params.get("text", ""))
    assert 'collections.templates.friendly.email: must include {% include "_footer.email.j2" %}' in alert.params["text"]


def test_language_column_of_an_export_sets_the_debtors_language(intake, recorder):
    # Given a generic export with a language column: Spanish by name, by code, and one Arrears does not write in
    body = (
        b"account_id,debtor_name,invoice,due_date,balance,currency,preferred_language\n"
        b"L1,Ana,I-1,2026-10-01,10.00,USD,Espa\xc3\xb1ol\n"
        b"L2,Bo,I-2,2026-10-01,10.00,USD,es-MX\n"
        b"L3,Cy,I-3,2026-10-01,10.00,USD,French\n"
    )
    # When it is imported
    assert run(intake, put("incoming/generic/lang.csv", body)) == {"incoming/generic/lang.csv": "imported"}
    # Then the Spanish-speaking debtors are written to in Spanish, the other keeps the default, and the row was kept
    languages = [
        account_repo.get_account(account_key("acme", k)).preferences.get("language") for k in ("L1", "L2", "L3")
    ]
    assert languages == ["es", "es", None]
    summary = recorder.wait_for(lambda c: "Imported `incoming/generic/lang.csv`" in str(c.params.get("text")))
    assert "3 accepted" in summary.params["text"]
