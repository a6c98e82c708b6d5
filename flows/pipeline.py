"""Prefect flows: ``discover``, ``fetch``, ``normalize``, ``load``, ``publish`` and ``etl`` (the last four
in order, discovery first with ``discover=True``).

Tasks are thin wrappers over ``stages`` and work on batches of documents (never one task per
document, paragraph or metric: a task run costs milliseconds). Flows take paths and ids as
parameters, never the data. Without ``PREFECT_API_URL`` Prefect runs in ephemeral mode with a
project-local ``PREFECT_HOME`` (see ``config.configure_prefect``). One run at a time per warehouse:
``run_command`` takes the run lock before Prefect starts and the multi-task flows hold it across their
tasks (``lock.py``).
"""

from __future__ import annotations

from flows.core.config import ROOT_MARKER, Settings, configure_prefect, find_root, load_settings

configure_prefect()

import logging
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from prefect import State, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.runtime import deployment as runtime_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Failed

from flows import __version__, stages
from flows.core import storage, temporary_server
from flows.core.errors import RunFailed, UserError
from flows.core.lock import run_lock
from flows.core.progress import terminal
from flows.normalize.batch import NormalizeItem, StagedBatch, parse_batch
from flows.normalize.document import PARSER_VERSION

SUMMARY_ROWS = [
    ("listings", "listings in the selection"),
    ("discover_pages", "listing pages read"),
    ("discover_links", "links on them"),
    ("discover_new_candidates", "new candidates"),
    ("discover_accepted", "accepted into sources.discovered.yaml"),
    ("discover_review", "waiting for review"),
    ("discover_known", "already in a registry or the review queue"),
    ("listings_not_read", "listings not read (see the table)"),
    ("sources", "sources in the registry selection"),
    ("new", "documents fetched (new content)"),
    ("unchanged", "fetched, unchanged"),
    ("not_modified", "not modified (HTTP 304)"),
    ("offline", "offline: not fetched (raw/ as it is)"),
    ("archived", "already archived"),
    ("attachments", "report attachments fetched (PDF/Word linked from a short page)"),
    ("error", "fetch failed"),
    ("unsupported", "archived, not parsed (rows of an older fetch)"),
    ("parsed", "snapshots parsed"),
    ("documents", "documents parsed"),
    ("up_to_date", "already normalized (same parser version)"),
    ("reports", "documents that are reports"),
    ("sections", "sections"),
    ("metrics", "metrics"),
    ("quarantined", "records quarantined"),
    ("warehouse_documents", "warehouse: documents"),
    ("warehouse_sections", "warehouse: sections"),
    ("warehouse_metrics", "warehouse: metrics"),
    ("warehouse_quarantine", "warehouse: quarantine rows"),
    ("released", "releases published"),
    ("release_unchanged", "releases unchanged (no-op)"),
]


def _settings(root: str | None) -> Settings:
    """The settings for a flow run; ``root`` (a deployment's ``root`` parameter, or ``--root``) moves
    every directory there. Without one, the project root is found as the CLI finds it: ``FAZHI_ROOT``,
    else the nearest ``raw/sources.yaml`` above the working directory (for a deployment run, the
    ``FAZHI_CHECKOUT`` its pull step went to), never the directory beside the installed package. A
    root that is not a directory (unless raw/ lives at a URL: then it is a working copy made on the
    way), or none at all, fails the run here before anything is written."""
    deployment = _deployment_id()
    hint = ": deploy with FAZHI_ROOT=DIR prefect deploy --all, or pass -p root=DIR to prefect deployment run"
    if not root:
        if deployment and find_root() is None:
            raise UserError(
                f"deployment {runtime_deployment.name} has no project root (no FAZHI_ROOT when it was deployed, "
                f"no {ROOT_MARKER} in {Path.cwd()} or above){hint}"
            )
        return load_settings()
    settings = load_settings(Path(root)).with_root(Path(root).expanduser())
    if not settings.raw_url and not settings.root.is_dir():  # with raw/ at a URL, the root is a working copy
        raise UserError(f"project root {root} is not a directory{hint if deployment else ''}")
    return settings


