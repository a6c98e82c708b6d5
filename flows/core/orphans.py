"""Nothing outlives a killed command: a small watcher process ends what a dead ``fazhi`` left running.

A ``fazhi run`` starts processes of its own: Prefect's temporary API server (ephemeral mode), the
normalize worker pool, a local Dask cluster. On a normal exit, Ctrl-C or SIGTERM they are stopped by
their owners; a SIGKILL (or the OOM killer) gives no one a chance, and Prefect's server would keep
running, holding a port and a core. So each flow command runs inside a watcher (``python -S``, a few MB, its
own session), which every half second notes the command's descendants (pid and start time, from
/proc) and, once the command is gone, sends SIGTERM to the ones still running, then SIGKILL to any
left after a grace period. The command stops its watcher when it ends normally. Linux only (/proc).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POLL_S = 0.5
GRACE_S = 5.0

# Run with ``python -S -c``: the standard library only, no site-packages, no project import.
_WATCHER = r"""
import os, signal, sys, time

parent, poll, grace = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])


def stat(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return fields[0], fields[19]  # state, start time


def children(pid):
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return found


def alive(pid, started):
    now = stat(pid)
    return now is not None and now[1] == started and now[0] != b"Z"


parent_started = stat(parent)[1]
seen = {}
while alive(parent, parent_started):
    todo = children(parent)
    while todo:
        pid = todo.pop()
        if pid != os.getpid() and pid not in seen and (now := stat(pid)) is not None:
            seen[pid] = now[1]
            todo += children(pid)
    time.sleep(poll)
for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 0)):
    left = [pid for pid, started in seen.items() if alive(pid, started)]
    for pid in left:
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    deadline = time.monotonic() + wait
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [pid for pid in left if alive(pid, seen[pid])]
"""


@contextmanager
def watching_children() -> Iterator[subprocess.Popen | None]:
    """Within the block a watcher guards this process's descendants; it is stopped (SIGTERM, which
    ends it without touching anything) when the block ends, however it ends. No watcher where /proc
    is missing."""
    if not Path(f"/proc/{os.getpid()}/task").is_dir():
        yield None
        return
    watcher = subprocess.Popen(
        [sys.executable, "-S", "-c", _WATCHER, str(os.getpid()), str(POLL_S), str(GRACE_S)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a terminal's Ctrl-C reaches the command, not its watcher
    )
    try:
        yield watcher
    finally:
        watcher.terminate()
        watcher.wait()
