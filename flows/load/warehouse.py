"""Parquet datasets and the DuckDB warehouse, built from staged documents, the registry, the archive
manifest, the metric catalog and the region code tables.

Layout (``warehouse/``)::

    parquet/<table>/part-0.parquet                 small tables
    parquet/<table>/2022/part-0.parquet            documents, sections, metrics: one directory per report year
    parquet/<table>/unknown/part-0.parquet         rows whose document has no report year
    fazhi.duckdb

Why directories per year and not row groups: a year is the unit people ask for and the unit releases
are cut by, and a directory per year lets anyone take one year's files without reading footers.
Why plain ``2022/`` and not hive-style ``report_year=2022/``: ``report_year`` stays inside every
file (sections and metrics get it copied from their document) so each file is complete on its own,
and then hive names break the default readers: pyarrow and pandas refuse a path key that is also a
file column (int32 from the path vs int64 in the file) and cannot read a null hive partition.
With plain names ``pandas.read_parquet(dir)``, ``pyarrow.dataset``, and DuckDB's
``read_parquet('<table>/*/*.parquet')`` all work with their defaults, and since each file holds
one year its min/max statistics let DuckDB and pyarrow skip the other years anyway.

Determinism: rows sorted by primary key, one file per partition, fixed names, zstd; file metadata
holds the table, code version, schema version and primary key, never a clock. The same inputs and
code give byte-identical files, except ``runs``, the log of loads, whose new row records when the
load finished. A dataset whose bytes did not change is not rewritten at all.

Atomicity: every dataset is written to ``parquet/.incoming-*/<table>``, the data checks run on
those files, the DuckDB warehouse is built into a fresh file beside the old one, and only then
are the datasets swapped in (rename the old one aside, rename the new one in; a load killed
between the two renames is repaired by the next load) and the new database renamed over the old
(readers with the old file open keep reading it). A failed check or build replaces nothing.

Keys: every table is created with the primary key, NOT NULL columns and the foreign keys of its
schema. DuckDB can only enforce a foreign key that references the other table's whole primary key;
one that does not (a region code against ``regions`` keyed by code and validity years) is checked
by the data checks but not declared. A self-reference (``sections.parent_id``) is inserted
generation by generation, since DuckDB checks it against rows present before each statement.

History: ``documents`` holds the latest parsed snapshot of each source (the one fetched last
according to the manifest); older snapshots stay in ``raw/`` and ``fetches``. A source removed
from the registry is not deleted: its row stays in ``sources`` with ``is_in_registry = false``,
its staged document stays loaded, and every load prints a notice listing such sources.
"""

from __future__ import annotations

import hashlib
import json
import logging
import operator
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from flows import __version__
from flows.core import layout
from flows.core.atomic import write_atomic
from flows.core.config import DATA_DIR, SCHEMAS_DIR
from flows.core.crash_points import crash_point
from flows.core.lock import run_lock
from flows.core.progress import Progress
from flows.load.checks import DEFAULT_DROP_THRESHOLD, DataCheckError, run_checks
from flows.load.columns import TableSpec, column_from_property, literal, quote, table_spec
from flows.load.views import create_views
from flows.normalize.staging import iter_staged, staged_path, staging_dir

__all__ = [
    "DataCheckError",
    "load_specs",
    "arrow_schema",
    "stream_tables",
    "StagedFiles",
    "write_dataset",
    "build_duckdb",
    "load_tables",
    "load_warehouse",
    "with_source_flags",
]

DB_NAME = "fazhi.duckdb"
PARQUET_DIR = "parquet"
PARTITIONED = ("documents", "sections", "metrics")
PARTITION_COLUMN = "report_year"
NULL_PARTITION = "unknown"
PART_NAME = "part-0.parquet"
ROW_GROUP_ROWS = 100_000

# The one column the loader adds to a schema's own: whether the registry still lists the source.
IS_IN_REGISTRY = {
    "title": "Is in the registry",
    "x-title-zh": "是否仍在登记表中",
    "description": "False for a source removed from raw/sources.yaml: kept with its last known fields and its "
    "documents so that removing an entry never deletes history.",
    "x-description-zh": "已从 raw/sources.yaml 移除的来源为假：保留其最后已知的字段及文档，移除登记项不会删除历史。",
    "type": "boolean",
}

log = logging.getLogger(__name__)


# -- specs ------------------------------------------------------------------------------------


