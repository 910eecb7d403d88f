"""Lambda SnapStart's runtime hooks, run in this process in the order Lambda runs them (tests and benches)."""

from __future__ import annotations

import snapshot_restore_py


def take_snapshot() -> None:
    """What Lambda does when it publishes a version: the before-snapshot hooks, last registered first."""
    for hook, args, kwargs in reversed(snapshot_restore_py.get_before_snapshot()):
        hook(*args, **kwargs)


def restore() -> None:
    """What Lambda does when a cold start resumes the snapshot: the after-restore hooks, in registration order."""
    for hook, args, kwargs in snapshot_restore_py.get_after_restore():
        hook(*args, **kwargs)


def forget_hooks() -> None:
    """No hooks registered: a handler imported next registers its own alone."""
    snapshot_restore_py.get_before_snapshot().clear()
    snapshot_restore_py.get_after_restore().clear()
