"""The DuckDB warehouse (``warehouse/fazhi.duckdb``), built from the Parquet datasets.

Atomicity: the database is built into a fresh file beside the old one and renamed over it only when
complete (readers with the old file open keep reading it); a failed build replaces nothing.

Keys: every table is created with the primary key, NOT NULL columns and the foreign keys of its
schema. DuckDB can only enforce a foreign key that references the other table's whole primary key;
one that does not (a region code against ``regions`` keyed by code and validity years) is checked
by the data checks but not declared. A self-reference (``sections.parent_id``) is inserted
generation by generation, since DuckDB checks it against rows present before each statement.

Memory: DuckDB takes up to 80 % of the machine's memory by default, and uses what it is allowed as
cache; ``DUCKDB_MEMORY_LIMIT`` bounds it (the build adds about the limit plus 40 MB to the load's
peak). Beyond it DuckDB spills to a temporary directory beside the warehouse, except for the table
being filled's key index, which must fit: ~300 MB for the sections of 50,000 documents, so 512 MB
leaves room for ~80,000 (bench/RESULTS.md).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from flows.core.crash_points import crash_point
from flows.load.columns import TableSpec, literal, quote
from flows.load.parquet import parquet_files
from flows.load.views import create_views

DUCKDB_MEMORY_LIMIT = "512MB"


def insert_order(specs: dict[str, TableSpec]) -> list[TableSpec]:
    """Parents before children (by the schemas' foreign keys)."""
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
    Others (e.g. a code against a table keyed by code and validity years) are only checked, as are
    those the schema marks ``x-check-only`` (a row referencing itself, which DuckDB refuses)."""
    return [
        fk
        for fk in spec.foreign_keys
        if not fk.get("x-check-only")
        and fk["reference"]["table"] in specs
        and set(fk["reference"]["fields"]) == set(specs[fk["reference"]["table"]].primary_key)
    ]


def create_table_sql(spec: TableSpec, *, foreign_keys: list[dict] | None = None, constraints: bool = True) -> str:
    lines = [c.to_sql(constraints=constraints) for c in spec.columns]
    if constraints and spec.primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(quote(k) for k in spec.primary_key)})")
    if constraints:
        for fk in spec.foreign_keys if foreign_keys is None else foreign_keys:
            lines.append(
                f"FOREIGN KEY ({', '.join(quote(f) for f in fk['fields'])}) REFERENCES "
                f"{quote(fk['reference']['table'])} ({', '.join(quote(f) for f in fk['reference']['fields'])})"
            )
    return f"CREATE TABLE {quote(spec.name)} (\n  " + ",\n  ".join(lines) + "\n)"


def read_parquet_sql(spec: TableSpec, files: list[Path]) -> str:
    """A SELECT of the table's columns, in schema order, from its Parquet files."""
    paths = ", ".join(literal(str(p)) for p in files)
    columns = ", ".join(quote(c) for c in spec.column_names)
    return f"SELECT {columns} FROM read_parquet([{paths}], hive_partitioning = false)"


def _insert(con, spec: TableSpec, files: list[Path], foreign_keys: list[dict]) -> None:
    if not files:
        return
    source = read_parquet_sql(spec, files)
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


def connect_bounded(database: str, spill_dir: Path):
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
        con = connect_bounded(str(building), building.with_name(building.name + ".spill"))
        try:
            # No transaction around the build: the file is new and renamed into place only when whole.
            # Each table committed and checkpointed before the next keeps one table's key index in
            # memory at a time: at 50,000 documents the build then fits in 320 MB, where one
            # transaction for all failed under 320 MB (and ran no faster).
            for spec in insert_order(specs):
                foreign_keys = declarable_foreign_keys(spec, specs)
                con.execute(create_table_sql(spec, foreign_keys=foreign_keys))
                files = parquet_files(dataset_dirs[spec.name]) if spec.name in dataset_dirs else []
                _insert(con, spec, files, foreign_keys)
                _comment(con, spec)
                con.execute("CHECKPOINT")
            create_views(con, specs)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        crash_point("load-db-rename")
        os.replace(building, db_path)
    finally:
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(building.with_name(building.name + ".spill"), ignore_errors=True)


def replace_rows(db_path: Path, spec: TableSpec, dataset_dir: Path) -> None:
    """Replace every row of table ``spec`` in the existing warehouse by those of ``dataset_dir``, in
    one transaction (the no-change load records its run this way)."""
    con = duckdb.connect(str(db_path))
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(f"DELETE FROM {quote(spec.name)}")
        con.execute(f"INSERT INTO {quote(spec.name)} {read_parquet_sql(spec, parquet_files(dataset_dir))}")
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()
