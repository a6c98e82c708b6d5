"""A SIGKILLed ``fazhi run`` leaves no process behind: its temporary Prefect API server (ephemeral
mode) and anything else it started are ended by the command's watcher (flows/core/orphans.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _descendants(pid: int) -> dict[int, str]:
    """pid -> command line of every living descendant of ``pid``."""
    out: dict[int, str] = {}
    todo = _children(pid)
    while todo:
        child = todo.pop()
        try:
            out[child] = (Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")).decode()
        except OSError:
            continue
        todo += _children(child)
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state != b"Z"


def test_a_sigkilled_run_leaves_no_temporary_server_behind(tmp_path):
    root = tmp_path / "proj"
    shutil.copytree(PROJECT / "raw", root / "raw")
    env = {k: v for k, v in os.environ.items() if k not in ("FAZHI_ROOT", "PREFECT_API_URL")}
    env["PYTHONPATH"] = str(PROJECT)
    command = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "--root", str(root), "run", "--offline"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so that the test, not a process group, decides who is killed
    )
    started: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and command.poll() is None:
            started = _descendants(command.pid)
            if any("prefect.server.api.server:create_app" in line for line in started.values()):
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the run never started its temporary server (exit status {command.returncode})")
        time.sleep(1.0)  # the watcher polls twice a second: let it see the server
        started = _descendants(command.pid)
        command.send_signal(signal.SIGKILL)
        command.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_running(pid) for pid in started):
            time.sleep(0.2)
        left = {pid: line for pid, line in started.items() if _running(pid)}
        assert left == {}
        assert any("create_app" in line for line in started.values())
    finally:
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)
        for pid in [*started, *_descendants(command.pid)]:  # never leave the test's own leftovers
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
