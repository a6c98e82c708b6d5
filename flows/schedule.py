"""The deployments in ``prefect.yaml``: validation, and ``fazhi serve`` for a single machine.

``prefect.yaml`` is the one place deployments are described; ``prefect deploy`` reads it for a work
pool, and ``serve`` below reads it to serve the same deployments in-process. Schedules need a
long-running Prefect server (the ephemeral one cannot schedule), so ``serve`` uses ``PREFECT_API_URL``
when it is set and otherwise starts ``prefect server start`` on loopback and says so.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from flows.core.config import DEPLOYMENTS_FILE
from flows.core.errors import UserError


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
    """``flows/pipeline.py:etl_flow`` -> the Prefect flow object."""
    import importlib

    file_part, _, name = entrypoint.partition(":")
    module = ".".join(Path(file_part).with_suffix("").parts)
    return getattr(importlib.import_module(module), name)


def deployment_problems(deployment: dict) -> list[str]:
    """What is wrong with one deployment entry (empty when it is valid)."""
    from prefect.client.schemas.schedules import CronSchedule

    name = deployment.get("name", "(unnamed)")
    problems: list[str] = []
    try:
        flow_obj = resolve_flow(deployment["entrypoint"])
    except (KeyError, ImportError, AttributeError) as exc:
        return [f"{name}: entrypoint {deployment.get('entrypoint')!r} is not a flow: {exc}"]
    if not hasattr(flow_obj, "validate_parameters"):
        return [f"{name}: {deployment['entrypoint']} is not a Prefect flow"]
    parameters = deployment.get("parameters") or {}
    accepted = set(inspect.signature(flow_obj.fn).parameters)
    unknown = sorted(set(parameters) - accepted)
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


def _ensure_server() -> subprocess.Popen | None:
    if os.environ.get("PREFECT_API_URL"):
        print(f"fazhi serve: using the Prefect server at {os.environ['PREFECT_API_URL']}", file=sys.stderr)
        return None
    port = os.environ.get("FAZHI_PREFECT_PORT", "4200")
    url = f"http://127.0.0.1:{port}/api"
    print(
        f"fazhi serve: schedules need a long-running Prefect server (the ephemeral one cannot schedule);\n"
        f"  starting `prefect server start --port {port}` with PREFECT_HOME={os.environ.get('PREFECT_HOME')}.\n"
        f"  To use your own server instead, export PREFECT_API_URL.",
        file=sys.stderr,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", port]
    )
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                os.environ["PREFECT_API_URL"] = url
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise UserError(f"the Prefect server exited with status {server.returncode}; is port {port} free?")
        time.sleep(1)
    server.terminate()
    raise UserError(f"the Prefect server did not answer at {url} within 120 s")


def serve() -> int:
    deployments = load_deployments()
    problems = [p for d in deployments for p in deployment_problems(d)]
    if problems:
        raise UserError(f"{DEPLOYMENTS_FILE}: " + "; ".join(problems))
    server = _ensure_server()
    try:
        from prefect import serve as prefect_serve
        from prefect.schedules import Cron

        runners = []
        for d in deployments:
            flow_obj = resolve_flow(d["entrypoint"])
            schedules = [
                Cron(s["cron"], timezone=s.get("timezone"), active=s.get("active", True))
                for s in d.get("schedules") or []
            ]
            runners.append(
                flow_obj.to_deployment(
                    name=d["name"],
                    description=d.get("description"),
                    parameters=d.get("parameters") or {},
                    schedules=schedules or None,
                )
            )
        prefect_serve(*runners)
    finally:
        if server is not None:
            server.terminate()
    return 0
