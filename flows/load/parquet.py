"""The Parquet datasets under ``warehouse/parquet/``: their layout, writing, reading and swapping in.

Layout::

    parquet/<table>/part-0.parquet                 small tables
    parquet/<table>/2022/part-0.parquet            documents, sections, metrics: one directory per report year
    parquet/<table>/unknown/part-0.parquet         rows whose document has no report year

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

Atomicity: a load writes every dataset under ``parquet/.incoming-<pid>/`` (``incoming``) and only
then swaps each one in (``swap_in``: rename the old one aside, rename the new one in); a load killed
between the two renames is repaired by the next one (``recover_interrupted``).
"""

from __future__ import annotations

import json
import operator
import os
import shutil
from collections import defaultdict
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.core.crash_points import crash_point
from flows.load.columns import TableSpec

PARTITIONED = ("documents", "sections", "metrics")
PARTITION_COLUMN = "report_year"
NULL_PARTITION = "unknown"
PART_NAME = "part-0.parquet"
ROW_GROUP_ROWS = 100_000


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


class PartitionWriter:
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


def read_dataset(spec: TableSpec, directory: Path, *, unless: tuple[str, Collection] | None = None) -> list[dict]:
    """Rows of an existing dataset as the loader builds them (JSON columns decoded again).
    ``unless`` = (column, values): only the rows whose column holds none of the values, filtered
    before any row becomes Python objects (the previous ``sources`` of 50,000 rows, when the load
    needs only those no longer in the registry, would cost ~70 MB as dicts)."""
    json_columns = [c.name for c in spec.columns if c.kind == "json" and not c.holds_json_text]
    rows = []
    for path in parquet_files(directory):
        if unless is None:
            table = pq.ParquetFile(path).read()
        else:
            # the key column alone first: a file with nothing to keep is never read whole (the whole
            # sources file of 50,000 rows left ~80 MB in Arrow's memory pool)
            column, values = unless
            keys = pq.ParquetFile(path).read(columns=[column])[column]
            keep = pc.invert(pc.is_in(keys, value_set=pa.array(list(values), keys.type)))
            if not pc.any(keep).as_py():
                continue
            table = pq.ParquetFile(path).read().filter(keep)
        for row in table.to_pylist():
            for name in json_columns:
                if isinstance(row.get(name), str):
                    row[name] = json.loads(row[name])
            rows.append(row)
    pa.default_memory_pool().release_unused()  # what Arrow read is garbage now; give it back
    return rows


@contextmanager
def incoming(parquet_dir: Path) -> Iterator[Path]:
    """This process's empty ``parquet/.incoming-<pid>/`` for the datasets a load writes before they
    are swapped in; removed afterwards, whatever happened."""
    directory = Path(parquet_dir) / f".incoming-{os.getpid()}"
    if directory.exists():
        shutil.rmtree(directory)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


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
    for leftover in parquet_dir.glob(".incoming-*"):
        shutil.rmtree(leftover, ignore_errors=True)
