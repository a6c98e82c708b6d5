"""Issue 21: normalize on a real Dask cluster (``dask scheduler`` and two ``dask worker`` processes,
not the in-process LocalCluster), reporting to a real ``prefect server start``.

The workers run in their own empty folders (working directory and ``FAZHI_ROOT``) and see the
archive only through a ``file://`` URL; where this machine allows a private mount namespace
(``unshare -m``, root) the flow's data root is even covered by an empty tmpfs for them, as on another
machine. The outputs must be byte-identical to the default runner's, no worker may start a Prefect
server of its own, and the batch task runs must be in the flow's server.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from corpus_root import build_corpus_root

from flows import stages
from flows.core.config import load_settings

pytest.importorskip("prefect_dask")
pytestmark = pytest.mark.flow

BIN = Path(sys.executable).parent
DOCS = ["d01", "d02", "d03", "d12", "d16", "d22"]  # six real reports: three batches of two
SERVER_MARKERS = ("prefect.server.api.server:create_app", "prefect server start", "uvicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment: no Prefect API, no storage URLs, a Prefect home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FAZHI_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
        PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL="1",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _start(args: list[str], cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    """A process in a session of its own (stopped with its whole group by ``_stop``)."""
    cwd.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        return subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _fazhi(args: list[str], env: dict, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "fazhi"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def _can_hide_folders() -> bool:
    """Whether worker processes can get a private mount namespace (root, ``unshare`` allowed)."""
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True)
    return probe.returncode == 0


def _descendants(pids: set[int]) -> dict[int, str]:
    """Command lines of every process below ``pids``, found by walking /proc parent links."""
    parents, commands = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    found = {}
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor and ancestor not in pids:
            ancestor = parents.get(ancestor)
        if ancestor:
            found[pid] = commands[pid]
    return found


def _outputs(root_warehouse: Path) -> dict[str, bytes]:
    """Staged files (and Parquet datasets, where a load ran; its run record aside)."""
    files = {}
    for base in ("staging", "parquet"):
        for path in sorted((root_warehouse / base).rglob("*")):
            rel = path.relative_to(root_warehouse).as_posix()
            if path.is_file() and "/runs/" not in rel and not path.name.startswith("."):
                files[rel] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """``prefect server start`` on a free loopback port, once for this module."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    proc = _start(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
        home,
        _env(home / "home"),
        home / "server.log",
    )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (home / "server.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "prefect server start did not answer within 180 s"
            time.sleep(0.5)
        yield url
    finally:
        _stop(proc)


def test_real_dask_workers_without_the_flows_disk_report_to_the_flows_server(prefect_server, tmp_path, corpus_dir):
    # The default runner's outputs, for comparison (the plain stages: what every runner must give).
    reference = build_corpus_root(tmp_path / "reference", corpus_dir, DOCS)
    stages.normalize_stage(reference, workers=1)

    # The flow's machine: its raw/ seeds an empty archive URL on the first command.
    flow_root = tmp_path / "flow"
    build_corpus_root(flow_root, corpus_dir, DOCS)
    store = tmp_path / "store" / "raw"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    flow_env = _env(
        tmp_path / "flow-home",
        PREFECT_API_URL=prefect_server,
        FAZHI_ROOT=str(flow_root),
        FAZHI_RAW_URL=store.as_uri(),
        FAZHI_DASK_WORKERS_TIMEOUT="3",
    )

    # Ephemeral Prefect with a remote cluster: refused in one line, before anything runs.
    ephemeral = {k: v for k, v in flow_env.items() if k != "PREFECT_API_URL"}
    refused = _fazhi(["normalize", "--runner", "dask", "--address", address], ephemeral, flow_root)
    assert refused.returncode == 2, refused.stderr
    assert "PREFECT_API_URL" in refused.stderr and "prefect server start" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1

    scheduler = _start(
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        tmp_path / "scheduler",
        _env(tmp_path / "scheduler" / ".prefect"),
        tmp_path / "scheduler.log",
    )
    workers: list[subprocess.Popen] = []
    try:
        # A scheduler without workers: a one-line error after FAZHI_DASK_WORKERS_TIMEOUT, not a hang.
        # (This first command also seeds the empty archive URL from the flow root's raw/.)
        waited = _fazhi(["normalize", "--runner", "dask", "--address", address], flow_env, flow_root)
        assert waited.returncode == 2, waited.stdout + waited.stderr
        assert f"the Dask scheduler at {address} has no worker after 3 s" in waited.stderr
        assert "is empty; seeding it from" in waited.stdout + waited.stderr
        assert (store / "sources.yaml").is_file() and list((store / "objects").rglob("*.txt"))

        hide = _can_hide_folders()
        for name in ("w1", "w2"):
            own = tmp_path / name
            args = [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard", "--name", name]
            if hide:  # the flow's data root is an empty tmpfs for this worker: as on another machine
                args = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                        'mount -t tmpfs fazhi-hidden "$0" && exec "$@"', str(flow_root), *args]  # fmt: skip
            env = _env(own / ".prefect", FAZHI_ROOT=str(own), PREFECT_LOGGING_LEVEL="INFO")
            workers.append(_start(args, own, env, tmp_path / f"{name}.log"))
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)

        run = _fazhi(
            ["normalize", "--runner", "dask", "--address", address, "--batch-size", "2"],
            flow_env,
            flow_root,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert _outputs(flow_root / "warehouse") == _outputs(reference.warehouse_dir)
        assert len(_outputs(reference.warehouse_dir)) == 2 * len(DOCS)  # a JSON file and its version marker each

        # No worker started a Prefect server of its own (no such process below them, no log line).
        servers = {
            pid: cmd
            for pid, cmd in _descendants({w.pid for w in workers}).items()
            if any(m in cmd for m in SERVER_MARKERS)
        }
        assert servers == {}
        for name in ("w1", "w2"):
            log = (tmp_path / f"{name}.log").read_text(errors="replace")
            assert "Starting temporary server" not in log
            if hide:
                assert "fazhi-hidden" not in log  # the mount went through (sh would have said otherwise)
    finally:
        for proc in [*workers, scheduler]:
            _stop(proc)

    # The batch task runs are in the flow's server, completed: three batches of two documents.
    with httpx.Client(base_url=prefect_server, timeout=30) as api:
        runs = api.post("/flow_runs/filter", json={"flows": {"name": {"any_": ["normalize"]}}}).json()
        assert sorted(r["state_type"] for r in runs) == ["COMPLETED", "FAILED"]  # the run without workers failed
        done = next(r for r in runs if r["state_type"] == "COMPLETED")
        task_runs = api.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [done["id"]]}}}).json()
    batches = [t for t in task_runs if t["name"].startswith("normalize-batch")]
    assert len(batches) == 3, [t["name"] for t in task_runs]
    assert {t["state_type"] for t in batches} == {"COMPLETED"}


