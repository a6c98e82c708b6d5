"""Real servers on loopback as separate processes: ``prefect server start``, a ``dask scheduler`` and
``dask worker`` processes. Shared by bench/run.py, bench/scaling.py and the distributed tests
(tests/scenarios/test_distributed.py), which put ``bench/`` on ``sys.path`` and ``import processes``.

Each process runs in a session of its own, so that ``stop`` ends it with everything it started (a
``dask worker --nworkers N`` nanny's workers, a Prefect server's uvicorn).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], cwd: Path, env: dict, log: Path | None = None) -> subprocess.Popen:
    """``args`` in ``cwd`` (created), its output in ``log`` (default ``cwd/log.txt``), in a session
    of its own."""
    cwd.mkdir(parents=True, exist_ok=True)
    with open(log or cwd / "log.txt", "wb") as out:
        return subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM to the process's whole group, SIGKILL after ``timeout`` seconds."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def prefect_server(home: Path, env: dict, *, ui: bool = False, timeout: float = 300) -> Iterator[tuple[str, float]]:
    """A long-running ``prefect server start`` on a free loopback port with ``home`` as its
    ``PREFECT_HOME`` (log in ``home/server.log``): yields (API url, seconds it took to answer its
    health check); stopped on exit."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    args = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    began = time.perf_counter()
    proc = start(args + ([] if ui else ["--no-ui"]), home, {**env, "PREFECT_HOME": str(home)}, home / "server.log")
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.perf_counter() - began > timeout:
                log = (home / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"prefect server did not answer (exit code {proc.poll()}):\n{log}")
            time.sleep(0.5)
        yield api_url, time.perf_counter() - began
    finally:
        stop(proc)


def start_scheduler(folder: Path, env: dict, log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """A ``dask scheduler`` on a free loopback port, in ``folder``: (process, its tcp:// address)."""
    port = free_port()
    args = [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
    return start(args, folder, env, log), f"tcp://127.0.0.1:{port}"


def worker_command(address: str, *, nworkers: int = 1, name: str | None = None) -> list[str]:
    """``dask worker`` for ``address``: ``nworkers`` single-threaded worker processes (parsing is
    pure Python), without a dashboard."""
    args = [str(BIN / "dask"), "worker", address, "--nworkers", str(nworkers), "--nthreads", "1", "--no-dashboard"]
    return args + (["--name", name] if name else [])
