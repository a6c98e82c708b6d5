"""The deployments in ``prefect.yaml``: validation, and ``fazhi serve`` for a single machine.

``prefect.yaml`` is the one place deployments are described; ``prefect deploy`` reads it for a work
pool, and ``serve`` below reads it to serve the same deployments from one process. Entrypoints are
module paths (``flows.pipeline.etl_flow``) and are loaded with Prefect's own loader, the one a worker
uses. Schedules need a long-running Prefect server (the ephemeral one cannot schedule), so ``serve``
uses ``PREFECT_API_URL`` when it is set and otherwise starts exactly one ``prefect server start`` and
points this process at it; stopping ``serve`` (Ctrl-C or SIGTERM) stops that server's process group.
"""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import yaml

from flows.core.config import DEPLOYMENTS_FILE, configure_prefect, load_settings
from flows.core.errors import UserError

SERVER_START_TIMEOUT = 120.0


def load_deployments(path: Path = DEPLOYMENTS_FILE) -> list[dict]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{path}: cannot read deployments: {exc}".splitlines()[0]) from None
    deployments = data.get("deployments")
    if not isinstance(deployments, list) or not deployments:
        raise UserError(f"{path}: no deployments listed")
    return deployments


def resolve_flow(entrypoint: str):
    """``flows.pipeline.etl_flow`` -> the Prefect flow object, through Prefect's own loader (the one
    ``prefect deploy`` and a worker use), so an entrypoint that passes here passes there."""
    from prefect.flows import load_flow_from_entrypoint  # Prefect loads only when a flow is needed

    return load_flow_from_entrypoint(entrypoint, use_placeholder_flow=False)


def deployment_problems(deployment: dict) -> list[str]:
    """What is wrong with one deployment entry (empty when it is valid)."""
    from prefect.client.schemas.schedules import CronSchedule  # Prefect loads only when validating

    name = deployment.get("name", "(unnamed)")
    problems: list[str] = []
    if ":" in str(deployment.get("entrypoint", "")):
        return [
            f"{name}: entrypoint {deployment['entrypoint']!r} is a file path; use the module path "
            "(flows.pipeline.etl_flow): a worker imports it from the installed package, wherever it runs"
        ]
    try:
        flow_obj = resolve_flow(deployment["entrypoint"])
    except Exception as exc:  # Prefect's loader raises ScriptError, MissingFlowError, ImportError, ...
        return [f"{name}: entrypoint {deployment.get('entrypoint')!r} is not a flow: {exc}".splitlines()[0]]
    if not hasattr(flow_obj, "validate_parameters"):
        return [f"{name}: {deployment['entrypoint']} is not a Prefect flow"]
    parameters = _own_parameters(deployment)
    accepted = set(inspect.signature(flow_obj.fn).parameters)
    unknown = sorted(set(deployment.get("parameters") or {}) - accepted)
    if unknown:
        problems.append(f"{name}: unknown parameter(s) {unknown} for flow {flow_obj.name}")
    else:
        try:
            flow_obj.validate_parameters(parameters)
        except Exception as exc:  # Prefect raises its own ParameterTypeError
            problems.append(f"{name}: invalid parameters: {exc}".splitlines()[0])
    for schedule in deployment.get("schedules") or []:
        try:
            CronSchedule(cron=schedule["cron"], timezone=schedule.get("timezone"))
        except Exception as exc:
            problems.append(f"{name}: invalid schedule {schedule!r}: {exc}".splitlines()[0])
    return problems


def _own_parameters(deployment: dict) -> dict:
    """The deployment's parameters without those ``prefect deploy`` fills in from the environment
    (``"{{ $FAZHI_ROOT }}"``): ``serve`` sets those itself."""
    return {k: v for k, v in (deployment.get("parameters") or {}).items() if not _is_placeholder(v)}


def _is_placeholder(value) -> bool:
    return isinstance(value, str) and value.strip().startswith("{{") and value.strip().endswith("}}")