def test_local_dask_cluster_reports_to_the_flows_temporary_server(tmp_path, corpus_dir):
    """Ephemeral Prefect and ``--runner dask`` without an address: the local cluster's workers are
    given the flow's temporary server, so no other server starts: the command starts its own before
    Prefect is imported (``temporary_server.py``), and neither it nor a worker logs Prefect's "Starting
    temporary server"."""
    root = tmp_path / "root"
    build_corpus_root(root, corpus_dir, DOCS[:2])
    env = _env(tmp_path / "home", FAZHI_ROOT=str(root), PREFECT_LOGGING_LEVEL="INFO")
    run = _fazhi(
        ["--debug", "normalize", "--runner", "dask", "--batch-size", "1"], env, root
    )  # --debug: Prefect's logs too
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "documents parsed" in run.stdout
    output = run.stdout + run.stderr
    assert "Starting temporary server" not in output, output[-3000:]
    reference = load_settings().with_root(tmp_path / "reference")
    build_corpus_root(reference.root, corpus_dir, DOCS[:2])
    stages.normalize_stage(reference, workers=1)
    staged = {k: v for k, v in _outputs(root / "warehouse").items() if k.startswith("staging/")}
    assert staged == _outputs(reference.warehouse_dir) and staged


def test_an_unreachable_scheduler_is_one_line_not_a_hang():
    from prefect_dask import DaskTaskRunner

    from flows.core.errors import UserError
    from flows.pipeline import _dask_client

    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    with DaskTaskRunner(address=address, client_kwargs={"timeout": 2}) as runner:
        with pytest.raises(UserError, match=rf"^cannot reach the Dask scheduler at {address}: .*after 2 s$"):
            _dask_client(runner, address)