def load_specs(schemas_dir: Path | None = None) -> dict[str, TableSpec]:
    """Every ``*.schema.json`` with an ``x-table``, by table name, plus the loader's derived columns:
    ``sources.is_in_registry`` and ``report_year`` copied into the partitioned child tables."""
    schemas_dir = Path(schemas_dir or SCHEMAS_DIR)
    specs: dict[str, TableSpec] = {}
    for path in sorted(schemas_dir.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        if "x-table" in schema:
            specs[schema["x-table"]] = table_spec(schema)
    if "sources" in specs:
        specs["sources"] = _with_column(specs["sources"], column_from_property("is_in_registry", IS_IN_REGISTRY))
    year = specs.get("documents") and specs["documents"].schema["properties"].get(PARTITION_COLUMN)
    for name in PARTITIONED:
        if year and name in specs and PARTITION_COLUMN not in specs[name].column_names:
            prop = dict(year)
            prop["description"] = (
                f"Copied from the document's {PARTITION_COLUMN} (the table is split by it): "
                + year.get("description", "")
            )
            prop["x-description-zh"] = f"取自所属文档的 {PARTITION_COLUMN}（本表按其拆分）：" + year.get(
                "x-description-zh", ""
            )
            specs[name] = _with_column(specs[name], column_from_property(PARTITION_COLUMN, prop))
    return specs


def _with_column(spec: TableSpec, column) -> TableSpec:
    return replace(spec, columns=spec.columns + (column,))


def arrow_schema(name: str, schemas_dir: Path | None = None) -> pa.Schema:
    """The Arrow schema of table ``name`` (``documents``, ``metrics``, ...) as written to Parquet."""
    specs = load_specs(schemas_dir)
    if name not in specs:
        raise KeyError(f"no schema declares x-table {name!r} (known: {', '.join(sorted(specs))})")
    return specs[name].arrow_schema()


# -- assembling rows ----------------------------------------------------------------------------


@dataclass
class LoadInputs:
    staged: Iterable[dict]  # a list, or StagedFiles (read again on each pass)
    registry: list[dict]
    fetches: list[dict] = field(default_factory=list)
    catalog: list[dict] = field(default_factory=list)
    region_table: Callable[[int], list[dict]] | None = None
    extra_quarantine: list[dict] = field(default_factory=list)
    # Staged results whose sections and metrics need no second validation: normalize validated
    # them against schema files that have not changed since (see ``staged_since_schemas``).
    prevalidated: set[str] = field(default_factory=set)


def with_source_flags(document: dict, source: dict | None) -> dict:
    """A document from a registry source marked ``is_synthetic`` is synthetic whatever the parser said."""
    if source and source.get("is_synthetic") and not document.get("is_synthetic"):
        return {**document, "is_synthetic": True}
    return document


def quarantine_id(row: dict) -> str:
    parts = [row.get(k) for k in ("stage", "schema", "source_id", "doc_id", "record_id", "reason", "record_json")]
    joined = "\n".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def _doc_id_for(source_id: str, snapshot_sha256: str) -> str:
    # The id scheme of docs/DEVELOPING.md (also flows.normalize.document.doc_id_for).
    return hashlib.sha256(f"{source_id}\n{snapshot_sha256}".encode()).hexdigest()[:16]


def pick_latest(staged: Iterable[dict], fetches: list[dict]) -> tuple[list[dict], list[dict]]:
    """Per source, the staged result to load (latest snapshot that parsed into a document) and the
    results whose quarantine rows still matter (that one and newer snapshots that failed to parse).

    "Latest" is the position of the snapshot's last fetch in the append-only manifest; snapshots the
    manifest does not know rank below every known one, ties by doc_id."""
    last_seen: dict[str, int] = {}
    for position, row in enumerate(fetches):
        if row.get("source_id") and row.get("snapshot_sha256"):
            last_seen[_doc_id_for(row["source_id"], row["snapshot_sha256"])] = position
    by_source: dict[str, list[dict]] = defaultdict(list)
    for result in staged:
        by_source[result["source_id"]].append(result)
    loaded, kept = [], []
    for source_id in sorted(by_source):
        results = sorted(by_source[source_id], key=lambda r: (last_seen.get(r["doc_id"], -1), r["doc_id"]))
        parsed = [r for r in results if r.get("document")]
        chosen = parsed[-1] if parsed else None
        if chosen is not None:
            loaded.append(chosen)
            kept.extend(results[results.index(chosen) :])
        else:
            kept.extend(results[-1:])
    return loaded, kept


class _Validators:
    def __init__(self, specs: dict[str, TableSpec]):
        from flows.core.contracts import Checker

        self._checkers = {name: Checker(spec.schema) for name, spec in specs.items()}

    def problems(self, table: str, record: dict) -> list[str]:
        found = []
        for error in self._checkers[table].violations(record):
            where = "/".join(str(p) for p in error.absolute_path) or "(record)"
            found.append(f"{where}: {error.message[:300]}")
        return found


def _quarantine_row(
    *, stage: str, schema: str | None, reason: str, source_id=None, doc_id=None, record_id=None, record=None
) -> dict:
    return {
        "stage": stage,
        "schema": schema,
        "source_id": source_id,
        "doc_id": doc_id,
        "record_id": record_id,
        "reason": reason,
        "record_json": json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
        if record is not None
        else None,
    }


def _schema_name(spec: TableSpec) -> str:
    """``document`` for ``https://.../document.schema.json``: the name contracts and quarantine use."""
    return spec.schema.get("$id", spec.name).rsplit("/", 1)[-1].removesuffix(".schema.json")


def _region_fk(specs: dict[str, TableSpec]) -> dict:
    """The documents' foreign key into ``regions``."""
    fks = specs["documents"].foreign_keys if "documents" in specs else ()
    return next(
        (fk for fk in fks if fk["reference"]["table"] == "regions"),
        {"fields": ["region_code"], "reference": {"table": "regions", "fields": ["region_code"]}},
    )


def _region_key_fields(specs: dict[str, TableSpec]) -> list[str]:
    return list(_region_fk(specs)["fields"])


def _region_rows(specs: dict[str, TableSpec], documents: list[dict], region_table) -> list[dict]:
    """The code-table rows the documents point at, and their ancestors (via the regions table's
    self-referencing foreign key, when its schema declares one), from the code table of each
    document's report year; a code that table lacks (a year outside the tables' range) is taken from
    its latest run in ``region_table(None)``."""
    if "regions" not in specs or region_table is None:
        return []
    spec = specs["regions"]
    doc_fk = _region_fk(specs)
    doc_fields, region_fields = doc_fk["fields"], doc_fk["reference"]["fields"]
    parents = [fk for fk in spec.foreign_keys if fk["reference"]["table"] == "regions"]
    wanted: dict[int | None, set] = defaultdict(set)
    for document in documents:
        key = tuple(document.get(f) for f in doc_fields)
        if all(v is not None for v in key):
            wanted[document.get(PARTITION_COLUMN)].add(key)

    def index_of(rows: list[dict], fields) -> dict[tuple, dict]:
        return {tuple(r.get(f) for f in fields): r for r in rows}  # later rows (newer runs) win

    fallback: dict[tuple, dict] | None = None
    rows: dict[tuple, dict] = {}
    for year in sorted(wanted, key=lambda y: (y is None, y or 0)):
        table = list(region_table(year)) if year is not None else []
        by_key = index_of(table, region_fields)
        by_parent_key = [index_of(table, fk["reference"]["fields"]) for fk in parents]
        todo = list(wanted[year])
        while todo:
            key = todo.pop()
            row = by_key.get(key)
            if row is None:
                fallback = index_of(list(region_table(None)), region_fields) if fallback is None else fallback
                row = fallback.get(key)
            if row is None:
                continue
            pk = tuple(row.get(k) for k in spec.primary_key)
            if pk in rows:
                continue
            rows[pk] = row
            for fk, index in zip(parents, by_parent_key):
                parent_key = tuple(row.get(f) for f in fk["fields"])
                parent = index.get(parent_key) if all(v is not None for v in parent_key) else None
                if parent is not None:
                    todo.append(tuple(parent.get(f) for f in region_fields))
    return list(rows.values())


CHUNK_DOCUMENTS = 1_000  # documents per chunk of rows held at once by the load (a row group per chunk)
# DuckDB takes up to 80 % of the machine's memory by default; the load's own peak (a chunk of rows,
# ~200 MB) plus this bound keeps the whole load under the 1.5 GB the pipeline is held to. Beyond it
# DuckDB spills to a temporary directory beside the warehouse.
DUCKDB_MEMORY_LIMIT = "512MB"


@dataclass
class Assembled:
    tables: dict[str, list[dict]]  # every table but the partitioned ones, whose rows went to Parquet
    notices: list[str]
    counts: dict[str, int]
    rows_by_year: dict[str, dict[str, int]]


def _light(result: dict) -> dict:
    """What ``pick_latest`` needs of a staged result (never its text, sections or metrics)."""
    return {
        "doc_id": result["doc_id"],
        "source_id": result["source_id"],
        "document": True if result.get("document") else None,
        "quarantine": result.get("quarantine") or [],
    }


def _in_doc_order(staged: Iterable[dict]) -> Iterable[dict]:
    """Staged results by doc_id: ``StagedFiles`` reads them in that order; a list is sorted."""
    return sorted(staged, key=lambda r: r["doc_id"]) if isinstance(staged, list) else staged


class StagedFiles:
    """The staged results under a warehouse, read from disk on every pass (doc_id order) and never
    all held in memory."""

    def __init__(self, warehouse_dir: Path):
        self.warehouse_dir = Path(warehouse_dir)

    def __iter__(self):
        return iter_staged(self.warehouse_dir)


class _PartitionWriter:
    """One partitioned dataset written as its rows arrive, one file per report year. Chunks arrive in
    doc_id order and every section and metric id starts with its doc_id, so sorting each chunk keeps
    each file in primary-key order (checked: an out-of-order chunk raises)."""

    def __init__(self, spec: TableSpec, directory: Path, code_version: str):
        self.spec, self.directory = spec, Path(directory)
        self.directory.mkdir(parents=True)
        self.metadata = file_metadata(spec, code_version)
        self.key = _sort_key(spec)
        self.writers: dict = {}
        self.last: dict = {}

    def write(self, rows: list[dict]) -> None:
        groups: dict = defaultdict(list)
        for row in rows:
            groups[row.get(PARTITION_COLUMN)].append(row)
        for year, group in groups.items():
            group.sort(key=self.key)
            if year in self.last and self.key(group[0]) < self.last[year]:
                raise ValueError(
                    f"{self.spec.name}: rows out of primary-key order across documents "
                    f"at {group[0].get(self.spec.primary_key[0])!r}"
                )
            self.last[year] = self.key(group[-1])
            writer = self.writers.get(year)
            if writer is None:
                target = self.directory / (NULL_PARTITION if year is None else str(year))
                target.mkdir()
                writer = self.writers[year] = pq.ParquetWriter(
                    target / PART_NAME, self.spec.arrow_schema(self.metadata), compression="zstd", write_statistics=True
                )
            writer.write_table(self.spec.to_arrow(group, self.metadata), row_group_size=ROW_GROUP_ROWS)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def stream_tables(
    specs: dict[str, TableSpec],
    inputs: LoadInputs,
    incoming: Path,
    *,
    code_version: str,
    previous_sources: list[dict] = (),
) -> Assembled:
    """Latest document per source, its sections and metrics validated again (schemas may have moved
    since the page was parsed), written to ``incoming/<table>`` in chunks of ``CHUNK_DOCUMENTS``
    documents; and, returned whole, the rows of every other table but ``runs``: sources including
    those removed from the registry, fetches, the catalog, the region code rows used, quarantine with
    stable ids. Two passes over ``inputs.staged``: the first keeps only ids, the second the chunk."""
    notices: list[str] = []
    quarantine: list[dict] = list(inputs.extra_quarantine)
    validators = _Validators({n: specs[n] for n in ("documents", "sections", "metrics") if n in specs})

    registry = {s["source_id"]: {**s, "is_in_registry": True} for s in inputs.registry}
    removed = {}
    for row in previous_sources:
        if row["source_id"] not in registry:
            removed[row["source_id"]] = {**row, "is_in_registry": False}
    if removed:
        notices.append(
            f"{len(removed)} source(s) no longer in the registry keep their documents and history "
            f"(sources.is_in_registry = false): {', '.join(sorted(removed))}"
        )
    sources = list(registry.values()) + list(removed.values())

    loaded, kept = pick_latest((_light(r) for r in inputs.staged), inputs.fetches)
    for result in kept:
        quarantine.extend(result["quarantine"])
    loaded_ids = {r["doc_id"] for r in loaded}

    streamed = [name for name in PARTITIONED if name in specs]
    writers = {name: _PartitionWriter(specs[name], incoming / name, code_version) for name in streamed}
    counts: Counter = Counter({name: 0 for name in streamed})
    counts.update({"report_documents": 0, "canonical_metrics": 0})
    by_year: dict[str, Counter] = {name: Counter() for name in streamed}
    region_fields = [*_region_key_fields(specs), PARTITION_COLUMN]
    region_keys: list[dict] = []
    chunk: dict[str, list[dict]] = {name: [] for name in PARTITIONED}
    held = 0

    def flush() -> None:
        for name in streamed:
            if chunk[name]:
                writers[name].write(chunk[name])
            chunk[name] = []

    try:
        for result in _in_doc_order(inputs.staged):
            if result["doc_id"] not in loaded_ids:
                continue
            source_id = result["source_id"]
            document = with_source_flags(result["document"], registry.get(source_id) or removed.get(source_id))
            problems = validators.problems("documents", document)
            if problems:
                quarantine.append(
                    _quarantine_row(
                        stage="load:document",
                        schema=_schema_name(specs["documents"]),
                        reason="; ".join(problems),
                        source_id=source_id,
                        doc_id=document.get("doc_id"),
                        record_id=document.get("doc_id"),
                        record=document,
                    )
                )
                for table, key in (("sections", "section_id"), ("metrics", "metric_id")):
                    for row in result.get(table) or []:
                        quarantine.append(
                            _quarantine_row(
                                stage=f"load:{_schema_name(specs[table])}",
                                schema=_schema_name(specs[table]),
                                reason="document quarantined",
                                source_id=source_id,
                                doc_id=document.get("doc_id"),
                                record_id=row.get(key),
                                record=row,
                            )
                        )
                continue
            year = document.get(PARTITION_COLUMN)
            chunk["documents"].append(document)
            region_keys.append({f: document.get(f) for f in region_fields})
            counts["report_documents"] += bool(document.get("is_report"))
            trusted = result["doc_id"] in inputs.prevalidated
            for table, key in (("sections", "section_id"), ("metrics", "metric_id")):
                for row in result.get(table) or []:
                    problems = [] if trusted else validators.problems(table, row)
                    if problems:
                        quarantine.append(
                            _quarantine_row(
                                stage=f"load:{_schema_name(specs[table])}",
                                schema=_schema_name(specs[table]),
                                reason="; ".join(problems),
                                source_id=source_id,
                                doc_id=row.get("doc_id"),
                                record_id=row.get(key),
                                record=row,
                            )
                        )
                    else:
                        chunk[table].append({**row, PARTITION_COLUMN: year})
                        counts["canonical_metrics"] += bool(table == "metrics" and row.get("metric_code"))
            held += 1
            if held >= CHUNK_DOCUMENTS:
                _tally(chunk, streamed, counts, by_year)
                flush()
                held = 0
        _tally(chunk, streamed, counts, by_year)
        flush()
    finally:
        for writer in writers.values():
            writer.close()

    unique_quarantine = {}
    for row in quarantine:
        row = {**row, "quarantine_id": quarantine_id(row)}
        unique_quarantine[row["quarantine_id"]] = row
    tables = {
        "sources": sources,
        "fetches": list(inputs.fetches),
        "metric_catalog": list(inputs.catalog),
        "regions": _region_rows(specs, region_keys, inputs.region_table),
        "quarantine": list(unique_quarantine.values()),
    }
    tables = {name: rows for name, rows in tables.items() if name in specs}
    sizes = {name: len(rows) for name, rows in tables.items()}
    ordered = {
        name: sizes[name] if name in sizes else counts[name]
        for name in ("sources", "fetches", "metric_catalog", "regions", *PARTITIONED, "quarantine")
        if name in sizes or name in streamed
    }
    ordered["report_documents"] = counts["report_documents"]
    ordered["canonical_metrics"] = counts["canonical_metrics"]
    ordered["sources_not_in_registry"] = sum(1 for s in sources if s.get("is_in_registry") is False)
    rows_by_year = {name: dict(sorted(by_year[name].items())) for name in streamed}
    return Assembled(tables=tables, notices=notices, counts=ordered, rows_by_year=rows_by_year)


def _tally(chunk: dict[str, list[dict]], names: list[str], counts: Counter, by_year: dict[str, Counter]) -> None:
    for name in names:
        counts[name] += len(chunk[name])
        by_year[name].update(
            "null" if r.get(PARTITION_COLUMN) is None else str(r[PARTITION_COLUMN]) for r in chunk[name]
        )


# -- Parquet ------------------------------------------------------------------------------------


def _sort_key(spec: TableSpec):
    keys = spec.primary_key or tuple(spec.column_names)
    if len(keys) == 1 and spec.column(keys[0]).kind == "string" and not spec.column(keys[0]).nullable:
        return operator.itemgetter(keys[0])  # the common case (doc_id, section_id, metric_id): no tuples
    return lambda row: tuple((row.get(k) is None, row.get(k) if row.get(k) is not None else 0) for k in keys)


def file_metadata(spec: TableSpec, code_version: str) -> dict[str, str]:
    return {
        "fazhi.table": spec.name,
        "fazhi.code_version": code_version,
        "fazhi.schema_version": spec.schema_version,
        "fazhi.primary_key": json.dumps(list(spec.primary_key)),
        "fazhi.description": spec.comment,
    }


def write_dataset(
    spec: TableSpec, rows: list[dict], directory: Path, *, code_version: str, partition_by: str | None = None
) -> list[Path]:
    """Write ``rows`` as the dataset ``directory`` (created; must not exist). One file per partition,
    rows sorted by primary key. An unpartitioned dataset always has its file (schema even when empty)."""
    directory = Path(directory)
    directory.mkdir(parents=True)
    groups: dict = defaultdict(list)
    for row in rows:
        groups[row.get(partition_by) if partition_by else None].append(row)
    if not partition_by and not groups:
        groups[None] = []
    metadata = file_metadata(spec, code_version)
    written = []
    for key in sorted(groups, key=lambda k: (k is None, k if k is not None else 0)):
        target = directory
        if partition_by:
            target = directory / (NULL_PARTITION if key is None else str(key))
            target.mkdir()
        table = spec.to_arrow(sorted(groups[key], key=_sort_key(spec)), metadata)
        path = target / PART_NAME
        pq.write_table(table, path, compression="zstd", row_group_size=ROW_GROUP_ROWS, write_statistics=True)
        written.append(path)
    return written


def parquet_files(directory: Path) -> list[Path]:
    return sorted(Path(directory).rglob("*.parquet")) if Path(directory).is_dir() else []


def read_dataset(spec: TableSpec, directory: Path) -> list[dict]:
    """Rows of an existing dataset as the loader builds them (JSON columns decoded again)."""
    json_columns = [c.name for c in spec.columns if c.kind == "json"]
    rows = []
    for path in parquet_files(directory):
        for row in pq.ParquetFile(path).read().to_pylist():
            for name in json_columns:
                if isinstance(row.get(name), str):
                    row[name] = json.loads(row[name])
            rows.append(row)
    return rows


def _same_files(a: Path, b: Path) -> bool:
    files_a = [p.relative_to(a) for p in parquet_files(a)]
    files_b = [p.relative_to(b) for p in parquet_files(b)]
    return files_a == files_b and all((a / p).read_bytes() == (b / p).read_bytes() for p in files_a)


def swap_in(new: Path, final: Path) -> bool:
    """Replace dataset ``final`` by ``new``; False (and ``new`` removed) when the bytes are the same."""
    if final.is_dir() and _same_files(new, final):
        shutil.rmtree(new)
        return False
    aside = final.with_name(f".old-{final.name}")
    if aside.exists():
        shutil.rmtree(aside)
    if final.exists():
        os.rename(final, aside)
    crash_point("load-swap")
    os.rename(new, final)
    shutil.rmtree(aside, ignore_errors=True)
    return True


def recover_interrupted(parquet_dir: Path) -> None:
    """Undo what a killed load left: a dataset renamed aside but not replaced comes back; temp dirs go."""
    if not parquet_dir.is_dir():
        return
    for aside in parquet_dir.glob(".old-*"):
        final = parquet_dir / aside.name.removeprefix(".old-")
        if final.exists():
            shutil.rmtree(aside)
        else:
            os.rename(aside, final)
    for incoming in parquet_dir.glob(".incoming-*"):
        shutil.rmtree(incoming, ignore_errors=True)


# -- DuckDB -------------------------------------------------------------------------------------


def _insert_order(specs: dict[str, TableSpec]) -> list[TableSpec]:
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise ValueError(f"foreign keys form a cycle through {name}")
        visiting.add(name)
        for fk in specs[name].foreign_keys:
            parent = fk["reference"]["table"]
            if parent not in specs:
                raise ValueError(f"{name}: foreign key references table {parent!r}, which no schema declares")
            if parent != name:
                visit(parent)
        visiting.discard(name)
        order.append(name)

    for name in sorted(specs):
        visit(name)
    return [specs[name] for name in order]


def declarable_foreign_keys(spec: TableSpec, specs: dict[str, TableSpec]) -> list[dict]:
    """The foreign keys DuckDB can enforce: those referencing the other table's whole primary key.
    Others (e.g. a code against a table keyed by code and validity years) are only checked."""
    return [
        fk
        for fk in spec.foreign_keys
        if fk["reference"]["table"] in specs
        and set(fk["reference"]["fields"]) == set(specs[fk["reference"]["table"]].primary_key)
    ]


def create_table_sql(spec: TableSpec, *, foreign_keys: list[dict] | None = None, constraints: bool = True) -> str:
    lines = [
        f"{quote(c.name)} {c.duckdb_type}" + ("" if c.nullable or not constraints else " NOT NULL")
        for c in spec.columns
    ]
    if constraints and spec.primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(quote(k) for k in spec.primary_key)})")
    if constraints:
        for fk in spec.foreign_keys if foreign_keys is None else foreign_keys:
            lines.append(
                f"FOREIGN KEY ({', '.join(quote(f) for f in fk['fields'])}) REFERENCES "
                f"{quote(fk['reference']['table'])} ({', '.join(quote(f) for f in fk['reference']['fields'])})"
            )
    return f"CREATE TABLE {quote(spec.name)} (\n  " + ",\n  ".join(lines) + "\n)"


