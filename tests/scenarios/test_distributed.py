"""Issue 21: normalize on a real Dask cluster (``dask scheduler`` and two ``dask worker`` processes,
not the in-process LocalCluster), reporting to a real ``prefect server start``.

The workers run in their own empty folders (working directory and ``FAZHI_ROOT``) and see the
archive only through its URL: a ``file://`` URL in one test, an ``s3://`` URL on moto's S3 server
(tests/s3_server.py) in the other, with the credentials in the workers' environment as a worker
machine gets them. Where this machine allows a private mount namespace (``unshare -m``, root) the
flow's data root is even covered by an empty tmpfs for them, as on another machine. The outputs must
be byte-identical to the default runner's, no worker may start a Prefect server of its own, and the
batch task runs must be in the flow's server. The scheduler, workers and Prefect server are started
as bench/scaling.py starts them (bench/processes.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from corpus_root import build_corpus_root
from s3_server import BUCKET, aws_environment, remote_tree, s3_server
from storage_runs import run_all, tree

from flows import stages
from flows.core.config import load_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import processes  # noqa: E402  (bench/processes.py: the servers as separate processes)

pytest.importorskip("prefect_dask")
pytestmark = pytest.mark.flow

BIN = processes.BIN
DOCS = ["d01", "d02", "d03", "d12", "d16", "d22"]  # six real reports: three batches of two
SERVER_MARKERS = ("prefect.server.api.server:create_app", "prefect server start", "uvicorn")


def _env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment: no Prefect API, no storage URLs or credentials, a Prefect home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FAZHI_", "AWS_", "FSSPEC_S3"))}
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


def _staged(outputs: dict[str, bytes]) -> dict[str, bytes]:
    return {rel: data for rel, data in outputs.items() if rel.startswith("staging/")}


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """``prefect server start`` on a free loopback port, once for this module."""
    home = tmp_path_factory.mktemp("prefect-server")
    with processes.prefect_server(home, _env(home), timeout=180) as (url, _):
        yield url


@pytest.fixture(scope="module")
def reference(tmp_path_factory, corpus_dir):
    """What the default runner gives for DOCS: the plain stages (fetch offline, normalize, load,
    publish) in this process, on local folders."""
    settings = build_corpus_root(tmp_path_factory.mktemp("reference"), corpus_dir, DOCS)
    run_all(settings)
    return settings


def _start_workers(address: str, tmp_path: Path, hide: Path | None, **extra_env: str) -> list[subprocess.Popen]:
    """Two ``dask worker`` processes (w1, w2), each in its own empty folder that is also its
    ``FAZHI_ROOT``; with ``hide``, that folder is an empty tmpfs for them (a private mount namespace),
    as the flow machine's disk is on another machine. ``extra_env``: what a worker machine is given
    (storage credentials)."""
    workers = []
    for name in ("w1", "w2"):
        own = tmp_path / name
        args = processes.worker_command(address, name=name)
        if hide:
            args = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                    'mount -t tmpfs fazhi-hidden "$0" && exec "$@"', str(hide), *args]  # fmt: skip
        env = _env(own / ".prefect", FAZHI_ROOT=str(own), PREFECT_LOGGING_LEVEL="INFO", **extra_env)
        workers.append(processes.start(args, own, env, tmp_path / f"{name}.log"))
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
    return workers


def _assert_no_server_of_their_own(workers: list[subprocess.Popen], tmp_path: Path, hidden: bool) -> None:
    """No worker started a Prefect server (no such process below them, no log line saying so) or
    wrote a file of fazhi's."""
    servers = {
        pid: cmd for pid, cmd in _descendants({w.pid for w in workers}).items() if any(m in cmd for m in SERVER_MARKERS)
    }
    assert servers == {}
    for name in ("w1", "w2"):
        # Nothing written in its own folder either: no working copy, no archive, no Prefect database
        # (only Dask's scratch space may be there).
        own = tmp_path / name
        written = [p.relative_to(own).as_posix() for p in own.rglob("*") if p.is_file()]
        assert [rel for rel in written if not rel.startswith("dask-scratch-space/")] == []
        log = (tmp_path / f"{name}.log").read_text(errors="replace")
        assert "Starting temporary server" not in log
        if hidden:
            assert "fazhi-hidden" not in log  # the mount went through (sh would have said otherwise)


