"""Lambda packages: each function ships only its own code and shared/; the dependencies ship once, as a layer.

`sam build` calls the Makefile's `build-<LogicalId>` targets, which run this module (stdlib only, so it runs on
the build machine's python3.13 or in SAM's build container):

    python3.13 -m local.package function intake "$ARTIFACTS_DIR"
    python3.13 -m local.package layer "$ARTIFACTS_DIR"

The runtime-package test stages functions with the same code, so what it imports is what `sam build` ships.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.txt"
FUNCTIONS = ("intake", "reminders", "plans", "slack", "notify", "retention", "unsubscribe")
LAMBDA_PLATFORM = ("manylinux2014_aarch64", "3.13")  # infra/template.yaml: arm64, python3.13
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")
# Data of library features Arrears never calls: phonenumbers' geocoder and carrier names (40 MB of the layer's
# 130). Its time zones (phonenumbers.timezone, which debtor zones use) stay.
UNUSED = ("phonenumbers/geodata", "phonenumbers/carrierdata", "bin")


def stage_function(name: str, target: Path, python: str | None = sys.executable) -> Path:
    """Copy `functions/<name>/` and `shared/` into `target` and compile them for `python` (None: no .pyc)."""
    if name not in FUNCTIONS:
        raise SystemExit(f"unknown function {name!r}; one of {', '.join(FUNCTIONS)}")
    target.mkdir(parents=True, exist_ok=True)
    (target / "functions").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "functions" / "__init__.py", target / "functions" / "__init__.py")
    shutil.copytree(ROOT / "functions" / name, target / "functions" / name, ignore=_SKIP, dirs_exist_ok=True)
    shutil.copytree(ROOT / "shared", target / "shared", ignore=_SKIP, dirs_exist_ok=True)
    if python:
        compile_tree(target, python)
    return target


def install_dependencies(target: Path, python: str, platform: tuple[str, str] | None = LAMBDA_PLATFORM) -> Path:
    """Install the hash-pinned lock (and nothing it does not pin) into `target/python`, the layer's folder.

    With `platform` (tag, Python version) wheels are chosen for Lambda whatever machine builds; None installs
    for `python` itself.
    """
    site = target / "python"
    command = [python, "-m", "pip", "install", "--quiet", "--no-deps", "--require-hashes", "--no-compile"]
    command += ["--target", str(site), "-r", str(LOCK)]
    if platform is not None:
        tag, version = platform
        command += ["--platform", tag, "--python-version", version, "--implementation", "cp", "--only-binary=:all:"]
    subprocess.run(command, check=True)  # noqa: S603 - fixed arguments, our own lock file
    prune_unused(site)
    compile_tree(site, python)
    return target


def prune_unused(site: Path) -> None:
    """Remove what no function uses from an installed site (console scripts, unused library data)."""
    for relative in UNUSED:
        shutil.rmtree(site / relative, ignore_errors=True)


def compile_tree(tree: Path, python: str) -> None:
    """Byte-compile for `python`; unchecked-hash .pyc are used as they are (the zip does not keep mtimes exactly
    and Lambda's file system is read-only, so timestamp-checked .pyc would be recompiled on every cold start)."""
    command = [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(tree)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - fixed arguments


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.package", description=__doc__.splitlines()[0])
    kinds = parser.add_subparsers(dest="kind", required=True)
    function = kinds.add_parser("function", help="stage one function's code")
    function.add_argument("name", choices=FUNCTIONS)
    function.add_argument("target", type=Path)
    layer = kinds.add_parser("layer", help="install the runtime lock for Lambda (arm64, python3.13)")
    layer.add_argument("target", type=Path)
    args = parser.parse_args(argv)
    if args.kind == "function":
        stage_function(args.name, args.target)
    else:
        install_dependencies(args.target, sys.executable)


if __name__ == "__main__":
    main()