def _deployment_id():
    """The deployment of the flow run in progress; None outside one, and for `fazhi run`."""
    context = FlowRunContext.get()
    return context.flow_run.deployment_id if context and context.flow_run else None


# -- tasks ------------------------------------------------------------------------------------


@task(name="discover-listings")
def discover_task(settings: Settings, listing_ids, offline: bool) -> dict:
    return stages.discover_stage(settings, listing_ids=listing_ids, offline=offline, progress=terminal)


@task(name="fetch-sources")
def fetch_task(settings: Settings, source_ids, refresh: bool, offline: bool) -> dict:
    return stages.fetch_stage(settings, source_ids=source_ids, refresh=refresh, offline=offline, progress=terminal)


@task(name="plan-normalize", cache_policy=NO_CACHE)
def plan_task(settings: Settings, source_ids) -> stages.NormalizePlan:
    return stages.plan_normalize(settings, source_ids)


# Not cached (normalize skips what is staged already); ``pool`` is the flow's process pool that the
# default runner's batch tasks (threads of the flow's process) hand the parsing to, so that a run uses
# every CPU as the plain ``normalize_stage`` does; None on the process and Dask runners.
@task(name="normalize-batch", cache_policy=NO_CACHE)
def normalize_batch_task(settings: Settings, items: list[NormalizeItem], pool=None) -> dict:
    return stages.run_batch(pool, settings, items)


@task(name="load-warehouse")
def load_task(settings: Settings, run: dict, allow_drop: bool) -> dict:
    return stages.load_stage(settings, run=run, allow_drop=allow_drop, progress=terminal)


@task(name="publish-releases")
def publish_task(settings: Settings, years) -> dict:
    return stages.publish_stage(settings, years=years, progress=terminal)


@task(name="normalize-batch", cache_policy=NO_CACHE)
def parse_batch_task(settings: Settings, items: list[NormalizeItem]) -> StagedBatch:
    """On a Dask worker, which may not share the flow's disk: reads the snapshots through the
    storage roots and returns the staged files to the flow (``stages.StagedHere`` writes them)."""
    return parse_batch(settings, items)


RUNNERS = ("default", "process", "dask")
# A scheduler that cannot be reached, or that has no worker, stops the run instead of hanging.
DASK_CONNECT_TIMEOUT_S = 30
DASK_WORKERS_TIMEOUT_S = 60.0  # FAZHI_DASK_WORKERS_TIMEOUT overrides it


def _workers_timeout() -> float:
    value = os.environ.get("FAZHI_DASK_WORKERS_TIMEOUT", "").strip()
    try:
        return float(value) if value else DASK_WORKERS_TIMEOUT_S
    except ValueError:
        raise UserError(f"FAZHI_DASK_WORKERS_TIMEOUT={value!r}: not a number of seconds") from None


def check_runner(runner: str, address: str | None) -> None:
    """One-line errors for runner options, before anything starts."""
    if runner not in RUNNERS:
        raise UserError(f"unknown runner {runner!r}: choose one of {', '.join(RUNNERS)}")
    if address and runner != "dask":
        raise UserError("--address is only meaningful with --runner dask")
    if address and not PREFECT_API_URL.value():
        raise UserError(
            f"--runner dask --address {address}: the Dask workers report their task runs to the flow's "
            f"Prefect server, and this run has only a temporary one; start a server (`fazhi serve` or "
            f"`prefect server start`) and export PREFECT_API_URL (e.g. http://127.0.0.1:4200/api)"
        )


def _task_runner(runner: str, address: str | None, api_url: str | None = None):
    """The task runner for normalize batches, or None for the flow's own (threads). ``api_url``:
    the flow's Prefect API, given to the workers of a local Dask cluster."""
    check_runner(runner, address)
    if runner == "process":
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner()
    if runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:
            raise UserError("--runner dask needs prefect-dask: pip install -e '.[dask]'") from None
        if address:
            return DaskTaskRunner(address=address, client_kwargs={"timeout": DASK_CONNECT_TIMEOUT_S})
        # The workers are spawned here: their environment names the flow's server, so that no
        # worker starts a temporary server of its own.
        env = {"PREFECT_API_URL": api_url} if api_url else {}
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True, "env": env})
    return None


