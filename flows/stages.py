"""The four stages as plain functions over batches (file I/O, no Prefect).

``pipeline.py`` wraps these in Prefect tasks and flows; benchmarks call them directly to measure
what Prefect costs. Each stage reads its inputs from the storage roots in ``Settings`` and writes its
outputs there, so a stage can be rerun on its own. Each stage holds the warehouse's run lock
(``lock.run_lock``: one run at a time; re-entrant, so free inside a flow that already holds it).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from flows.core import storage
from flows.core.config import Settings
from flows.core.lock import run_lock

Progress = Callable[[str], None] | None
PROGRESS_INTERVAL_S = 1.0
ROUTINE_FETCH_OUTCOMES = frozenset({"new", "unchanged", "not_modified", "offline", "archived"})


def _under_run_lock(stage: Callable) -> Callable:
    @functools.wraps(stage)
    def locked(settings: Settings, *args, **kwargs):
        with run_lock(settings.warehouse_dir):
            return stage(settings, *args, **kwargs)

    return locked


def _select(sources: list[dict], source_ids: Iterable[str] | None, registry_path) -> list[dict]:
    if not source_ids:
        return sources
    from flows.core.errors import UserError

    wanted = list(dict.fromkeys(source_ids))
    known = {s["source_id"] for s in sources}
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise UserError(f"{registry_path}: unknown source id(s): {', '.join(unknown)}")
    return [s for s in sources if s["source_id"] in set(wanted)]


def load_sources(settings: Settings, source_ids: Iterable[str] | None = None) -> list[dict]:
    from flows.fetch.registry import load_registry

    return _select(load_registry(settings.registry_path), source_ids, settings.registry_path)


# -- fetch ------------------------------------------------------------------------------------


@_under_run_lock
def fetch_stage(
    settings: Settings, *, source_ids=None, refresh=False, offline=False, progress: Progress = None
) -> dict:
    from flows.fetch.archive import Archive
    from flows.fetch.http import FetchOptions, fetch_sources

    with storage.synced(settings, reads=("raw",), writes=("raw",), progress=progress):
        sources = load_sources(settings, source_ids)
        archive = Archive(settings.raw_dir)
        archive.remove_stale_temp_files()  # a killed run's; no other run writes while we hold the lock
        total, done, last_line = len(sources), [0], [float("-inf")]

        def on_event(event: dict) -> None:
            done[0] += 1
            if not progress:
                return
            outcome = event.get("outcome", "?")
            # Problems are shown as they happen; routine outcomes at most once a second (a registry
            # of 50,000 sources would otherwise print 50,000 lines).
            now = time.monotonic()
            routine = outcome in ROUTINE_FETCH_OUTCOMES and not event.get("error")
            if routine and done[0] < total and now - last_line[0] < PROGRESS_INTERVAL_S:
                return
            last_line[0] = now
            detail = f" ({event['error']})" if event.get("error") else ""
            if event.get("snapshot_sha256"):
                detail += f", snapshot {event['snapshot_sha256'][:12]}"
            progress(f"fetch {done[0]}/{total}: {event.get('source_id')}: {outcome}{detail}")

        summary = fetch_sources(
            sources,
            archive,
            refresh=refresh,
            offline=offline,
            options=FetchOptions(allow_private_addresses=settings.allow_private_addresses),
            progress=on_event,
        )
    return {**summary.counts, "sources": total}


# -- normalize --------------------------------------------------------------------------------


def plan_normalize(settings: Settings, source_ids=None) -> tuple[list[dict], int]:
    """Latest snapshot of each selected source that is not yet staged by this parser version.

    Returns (items to parse, number already up to date)."""
    from flows.fetch.archive import Archive
    from flows.normalize.document import PARSER_VERSION, doc_id_for
    from flows.normalize.staging import is_staged, remove_stale_temp_files

    remove_stale_temp_files(settings.warehouse_dir)  # a killed run's; callers hold the run lock
    latest = Archive(settings.raw_dir).latest_snapshots()
    items, up_to_date = [], 0
    for source in load_sources(settings, source_ids):
        row = latest.get(source["source_id"])
        if row is None or row.get("outcome") == "unsupported":
            continue
        doc_id = doc_id_for(source["source_id"], row["snapshot_sha256"])
        if is_staged(settings.warehouse_dir, doc_id, PARSER_VERSION):
            up_to_date += 1
            continue
        items.append(
            {
                "doc_id": doc_id,
                "source_id": source["source_id"],
                "snapshot_sha256": row["snapshot_sha256"],
                "url": source.get("url") or row.get("url"),
                "content_type": row.get("content_type"),
                "encoding": row.get("encoding"),
                "issuer_hint": source.get("issuer"),
                "region_hint": source.get("region_hint"),
                "report_year_hint": source.get("report_year_hint"),
                "is_synthetic": bool(source.get("is_synthetic")),
            }
        )
    return items, up_to_date


def normalize_batch(settings: Settings, items: list[dict]) -> dict:
    """Parse a batch of snapshots and stage the results. Never raises for a bad page."""
    from flows.fetch.archive import Archive
    from flows.normalize.document import ParseInput, parse_snapshot
    from flows.normalize.staging import write_staged

    archive = Archive(settings.raw_dir)
    counts: Counter = Counter()
    for item in items:
        fields = {
            k: item.get(k)
            for k in (
                "source_id",
                "snapshot_sha256",
                "url",
                "content_type",
                "encoding",
                "issuer_hint",
                "region_hint",
                "report_year_hint",
                "is_synthetic",
            )
        }
        data = archive.read(item["snapshot_sha256"], item.get("content_type"))
        result = parse_snapshot(ParseInput(data=data, **fields))
        write_staged(settings.warehouse_dir, result.staged())
        counts["parsed"] += 1
        counts["documents"] += result.document is not None
        counts["reports"] += bool(result.document and result.document["is_report"])
        counts["sections"] += len(result.sections)
        counts["metrics"] += len(result.metrics)
        counts["quarantined"] += len(result.quarantine)
    return dict(counts)


def batches(items: list, size: int) -> list[list]:
    size = max(1, int(size))
    return [items[i : i + size] for i in range(0, len(items), size)]


def default_workers() -> int:
    """Worker processes for normalize: the CPUs this process may run on (parsing is CPU-bound
    Python, so threads would share one core under the GIL)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def batch_pool(workers: int | None = None, batch_count: int = 2):
    """A process pool that parses normalize batches, or None when one process is enough (one CPU, or
    a single batch). Workers are spawned, not forked: the parent may hold threads (Prefect, the run
    lock's owner) that a fork would copy mid-state."""
    workers = min(default_workers() if workers is None else max(1, int(workers)), batch_count)
    if workers <= 1:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield pool


