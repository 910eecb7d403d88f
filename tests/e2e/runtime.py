"""The runtime environment: a virtual environment built from requirements.txt alone, cached by the lock's hash.

It uses Lambda's Python (3.13) where the machine has it, otherwise the interpreter running the tests. Building it
costs one install per lock and interpreter; later runs reuse `.venv-runtime/<hash>/`.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from local.package import LOCK, ROOT, prune_unused

CACHE = ROOT / ".venv-runtime"


def _runs_313(candidate: str) -> bool:
    probe = [candidate, "-c", "import sys; sys.exit(sys.version_info[:2] != (3, 13))"]
    try:
        return subprocess.run(probe, capture_output=True, check=False, timeout=30).returncode == 0  # noqa: S603
    except OSError:
        return False


def lambda_python() -> str | None:
    """A python3.13 that runs: on PATH, or among pyenv's versions (a pyenv shim alone may not run)."""
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = [shutil.which("python3.13"), *sorted(glob.glob(f"{pyenv_root}/versions/3.13*/bin/python3.13"))]
    return next((c for c in candidates if c and _runs_313(c)), None)


@cache
def runtime_python() -> Path:
    """The interpreter of the runtime environment, building the environment on first use."""
    interpreter = lambda_python() or sys.executable
    version = subprocess.run(  # noqa: S603
        [interpreter, "-c", "import sys; print(sys.version)"], capture_output=True, check=True
    ).stdout
    home = CACHE / hashlib.sha256(LOCK.read_bytes() + version).hexdigest()[:16]
    python = home / "bin" / "python"
    if (home / ".complete").exists():
        return python
    shutil.rmtree(home, ignore_errors=True)
    subprocess.run([interpreter, "-m", "venv", str(home)], check=True)  # noqa: S603
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*install, "--require-hashes", "-r", str(LOCK)], check=True)  # noqa: S603 - the lock alone
    site = subprocess.run(  # noqa: S603
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    prune_unused(Path(site))  # what the layer leaves out, left out here too
    (home / ".complete").touch()
    return python
