"""Lambda SnapStart: what must not be shared by the environments restored from one snapshot.

After a restore: ``random`` is reseeded (jitter and ids would otherwise repeat in every environment), pooled
connections are dropped (their sockets belonged to the snapshotted environment) and cached secrets are
forgotten (read again, in case they rotated since the snapshot). The hooks come from the runtime's
``snapshot_restore_py`` (python3.12+); outside Lambda, or with SnapStart off, registering does nothing.
"""

from __future__ import annotations

import os
import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


def on_restore(*callbacks: Callable[[], object]) -> bool:
    """Run ``callbacks`` after each restore from a snapshot; False where the runtime has no hooks."""
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:
        return False
    for callback in callbacks:
        register_after_restore(callback)
    return True


def reseed() -> None:
    random.seed()


def snapshotting() -> bool:
    """Whether this init is the one a snapshot is taken after (``AWS_LAMBDA_INITIALIZATION_TYPE`` is
    ``snap-start``): work started in a thread now would be frozen mid-call into every restored environment."""
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"
