"""No PII in logs at DEBUG: the demo's thread runs with every function, and the root logger, at DEBUG; no sample
debtor's email, phone or street appears in anything logged or written to stdout/stderr."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

import local.demo
from local.runner import embedded_aws
from local.sample_data import HEADER, sample_rows
from shared.observability import LIBRARY_LOGGERS

pytestmark = pytest.mark.e2e
DEBUG_ENV = {"LOG_LEVEL": "DEBUG", "POWERTOOLS_LOG_LEVEL": "DEBUG"}
# The embedded AWS itself (moto's server) and the local tooling are not deployed: their lines are not checked.
NOT_DEPLOYED = ("moto", "werkzeug", "local")


class Capture(logging.Handler):
    def __init__(self, formatter: logging.Formatter | None = None) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []
        if formatter:
            self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".", 1)[0] in NOT_DEPLOYED:
            return
        self.records.append(record)
        self.lines.append(self.format(record))


def _debtor_pii() -> dict[str, set[str]]:
    """Every sample debtor's email, phone (as written and as digits) and street, as the demo imports them."""
    rows = [dict(zip(HEADER, row, strict=True)) for row in sample_rows(datetime.now(UTC).date())]
    return {
        "email": {row["email"] for row in rows},
        "phone": {row["phone"] for row in rows} | {re.sub(r"\D", "", row["phone"]) for row in rows},
        "street": {row["address1"] for row in rows},
    }


@pytest.fixture
def debug_everywhere(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Capture, Capture]]:
    """The demo at DEBUG: its functions' LOG_LEVEL, our Logger and the root logger (as Lambda's runtime may set)."""
    from shared.observability import logger, pin_library_loggers

    pin_library_loggers()  # what importing shared.observability does in a fresh sandbox

    def debug_aws(*args: Any, **kwargs: Any) -> Any:
        return embedded_aws(*args, **{**kwargs, "extra_env": DEBUG_ENV})

    monkeypatch.setattr(local.demo, "embedded_aws", debug_aws)
    ours, root = Capture(logger.registered_formatter), Capture(logging.Formatter("%(name)s %(message)s"))
    own_logger, root_logger = logging.getLogger(logger.name), logging.getLogger()
    levels = (own_logger.level, root_logger.level)
    own_logger.addHandler(ours), root_logger.addHandler(root)
    own_logger.setLevel(logging.DEBUG), root_logger.setLevel(logging.DEBUG)
    try:
        yield ours, root
    finally:
        own_logger.removeHandler(ours), root_logger.removeHandler(root)
        own_logger.setLevel(levels[0]), root_logger.setLevel(levels[1])


def test_demo_at_debug_logs_no_debtor_email_phone_or_street(
    debug_everywhere: tuple[Capture, Capture], capfd: pytest.CaptureFixture[str]
) -> None:
    # Given every function, our Logger and the root logger at DEBUG
    ours, root = debug_everywhere

    # When the demo's thread runs: import, reminders by email, the collector's commands in Slack
    ok = local.demo.run_demo(out := io.StringIO())
    captured = capfd.readouterr()

    # Then it did its work and logged (our own JSON lines among them)
    assert ok, out.getvalue()
    assert any(record.levelno == logging.INFO for record in ours.records)
    lines = ours.lines + root.lines + (captured.out + captured.err).splitlines()
    # And no library logged below WARNING, though the root logger was at DEBUG
    libraries = {r.name for r in root.records if r.name.split(".", 1)[0] in LIBRARY_LOGGERS}
    assert not {r.name for r in root.records if r.name in libraries and r.levelno < logging.WARNING}
    # And no debtor's email, phone or street is in any of it
    assert len(lines) > 20
    text = "\n".join(lines)
    found = {kind: sorted(v for v in values if v in text) for kind, values in _debtor_pii().items()}
    assert found == {"email": [], "phone": [], "street": []}, f"{len(lines)} lines checked"
