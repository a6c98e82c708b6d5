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
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from flows import __version__
from flows.core import layout, storage
from flows.core.config import DATA_DIR, Settings
from flows.core.errors import UserError
from flows.core.lock import run_lock
from flows.core.progress import Progress
from flows.fetch import registry
from flows.fetch.archive import Archive, ManifestRows
from flows.fetch.discover.listings import LISTINGS_NAME, load_listings
from flows.fetch.discover.run import discover
from flows.fetch.http import FetchOptions, fetch_sources
from flows.load.inputs import LoadInputs, StagedFiles, inputs_fingerprint, last_load, staged_since_schemas
from flows.load.warehouse import load_warehouse
from flows.normalize import document
from flows.normalize.batch import NormalizeItem, ParentPage, StagedBatch, normalize_batch, stage_batch
from flows.normalize.catalog import CATALOG_PATH, catalog_rows
from flows.normalize.regions import region_table
from flows.normalize.roster import roster_rows
from flows.normalize.staging import is_staged, remove_stale_temp_files
from flows.publish.releases import publish_years

PROGRESS_INTERVAL_S = 1.0
ROUTINE_FETCH_OUTCOMES = frozenset({"new", "unchanged", "not_modified", "offline", "archived"})


def _under_run_lock(stage: Callable) -> Callable:
    @functools.wraps(stage)
    def locked(settings: Settings, *args, **kwargs):
        with run_lock(settings.warehouse_dir):
            return stage(settings, *args, **kwargs)

    return locked


def load_sources(settings: Settings, source_ids: Iterable[str] | None = None) -> list[dict]:
    return registry.select_sources(registry.load_sources(settings.registry_path), source_ids, settings.registry_path)


# -- fetch ------------------------------------------------------------------------------------


@_under_run_lock
def fetch_stage(
    settings: Settings, *, source_ids=None, refresh=False, offline=False, progress: Progress = None
) -> dict:
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


# -- discover ---------------------------------------------------------------------------------


@_under_run_lock
def discover_stage(settings: Settings, *, listing_ids=None, offline=False, progress: Progress = None) -> dict:
    """Read the listings of ``raw/listings.yaml`` (all, or ``listing_ids``) and record new candidates.
    Returns the totals, with one row per listing under ``per_listing``."""
    with storage.synced(settings, reads=("raw",), writes=("raw",), progress=progress):
        path = settings.raw_dir / LISTINGS_NAME
        listings = load_listings(path)
        if listing_ids:
            known = {listing["listing_id"] for listing in listings}
            unknown = [i for i in dict.fromkeys(listing_ids) if i not in known]
            if unknown:
                raise UserError(f"{path}: unknown listing id(s): {', '.join(unknown)}")
            listings = [listing for listing in listings if listing["listing_id"] in set(listing_ids)]
        result = discover(
            settings.raw_dir,
            listings,
            offline=offline,
            options=FetchOptions(allow_private_addresses=settings.allow_private_addresses),
            progress=progress,
        )
    return {**result.counts(), "per_listing": [r.row() for r in result.listings]}


# -- normalize --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NormalizePlan:
    """The snapshots to parse, and how many selected sources are already staged by this parser."""

    items: list[NormalizeItem]
    up_to_date: int

    def batches(self, size: int) -> list[list[NormalizeItem]]:
        size = max(1, int(size))
        return [self.items[i : i + size] for i in range(0, len(self.items), size)]


def plan_normalize(settings: Settings, source_ids=None) -> NormalizePlan:
    """Latest snapshot of each selected source that is not yet staged by this parser version."""
    remove_stale_temp_files(settings.warehouse_dir)  # a killed run's; callers hold the run lock
    archive = Archive(settings.raw_dir)
    rows = archive.rows()
    current = archive.current_snapshots(rows)
    pages = archive.latest_snapshots(rows, pages_only=True)
    items, up_to_date = [], 0
    for source in load_sources(settings, source_ids):
        row = current.get(source["source_id"])
        if row is None:
            continue
        doc_id = document.doc_id_for(source["source_id"], row["snapshot_sha256"])
        if is_staged(settings.warehouse_dir, doc_id, document.PARSER_VERSION):
            up_to_date += 1
            continue
        items.append(
            NormalizeItem(
                doc_id=doc_id,
                source_id=source["source_id"],
                snapshot_sha256=row["snapshot_sha256"],
                url=row.get("url") if row.get("parent_sha256") else source.get("url") or row.get("url"),
                content_type=row.get("content_type"),
                encoding=row.get("encoding"),
                issuer_hint=source.get("issuer"),
                region_hint=source.get("region_hint"),
                report_year_hint=source.get("report_year_hint"),
                is_synthetic=bool(source.get("is_synthetic")),
                parent=_parent_of(row, pages.get(source["source_id"])),
            )
        )
    return NormalizePlan(items=items, up_to_date=up_to_date)


def _parent_of(row: dict, page: dict | None) -> ParentPage | None:
    """The linking page of an attachment snapshot, for the page fields it prints (publish date, source)."""
    if not row.get("parent_sha256") or page is None or page["snapshot_sha256"] != row["parent_sha256"]:
        return None
    return ParentPage(page["snapshot_sha256"], page.get("url"), page.get("content_type"), page.get("encoding"))


