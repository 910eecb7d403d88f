"""The embedded stack for e2e tests: one Slack recorder and one deployed template per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.runner import LocalRunner, embedded_aws
from local.slack_recorder import SlackRecorder


@pytest.fixture(scope="module")
def recorder() -> Iterator[SlackRecorder]:
    with SlackRecorder() as recorder:
        yield recorder


@pytest.fixture(scope="module")
def runner(recorder: SlackRecorder) -> Iterator[LocalRunner]:
    # U-ANA is the collector the e2e tests act as: writes are for AUTHORIZED_USERS only (empty denies everyone)
    with embedded_aws(recorder.api_url, parameters={"AuthorizedUsers": "U-ANA"}) as runner:
        yield runner
