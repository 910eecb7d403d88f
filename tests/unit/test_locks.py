"""The locks: requirements.txt pins every runtime package exactly, with hashes; the dev lock agrees with it."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)")
DECIDING = ["holidays", "phonenumbers", "boto3", "botocore", "slack-bolt", "pynamodb", "pydantic"]


def _pins(name: str) -> dict[str, str]:
    """Package -> exact version of a lock; raises if any requirement line is not an `==` pin with a hash."""
    text = (ROOT / name).read_text(encoding="utf-8")
    pins: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", text):
        if block.startswith("#") or not block.strip():
            continue
        match = PIN.match(block)
        assert match, f"{name}: not an exact pin: {block.splitlines()[0]}"
        assert "--hash=sha256:" in block, f"{name}: {match.group(1)} has no hash"
        pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_runtime_lock_pins_every_declared_dependency_within_its_range() -> None:
    # Given pyproject's runtime dependencies and the lock Lambda is built from
    declared = [Requirement(line) for line in _pyproject()["dependencies"]]
    pins = _pins("requirements.txt")

    # Then each is pinned to a version its range admits
    for requirement in declared:
        version = pins.get(canonicalize_name(requirement.name))
        assert version, f"{requirement.name} is not in requirements.txt (run make lock)"
        assert requirement.specifier.contains(version, prereleases=True), f"{requirement.name}=={version}"


@pytest.mark.parametrize("package", DECIDING)
def test_packages_that_change_decisions_are_pinned_exactly(package: str) -> None:
    # Holiday calendars, phone metadata, AWS and Slack clients and validation change what Arrears decides
    assert canonicalize_name(package) in _pins("requirements.txt")


def test_dev_lock_holds_the_runtime_pins_unchanged_and_every_dev_tool() -> None:
    # Given both locks
    runtime, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")

    # Then tests run on exactly the versions Lambda gets, plus each declared dev tool
    assert {name: dev.get(name) for name in runtime} == runtime
    for line in _pyproject()["optional-dependencies"]["dev"]:
        assert canonicalize_name(Requirement(line).name) in dev, f"{line} is not in requirements-dev.txt"
    assert "aws-xray-sdk" not in runtime  # tracing is off: nothing in production needs the X-Ray SDK