def _flow_api_url() -> str:
    """The URL of the Prefect API this flow reports to: ``PREFECT_API_URL``, or in ephemeral mode
    the flow's temporary server (the flow run's client is connected to it)."""
    from prefect.client.orchestration import get_client

    return PREFECT_API_URL.value() or str(get_client(sync_client=True).api_url).rstrip("/")


def _dask_client(task_runner, address: str | None):
    """The runner's Dask client once at least one worker is there (one-line errors otherwise)."""
    where = f"the Dask scheduler at {address}" if address else "the local Dask cluster"
    try:
        client = task_runner.client
    except OSError as exc:
        raise UserError(f"cannot reach {where}: {str(exc).splitlines()[0]}") from None
    timeout = _workers_timeout()
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise UserError(
            f"{where} has no worker after {timeout:g} s; start some "
            f"(`dask worker {address or 'tcp://…'}`, docs/DISTRIBUTED.md)"
        ) from None
    return client


def _normalize(
    settings: Settings, source_ids, batch_size: int, runner: str = "default", address: str | None = None
) -> dict:
    """Plan in the flow, parse in batch tasks on the chosen runner (``stages.run_normalize`` batches,
    collects in order and adds up)."""
    api_url = _flow_api_url() if runner == "dask" else None
    task_runner = _task_runner(runner, address, api_url)
    with storage.synced(settings, reads=("raw", "warehouse"), writes=("warehouse",), progress=terminal):
        plan = plan_task(settings, source_ids)
        batch_count = len(plan.batches(batch_size))
        if task_runner is None:
            size = stages.pool_size(None, batch_count)
            with stages.batch_pool(size, size) as pool:
                # Batch tasks are threads that wait on the pool: two per worker in flight, not one
                # per batch (at 50,000 documents that would be 250 threads, each holding its batch).
                return stages.run_normalize(
                    plan,
                    batch_size,
                    lambda batch: normalize_batch_task.submit(settings, batch, pool),
                    window=2 * size,
                    progress=terminal,
                )
        if runner == "process":
            with task_runner:
                return stages.run_normalize(
                    plan,
                    batch_size,
                    lambda batch: task_runner.submit(
                        normalize_batch_task, parameters={"settings": settings, "items": batch}
                    ),
                    window=max(1, batch_count),
                    progress=terminal,
                )
        if not batch_count:
            return stages.run_normalize(plan, batch_size, None, window=1, progress=terminal)
        # Dask: the workers may be other machines. They read the snapshots through the storage
        # roots and hand the staged files back; the flow writes them into its working copy. Each
        # task run carries the flow's settings context, so it names the flow's server too.
        with task_runner, temporary_settings(updates={PREFECT_API_URL: api_url}):
            threads = sum(_dask_client(task_runner, address).nthreads().values())
            return stages.run_normalize(
                plan,
                batch_size,
                lambda batch: stages.StagedHere(
                    settings,
                    task_runner.submit(parse_batch_task, parameters={"settings": settings, "items": batch}),
                ),
                window=max(2, 2 * threads),  # enough to keep every worker busy; results wait in bounded number
                progress=terminal,
            )


def _new_run() -> dict:
    return {
        "run_id": uuid.uuid4().hex,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": __version__,
        "parser_version": PARSER_VERSION,
    }


# -- flows ------------------------------------------------------------------------------------


@flow(name="discover")
def discover_flow(root: str | None = None, listing_ids: list[str] | None = None, offline: bool = False) -> dict:
    try:
        settings = _settings(root)
    except UserError as exc:
        return _failed(exc)
    with run_lock(settings.warehouse_dir):
        counts = dict(discover_task(settings, listing_ids, offline))
    _listing_artifact(counts["per_listing"])
    return _summarise("discover", counts)


def _listing_artifact(rows: list[dict]) -> None:
    """Per listing: pages read, links, new candidates, accepted, waiting for review (and why a
    listing was not read)."""
    from prefect.artifacts import create_table_artifact

    create_table_artifact(key="discover-listings", table=rows, description="fazhi discover: per listing")


