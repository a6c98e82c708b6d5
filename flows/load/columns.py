"""Table specs derived from the JSON Schemas: Arrow types, DuckDB types, bilingual comments, values.

Everything the loader knows about a table's columns comes from its schema (``schemas/*.schema.json``,
conventions in docs/DEVELOPING.md); nothing here names a column of a particular table. The mapping:

==========================================  ====================  ===============
JSON Schema property                        Arrow                 DuckDB
==========================================  ====================  ===============
``string``                                  ``string``            ``VARCHAR``
``string`` + ``format: date``               ``date32``            ``DATE``
``string`` + ``format: date-time``          ``timestamp[us,UTC]`` ``TIMESTAMPTZ``
``string`` + ``contentMediaType: application/json``  ``string``   ``JSON``
``integer``                                 ``int64``             ``BIGINT``
``number``                                  ``float64``           ``DOUBLE``
``boolean``                                 ``bool``              ``BOOLEAN``
``array`` of string/integer/number/boolean  ``list<item>``        ``<item>[]``
``object``, arrays of objects, anything     ``string`` (JSON)     ``JSON``
else
==========================================  ====================  ===============

A property is nullable when its type list contains ``"null"``. ``x-allow-all-null: true`` on a
property exempts it from the "no all-null column" data check.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

SCALARS = {
    "string": (pa.string(), "VARCHAR"),
    "integer": (pa.int64(), "BIGINT"),
    "number": (pa.float64(), "DOUBLE"),
    "boolean": (pa.bool_(), "BOOLEAN"),
}
JSON_MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # string | integer | number | boolean | date | date-time | list | json
    item_kind: str | None
    nullable: bool
    allow_all_null: bool
    title_en: str
    title_zh: str
    description_en: str
    description_zh: str

    @property
    def arrow_type(self) -> pa.DataType:
        if self.kind == "date":
            return pa.date32()
        if self.kind == "date-time":
            return pa.timestamp("us", tz="UTC")
        if self.kind == "list":
            return pa.list_(SCALARS[self.item_kind][0])
        if self.kind == "json":
            return pa.string()
        return SCALARS[self.kind][0]

    @property
    def duckdb_type(self) -> str:
        if self.kind == "date":
            return "DATE"
        if self.kind == "date-time":
            return "TIMESTAMPTZ"
        if self.kind == "list":
            return SCALARS[self.item_kind][1] + "[]"
        if self.kind == "json":
            return "JSON"
        return SCALARS[self.kind][1]

    @property
    def comment(self) -> str:
        return bilingual(self.title_zh, self.description_zh, self.title_en, self.description_en)

    def to_arrow_value(self, value: Any) -> Any:
        """A JSON value as the Python object pyarrow expects for this column."""
        if value is None:
            return None
        if self.kind == "json":
            return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        if self.kind == "date" and isinstance(value, str):
            return date.fromisoformat(value[:10])
        if self.kind == "date-time" and isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is None:  # the schemas say UTC; a naive stamp is taken as UTC, never local time
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
        return value


# Kinds whose JSON values ``Column.to_arrow_value`` changes; every other kind goes to pyarrow as is.
_CONVERTED_KINDS = frozenset({"json", "date", "date-time"})


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[dict, ...]
    title_en: str
    title_zh: str
    description_en: str
    description_zh: str
    schema_version: str
    schema: dict = field(repr=False, compare=False)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def comment(self) -> str:
        return bilingual(self.title_zh, self.description_zh, self.title_en, self.description_en)

    def arrow_schema(self, metadata: dict[str, str] | None = None) -> pa.Schema:
        """Field metadata carries the data dictionary, so a Parquet file documents itself."""
        fields = [
            pa.field(
                c.name,
                c.arrow_type,
                nullable=c.nullable,
                metadata={
                    "title": c.title_en,
                    "title_zh": c.title_zh,
                    "description": c.description_en,
                    "description_zh": c.description_zh,
                },
            )
            for c in self.columns
        ]
        return pa.schema(fields, metadata=metadata)

    def to_arrow(self, rows: list[dict], metadata: dict[str, str] | None = None) -> pa.Table:
        arrays = []
        for c in self.columns:
            name = c.name
            if c.kind in _CONVERTED_KINDS:
                convert = c.to_arrow_value
                values = [convert(row.get(name)) for row in rows]
            else:  # pyarrow takes these values as they are: no call per cell
                values = [row.get(name) for row in rows]
            arrays.append(pa.array(values, type=c.arrow_type))
        return pa.Table.from_arrays(arrays, schema=self.arrow_schema(metadata))


def bilingual(title_zh: str, description_zh: str, title_en: str, description_en: str) -> str:
    """``中文 / English``: each half is ``title: description`` (either part may be missing)."""
    zh = "：".join(part for part in (title_zh, description_zh) if part)
    en = ": ".join(part for part in (title_en, description_en) if part)
    return " / ".join(part for part in (zh, en) if part)


def column_from_property(name: str, prop: dict) -> Column:
    types = prop.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    nullable = "null" in types
    non_null = [t for t in types if t != "null"]
    base = non_null[0] if len(non_null) == 1 else None
    item_kind = None
    if base == "string" and prop.get("format") in ("date", "date-time"):
        kind = prop["format"]
    elif base == "string" and prop.get("contentMediaType") == JSON_MEDIA_TYPE:
        kind = "json"
    elif base in SCALARS:
        kind = base
    elif base == "array":
        items = prop.get("items") or {}
        item_types = items.get("type")
        item_types = [item_types] if isinstance(item_types, str) else list(item_types or [])
        item_non_null = [t for t in item_types if t != "null"]
        if len(item_non_null) == 1 and item_non_null[0] in SCALARS and "format" not in items:
            kind, item_kind = "list", item_non_null[0]
        else:
            kind = "json"
    else:  # objects, unions of several types, untyped: kept whole as JSON text
        kind = "json"
    return Column(
        name=name,
        kind=kind,
        item_kind=item_kind,
        nullable=nullable,
        allow_all_null=bool(prop.get("x-allow-all-null")),
        title_en=prop.get("title", ""),
        title_zh=prop.get("x-title-zh", ""),
        description_en=prop.get("description", ""),
        description_zh=prop.get("x-description-zh", ""),
    )


def schema_version(schema: dict) -> str:
    """``x-version`` if the schema declares one, else a digest of its canonical JSON (changes with any edit)."""
    if schema.get("x-version"):
        return str(schema["x-version"])
    canonical = json.dumps(schema, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def table_spec(schema: dict) -> TableSpec:
    table = schema["x-table"]
    columns = tuple(column_from_property(name, prop) for name, prop in schema.get("properties", {}).items())
    return TableSpec(
        name=table,
        columns=columns,
        primary_key=tuple(schema.get("x-primary-key") or ()),
        foreign_keys=tuple(schema.get("x-foreign-keys") or ()),
        title_en=schema.get("title", ""),
        title_zh=schema.get("x-title-zh", ""),
        description_en=schema.get("description", ""),
        description_zh=schema.get("x-description-zh", ""),
        schema_version=schema_version(schema),
        schema=schema,
    )


def quote(identifier: str) -> str:
    """A DuckDB identifier, always quoted (``end`` and ``start`` are column names here)."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
