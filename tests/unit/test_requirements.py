"""The root requirements.txt (read by `sam build`) lists exactly pyproject's runtime dependencies."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _requirement_lines(text: str) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def test_requirements_txt_matches_pyproject_dependencies() -> None:
    # Given the project's declared runtime dependencies
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = pyproject["project"]["dependencies"]

    # When reading the requirements file sam build installs from
    required = _requirement_lines((ROOT / "requirements.txt").read_text(encoding="utf-8"))

    # Then both list the same requirements, in the same order
    assert required == declared