def _read_parquet_sql(spec: TableSpec, files: list[Path]) -> str:
    paths = ", ".join(literal(str(p)) for p in files)
    columns = ", ".join(quote(c) for c in spec.column_names)
    return f"SELECT {columns} FROM read_parquet([{paths}], hive_partitioning = false)"


def _insert(con, spec: TableSpec, files: list[Path], foreign_keys: list[dict]) -> None:
    if not files:
        return
    source = _read_parquet_sql(spec, files)
    self_fks = [fk for fk in foreign_keys if fk["reference"]["table"] == spec.name]
    if not self_fks:
        con.execute(f"INSERT INTO {quote(spec.name)} {source}")
        return
    # DuckDB checks a self-reference against rows present before the statement, so a tree goes in
    # generation by generation: roots, then rows whose parents are in, until nothing moves.
    target = quote(spec.name)
    same_key = " AND ".join(f"t.{quote(k)} = s.{quote(k)}" for k in spec.primary_key)
    ready = " AND ".join(
        "(" + " OR ".join(f"s.{quote(f)} IS NULL" for f in fk["fields"]) + " OR EXISTS (SELECT 1 FROM "
        f"{target} AS p WHERE "
        + " AND ".join(f"p.{quote(pf)} = s.{quote(f)}" for f, pf in zip(fk["fields"], fk["reference"]["fields"]))
        + "))"
        for fk in self_fks
    )
    while True:
        inserted = con.execute(
            f"INSERT INTO {target} SELECT s.* FROM ({source}) AS s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE {same_key}) AND {ready}"
        ).fetchone()[0]
        if not inserted:
            break