def format_listings(rows: list[dict]) -> str:
    if not rows:
        return "fazhi discover: no listings (add some to raw/listings.yaml)"
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    widths["outcome"] = min(widths["outcome"], 60)
    lines = ["  ".join(f"{c:<{widths[c]}}" for c in columns)]
    for row in rows:
        cells = [str(row[c])[: widths[c]] for c in columns]
        lines.append(
            "  ".join(
                f"{cell:<{widths[c]}}" if i < 2 else f"{cell:>{widths[c]}}"
                for i, (c, cell) in enumerate(zip(columns, cells))
            )
        )
    return "\n".join(lines)


@flow(name="fetch", log_prints=False)
def fetch_flow(
    root: str | None = None, source_ids: list[str] | None = None, refresh: bool = False, offline: bool = False
) -> dict:
    return _summarise("fetch", fetch_task(_settings(root), source_ids, refresh, offline))


@flow(name="normalize")
def normalize_flow(
    root: str | None = None,
    source_ids: list[str] | None = None,
    batch_size: int = 200,
    runner: str = "default",
    dask_address: str | None = None,
) -> dict:
    settings = _settings(root)
    with run_lock(settings.warehouse_dir):
        return _summarise("normalize", _normalize(settings, source_ids, batch_size, runner, dask_address))


@flow(name="load")
def load_flow(root: str | None = None, allow_drop: bool = False) -> dict:
    return _summarise("load", load_task(_settings(root), _new_run(), allow_drop))


@flow(name="publish")
def publish_flow(root: str | None = None, years: list[int] | None = None) -> dict:
    return _summarise("publish", publish_task(_settings(root), years))


@flow(name="etl")
def etl_flow(
    root: str | None = None,
    source_ids: list[str] | None = None,
    years: list[int] | None = None,
    refresh: bool = False,
    offline: bool = False,
    publish: bool = True,
    allow_drop: bool = False,
    batch_size: int = 200,
    runner: str = "default",
    dask_address: str | None = None,
    discover: bool = False,
) -> dict:
    try:
        if batch_size < 1:
            raise UserError(f"batch_size must be at least 1, got {batch_size}")
        check_runner(runner, dask_address)
        settings = _settings(root)
    except UserError as exc:
        return _failed(exc)
    run = _new_run()
    with run_lock(settings.warehouse_dir):
        counts = {}
        if discover:
            counts.update(discover_task(settings, None, offline))
            _listing_artifact(counts.pop("per_listing"))
        counts.update(fetch_task(settings, source_ids, refresh, offline))
        counts.update(_normalize(settings, source_ids, batch_size, runner, dask_address))
        run["counts"] = dict(counts)
        loaded = load_task(settings, run, allow_drop)
        counts.update(
            {f"warehouse_{k}": loaded[k] for k in ("documents", "sections", "metrics", "quarantine") if k in loaded}
        )
        if publish:
            counts.update(publish_task(settings, years))
    return _summarise("etl", counts)


def _failed(exc: UserError) -> State:
    """End the flow run Failed with the user error's one line as its message and its one log line,
    instead of raising: a deployment run's log then holds no traceback of ours. The state keeps the
    error itself, so that `fazhi run` (which reads the state) reports it as it reports any user error."""
    get_run_logger().error(str(exc))
    return Failed(message=str(exc), data=exc)


def _summarise(name: str, counts: dict) -> dict:
    """Publish the run's counts as a Prefect table artifact; the CLI prints the same table."""
    from prefect.artifacts import create_table_artifact

    rows = summary_rows(counts)
    create_table_artifact(key=f"{name}-summary", table=rows, description=f"fazhi {name}: run summary")
    return counts


def summary_rows(counts: dict) -> list[dict]:
    rows = [{"what": label, "count": counts[key]} for key, label in SUMMARY_ROWS if key in counts]
    known = {key for key, _ in SUMMARY_ROWS}
    rows += [
        {"what": key, "count": value}
        for key, value in sorted(counts.items())
        if key not in known and isinstance(value, (int, float))
    ]
    return rows


