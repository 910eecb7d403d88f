"""One contract for the RunControl port (a hold over the reminder runs, approved days), run against the in-memory
fake and the DynamoDB (pynamodb) version."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.ports import RunControl
from shared.reminders.control import Hold
from tests.contract import BOTH, implementation
from tests.fakes import InMemoryRunControl

AT = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


@pytest.fixture(params=BOTH)
def control(request: pytest.FixtureRequest) -> RunControl:
    port: RunControl = implementation(request, InMemoryRunControl, "shared.db.runs:DynamoRunControl")
    return port


def test_a_hold_is_read_back_until_it_is_released_once(control: RunControl) -> None:
    assert control.hold_of() is None
    control.hold(Hold("U-BOSS", "audit", AT))
    assert control.hold_of() == Hold("U-BOSS", "audit", AT)
    assert control.release() and control.hold_of() is None
    assert not control.release()


def test_a_day_is_approved_once_and_only_that_day(control: RunControl) -> None:
    assert not control.approved(date(2026, 11, 23))
    assert control.approve(date(2026, 11, 23), "U-BOSS", AT)
    assert not control.approve(date(2026, 11, 23), "U-ANA", AT)
    assert control.approved(date(2026, 11, 23)) and not control.approved(date(2026, 11, 24))


def test_a_run_reads_a_days_approval_once_not_once_an_account(aws: dict[str, object], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shared.db import runs
    from shared.db.runs import DynamoRunControl

    reads: list[object] = []
    real_get = runs.MarkerItem.get
    monkeypatch.setattr(runs.MarkerItem, "get", lambda *a, **k: reads.append(a) or real_get(*a, **k))
    control, day = DynamoRunControl(), date(2026, 11, 23)

    assert [control.approved(day) for _ in range(50)] == [False] * 50  # 50 accounts of a creditor that waits
    assert len(reads) == 1
    assert control.approve(day, "U-BOSS", AT)
    assert all(control.approved(day) for _ in range(50)) and len(reads) == 1
