"""Atomic file writes: a temp file beside the target, flushed, then renamed over it.

A killed process leaves either the old file or the new one, never a torn one; what it may leave is a
hidden ``.tmp-*`` file, which readers skip and the next run (holding the run lock) removes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

TEMP_PREFIX = ".tmp-"


def write_atomic(
    path: Path,
    data: bytes,
    *,
    suffix: str = "",
    fsync: bool = True,
    mode: int | None = None,
    before_rename: Callable[[], None] | None = None,
) -> None:
    """Write ``data`` to ``path`` atomically. ``fsync=False`` for files that are cheap to lose
    (they are rebuilt); ``before_rename`` is a test hook (crash points)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if before_rename is not None:
            before_rename()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