def format_summary(name: str, counts: dict) -> str:
    rows = summary_rows(counts)
    width = max((len(r["what"]) for r in rows), default=10)
    lines = [f"fazhi {name}: summary"] + [f"  {r['what']:<{width}}  {r['count']:>8}" for r in rows]
    return "\n".join(lines)


# -- the CLI's entry ----------------------------------------------------------------------------

FLOWS = {
    "discover": discover_flow,
    "fetch": fetch_flow,
    "normalize": normalize_flow,
    "load": load_flow,
    "publish": publish_flow,
    "etl": etl_flow,
}


def run_command(name: str, args, server: temporary_server.TemporaryServer | None = None) -> int:
    """Run flow ``name`` for the command line (the caller holds the run lock, watches the children
    and started ``server``, the command's temporary Prefect server, if any)."""
    if not getattr(args, "debug", False):
        _terminal_shows_fazhi_logs_only()
    root = os.environ.get("FAZHI_ROOT")
    params: dict = {"root": root}
    if name in ("fetch", "normalize", "etl"):
        params["source_ids"] = args.source_ids
    if name in ("fetch", "etl"):
        params.update(refresh=args.refresh, offline=args.offline)
    if name in ("normalize", "etl"):
        params.update(batch_size=args.batch_size, runner=args.runner, dask_address=args.address)
    if name in ("load", "etl"):
        params["allow_drop"] = args.allow_drop
    if name in ("publish", "etl"):
        params["years"] = args.years
    if name == "etl":
        params.update(publish=args.publish, discover=args.discover)
    if name == "discover":
        params.update(listing_ids=args.listing_ids, offline=args.offline)
    if name in ("normalize", "etl") and args.runner == "dask" and args.address:
        check_runner(args.runner, args.address)  # refused in ephemeral mode (the CLI started no server for it)
    temporary_server.ready(server)
    state = FLOWS[name](**params, return_state=True)
    if state.is_failed():
        exc = _state_exception(state)
        if exc is not None:
            raise exc
        raise RunFailed(f"flow {name} failed: {state.message}")
    counts = state.result()
    _wait_until_recorded(state)
    if "per_listing" in counts:
        print(format_listings(counts.pop("per_listing")))
    print(format_summary("run" if name == "etl" else name, counts))
    failed = counts.get("error", 0) + counts.get("quarantined", 0)
    if failed:
        print(
            f"fazhi: {failed} item(s) failed or were quarantined; see the summary above "
            f'and the quarantine table (`fazhi sql "SELECT * FROM quarantine"`)',
            file=sys.stderr,
        )
        return 1
    return 0


def _terminal_shows_fazhi_logs_only() -> None:
    """Prefect's log records (a failed task's traceback, its services' notes at exit) stay off the
    terminal, where the CLI words the error as one line; they still reach Prefect's API (the UI keeps
    them), and ``--debug`` shows them. fazhi's own records (loggers under ``flows``) still print."""
    only_fazhi = logging.Filter("flows")
    for logger in (logging.getLogger(), logging.getLogger("prefect._internal")):
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.addFilter(only_fazhi)


def _wait_until_recorded(state, timeout: float = 20.0) -> None:
    """Wait until the server has recorded every task run of the flow run in a final state.

    The server records task runs from events, asynchronously and in batches; an ephemeral server
    stops when this process exits, and task runs still in its queue would be lost (and it logs
    errors). Two consecutive identical, all-final readings mean the queue is drained."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    flow_run_id = state.state_details.flow_run_id
    if flow_run_id is None:
        return
    deadline = time.monotonic() + timeout
    previous = None
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs, page = [], None
            while page is None or len(page) == 200:  # the API's page size cap
                page = client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                    limit=200,
                    offset=len(runs),
                )
                runs += page
            reading = (len(runs), all(run.state is not None and run.state.is_final() for run in runs))
            if reading[1] and reading == previous:
                return
            previous = reading
            time.sleep(0.25)


def _state_exception(state):
    try:
        state.result()
    except BaseException as exc:  # noqa: BLE001 - the flow's own exception, re-raised for the CLI
        return exc
    return None
