"""Items one compliance check reads, for an account with a short and a long recent history.

    python -m bench.compliance_reads

On moto in-process, one account gets `recent` history entries in the last 60 days: its contacts (a call and an
email a week, as a collector and the cadence make them) and everything else a busy account collects (decisions,
notes, payments, status changes). *contacts index* is the shipped read (`activity.query_contacts_since`: the sparse
`lsi1`, contacts only); *whole history* is the read it replaced (every entry since 60 days on the base table).
Items read are DynamoDB's ScannedCount summed over the check's queries. Both reads must give the engine the same
answer for a call and an email (the bench checks it). Nothing is asserted on time.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from bench.probe import items_read
from bench.report import save
from shared import contacts
from shared.db import activity as activity_repo
from shared.db import keys
from shared.db.models import ActivityItem, configure
from shared.domain.accounts import Account, Activity
from shared.domain.compliance import evaluate
from shared.domain.contact_check import ProposedContact, build_check
from shared.domain.settings import contact_policy
from tests.factories import TABLE, account, table_kwargs

NOW = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
OTHER_KINDS = ("compliance", "note", "payment", "status")
# (recent entries, contacts among them): a short history, a long one with the same contacts, a long one with a
# call and an email every week for 8 weeks (what the cadence and a collector make; the rules cap outbound contacts)
CASES = ((10, 4), (5_000, 4), (5_000, 16))
Reader = Callable[[Account, datetime], list[Activity]]


@dataclass
class Run:
    recent: int
    contacts: int
    impl: str
    items_read: int
    answers: str


def _history(recent: int, n_contacts: int) -> list[Activity]:
    """`recent` entries over 60 days: `n_contacts` of them a call and an email a week back from today, the rest
    other kinds, evenly spread."""
    weekly = [
        Activity(at=NOW - timedelta(days=7 * w, hours=h), kind="contact", summary="contact", channel=channel,
                 direction="outbound", outcome="no_answer" if channel == "call" else "delivered",
                 data={"automated": channel == "email", "to": "+12145550101"})
        for w in range(8) for channel, h in (("call", 3), ("email", 1))
    ][:n_contacts]  # fmt: skip
    others = recent - len(weekly)
    step = timedelta(days=59) / max(others, 1)
    rest = [Activity(at=NOW - step * n, kind=OTHER_KINDS[n % 4], summary="entry") for n in range(others)]
    return weekly + rest


def _whole_history(subject: Account, since: datetime) -> list[Activity]:
    """The replaced read: every history entry since `since` from the base table, filtered in the process."""
    condition = ActivityItem.sk >= f"ACT#{keys.instant(since)}"
    return [activity_repo.activity_of(i) for i in ActivityItem.query(keys.account_pk(subject.key), condition)]


def _contacts_index(subject: Account, since: datetime) -> list[Activity]:
    return activity_repo.query_contacts_since(subject.key, since)


def _check(subject: Account, proposed: ProposedContact, read: Reader) -> tuple[str, int]:
    """The engine's answer (decision and first rule) with the history `read` gives, and the items it read."""
    with items_read() as counts:
        history = read(subject, proposed.at - timedelta(days=contacts.HISTORY_DAYS))
    decision = evaluate(build_check(subject, history, proposed, contact_policy({})))
    return decision.decision + (f" {decision.rules[0]}" if decision.rules else ""), sum(counts)


def _measure(recent: int, n_contacts: int) -> list[Run]:
    subject = account(f"C-{recent}-{n_contacts}")
    history = _history(recent, n_contacts)
    activity_repo.append_activities((subject.key, entry) for entry in history)
    proposals = [
        ProposedContact(at=NOW, channel="call", to="+12145550101", automated=False),
        ProposedContact(at=NOW, channel="email", to=subject.emails[0]["address"], automated=True),
    ]
    runs = []
    for impl, read in (("contacts index", _contacts_index), ("whole history", _whole_history)):
        results = [_check(subject, proposed, read) for proposed in proposals]
        answers = "/".join(decision for decision, _ in results)
        runs.append(Run(recent, n_contacts, impl, max(n for _, n in results), answers))
    return runs


def _table(runs: list[Run]) -> str:
    lines = [f"{'recent':>8} {'contacts':>8}  {'read':<15} {'items/check':>11}  answers (call/email)"]
    for run in runs:
        lines.append(f"{run.recent:>8,} {run.contacts:>8}  {run.impl:<15} {run.items_read:>11,}  {run.answers}")
    return "\n".join(lines)


def main() -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        boto3.client("dynamodb").create_table(**table_kwargs())
        configure(TABLE)
        runs = [run for case in CASES for run in _measure(*case)]
    by_case: dict[tuple[int, int], dict[str, Any]] = {}
    for run in runs:
        by_case.setdefault((run.recent, run.contacts), {})[run.impl] = run.answers
    if any(len(set(answers.values())) != 1 for answers in by_case.values()):
        raise SystemExit("the two reads gave the engine different answers")
    save("compliance_reads", runs, _table(runs), f"{platform.node()} {platform.machine()}, moto in-process")


if __name__ == "__main__":
    main()