def select_deployments(deployments: list[dict], names: list[str] | None) -> list[dict]:
    """The deployments named (all of them without names); an unknown name is a user error."""
    if not names:
        return deployments
    known = [d.get("name") for d in deployments]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UserError(f"no deployment named {', '.join(unknown)} in prefect.yaml (known: {', '.join(known)})")
    return [d for d in deployments if d.get("name") in names]


# -- fazhi serve ------------------------------------------------------------------------------


class _Stop(Exception):
    """SIGTERM arrived before Prefect's runner was serving."""


def _raise_stop(signum, frame):
    raise _Stop()


def start_server(host: str, port: int) -> tuple[subprocess.Popen, str]:
    """``prefect server start`` in its own process group, once it answers on ``/api/health``."""
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/api"
    print(
        f"fazhi serve: schedules need a long-running Prefect server (the ephemeral one cannot schedule);\n"
        f"  starting `prefect server start --host {host} --port {port}` with PREFECT_HOME={os.environ['PREFECT_HOME']}.\n"
        f"  To use your own server instead, export PREFECT_API_URL.",
        file=sys.stderr,
        flush=True,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
        start_new_session=True,  # its own process group: stopping serve stops the server and its children
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise UserError(f"the Prefect server exited with status {server.returncode}; is {host}:{port} free?")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    return server, url
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise UserError(f"the Prefect server did not answer at {url} within {SERVER_START_TIMEOUT:.0f} s")
    except BaseException:
        stop_server(server)
        raise


def stop_server(server: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM the server's process group; SIGKILL whatever of the group is left after ``timeout``."""
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        server.wait(timeout=timeout)
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


@contextmanager
def _sigterm_stops():
    """SIGTERM interrupts the server's start-up like Ctrl-C (Prefect's runner installs its own
    handler once it runs); the previous handler comes back afterwards."""
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(host: str | None = None, port: int | None = None, names: list[str] | None = None) -> int:
    """Serve the deployments of ``prefect.yaml`` (or those ``names``) for the project root, with
    ``PREFECT_API_URL``'s server or exactly one server started here on ``host:port``."""
    api_url = os.environ.get("PREFECT_API_URL")
    if api_url and (host or port):
        raise UserError(f"PREFECT_API_URL is set ({api_url}): unset it to start a server on --host/--port")
    root = load_settings().root
    path = root / "prefect.yaml" if (root / "prefect.yaml").is_file() else DEPLOYMENTS_FILE
    deployments = select_deployments(load_deployments(path), names)
    configure_prefect()  # the project-local PREFECT_HOME, before Prefect is imported
    problems = [p for d in deployments for p in deployment_problems(d)]
    if problems:
        raise UserError(f"{path}: " + "; ".join(problems))
    server = None
    try:
        with _sigterm_stops():  # until Prefect's runner takes SIGTERM over (it stops gracefully on it)
            if api_url:
                print(f"fazhi serve: using the Prefect server at {api_url}", file=sys.stderr, flush=True)
            else:
                server, api_url = start_server(host or "127.0.0.1", port or 4200)
            _serve(deployments, api_url, root)
    except _Stop:
        pass
    finally:
        if server is not None:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not orphan the server
            stop_server(server)
    return 0


def _serve(deployments: list[dict], api_url: str, root: Path) -> None:
    # Prefect read its settings when it was imported: point this process (and the flow runs it
    # starts, which inherit its settings) at the server explicitly. Setting PREFECT_API_URL in the
    # environment at this point is not seen, and Prefect would start an ephemeral API of its own.
    from prefect import serve as prefect_serve  # Prefect loads only for serve
    from prefect.schedules import Cron
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.types.entrypoint import EntrypointType

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        runners = []
        for d in deployments:
            schedules = [
                Cron(s["cron"], timezone=s.get("timezone"), active=s.get("active", True))
                for s in d.get("schedules") or []
            ]
            runners.append(
                resolve_flow(d["entrypoint"]).to_deployment(
                    name=d["name"],
                    description=d.get("description"),
                    parameters={**_own_parameters(d), "root": str(root)},
                    schedules=schedules or None,
                    entrypoint_type=EntrypointType.MODULE_PATH,
                )
            )
        prefect_serve(*runners)