def default_workers() -> int:
    """Worker processes for normalize: the CPUs this process may run on (parsing is CPU-bound
    Python, so threads would share one core under the GIL)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def pool_size(workers: int | None, batch_count: int) -> int:
    """Worker processes for ``batch_count`` batches: ``workers`` (default one per CPU), never more than batches."""
    return min(default_workers() if workers is None else max(1, int(workers)), batch_count)


@contextmanager
def batch_pool(workers: int | None = None, batch_count: int = 2):
    """A process pool that parses normalize batches, or None when one process is enough (one CPU, or
    a single batch). Workers are spawned, not forked: the parent may hold threads (Prefect, the run
    lock's owner) that a fork would copy mid-state."""
    workers = pool_size(workers, batch_count)
    if workers <= 1:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield pool


def run_batch(pool: ProcessPoolExecutor | None, settings: Settings, items: list[NormalizeItem]) -> dict:
    """``normalize_batch`` in ``pool`` (a ``batch_pool``), or in this process when the pool is None."""
    if pool is None:
        return normalize_batch(settings, items)
    return pool.submit(normalize_batch, settings, items).result()


class Result(Protocol):
    def result(self) -> dict: ...


def run_normalize(
    plan: NormalizePlan,
    batch_size: int,
    submit: Callable[[list[NormalizeItem]], Result],
    *,
    window: int,
    progress: Progress = None,
) -> dict:
    """Run every batch of ``plan`` through ``submit`` (a process pool's, a Prefect task's, a Dask
    cluster's) with at most ``window`` batches submitted and not yet collected, and add up their
    counts in batch order. The one place normalize batches are run, whatever runs them."""
    counts: Counter = Counter({"up_to_date": plan.up_to_date})
    pending: deque = deque()
    done, total = 0, len(plan.items)

    def collect_one() -> None:
        nonlocal done
        batch, future = pending.popleft()
        counts.update(future.result())
        done += len(batch)
        if progress:
            progress(f"normalize {done}/{total} documents")

    for batch in plan.batches(batch_size):
        pending.append((batch, submit(batch)))
        if len(pending) >= max(1, window):
            collect_one()
    while pending:
        collect_one()
    return dict(counts)


class StagedHere:
    """A batch parsed elsewhere (``batch.parse_batch`` on a Dask worker): when its result is
    collected, its staged files are written into this machine's warehouse working copy."""

    def __init__(self, settings: Settings, future: Result):
        self.settings, self.future = settings, future

    def result(self) -> dict:
        batch = self.future.result()
        if not isinstance(batch, StagedBatch):
            raise TypeError(f"a remote normalize batch returned {type(batch).__name__}, not StagedBatch")
        return stage_batch(self.settings.warehouse_dir, batch)


class _Deferred:
    """A batch run in this process when its result is asked for (no pool: one CPU, or one batch)."""

    def __init__(self, settings: Settings, items: list[NormalizeItem]):
        self.settings, self.items = settings, items

    def result(self) -> dict:
        return normalize_batch(self.settings, self.items)


@_under_run_lock
def normalize_stage(
    settings: Settings, *, source_ids=None, batch_size=200, workers: int | None = None, progress: Progress = None
) -> dict:
    """Plan, then parse the batches on ``workers`` processes (default: one per CPU). Each document
    is its own staged file, so the outputs do not depend on the number of workers."""
    with storage.synced(settings, reads=("raw", "warehouse"), writes=("warehouse",), progress=progress):
        plan = plan_normalize(settings, source_ids)
        size = pool_size(workers, len(plan.batches(batch_size)))
        with batch_pool(size, size) as pool:
            if pool is None:
                return run_normalize(plan, batch_size, lambda b: _Deferred(settings, b), window=1, progress=progress)
            return run_normalize(
                plan,
                batch_size,
                lambda b: pool.submit(normalize_batch, settings, b),
                window=2 * size,
                progress=progress,
            )


# -- load and publish -------------------------------------------------------------------------


def load_inputs(settings: Settings, *, run: dict, allow_drop: bool = False) -> LoadInputs:
    """What the load reads: the registries (hand-written and discovered) and the manifest (raw/), the
    metric catalog, the region code tables and the staged results (a handle, read by the load as it
    goes). Their digest comes first: when it equals the last load's, nothing else is read (the load
    then only records the run)."""
    archive = Archive(settings.raw_dir)
    fingerprint = inputs_fingerprint(
        settings.warehouse_dir,
        [
            settings.registry_path,
            settings.raw_dir / layout.DISCOVERED,
            archive.manifest_path,
            CATALOG_PATH,
            *sorted(DATA_DIR.glob("*")),
        ],
        code_version=run.get("code_version") or __version__,
        allow_drop=allow_drop,
    )
    previous = last_load(settings.warehouse_dir)
    if previous is not None and previous.fingerprint == fingerprint:
        return LoadInputs(fingerprint=fingerprint, previous=previous)
    return LoadInputs(
        staged=StagedFiles(settings.warehouse_dir),
        registry=list(registry.load_sources(settings.registry_path)),
        fetches=ManifestRows(archive),
        catalog=list(catalog_rows()),
        region_table=region_table,
        roster=roster_rows,
        prevalidated=staged_since_schemas(settings.warehouse_dir),
        fingerprint=fingerprint,
        previous=previous,
    )


@_under_run_lock
def load_stage(settings: Settings, *, run: dict, allow_drop=False, progress: Progress = None) -> dict:
    """Load inputs (``load_inputs``), then build and save the Parquet datasets and the warehouse."""
    with storage.synced(settings, reads=("raw", "warehouse"), writes=("warehouse",), progress=progress):
        inputs = load_inputs(settings, run=run, allow_drop=allow_drop)
        return load_warehouse(
            inputs, warehouse_dir=settings.warehouse_dir, run=run, allow_drop=allow_drop, progress=progress
        )


@_under_run_lock
def publish_stage(settings: Settings, *, years=None, progress: Progress = None) -> dict:
    with storage.synced(settings, reads=("warehouse", "releases"), writes=("releases",), progress=progress):
        return publish_years(
            warehouse_dir=settings.warehouse_dir,
            releases_dir=settings.releases_dir,
            years=years,
            progress=progress,
        )