def _comment(con, spec: TableSpec) -> None:
    con.execute(f"COMMENT ON TABLE {quote(spec.name)} IS {literal(spec.comment)}")
    for column in spec.columns:
        con.execute(f"COMMENT ON COLUMN {quote(spec.name)}.{quote(column.name)} IS {literal(column.comment)}")


def _connect_bounded(database: str, spill_dir: Path):
    """A DuckDB connection held to ``DUCKDB_MEMORY_LIMIT``, spilling into ``spill_dir``."""
    con = duckdb.connect(database)
    con.execute(f"SET memory_limit = {literal(DUCKDB_MEMORY_LIMIT)}")
    con.execute(f"SET temp_directory = {literal(str(spill_dir))}")
    return con


def build_duckdb(db_path: Path, specs: dict[str, TableSpec], dataset_dirs: dict[str, Path]) -> None:
    """Build the warehouse into a fresh file beside ``db_path`` and rename it into place: tables with
    the schemas' keys and comments, filled from the Parquet datasets, then the views. On any error
    the old file is untouched."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    building = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    # Ours, or a killed load's: callers hold the run lock, so no other load is building.
    for leftover in db_path.parent.glob(f".{db_path.name}.building-*"):
        if leftover.is_dir():  # a spill directory
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    try:
        con = _connect_bounded(str(building), building.with_name(building.name + ".spill"))
        try:
            con.execute("BEGIN TRANSACTION")
            for spec in _insert_order(specs):
                foreign_keys = declarable_foreign_keys(spec, specs)
                con.execute(create_table_sql(spec, foreign_keys=foreign_keys))
                files = parquet_files(dataset_dirs[spec.name]) if spec.name in dataset_dirs else []
                _insert(con, spec, files, foreign_keys)
                _comment(con, spec)
            create_views(con, specs)
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        crash_point("load-db-rename")
        os.replace(building, db_path)
    finally:
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(building.with_name(building.name + ".spill"), ignore_errors=True)


def check_datasets(
    specs: dict[str, TableSpec], dataset_dirs: dict[str, Path], *, spill_dir: Path | None = None, **options
) -> None:
    """Run the data checks on written (not yet swapped-in) datasets; raises ``DataCheckError``.
    DuckDB spills into ``spill_dir`` (default: a temporary directory) when a check needs more memory
    than it may take."""
    with tempfile.TemporaryDirectory(prefix="fazhi-check-", dir=spill_dir) as spill:
        con = _connect_bounded(":memory:", Path(spill))
        try:
            _check_views(con, specs, dataset_dirs, **options)
        finally:
            con.close()


def _check_views(con, specs: dict[str, TableSpec], dataset_dirs: dict[str, Path], **options) -> None:
    for spec in specs.values():
        files = parquet_files(dataset_dirs.get(spec.name, Path("/nonexistent")))
        if files:  # a view, not a copy: the checks scan the files, nothing is held in memory
            con.execute(f"CREATE VIEW {quote(spec.name)} AS {_read_parquet_sql(spec, files)}")
        else:
            con.execute(create_table_sql(spec, constraints=False))
    run_checks(con, specs, **options)


# -- runs ---------------------------------------------------------------------------------------


def run_row(
    spec: TableSpec, run: dict, counts: dict[str, int], by_year: dict, *, allow_drop: bool, finished_at: str
) -> dict:
    """The ``runs`` row of this load: what the caller knows about the run, plus the load's counts
    (each ``<name>_count`` column of the run schema takes ``counts[name]``)."""
    row = {name: run.get(name) for name in spec.column_names}
    row["started_at"] = run.get("started_at") or finished_at
    row["finished_at"] = run.get("finished_at") or finished_at
    row["code_version"] = run.get("code_version") or __version__
    row["is_drop_allowed"] = bool(allow_drop)
    row["stage_counts"] = dict(run.get("counts") or {})
    row["rows_by_year"] = by_year
    for name in spec.column_names:
        if name.endswith("_count"):
            row[name] = counts.get(name.removesuffix("_count"), 0)
    return row


def _previous_run(runs: list[dict], run_id: str) -> dict | None:
    earlier = [r for r in runs if r.get("run_id") != run_id]
    return max(earlier, key=lambda r: (str(r.get("finished_at")), r["run_id"])) if earlier else None


# -- the load -----------------------------------------------------------------------------------


def load_tables(
    inputs: LoadInputs,
    *,
    warehouse_dir: Path,
    run: dict,
    allow_drop: bool = False,
    progress: Progress = None,
    specs: dict[str, TableSpec] | None = None,
    drop_threshold: float = DEFAULT_DROP_THRESHOLD,
) -> dict:
    """Assemble, write, check and swap in every dataset and the DuckDB warehouse; counts per table."""
    say = progress or (lambda message: None)
    specs = specs or load_specs()
    warehouse_dir = Path(warehouse_dir)
    parquet_dir = warehouse_dir / PARQUET_DIR
    with run_lock(warehouse_dir):  # one load at a time: a second one would race on the renames
        recover_interrupted(parquet_dir)
        # Tables about to change: the inputs digest of the last load no longer describes them.
        (warehouse_dir / FINGERPRINT_NAME).unlink(missing_ok=True)
        previous_sources = read_dataset(specs["sources"], parquet_dir / "sources") if "sources" in specs else []
        previous_runs = read_dataset(specs["runs"], parquet_dir / "runs") if "runs" in specs else []

        code_version = run.get("code_version") or __version__
        incoming = parquet_dir / f".incoming-{os.getpid()}"
        if incoming.exists():
            shutil.rmtree(incoming)
        try:
            say("load: writing documents, sections and metrics")
            assembled = stream_tables(
                specs, inputs, incoming, code_version=code_version, previous_sources=previous_sources
            )
            for notice in assembled.notices:
                log.warning("%s", notice)
                say(f"load: notice: {notice}")
            tables = assembled.tables
            counts, by_year = assembled.counts, assembled.rows_by_year
            finished_at = datetime.now(UTC).isoformat(timespec="seconds")
            if "runs" in specs:
                this_run = run_row(specs["runs"], run, counts, by_year, allow_drop=allow_drop, finished_at=finished_at)
                problems = _Validators({"runs": specs["runs"]}).problems("runs", this_run)
                if problems:
                    raise ValueError(f"runs row does not match schemas/run.schema.json: {'; '.join(problems)}")
                tables["runs"] = [r for r in previous_runs if r["run_id"] != this_run["run_id"]] + [this_run]
                counts["runs"] = len(tables["runs"])
            previous = _previous_run(previous_runs, run.get("run_id"))
            dirs = {name: incoming / name for name in PARTITIONED if name in specs}
            for name, rows in tables.items():
                say(f"load: writing {name} ({len(rows)} rows)")
                dirs[name] = incoming / name
                write_dataset(specs[name], rows, dirs[name], code_version=code_version)
            say("load: checking")
            check_datasets(
                specs,
                dirs,
                spill_dir=incoming,
                rows_by_year=by_year,
                previous_rows_by_year=previous.get("rows_by_year") if previous else None,
                previous_run_id=previous.get("run_id") if previous else None,
                allow_drop=allow_drop,
                drop_threshold=drop_threshold,
            )
            say("load: building the DuckDB warehouse")
            build_duckdb(warehouse_dir / DB_NAME, specs, dirs)
            for name, directory in dirs.items():
                swap_in(directory, parquet_dir / name)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
    say(
        f"load: {counts.get('documents', 0)} documents, {counts.get('sections', 0)} sections, "
        f"{counts.get('metrics', 0)} metrics, {counts.get('quarantine', 0)} quarantined"
    )
    return counts


def staged_since_schemas(
    warehouse_dir: Path, staged: Iterable[dict] | None, specs: dict[str, TableSpec], schemas_dir: Path | None = None
) -> set[str]:
    """doc_ids of staged files (of ``staged``; None: every staged file, found by name without
    reading it) written after the last change to the section and metric schemas.

    Normalize validates every record before staging it, so such files need not be validated again
    (a second validation costs ~0.2 ms a record: minutes on a full corpus). A schema edited after a
    file was staged makes that file's records go through validation at load."""
    schemas_dir = Path(schemas_dir or SCHEMAS_DIR)
    stems = [_schema_name(specs[t]) for t in ("sections", "metrics") if t in specs]
    newest_schema = max((schemas_dir / f"{stem}.schema.json").stat().st_mtime for stem in stems) if stems else 0
    root = staging_dir(Path(warehouse_dir))
    if staged is None:
        paths = [p for p in root.glob("*/*.json") if not p.name.startswith(".")] if root.is_dir() else []
    else:
        paths = [staged_path(Path(warehouse_dir), result["doc_id"]) for result in staged]
    return {path.stem for path in paths if path.is_file() and path.stat().st_mtime > newest_schema}


