"""The tables the load writes: one ``TableSpec`` per schema with an ``x-table``, plus the two columns
the loader derives (``sources.is_in_registry``; ``report_year`` copied into sections and metrics,
which are split by it)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from flows.core.config import SCHEMAS_DIR
from flows.load.columns import Column, TableSpec, table_spec
from flows.load.parquet import PARTITION_COLUMN, PARTITIONED

# The one column the loader adds to a schema's own: whether the registry still lists the source.
IS_IN_REGISTRY = {
    "title": "Is in the registry",
    "x-title-zh": "是否仍在登记表中",
    "description": "False for a source removed from raw/sources.yaml: kept with its last known fields and its "
    "documents so that removing an entry never deletes history.",
    "x-description-zh": "已从 raw/sources.yaml 移除的来源为假：保留其最后已知的字段及文档，移除登记项不会删除历史。",
    "type": "boolean",
}


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
        specs["sources"] = _with_column(specs["sources"], Column.from_property("is_in_registry", IS_IN_REGISTRY))
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
            specs[name] = _with_column(specs[name], Column.from_property(PARTITION_COLUMN, prop))
    return specs


def _with_column(spec: TableSpec, column: Column) -> TableSpec:
    return replace(spec, columns=spec.columns + (column,))


def arrow_schema(name: str, schemas_dir: Path | None = None) -> pa.Schema:
    """The Arrow schema of table ``name`` (``documents``, ``metrics``, ...) as written to Parquet."""
    specs = load_specs(schemas_dir)
    if name not in specs:
        raise KeyError(f"no schema declares x-table {name!r} (known: {', '.join(sorted(specs))})")
    return specs[name].arrow_schema()


def schema_name(spec: TableSpec) -> str:
    """``document`` for ``https://.../document.schema.json``: the name contracts and quarantine use."""
    return spec.schema.get("$id", spec.name).rsplit("/", 1)[-1].removesuffix(".schema.json")