def run_batch(pool, settings: Settings, items: list[dict]) -> dict:
    """``normalize_batch`` in ``pool`` (a ``batch_pool``), or in this process when the pool is None."""
    if pool is None:
        return normalize_batch(settings, items)
    return pool.submit(normalize_batch, settings, items).result()


@_under_run_lock
def normalize_stage(
    settings: Settings, *, source_ids=None, batch_size=200, workers: int | None = None, progress: Progress = None
) -> dict:
    """Plan, then parse the batches on ``workers`` processes (default: one per CPU). Each document
    is its own staged file, so the outputs do not depend on the number of workers."""
    with storage.synced(settings, reads=("raw", "warehouse"), writes=("warehouse",), progress=progress):
        items, up_to_date = plan_normalize(settings, source_ids)
        counts: Counter = Counter({"up_to_date": up_to_date})
        done = 0
        todo = batches(items, batch_size)
        with batch_pool(workers, len(todo)) as pool:
            results = (
                pool.map(normalize_batch, [settings] * len(todo), todo)
                if pool
                else (normalize_batch(settings, batch) for batch in todo)
            )
            for batch, result in zip(todo, results):
                counts.update(result)
                done += len(batch)
                if progress:
                    progress(f"normalize {done}/{len(items)} documents")
    return dict(counts)


# -- load and publish -------------------------------------------------------------------------


@_under_run_lock
def load_stage(settings: Settings, *, run: dict, allow_drop=False, progress: Progress = None) -> dict:
    from flows.load.warehouse import load_warehouse

    with storage.synced(settings, reads=("raw", "warehouse"), writes=("warehouse",), progress=progress):
        return load_warehouse(
            warehouse_dir=settings.warehouse_dir,
            raw_dir=settings.raw_dir,
            run=run,
            allow_drop=allow_drop,
            progress=progress,
        )


@_under_run_lock
def publish_stage(settings: Settings, *, years=None, progress: Progress = None) -> dict:
    from flows.publish.releases import publish_years

    with storage.synced(settings, reads=("warehouse", "releases"), writes=("releases",), progress=progress):
        return publish_years(
            warehouse_dir=settings.warehouse_dir,
            releases_dir=settings.releases_dir,
            years=years,
            progress=progress,
        )


def terminal_progress(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)
