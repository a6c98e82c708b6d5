"""The load: Parquet datasets and the DuckDB warehouse, built from what ``LoadInputs`` hands in (the
staged documents, the registry, the archive manifest, the metric catalog and the region code tables).

``load_warehouse`` is the one entry. Its caller holds the warehouse's run lock (``stages.load_stage``
does), so no other load renames the same files meanwhile. The steps, each in its module:

* ``tables``: the rows of every table (latest document per source, records validated again,
  quarantine, the run's row), the partitioned ones streamed to ``parquet/.incoming-<pid>/`` in
  chunks (``parquet``);
* ``checks``: the data checks, on those files, before anything is replaced;
* ``duckdb_build``: the DuckDB warehouse, built into a fresh file beside the old one;
* then every dataset is swapped in (``parquet.swap_in``) and the new database renamed over the old
  one (readers with the old file open keep reading it). A failed check or build replaces nothing.

When the inputs are those of the last successful load (``LoadInputs.unchanged``, by digest) the
tables stay as they are and only the run's row is added to ``runs``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from flows import __version__
from flows.core import layout
from flows.core.memory import give_back
from flows.core.progress import Progress
from flows.load.checks import DEFAULT_DROP_THRESHOLD, check_datasets
from flows.load.columns import TableSpec
from flows.load.duckdb_build import build_duckdb, replace_rows
from flows.load.inputs import LoadInputs, forget_last_load, record_load
from flows.load.parquet import PARTITIONED, incoming, read_dataset, recover_interrupted, swap_in, write_dataset
from flows.load.specs import load_specs
from flows.load.tables import previous_run, runs_table, stream_tables

log = logging.getLogger(__name__)


def load_warehouse(
    inputs: LoadInputs,
    *,
    warehouse_dir: Path,
    run: dict,
    allow_drop: bool = False,
    progress: Progress = None,
    specs: dict[str, TableSpec] | None = None,
    drop_threshold: float = DEFAULT_DROP_THRESHOLD,
) -> dict:
    """Load ``inputs`` into ``warehouse_dir``; returns row counts per table (and ``report_documents``,
    ``canonical_metrics``, ``sources_not_in_registry``). Raises ``DataCheckError`` (nothing
    replaced) when a data check fails. ``run``: what the caller knows of the run (``run_id``,
    ``started_at``, ``code_version``, ``parser_version``, ``counts``) for its ``runs`` row."""
    specs = specs or load_specs()
    warehouse_dir = Path(warehouse_dir)
    recover_interrupted(warehouse_dir / layout.PARQUET)
    if inputs.unchanged:
        return _record_unchanged_run(
            inputs, warehouse_dir=warehouse_dir, run=run, allow_drop=allow_drop, specs=specs, progress=progress
        )
    counts = _rebuild(
        inputs,
        warehouse_dir=warehouse_dir,
        run=run,
        allow_drop=allow_drop,
        progress=progress,
        specs=specs,
        drop_threshold=drop_threshold,
    )
    if inputs.fingerprint is not None:
        record_load(warehouse_dir, inputs.fingerprint, {k: v for k, v in counts.items() if k != "runs"})
    return counts


def _rebuild(
    inputs: LoadInputs,
    *,
    warehouse_dir: Path,
    run: dict,
    allow_drop: bool,
    progress: Progress,
    specs: dict[str, TableSpec],
    drop_threshold: float,
) -> dict:
    """Assemble, write, check and swap in every dataset and the DuckDB warehouse; counts per table."""
    say = progress or (lambda message: None)
    parquet_dir = warehouse_dir / layout.PARQUET
    forget_last_load(warehouse_dir)  # the tables are about to change
    registered = ("source_id", {source["source_id"] for source in inputs.registry})
    removed_sources = (
        read_dataset(specs["sources"], parquet_dir / "sources", unless=registered) if "sources" in specs else []
    )
    previous_runs = read_dataset(specs["runs"], parquet_dir / "runs") if "runs" in specs else []
    code_version = run.get("code_version") or __version__
    with incoming(parquet_dir) as new:
        say("load: writing documents, sections and metrics")
        assembled = stream_tables(specs, inputs, new, code_version=code_version, previous_sources=removed_sources)
        for notice in assembled.notices:
            log.warning("%s", notice)
            say(f"load: notice: {notice}")
        tables = assembled.tables
        counts, by_year = assembled.counts, assembled.rows_by_year
        if "runs" in specs:
            tables["runs"] = runs_table(
                specs["runs"], run, counts, by_year, previous_runs, allow_drop=allow_drop, finished_at=_now()
            )
            counts["runs"] = len(tables["runs"])
        previous = previous_run(previous_runs, run.get("run_id"))
        dirs = {name: new / name for name in PARTITIONED if name in specs}
        for name, rows in tables.items():
            say(f"load: writing {name} ({len(rows)} rows)")
            dirs[name] = new / name
            write_dataset(specs[name], rows, dirs[name], code_version=code_version)
        # written: the rows (50,000 fetches and sources: ~250 MB as dicts) must not sit beside DuckDB
        del tables, assembled
        give_back()
        say("load: checking")
        check_datasets(
            specs,
            dirs,
            spill_dir=new,
            rows_by_year=by_year,
            previous_rows_by_year=previous.get("rows_by_year") if previous else None,
            previous_run_id=previous.get("run_id") if previous else None,
            allow_drop=allow_drop,
            drop_threshold=drop_threshold,
        )
        say("load: building the DuckDB warehouse")
        build_duckdb(warehouse_dir / layout.DATABASE, specs, dirs)
        for name, directory in dirs.items():
            swap_in(directory, parquet_dir / name)
    say(
        f"load: {counts.get('documents', 0)} documents, {counts.get('sections', 0)} sections, "
        f"{counts.get('metrics', 0)} metrics, {counts.get('quarantine', 0)} quarantined"
    )
    return counts


def _record_unchanged_run(
    inputs: LoadInputs,
    *,
    warehouse_dir: Path,
    run: dict,
    allow_drop: bool,
    specs: dict[str, TableSpec],
    progress: Progress,
) -> dict:
    """The inputs are those of the last successful load: the tables stay as they are; only this run's
    row is added to ``runs`` (its Parquet dataset, and the warehouse's table in one transaction).
    Returns the counts of that load."""
    say = progress or (lambda message: None)
    parquet_dir = warehouse_dir / layout.PARQUET
    counts = dict(inputs.previous.counts)
    if "runs" not in specs:
        return counts
    previous_runs = read_dataset(specs["runs"], parquet_dir / "runs")
    previous = previous_run(previous_runs, run.get("run_id"))  # the last load: same tables, same counts
    runs = runs_table(
        specs["runs"],
        run,
        counts,
        previous.get("rows_by_year") if previous else {},
        previous_runs,
        allow_drop=allow_drop,
        finished_at=_now(),
    )
    counts["runs"] = len(runs)
    with incoming(parquet_dir) as new:
        write_dataset(specs["runs"], runs, new / "runs", code_version=run.get("code_version") or __version__)
        replace_rows(warehouse_dir / layout.DATABASE, specs["runs"], new / "runs")
        swap_in(new / "runs", parquet_dir / "runs")
    say(
        f"load: inputs unchanged since the last load: tables kept, run recorded "
        f"({counts.get('documents', 0)} documents)"
    )
    return counts


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
