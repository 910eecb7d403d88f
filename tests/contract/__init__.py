"""Contract suites: each runs one port's tests against its in-memory fake and its DynamoDB (pynamodb) version."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest

BOTH = ["fake", "dynamodb"]  # the fixtures' params


def implementation(request: pytest.FixtureRequest, fake: Callable[[], Any], dynamo: str) -> Any:
    """The port under test: the fake, or the DynamoDB class `dynamo` (`module:Class`), imported once moto runs."""
    if request.param == "fake":
        return fake()
    request.getfixturevalue("aws")
    module, _, name = dynamo.partition(":")
    return getattr(importlib.import_module(module), name)()
