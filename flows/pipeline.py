"""Prefect flows: ``fetch``, ``normalize``, ``load``, ``publish`` and ``etl`` (all four in order).

Tasks are thin wrappers over ``stages`` and work on batches of documents (never one task per
document, paragraph or metric: a task run costs milliseconds). Flows take paths and ids as
parameters, never the data. Without ``PREFECT_API_URL`` Prefect runs in ephemeral mode with a
project-local ``PREFECT_HOME`` (see ``config.configure_prefect``). One run at a time per warehouse:
``run_command`` takes the run lock before Prefect starts and the multi-task flows hold it across their
tasks (``lock.py``).
"""

from __future__ import annotations

from flows.core.config import Settings, configure_prefect, load_settings

configure_prefect()

import uuid
from collections import deque
from datetime import UTC, datetime

from prefect import flow, task

from flows import __version__, stages
from flows.core import storage
from flows.core.errors import UserError
from flows.core.lock import run_lock

SUMMARY_ROWS = [
    ("sources", "sources in the registry selection"),
    ("new", "documents fetched (new content)"),
    ("unchanged", "fetched, unchanged"),
    ("not_modified", "not modified (HTTP 304)"),
    ("offline", "offline: not fetched (raw/ as it is)"),
    ("archived", "already archived"),
    ("error", "fetch failed"),
    ("unsupported", "archived, unsupported for parsing (PDF/Word)"),
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
    settings = load_settings()
    return settings.with_root(root) if root else settings


def _progress():
    return stages.terminal_progress


# -- tasks ------------------------------------------------------------------------------------


@task(name="fetch-sources")
def fetch_task(settings: Settings, source_ids, refresh: bool, offline: bool) -> dict:
    return stages.fetch_stage(settings, source_ids=source_ids, refresh=refresh, offline=offline, progress=_progress())


@task(name="plan-normalize")
def plan_task(settings: Settings, source_ids) -> tuple[list[dict], int]:
    return stages.plan_normalize(settings, source_ids)


# The default runner's batch tasks are threads of the flow's process; they hand the parsing to this
# pool of worker processes (``stages.batch_pool``) so that a run uses every CPU, as the plain
# ``normalize_stage`` does. Set by ``_normalize`` for the duration of the batches; None: in-thread.
_batch_pool = None


@task(name="normalize-batch")
def normalize_batch_task(settings: Settings, items: list[dict]) -> dict:
    return stages.run_batch(_batch_pool, settings, items)


@task(name="load-warehouse")
def load_task(settings: Settings, run: dict, allow_drop: bool) -> dict:
    return stages.load_stage(settings, run=run, allow_drop=allow_drop, progress=_progress())


@task(name="publish-releases")
def publish_task(settings: Settings, years) -> dict:
    return stages.publish_stage(settings, years=years, progress=_progress())


RUNNERS = ("default", "process", "dask")


def _task_runner(runner: str, address: str | None):
    """The task runner for normalize batches, or None for the flow's own (threads)."""
    if runner not in RUNNERS:
        raise UserError(f"unknown runner {runner!r}: choose one of {', '.join(RUNNERS)}")
    if address and runner != "dask":
        raise UserError("--address is only meaningful with --runner dask")
    if runner == "process":
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner()
    if runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:
            raise UserError("--runner dask needs prefect-dask: pip install -e '.[dask]'") from None
        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True})
    return None


def _normalize(
    settings: Settings, source_ids, batch_size: int, runner: str = "default", address: str | None = None
) -> dict:
    """Plan in the flow, parse in batch tasks on the chosen runner, add up the counts in order."""
    task_runner = _task_runner(runner, address)
    with storage.synced(settings, reads=("raw", "warehouse"), writes=("warehouse",), progress=stages.terminal_progress):
        return _normalize_batches(settings, source_ids, batch_size, task_runner)