# -- the no-change fast path ---------------------------------------------------------------------

FINGERPRINT_NAME = ".load-inputs.json"


def inputs_fingerprint(warehouse_dir: Path, raw_dir: Path, *, code_version: str, allow_drop: bool) -> str:
    """A digest of everything a load reads: the staged files (name, size, mtime), the registry and
    manifest bytes, the catalog, the schemas, the region index and the code version. Equal digests
    mean a rebuild would write the same tables."""
    from flows.normalize.catalog import CATALOG_PATH

    digest = hashlib.sha256(f"{code_version}\n{bool(allow_drop)}\n".encode())
    files = [Path(raw_dir) / name for name in (layout.REGISTRY, layout.DISCOVERED, layout.MANIFEST)]
    files.append(Path(CATALOG_PATH))
    files += sorted(Path(SCHEMAS_DIR).glob("*.json"))
    files += sorted(DATA_DIR.glob("*"))
    for path in files:
        digest.update(f"{path.name}\n".encode())
        if path.is_file():
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    root = staging_dir(Path(warehouse_dir))
    for entry in sorted(root.glob("*/*.json")) if root.is_dir() else []:
        if not entry.name.startswith("."):
            stat = entry.stat()
            digest.update(f"{entry.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _read_fingerprint(warehouse_dir: Path) -> dict | None:
    try:
        return json.loads((Path(warehouse_dir) / FINGERPRINT_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def _write_fingerprint(warehouse_dir: Path, fingerprint: str, counts: dict) -> None:
    payload = json.dumps({"fingerprint": fingerprint, "counts": counts}, sort_keys=True)
    write_atomic(Path(warehouse_dir) / FINGERPRINT_NAME, payload.encode("utf-8"), suffix=".json")


def _warehouse_complete(warehouse_dir: Path, specs: dict[str, TableSpec]) -> bool:
    parquet_dir = Path(warehouse_dir) / PARQUET_DIR
    return (Path(warehouse_dir) / DB_NAME).is_file() and all(
        parquet_files(parquet_dir / name) for name in specs if name not in PARTITIONED
    )


def record_unchanged_run(
    *,
    warehouse_dir: Path,
    run: dict,
    allow_drop: bool,
    saved: dict,
    specs: dict[str, TableSpec],
    progress: Progress = None,
) -> dict:
    """A load whose inputs are those of the last successful one: the tables stay as they are; only
    this run's row is added to ``runs`` (its Parquet dataset, and the warehouse's table in one
    transaction). Returns the counts of that load."""
    say = progress or (lambda message: None)
    warehouse_dir = Path(warehouse_dir)
    parquet_dir = warehouse_dir / PARQUET_DIR
    counts = dict(saved["counts"])
    if "runs" not in specs:
        return counts
    previous_runs = read_dataset(specs["runs"], parquet_dir / "runs")
    previous = _previous_run(previous_runs, run.get("run_id"))  # the last load: same tables, same counts
    finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    this_run = run_row(
        specs["runs"],
        run,
        counts,
        previous.get("rows_by_year") if previous else {},
        allow_drop=allow_drop,
        finished_at=finished_at,
    )
    problems = _Validators({"runs": specs["runs"]}).problems("runs", this_run)
    if problems:
        raise ValueError(f"runs row does not match schemas/run.schema.json: {'; '.join(problems)}")
    runs = [r for r in previous_runs if r["run_id"] != this_run["run_id"]] + [this_run]
    counts["runs"] = len(runs)
    incoming = parquet_dir / f".incoming-{os.getpid()}"
    if incoming.exists():
        shutil.rmtree(incoming)
    try:
        write_dataset(specs["runs"], runs, incoming / "runs", code_version=run.get("code_version") or __version__)
        con = duckdb.connect(str(warehouse_dir / DB_NAME))
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(f"DELETE FROM {quote('runs')}")
            con.execute(
                f"INSERT INTO {quote('runs')} {_read_parquet_sql(specs['runs'], parquet_files(incoming / 'runs'))}"
            )
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        swap_in(incoming / "runs", parquet_dir / "runs")
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    say(
        f"load: inputs unchanged since the last load: tables kept, run recorded "
        f"({counts.get('documents', 0)} documents)"
    )
    return counts


def load_warehouse(
    *, warehouse_dir: Path, raw_dir: Path, run: dict, allow_drop: bool = False, progress: Progress = None
) -> dict:
    """Load everything staged under ``warehouse_dir`` plus the registry and manifest under ``raw_dir``,
    the metric catalog and the region code tables. Returns row counts per table (and
    ``report_documents``, ``canonical_metrics``, ``sources_not_in_registry``). Raises
    ``DataCheckError`` (nothing replaced) when a data check fails.

    When nothing the load reads has changed since the last successful load (``inputs_fingerprint``)
    the tables are kept and only the run is recorded."""
    specs = load_specs()
    with run_lock(Path(warehouse_dir)):
        recover_interrupted(Path(warehouse_dir) / PARQUET_DIR)
        fingerprint = inputs_fingerprint(
            warehouse_dir, raw_dir, code_version=run.get("code_version") or __version__, allow_drop=allow_drop
        )
        saved = _read_fingerprint(warehouse_dir)
        if saved and saved.get("fingerprint") == fingerprint and _warehouse_complete(warehouse_dir, specs):
            return record_unchanged_run(
                warehouse_dir=warehouse_dir, run=run, allow_drop=allow_drop, saved=saved, specs=specs, progress=progress
            )
        counts = _load_all(
            warehouse_dir=warehouse_dir, raw_dir=raw_dir, run=run, allow_drop=allow_drop, progress=progress, specs=specs
        )
        _write_fingerprint(warehouse_dir, fingerprint, {k: v for k, v in counts.items() if k != "runs"})
        return counts


def _load_all(
    *, warehouse_dir: Path, raw_dir: Path, run: dict, allow_drop: bool, progress: Progress, specs: dict[str, TableSpec]
) -> dict:
    from flows.fetch.archive import Archive
    from flows.fetch.registry import load_sources
    from flows.normalize.catalog import catalog_rows
    from flows.normalize.regions import region_table

    inputs = LoadInputs(
        staged=StagedFiles(Path(warehouse_dir)),
        registry=list(load_sources(Path(raw_dir) / "sources.yaml")),
        fetches=list(Archive(Path(raw_dir)).rows()),
        catalog=list(catalog_rows()),
        region_table=region_table,
        prevalidated=staged_since_schemas(Path(warehouse_dir), None, specs),
    )
    return load_tables(
        inputs, warehouse_dir=warehouse_dir, run=run, allow_drop=allow_drop, progress=progress, specs=specs
    )
