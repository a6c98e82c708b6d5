"""The run lock: a second run fails naming the holder (or waits with FAZHI_LOCK_TIMEOUT), a killed
holder never blocks, load and publish use the same lock, the CLI fails before Prefect starts."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from corpus_root import build_corpus_root

from flows import stages
from flows.core import lock
from flows.core.config import PROJECT_DIR
from flows.core.lock import LockBusy, read_holder, run_lock, run_lock_path
from flows.publish.releases import publish_lock_path

HOLDER = """
import os, sys, time
from flows.core.lock import run_lock
with run_lock(sys.argv[1], command="fazhi run --offline"):
    child = 0
    if sys.argv[2] == "fork":  # a child that inherits the locked descriptor and outlives its parent
        child = os.fork()
        if child == 0:
            time.sleep(60)
            os._exit(0)
    print(child, flush=True)
    time.sleep(float(sys.argv[3]))
"""


def _env(**extra) -> dict:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), **extra}
    env.pop("FAZHI_LOCK_TIMEOUT", None)
    env.update(extra)
    return env


def _start_holder(warehouse: Path, seconds: float, fork: bool = False) -> tuple[subprocess.Popen, int]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), "fork" if fork else "-", str(seconds)],
        cwd=PROJECT_DIR,
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(holder.stdout.readline())  # printed once the lock is held
    return holder, child


@pytest.fixture()
def holder_cleanup():
    started: list[int] = []
    yield started
    for pid in started:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_second_run_fails_at_once_naming_the_holder(tmp_path, holder_cleanup, monkeypatch):
    monkeypatch.delenv("FAZHI_LOCK_TIMEOUT", raising=False)
    holder, _ = _start_holder(tmp_path, 30)
    holder_cleanup.append(holder.pid)
    started = time.monotonic()
    with pytest.raises(LockBusy) as caught:
        with run_lock(tmp_path):
            pytest.fail("took a lock another process holds")
    assert time.monotonic() - started < 1
    message = str(caught.value)
    assert f"pid {holder.pid} on host {socket.gethostname()}" in message
    assert "command `fazhi run --offline`" in message and "since 20" in message
    assert "FAZHI_LOCK_TIMEOUT" in message and str(run_lock_path(tmp_path)) in message
    assert caught.value.holder["pid"] == holder.pid


def test_second_run_waits_up_to_the_timeout(tmp_path, holder_cleanup, monkeypatch):
    holder, _ = _start_holder(tmp_path, 1.0)
    holder_cleanup.append(holder.pid)
    monkeypatch.setenv("FAZHI_LOCK_TIMEOUT", "0.3")
    started = time.monotonic()
    with pytest.raises(LockBusy, match="waited 0.3 s"):
        with run_lock(tmp_path):
            pass
    assert 0.3 <= time.monotonic() - started < 1.0
    monkeypatch.setenv("FAZHI_LOCK_TIMEOUT", "20")
    with run_lock(tmp_path):  # the holder lets go after a second; we get it then
        assert holder.poll() is not None
        assert read_holder(run_lock_path(tmp_path))["pid"] == os.getpid()
    assert read_holder(run_lock_path(tmp_path)) is None  # released cleanly: empty file


def test_bad_timeout_is_a_user_error(tmp_path, monkeypatch):
    monkeypatch.setenv("FAZHI_LOCK_TIMEOUT", "soon")
    with pytest.raises(lock.UserError, match="FAZHI_LOCK_TIMEOUT='soon' is not a number"):
        with run_lock(tmp_path):
            pass


def test_lock_of_a_killed_holder_never_blocks(tmp_path, holder_cleanup, caplog):
    holder, _ = _start_holder(tmp_path, 60)
    holder_cleanup.append(holder.pid)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert read_holder(run_lock_path(tmp_path))["pid"] == holder.pid  # the dead holder's description stays
    caplog.set_level(logging.WARNING, logger="flows.core.lock")
    with run_lock(tmp_path, timeout=0):
        assert read_holder(run_lock_path(tmp_path))["pid"] == os.getpid()
    assert f"pid {holder.pid}" in caplog.text and "ended without releasing" in caplog.text


def test_busy_lock_of_a_dead_pid_says_a_child_still_holds_it(tmp_path, holder_cleanup):
    holder, child = _start_holder(tmp_path, 60, fork=True)
    holder_cleanup.extend([holder.pid, child])
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with pytest.raises(LockBusy, match=f"pid {holder.pid} is no longer running: a process it started"):
        with run_lock(tmp_path, timeout=0):
            pass
    os.kill(child, signal.SIGKILL)
    with run_lock(tmp_path, timeout=5):  # the child's death frees it
        pass


def test_reentrant_in_the_holding_process_and_its_threads(tmp_path):
    entered = []

    def task():  # as Prefect runs a task: another thread of the flow's process
        with run_lock(tmp_path, timeout=0):
            entered.append("thread")

    with run_lock(tmp_path):
        worker = threading.Thread(target=task)
        worker.start()
        worker.join(5)
        with run_lock(tmp_path, timeout=0):
            entered.append("nested")
        assert entered == ["thread", "nested"]
        # still held by this process after the inner exits: another process is refused
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from flows.core.lock import run_lock\nwith run_lock(sys.argv[1]): pass",
                str(tmp_path),
            ],
            cwd=PROJECT_DIR,
            env=_env(),
            capture_output=True,
            text=True,
        )
        assert result.returncode == 1 and f"pid {os.getpid()}" in result.stderr
    assert read_holder(run_lock_path(tmp_path)) is None


def test_load_and_publish_use_the_same_lock(tmp_path, corpus_dir):
    from flows.publish.releases import publish_years

    settings = build_corpus_root(tmp_path, corpus_dir, ["d04"])
    with run_lock(settings.warehouse_dir):
        stages.normalize_stage(settings)  # re-entrant: the stage runs inside our own lock
    holder, _ = _start_holder(settings.warehouse_dir, 30)
    try:
        with pytest.raises(LockBusy, match=f"pid {holder.pid}"):
            stages.load_stage(settings, run={"run_id": "r1"})
        assert not (settings.warehouse_dir / "fazhi.duckdb").exists()
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    stages.load_stage(settings, run={"run_id": "r1"})
    (settings.releases_dir / ".publish.lock").parent.mkdir(parents=True, exist_ok=True)
    (settings.releases_dir / ".publish.lock").write_text("")  # left by an older version: removed on publish
    with lock.hold(publish_lock_path(settings.releases_dir)):
        holder = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from flows.publish.releases import publish_years\n"
                "publish_years(warehouse_dir=sys.argv[1], releases_dir=sys.argv[2])",
                str(settings.warehouse_dir),
                str(settings.releases_dir),
            ],
            cwd=PROJECT_DIR,
            env=_env(),
            capture_output=True,
            text=True,
        )
    assert (
        holder.returncode == 1
        and f"LockBusy: another fazhi run holds {publish_lock_path(settings.releases_dir)}" in holder.stderr
    )
    assert publish_years(warehouse_dir=settings.warehouse_dir, releases_dir=settings.releases_dir)["released"] == 1
    # the public tree holds no lock file: it can be copied to a portal as it is
    assert not [p for p in settings.releases_dir.rglob("*lock*")]
    assert publish_lock_path(settings.releases_dir).parent == settings.releases_dir.resolve().parent


def test_stage_waits_for_the_holder_and_writes_nothing_meanwhile(tmp_path, corpus_dir):
    settings = build_corpus_root(tmp_path, corpus_dir, ["d04", "d07"])
    staging = settings.warehouse_dir / "staging"
    with run_lock(settings.warehouse_dir):
        waiting = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from flows import stages; from flows.core.config import load_settings\n"
                "print(stages.normalize_stage(load_settings().with_root(sys.argv[1]))['parsed'])",
                str(tmp_path),
            ],
            cwd=PROJECT_DIR,
            env=_env(FAZHI_LOCK_TIMEOUT="30"),
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(2.0)  # long enough to import and reach the lock
        assert waiting.poll() is None and not staging.exists()
    out, _ = waiting.communicate(timeout=30)
    assert waiting.returncode == 0 and out.strip() == "2"
    assert len(list(staging.glob("*/*.json"))) == 2


def test_cli_run_fails_before_prefect_with_a_one_line_message(tmp_path, holder_cleanup):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "sources.yaml").write_text("sources:\n", encoding="utf-8")  # a project, busy
    holder, _ = _start_holder(tmp_path / "warehouse", 60)
    holder_cleanup.append(holder.pid)
    prefect_home = tmp_path / "prefect-home"
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "--root", str(tmp_path), "run", "--offline"],
        cwd=PROJECT_DIR,
        env=_env(PREFECT_HOME=str(prefect_home)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    lock_file = tmp_path / "warehouse" / ".fazhi.lock"
    assert result.stderr.startswith(
        f"fazhi run: error: another fazhi run holds {lock_file}: "
        f"pid {holder.pid} on host {socket.gethostname()}, command `fazhi run --offline`"
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert not list(prefect_home.rglob("*.db"))  # Prefect never started: no database was created


def test_threads_taking_a_free_lock_at_once_share_it(tmp_path):
    inside, errors = [], []
    start = threading.Barrier(4)

    def task(n):
        start.wait()
        try:
            with run_lock(tmp_path, timeout=0):
                inside.append(n)
                time.sleep(0.2)
        except LockBusy as error:
            errors.append(error)

    workers = [threading.Thread(target=task, args=(n,)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert errors == [] and sorted(inside) == [0, 1, 2, 3]
    assert read_holder(run_lock_path(tmp_path)) is None and lock._held == {}