def _normalize_batches(settings: Settings, source_ids, batch_size: int, task_runner) -> dict:
    items, up_to_date = plan_task(settings, source_ids)
    counts = {"up_to_date": up_to_date}
    batches = stages.batches(items, batch_size)
    if not batches:
        return counts
    if task_runner is None:
        global _batch_pool
        # Batch tasks are threads that wait on the pool: keep two per worker in flight, not one per
        # batch (at 50,000 documents that would be 250 threads, each holding its batch).
        window = 2 * stages.default_workers()
        with stages.batch_pool(batch_count=len(batches)) as pool:
            _batch_pool = pool
            try:
                results = _collect(
                    lambda batch: normalize_batch_task.submit(settings, batch), batches, len(items), window
                )
            finally:
                _batch_pool = None
    else:
        with task_runner:
            results = _collect(
                lambda batch: task_runner.submit(
                    normalize_batch_task, parameters={"settings": settings, "items": batch}
                ),
                batches,
                len(items),
                window=len(batches),
            )  # a cluster schedules them all itself
    for result in results:
        for key, value in result.items():
            counts[key] = counts.get(key, 0) + value
    return counts


def _collect(submit, batches: list[list[dict]], total: int, window: int) -> list[dict]:
    """Results of ``submit(batch)`` for every batch, in batch order, with at most ``window`` batches
    submitted and not yet collected."""
    results, pending, done = [], deque(), 0
    for batch in batches:
        pending.append((batch, submit(batch)))
        if len(pending) >= max(1, window):
            done = _collect_one(pending, results, done, total)
    while pending:
        done = _collect_one(pending, results, done, total)
    return results


def _collect_one(pending: deque, results: list[dict], done: int, total: int) -> int:
    batch, future = pending.popleft()
    results.append(future.result())
    done += len(batch)
    stages.terminal_progress(f"normalize {done}/{total} documents")
    return done


def _new_run() -> dict:
    from flows.normalize.document import PARSER_VERSION

    return {
        "run_id": uuid.uuid4().hex,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": __version__,
        "parser_version": PARSER_VERSION,
    }


# -- flows ------------------------------------------------------------------------------------


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
) -> dict:
    if batch_size < 1:
        raise UserError(f"batch_size must be at least 1, got {batch_size}")
    settings = _settings(root)
    run = _new_run()
    with run_lock(settings.warehouse_dir):
        counts = dict(fetch_task(settings, source_ids, refresh, offline))
        counts.update(_normalize(settings, source_ids, batch_size, runner, dask_address))
        run["counts"] = dict(counts)
        loaded = load_task(settings, run, allow_drop)
        counts.update(
            {f"warehouse_{k}": loaded[k] for k in ("documents", "sections", "metrics", "quarantine") if k in loaded}
        )
        if publish:
            counts.update(publish_task(settings, years))
    return _summarise("etl", counts)


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

FLOWS = {"fetch": fetch_flow, "normalize": normalize_flow, "load": load_flow, "publish": publish_flow, "etl": etl_flow}


def run_command(name: str, args) -> int:
    import os
    import sys

    from flows.core.errors import RunFailed

    if name == "serve":
        from flows.schedule import serve

        return serve()
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
        params["publish"] = args.publish
    flow_fn = FLOWS[name]
    with run_lock(_settings(root).warehouse_dir):  # fail before Prefect starts if another run holds it
        state = flow_fn(**params, return_state=True)
    if state.is_failed():
        exc = _state_exception(state)
        if exc is not None:
            raise exc
        raise RunFailed(f"flow {name} failed: {state.message}")
    counts = state.result()
    _wait_until_recorded(state)
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


def _wait_until_recorded(state, timeout: float = 20.0) -> None:
    """Wait until the server has recorded every task run of the flow run in a final state.

    The server records task runs from events, asynchronously and in batches; an ephemeral server
    stops when this process exits, and task runs still in its queue would be lost (and it logs
    errors). Two consecutive identical, all-final readings mean the queue is drained."""
    import time

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
