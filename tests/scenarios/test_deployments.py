"""The data engineer's path through Prefect's own CLI, not the project's loader (README, "Scheduling").

A work pool: `prefect server start` on a free loopback port (one for the module, stopped by its process
group at the end), `prefect work-pool create`, `prefect --no-prompt deploy --all` from the checkout,
`prefect deployment run` and `prefect worker start --run-once` from an unrelated directory: the runs
work on the project root they were deployed for. `fazhi serve`: one server, a run triggered through
the API, SIGTERM, nothing left running.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest

from flows.core.config import PROJECT_DIR

BIN = Path(sys.executable).parent
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _command(name: str, module: str) -> list[str]:
    """The installed console script, as a user types it; ``python -m`` where there is none."""
    script = BIN / name
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


PREFECT = _command("prefect", "prefect")
FAZHI = _command("fazhi", "flows.cli")

# The README's work-pool recipe, in its order (the port is the test's own; the README shows 4200).
SERVER_START = ["server", "start", "--host", "127.0.0.1", "--port", "{port}"]
WORK_POOL_CREATE = ["work-pool", "create", "fazhi-process", "--type", "process"]
DEPLOY_ALL = ["--no-prompt", "deploy", "--all"]
RUN_BACKFILL = ["deployment", "run", "etl/backfill", "-p", "offline=true", "-p", "years=[2022]"]
WORKER_ONCE = ["worker", "start", "--pool", "fazhi-process", "--run-once"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh shell: none of the test session's Prefect or fazhi settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FAZHI_"))}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra)
    return env


def _project(path: Path) -> Path:
    """A temporary project built from the embedded data: a copy of the repository's raw/."""
    shutil.copytree(PROJECT_DIR / "raw", path / "raw")
    return path


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode}:\n{log.read_text()[-3000:]}"
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"no answer at {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _prefect(*args: str, env: dict, cwd: Path, timeout: float = 120.0) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*PREFECT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, f"prefect {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _flow_run_id(output: str) -> str:
    match = re.search(r"UUID: ([0-9a-f-]{36})", output)
    assert match, output
    return match.group(1)


def _flow_run(api: str, flow_run_id: str) -> dict:
    return httpx.get(f"{api}/flow_runs/{flow_run_id}", timeout=10).json()


def _wait_final(api: str, flow_run_id: str, timeout: float = 150.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = _flow_run(api, flow_run_id)
        if run["state_type"] in FINAL:
            return run
        time.sleep(0.5)
    raise AssertionError(f"flow run {flow_run_id} still {run['state_type']} after {timeout:.0f} s")


def _assert_built(root: Path) -> None:
    """The seed's 61 metrics in the root's warehouse and its release 2022.1."""
    with duckdb.connect(str(root / "warehouse" / "fazhi.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM metrics").fetchone()[0] == 61
    latest = json.loads((root / "releases" / "2022" / "latest.json").read_text(encoding="utf-8"))
    assert latest["version"] == "2022.1"
    assert (root / "releases" / "2022" / "2022.1").is_dir()


# -- processes, from /proc ------------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, process group, command line) for every process alive now."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":  # a zombie is gone, only not yet reaped
            found[int(entry.name)] = (int(fields[1]), int(fields[2]), cmdline)
    return found


def _descendants(pid: int) -> set[int]:
    processes, found, todo = _processes(), set(), [pid]
    while todo:
        parent = todo.pop()
        children = {p for p, (ppid, _, _) in processes.items() if ppid == parent}
        todo += children - found
        found |= children
    return found


def _listening_ports(pids: set[int]) -> set[int]:
    inodes = set()
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(fd)
            except OSError:  # closed since listed
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _prefect_apis(ports: set[int]) -> list[int]:
    """The ports among ``ports`` where a Prefect API answers."""
    apis = []
    for port in sorted(ports):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=10).status_code == 200:
                apis.append(port)
        except httpx.HTTPError:
            pass
    return apis


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# -- the two servers, started together -------------------------------------------------------------


class Started:
    """A process this module started in its own process group: its log, and the server it answers on."""

    def __init__(self, args: list[str], home: Path, port: int, log: Path, **env: str):
        self.home, self.port, self.log = home, port, log
        self.api = f"http://127.0.0.1:{port}/api"
        with log.open("w") as out:
            self.process = subprocess.Popen(
                args,
                env=_env(home, **env),
                cwd=log.parent,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def client_env(self) -> dict[str, str]:
        """A shell's environment pointing the Prefect CLI at this server."""
        return _env(self.home, PREFECT_API_URL=self.api)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to what is left of the group (a test that failed half-way)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        _kill_group(self.process.pid)
        self.process.wait()


@pytest.fixture(scope="module")
def served_root(tmp_path_factory) -> Path:
    return _project(tmp_path_factory.mktemp("served") / "project")


@pytest.fixture(scope="module")
def servers(tmp_path_factory, served_root):
    """`prefect server start` for the work pool and `fazhi serve` (which starts its own server), started
    at once so that their start-ups overlap; each stopped by its process group at the end."""
    base = tmp_path_factory.mktemp("servers")
    cli_port, serve_port = _free_port(), _free_port()
    started = {
        "cli": Started(
            [*PREFECT, *(a.format(port=cli_port) for a in SERVER_START)],
            home=base / "cli-home",
            port=cli_port,
            log=base / "server.log",
        ),
        "serve": Started(
            [*FAZHI, "serve", "--port", str(serve_port), "--deployment", "backfill"],
            home=base / "serve-home",
            port=serve_port,
            log=base / "serve.log",
            FAZHI_ROOT=str(served_root),
        ),
    }
    try:
        yield started
    finally:
        for server in started.values():
            server.stop()


def test_the_readme_lists_these_commands_in_this_order():
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    recipe = readme[readme.index("**A work pool.**") :]
    block = recipe.split("```bash\n", 1)[1].split("\n```", 1)[0]
    commands = []
    for line in block.splitlines():
        words = shlex.split(line.split("#")[0])
        if "prefect" in words:
            commands.append([w for w in words[words.index("prefect") + 1 :] if w != "&"])
    expected = [SERVER_START, WORK_POOL_CREATE, DEPLOY_ALL, RUN_BACKFILL, WORKER_ONCE]
    assert commands == [[a.format(port=4200) for a in command] for command in expected]
    assert "FAZHI_ROOT=$PWD FAZHI_CHECKOUT=$PWD prefect --no-prompt deploy --all" in block


# -- a work pool ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_deploy_all_then_a_worker_runs_backfill_on_the_deployed_root(servers, tmp_path):
    server = servers["cli"]
    _wait_healthy(server.api, server.process, server.log)
    api, env = server.api, server.client_env()
    project = _project(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"  # where the worker is started: neither the checkout nor the project
    elsewhere.mkdir()

    _prefect(*WORK_POOL_CREATE, env=env, cwd=elsewhere)
    deployed = _prefect(
        *DEPLOY_ALL,
        env={**env, "FAZHI_ROOT": str(project), "FAZHI_CHECKOUT": str(project)},
        cwd=PROJECT_DIR,  # the directory holding prefect.yaml
    )
    for flow_name, name in (
        ("etl", "weekly-fetch"),
        ("etl", "annual-release"),
        ("etl", "backfill"),
        ("discover", "weekly-discover"),
    ):
        assert f"Deployment '{flow_name}/{name}' successfully created" in deployed.stdout, deployed.stdout
        deployment = httpx.get(f"{api}/deployments/name/{flow_name}/{name}", timeout=10).json()
        assert deployment["entrypoint"] == f"flows.pipeline.{flow_name}_flow"
        assert deployment["parameters"]["root"] == str(project)

    good = _flow_run_id(_prefect(*RUN_BACKFILL, env=env, cwd=elsewhere).stdout)
    missing = tmp_path / "no-such-project"
    bad = _flow_run_id(_prefect(*RUN_BACKFILL, "-p", f"root={missing}", env=env, cwd=elsewhere).stdout)
    worker = _prefect(*WORKER_ONCE, env=env, cwd=elsewhere, timeout=300)

    run = _wait_final(api, good)
    assert run["state_type"] == "COMPLETED", worker.stdout[-4000:] + worker.stderr[-4000:]
    _assert_built(project)
    assert sorted(p.name for p in elsewhere.iterdir()) == []  # nothing written where the worker started

    failed = _wait_final(api, bad)
    assert failed["state_type"] == "FAILED"
    message = failed["state"]["message"]
    assert message == (
        f"project root {missing} is not a directory: deploy with FAZHI_ROOT=DIR prefect deploy --all, "
        "or pass -p root=DIR to prefect deployment run"
    )
    assert not missing.exists()
    assert "Encountered exception during execution" not in worker.stdout + worker.stderr  # our error: one line


# -- fazhi serve ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_serve_runs_one_server_a_triggered_run_completes_and_sigterm_leaves_nothing(servers, served_root, tmp_path):
    serve = servers["serve"]
    api, port, project = serve.api, serve.port, served_root
    _wait_healthy(api, serve.process, serve.log)
    deadline = time.monotonic() + 60
    while httpx.get(f"{api}/deployments/name/etl/backfill", timeout=10).status_code != 200:
        assert time.monotonic() < deadline and serve.process.poll() is None, serve.tail()
        time.sleep(0.5)
    served = httpx.get(f"{api}/deployments/name/etl/backfill", timeout=10).json()
    assert served["entrypoint"] == "flows.pipeline.etl_flow"
    assert served["parameters"]["root"] == str(project)
    # Only the deployment asked for is served.
    assert httpx.get(f"{api}/deployments/name/etl/weekly-fetch", timeout=10).status_code == 404

    triggered = _prefect(*RUN_BACKFILL, env=serve.client_env(), cwd=tmp_path)
    run = _wait_final(api, _flow_run_id(triggered.stdout))
    assert run["state_type"] == "COMPLETED", serve.tail()
    _assert_built(project)

    started = _descendants(serve.process.pid) | {serve.process.pid}
    processes = _processes()
    servers_started = [p for p in started if "server start" in processes.get(p, (0, 0, ""))[2]]
    assert len(servers_started) == 1, {p: processes.get(p) for p in started}
    server_group = processes[servers_started[0]][1]
    try:
        assert _prefect_apis(_listening_ports(started)) == [port]  # no second (ephemeral) API

        serve.process.send_signal(signal.SIGTERM)
        assert serve.process.wait(timeout=60) == 0, serve.tail()
        alive = _processes()
        assert started & set(alive) == set(), {p: alive[p] for p in started & set(alive)}
        assert [p for p, (_, _, cmd) in alive.items() if f"--port {port}" in cmd] == []
    finally:  # should the test fail half-way: the server's group, which fazhi serve started
        _kill_group(server_group)


def test_serve_refuses_what_it_cannot_do_in_one_line(tmp_path):
    env = _env(tmp_path / "home", FAZHI_ROOT=str(_project(tmp_path / "project")))
    del env["PREFECT_HOME"]  # the project-local home, which a refused command must not create
    for args, extra, expected in (
        (["--deployment", "nightly"], {}, "no deployment named nightly in prefect.yaml (known: weekly-fetch, "),
        (["--port", "4300"], {"PREFECT_API_URL": "http://127.0.0.1:9/api"}, "PREFECT_API_URL is set (http://"),
    ):
        result = subprocess.run(
            [*FAZHI, "serve", *args], env={**env, **extra}, capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"fazhi serve: error: {expected}"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert sorted(p.name for p in (tmp_path / "project").iterdir()) == ["raw"]  # no server, nothing written


@pytest.mark.flow
def test_a_deployment_run_without_a_root_outside_a_project_fails_in_one_line(prefect_harness, monkeypatch, tmp_path):
    """What `prefect deploy` stores without FAZHI_ROOT is an empty root: the run then works on the
    project its working directory is in (FAZHI_CHECKOUT), and where there is none it fails in one line
    instead of working beside the installed package. A real deployment's flow run, run in-process."""
    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow

    from flows.pipeline import etl_flow

    monkeypatch.delenv("FAZHI_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    deployment_id = etl_flow.to_deployment(name="no-root", parameters={"root": ""}).apply()
    with get_client(sync_client=True) as client:
        flow_run = client.create_flow_run_from_deployment(deployment_id)
    state = run_flow(etl_flow, flow_run=flow_run, parameters={"root": "", "offline": True}, return_type="state")
    assert state.is_failed()
    assert state.message == (
        f"deployment no-root has no project root (no FAZHI_ROOT when it was deployed, no raw/sources.yaml in "
        f"{tmp_path.resolve()} or above): deploy with FAZHI_ROOT=DIR prefect deploy --all, or pass -p root=DIR "
        "to prefect deployment run"
    )
    assert list(tmp_path.iterdir()) == []
