"""local.package: what each function's package holds, and the .pyc it is compiled to."""

import sys
from pathlib import Path

import pytest

from local.package import FUNCTIONS, stage_function


@pytest.mark.parametrize("name", FUNCTIONS)
def test_stage_function_ships_its_own_code_and_shared_only(tmp_path: Path, name: str) -> None:
    # When staging one function without compiling
    staged = stage_function(name, tmp_path / name, python=None)

    # Then it holds functions/<name>/ and shared/, and nothing of tests, bench, local, docs or other functions
    assert sorted(p.name for p in staged.iterdir()) == ["functions", "shared"]
    assert sorted(p.name for p in (staged / "functions").iterdir()) == ["__init__.py", name]
    assert (staged / "functions" / name / "handler.py").is_file()
    assert (staged / "shared" / "domain" / "money.py").is_file()
    assert not list(staged.rglob("__pycache__"))


def test_stage_function_compiles_for_the_given_python_with_unchecked_hashes(tmp_path: Path) -> None:
    # When staging with this interpreter
    staged = stage_function("plans", tmp_path / "plans", python=sys.executable)

    # Then each module has a .pyc for it, which Python uses without comparing timestamps
    tag = sys.implementation.cache_tag
    pyc = staged / "functions" / "plans" / "__pycache__" / f"handler.{tag}.pyc"
    assert pyc.is_file()
    flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
    assert flags == 0b01  # PEP 552: hash-based, check_source unset


def test_stage_function_refuses_an_unknown_function(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="unknown function 'billing'"):
        stage_function("billing", tmp_path)
