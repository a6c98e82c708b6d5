"""Named points where tests kill the process (``FAZHI_TEST_KILL_AT=<name>:<n>``).

They sit where a crash would hurt most (between writing an object and its manifest row, before a
rename), so that the crash tests can prove a rerun after a kill gives the uninterrupted outputs.
Without the variable a point costs one environment lookup.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

KILL_ENV = "FAZHI_TEST_KILL_AT"

_crash_passes: Counter = Counter()
_crash_guard = threading.Lock()


def crash_point(name: str) -> None:
    """TEST ONLY: with ``FAZHI_TEST_KILL_AT=<name>:<n>`` in the environment, the n-th time this
    process passes the point ``name`` it SIGKILLs itself, so tests can stop a stage exactly where a
    crash would hurt most. Without the variable this is one environment lookup."""
    wanted = os.environ.get(KILL_ENV)
    if not wanted:
        return
    point, _, count = wanted.rpartition(":")
    if point != name:
        return
    with _crash_guard:
        _crash_passes[name] += 1
        if _crash_passes[name] == int(count):
            os.kill(os.getpid(), signal.SIGKILL)
