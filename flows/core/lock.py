"""One run at a time per warehouse (the run lock).

What is locked: ``<warehouse>/.fazhi.lock``, for a whole command. The CLI (``cli._run_flow``) takes it
before Prefect starts (so a second ``fazhi run`` fails in a second, not after the server is up); each
flow and each stage function in ``stages`` takes it again, which costs nothing in the holding
process (the lock is re-entrant within a process and shared by its threads, where Prefect runs the
tasks) and covers flows started by ``fazhi serve`` and plain stage calls (benchmarks). The load
itself does not take it: its caller (``stages.load_stage``) holds it around all of its renames.
The warehouse is the lock's home because every stage reads or writes it and it is the one directory
a run cannot do without; ``raw/`` appends are safe on their own (content addressed objects,
``flock``-ed manifest appends). Publishing also holds ``.releases.publish.lock`` beside
``releases/`` (same helper; kept out of the public tree), since one releases tree may serve several warehouses (``FAZHI_RELEASES_DIR``).

How: ``fcntl.flock`` (exclusive) on the lock file, plus a JSON description of the holder (pid, host,
command, since) written into the file once it is locked, which a second run prints. The kernel
releases a ``flock`` when its holder dies, however it dies (SIGKILL, OOM, power loss), so a killed
run never leaves a lock that blocks: its file stays, with its description, but an unlocked file is
a free lock, and the next run notes in the log that the previous holder ended without releasing it.
A lock that is busy while the pid it names is gone on this host belongs to a child the dead run
forked (a process-pool worker still has the file open); the message says so, and the lock frees when
that child exits.

Wait or fail: ``FAZHI_LOCK_TIMEOUT`` seconds to wait for a busy lock (default 0: fail at once). A
second run started by hand or by a schedule while one is going should say so and stop, not queue
behind it silently and then redo the same work; a schedule that prefers to wait sets the timeout.
The failure is a ``UserError`` naming the holder, so the CLI prints it as one line with exit code 2.

Limits: ``flock`` on a network filesystem may be local to one client; the pid check only works for
a holder on this host. Two runs with different warehouses but one ``raw/`` are not excluded from
each other (their raw writes are safe anyway).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flows.core import layout
from flows.core.errors import UserError

TIMEOUT_ENV = "FAZHI_LOCK_TIMEOUT"
_POLL_SECONDS = 0.2

log = logging.getLogger(__name__)


class LockBusy(UserError):
    """Another process holds the lock; the message names it."""

    def __init__(self, message: str, holder: dict | None):
        super().__init__(message)
        self.holder = holder


# lock path -> [owner pid, fd, depth]; the owner pid tells a forked child that it holds nothing
_held: dict[str, list] = {}
_held_guard = threading.Lock()
# Two threads of one process taking a free lock at once: the second waits for the first and then
# shares it, instead of failing against its own process.
_acquire_guard = threading.Lock()


def run_lock_path(warehouse_dir: str | os.PathLike) -> Path:
    return Path(warehouse_dir) / layout.RUN_LOCK


def run_lock(warehouse_dir: str | os.PathLike, *, command: str | None = None, timeout: float | None = None):
    """Hold the warehouse's run lock (see the module docstring); a context manager."""
    return hold(run_lock_path(warehouse_dir), command=command, timeout=timeout)


@contextmanager
def hold(path: str | os.PathLike, *, command: str | None = None, timeout: float | None = None) -> Iterator[Path]:
    """Hold the exclusive lock on ``path`` (created if missing) for the ``with`` block.

    Re-entrant within the process. Waits up to ``timeout`` seconds (default ``FAZHI_LOCK_TIMEOUT``,
    else 0), then raises ``LockBusy`` naming the holder."""
    path = Path(path).absolute()
    key = str(path)
    with _acquire_guard:
        with _held_guard:
            entry = _held.get(key)
            if entry is not None and entry[0] == os.getpid():
                entry[2] += 1
            else:
                entry = None
        if entry is None:
            fd = _acquire(path, command, lock_timeout() if timeout is None else timeout)
            with _held_guard:
                _held[key] = [os.getpid(), fd, 1]
    try:
        yield path
    finally:
        with _held_guard:
            entry = _held[key]
            entry[2] -= 1
            released = entry[2] == 0
            if released:
                del _held[key]
        if released:
            os.ftruncate(entry[1], 0)  # an empty file: released cleanly
            os.close(entry[1])  # closing the descriptor releases the flock


def lock_timeout() -> float:
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    if not value:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        raise UserError(f"{TIMEOUT_ENV}={value!r} is not a number of seconds") from None
    if seconds < 0:
        raise UserError(f"{TIMEOUT_ENV}={value!r} must be 0 (fail at once) or more seconds")
    return seconds


def _acquire(path: Path, command: str | None, timeout: float) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    holder = read_holder(path)
                    raise LockBusy(busy_message(path, holder, timeout), holder) from None
                time.sleep(min(_POLL_SECONDS, remaining))
        previous = _parse_holder(os.pread(fd, 65536, 0))
        if previous:
            log.warning(
                "%s: the previous holder (%s) ended without releasing it (killed?); this run cleans up what it left",
                path,
                describe(previous),
            )
        record = json.dumps(_this_holder(command), ensure_ascii=False).encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, record + b"\n", 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _this_holder(command: str | None) -> dict:
    argv = [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv and sys.argv[0] else ["python"]
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command or " ".join(argv),
        "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _parse_holder(data: bytes) -> dict | None:
    try:
        holder = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return holder if isinstance(holder, dict) else None


def read_holder(path: str | os.PathLike) -> dict | None:
    """The holder description in a lock file (None when empty, unreadable or being written)."""
    try:
        return _parse_holder(Path(path).read_bytes())
    except OSError:
        return None


def describe(holder: dict) -> str:
    return (
        f"pid {holder.get('pid')} on host {holder.get('host')}, command `{holder.get('command')}`, "
        f"since {holder.get('since')}"
    )


def pid_is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def busy_message(path: Path, holder: dict | None, waited: float) -> str:
    who = describe(holder) if holder else "a process that has not written its description yet"
    message = f"another fazhi run holds {path}: {who}"
    if (
        holder
        and holder.get("host") == socket.gethostname()
        and isinstance(holder.get("pid"), int)
        and not pid_is_running(holder["pid"])
    ):
        message += (
            f" (pid {holder['pid']} is no longer running: a process it started still has the lock open; "
            f"the lock frees when that process exits)"
        )
    how = f"waited {waited:g} s" if waited else "did not wait"
    return f"{message}; {how} (set {TIMEOUT_ENV}=<seconds> to wait for it)"