def _flow_runs(api_url: str, flow: str) -> list[dict]:
    with httpx.Client(base_url=api_url, timeout=30) as api:
        return api.post("/flow_runs/filter", json={"flows": {"name": {"any_": [flow]}}}).json()


def _batch_task_runs(api_url: str, flow_run_id: str) -> list[dict]:
    with httpx.Client(base_url=api_url, timeout=30) as api:
        task_runs = api.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run_id]}}}).json()
    return [t for t in task_runs if t["name"].startswith("normalize-batch")]


def test_real_dask_workers_without_the_flows_disk_report_to_the_flows_server(
    prefect_server, reference, tmp_path, corpus_dir
):
    # The flow's machine: its raw/ seeds an empty archive URL on the first command.
    flow_root = tmp_path / "flow"
    build_corpus_root(flow_root, corpus_dir, DOCS)
    store = tmp_path / "store" / "raw"
    address = f"tcp://127.0.0.1:{processes.free_port()}"
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

    scheduler, address = processes.start_scheduler(
        tmp_path / "scheduler", _env(tmp_path / "scheduler" / ".prefect"), tmp_path / "scheduler.log"
    )
    workers: list[subprocess.Popen] = []
    before = {r["id"] for r in _flow_runs(prefect_server, "normalize")}
    try:
        # A scheduler without workers: a one-line error after FAZHI_DASK_WORKERS_TIMEOUT, not a hang.
        # (This first command also seeds the empty archive URL from the flow root's raw/.)
        waited = _fazhi(["normalize", "--runner", "dask", "--address", address], flow_env, flow_root)
        assert waited.returncode == 2, waited.stdout + waited.stderr
        assert f"the Dask scheduler at {address} has no worker after 3 s" in waited.stderr
        assert "is empty; seeding it from" in waited.stdout + waited.stderr
        assert (store / "sources.yaml").is_file() and list((store / "objects").rglob("*.txt"))

        hide = _can_hide_folders()
        workers = _start_workers(address, tmp_path, flow_root if hide else None)
        run = _fazhi(
            ["normalize", "--runner", "dask", "--address", address, "--batch-size", "2"],
            flow_env,
            flow_root,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert _outputs(flow_root / "warehouse") == _staged(_outputs(reference.warehouse_dir))
        assert len(_outputs(flow_root / "warehouse")) == 2 * len(DOCS)  # a JSON file and its version marker each
        _assert_no_server_of_their_own(workers, tmp_path, hide)
    finally:
        for proc in [*workers, scheduler]:
            processes.stop(proc, timeout=20)

    # The batch task runs are in the flow's server, completed: three batches of two documents.
    runs = [r for r in _flow_runs(prefect_server, "normalize") if r["id"] not in before]
    assert sorted(r["state_type"] for r in runs) == ["COMPLETED", "FAILED"]  # the run without workers failed
    batches = _batch_task_runs(prefect_server, next(r["id"] for r in runs if r["state_type"] == "COMPLETED"))
    assert len(batches) == 3, [t["name"] for t in batches]
    assert {t["state_type"] for t in batches} == {"COMPLETED"}


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """moto's S3 server on loopback with a bucket and a key (tests/s3_server.py)."""
    for module in ("boto3", "s3fs", "moto.server"):
        pytest.importorskip(module, reason="the S3 tests need the test extra (moto[server], s3fs)")
    with s3_server(tmp_path_factory.mktemp("moto")) as server:
        yield server


def test_real_dask_workers_read_the_archive_from_s3_and_report_to_the_flows_server(
    prefect_server, reference, s3, tmp_path, corpus_dir
):
    """``fazhi run --runner dask --address`` with the three storage roots in an S3 bucket: the
    workers have the credentials and the endpoint in their environment (as docs/STORAGE.md tells a
    user to set them), nothing else of the flow's."""
    flow_root = tmp_path / "flow"
    build_corpus_root(flow_root, corpus_dir, DOCS)
    aws = aws_environment(s3, tmp_path / "no-aws-config")
    urls = {
        f"FAZHI_{name.upper()}_URL": f"s3://{BUCKET}/distributed/{name}" for name in ("raw", "warehouse", "releases")
    }
    flow_env = _env(tmp_path / "flow-home", PREFECT_API_URL=prefect_server, FAZHI_ROOT=str(flow_root), **urls, **aws)

    # Starting on an empty bucket: one command (docs/STORAGE.md) seeds it from the flow root's raw/.
    seeded = _fazhi(["fetch", "--offline"], flow_env, flow_root)
    assert seeded.returncode == 0, seeded.stdout[-3000:] + seeded.stderr[-3000:]
    assert f"FAZHI_RAW_URL=s3://{BUCKET}/distributed/raw is empty; seeding it from" in seeded.stdout + seeded.stderr
    assert remote_tree(s3, "distributed/raw") == tree(reference.raw_dir)

    scheduler, address = processes.start_scheduler(
        tmp_path / "scheduler", _env(tmp_path / "scheduler" / ".prefect"), tmp_path / "scheduler.log"
    )
    workers: list[subprocess.Popen] = []
    before = {r["id"] for r in _flow_runs(prefect_server, "etl")}
    requests_before = s3["log"].stat().st_size
    try:
        hide = _can_hide_folders()
        workers = _start_workers(address, tmp_path, flow_root if hide else None, **aws)
        run = _fazhi(
            ["run", "--offline", "--runner", "dask", "--address", address, "--batch-size", "2"], flow_env, flow_root
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        _assert_no_server_of_their_own(workers, tmp_path, hide)
    finally:
        for proc in [*workers, scheduler]:
            processes.stop(proc, timeout=20)

    # Each snapshot was read from the bucket once, by a worker (the flow machine seeded the bucket
    # from its own copy and reads none): the proof where the flow's folder cannot be hidden.
    requests = s3["log"].read_bytes()[requests_before:].decode(errors="replace")
    read = re.findall(rf'"GET /{BUCKET}/distributed/raw/(objects/\S+) HTTP', requests)
    assert sorted(read) == [rel for rel in tree(reference.raw_dir) if rel.startswith("objects/")]

    # The outputs in the bucket are the default runner's, byte for byte.
    expected = _outputs(reference.warehouse_dir)
    warehouse = remote_tree(s3, "distributed/warehouse")
    assert {rel: data for rel, data in warehouse.items() if rel in expected} == expected
    assert {rel for rel in warehouse if rel.startswith(("staging/", "parquet/")) and "/runs/" not in rel} == set(
        expected
    )
    assert len(_staged(expected)) == 2 * len(DOCS) and any(rel.startswith("parquet/") for rel in expected)
    # Release data files too (README, CHANGELOG, datapackage.json, SHA256SUMS, latest.json carry the
    # time of publication, so only their names are compared).
    releases, expected_releases = remote_tree(s3, "distributed/releases"), tree(reference.releases_dir)
    assert set(releases) == set(expected_releases)
    data = {rel: body for rel, body in releases.items() if rel.endswith((".csv", ".parquet"))}
    assert data == {rel: body for rel, body in expected_releases.items() if rel in data} and data

    # One etl flow run in the flow's server, its three batches completed there.
    runs = [r for r in _flow_runs(prefect_server, "etl") if r["id"] not in before]
    assert [r["state_type"] for r in runs] == ["COMPLETED"]
    batches = _batch_task_runs(prefect_server, runs[0]["id"])
    assert len(batches) == 3, [t["name"] for t in batches]
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

    address = f"tcp://127.0.0.1:{processes.free_port()}"  # nothing listens there
    with DaskTaskRunner(address=address, client_kwargs={"timeout": 2}) as runner:
        with pytest.raises(UserError, match=rf"^cannot reach the Dask scheduler at {address}: .*after 2 s$"):
            _dask_client(runner, address)
