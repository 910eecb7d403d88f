"""The house rules on what each layer may import (STYLE.md), read from the source: handlers reach AWS only through
`shared/`, and the domain does no I/O."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AWS = {"boto3", "botocore", "pynamodb"}
IO = AWS | {"slack_bolt", "slack_sdk", "aws_lambda_powertools"}


def _imported(path: Path) -> set[str]:
    """The top-level packages a module imports, at module level or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("handler", sorted(ROOT.glob("functions/*/handler.py")), ids=lambda p: p.parent.name)
def test_a_handler_imports_no_aws_client_library(handler: Path) -> None:
    # Given a function's entry point, Then it reaches AWS through shared/ (adapters, repositories) only
    assert _imported(handler) & AWS == set()


def test_the_domain_imports_no_io_library() -> None:
    # Given every module of shared/domain, Then none imports an AWS, Slack or powertools package
    offenders = {str(p.relative_to(ROOT)): _imported(p) & IO for p in sorted((ROOT / "shared/domain").rglob("*.py"))}
    assert {path: found for path, found in offenders.items() if found} == {}
