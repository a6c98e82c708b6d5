"""The column model: one ``Column`` per schema property, with every form the pipeline needs of it.

Everything the load and the releases know about a column comes from its JSON Schema property
(``schemas/*.schema.json``, conventions in docs/DEVELOPING.md); nothing here names a column of a
particular table. A ``Column`` projects itself to each place it lives (the way PUDL's ``Field``
does): ``to_pyarrow()`` (the Parquet field, with the dictionary in its metadata), ``to_sql()`` and
``comment`` (the DuckDB column and its bilingual comment), ``to_frictionless()`` (the Table Schema
field of a release's ``datapackage.json``) and ``to_csv()`` (a value as a release CSV writes it).
The type mapping:

==========================================  ====================  ===============  ============
JSON Schema property                        Arrow                 DuckDB           Frictionless
==========================================  ====================  ===============  ============
``string``                                  ``string``            ``VARCHAR``      ``string``
``string`` + ``format: date``               ``date32``            ``DATE``         ``date``
``string`` + ``format: date-time``          ``timestamp[us,UTC]`` ``TIMESTAMPTZ``  ``datetime``
``string`` + ``contentMediaType: application/json``  ``string``   ``JSON``         ``string``
``integer``                                 ``int64``             ``BIGINT``       ``integer``
``number``                                  ``float64``           ``DOUBLE``       ``number``
``boolean``                                 ``bool``              ``BOOLEAN``      ``boolean``
``array`` of string/integer/number/boolean  ``list<item>``        ``<item>[]``     ``array``
``object``, arrays of objects, anything     ``string`` (JSON)     ``JSON``         ``object`` /
else                                                                               ``array``
==========================================  ====================  ===============  ============

A property is nullable when its type list contains ``"null"``. ``x-allow-all-null: true`` on a
property exempts it from the "no all-null column" data check.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

import pyarrow as pa

SCALARS = {
    "string": (pa.string(), "VARCHAR"),
    "integer": (pa.int64(), "BIGINT"),
    "number": (pa.float64(), "DOUBLE"),
    "boolean": (pa.bool_(), "BOOLEAN"),
}
JSON_MEDIA_TYPE = "application/json"
_FRICTIONLESS_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "date-time": "datetime",
    "list": "array",
}
# A column DuckDB computes (a view's), by the type DuckDB reports for it.
_KINDS_OF_DUCKDB_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "integer",
    "INTEGER": "integer",
    "HUGEINT": "integer",
    "SMALLINT": "integer",
    "DOUBLE": "number",
    "FLOAT": "number",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "date-time",
    "JSON": "json",
}
_JSON_TYPES_OF_KINDS = {"date": "string", "date-time": "string", "list": "array", "json": "object"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # string | integer | number | boolean | date | date-time | list | json
    nullable: bool
    title_en: str = ""
    title_zh: str = ""
    description_en: str = ""
    description_zh: str = ""
    item_kind: str | None = None  # a list's item: string | integer | number | boolean
    json_type: str = "string"  # the schema's non-null JSON type (string, integer, ..., array, object)
    enum: tuple = ()  # the closed vocabulary, without null
    allow_all_null: bool = False

    @classmethod
    def from_property(cls, name: str, prop: dict) -> Column:
        """The column of schema property ``name`` (see the module docstring for the mapping)."""
        types = _type_list(prop.get("type"))
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
            item_non_null = [t for t in _type_list(items.get("type")) if t != "null"]
            if len(item_non_null) == 1 and item_non_null[0] in SCALARS and "format" not in items:
                kind, item_kind = "list", item_non_null[0]
            else:
                kind = "json"
        else:  # objects, unions of several types, untyped: kept whole as JSON text
            kind = "json"
        return cls(
            name=name,
            kind=kind,
            nullable=nullable,
            title_en=prop.get("title", ""),
            title_zh=prop.get("x-title-zh", ""),
            description_en=prop.get("description", ""),
            description_zh=prop.get("x-description-zh", ""),
            item_kind=item_kind,
            json_type=base or "string",
            enum=tuple(v for v in prop.get("enum") or () if v is not None),
            allow_all_null=bool(prop.get("x-allow-all-null")),
        )

    @classmethod
    def computed(cls, name: str, duckdb_type: str, *, title_zh: str, title_en: str) -> Column:
        """A column a view computes: typed by what DuckDB reports, described by the view's own note
        (which serves as title and description), nullable."""
        if duckdb_type.endswith("[]"):
            kind = "list"
        else:
            kind = _KINDS_OF_DUCKDB_TYPES.get(duckdb_type.upper(), "string")
        return cls(
            name=name,
            kind=kind,
            nullable=True,
            title_en=title_en,
            title_zh=title_zh,
            description_en=title_en,
            description_zh=title_zh,
            json_type=_JSON_TYPES_OF_KINDS.get(kind, kind),
        )

    # -- Parquet ----------------------------------------------------------------------------------

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

    def to_pyarrow(self) -> pa.Field:
        """The Parquet field; its metadata carries the dictionary entry, so a file documents itself."""
        return pa.field(
            self.name,
            self.arrow_type,
            nullable=self.nullable,
            metadata={
                "title": self.title_en,
                "title_zh": self.title_zh,
                "description": self.description_en,
                "description_zh": self.description_zh,
            },
        )

    @property
    def holds_json_text(self) -> bool:
        """A string column whose values are JSON text (``contentMediaType: application/json``)."""
        return self.kind == "json" and self.json_type == "string"

    def to_arrow_value(self, value: Any) -> Any:
        """A JSON value as the Python object pyarrow expects for this column."""
        if value is None:
            return None
        if self.kind == "json":
            if self.holds_json_text and isinstance(value, str):
                return value  # already JSON text (``record_json``): encoding it again would store a string
            return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        if self.kind == "date" and isinstance(value, str):
            return date.fromisoformat(value[:10])
        if self.kind == "date-time" and isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is None:  # the schemas say UTC; a naive stamp is taken as UTC, never local time
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
        return value

    # -- DuckDB -----------------------------------------------------------------------------------

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

    def to_sql(self, *, constraints: bool = True) -> str:
        """The column in a ``CREATE TABLE``: quoted name, DuckDB type, NOT NULL unless nullable."""
        return f"{quote(self.name)} {self.duckdb_type}" + ("" if self.nullable or not constraints else " NOT NULL")

    @property
    def comment(self) -> str:
        """The DuckDB column comment (``COMMENT ON COLUMN``): ``中文 / English``."""
        return bilingual(self.title_zh, self.description_zh, self.title_en, self.description_en)

    # -- releases ---------------------------------------------------------------------------------

    @property
    def frictionless_type(self) -> str:
        if self.kind == "json":
            return {"object": "object", "array": "array"}.get(self.json_type, "string")
        return _FRICTIONLESS_TYPES[self.kind]

    def to_frictionless(self, *, required: bool) -> dict:
        """The Table Schema field (``datapackage.json``); ``required`` for a key column even when
        the schema lets it be null."""
        entry = {
            "name": self.name,
            "type": self.frictionless_type,
            "title": self.title_en,
            "x-title-zh": self.title_zh,
            "description": self.description_en,
            "x-description-zh": self.description_zh,
        }
        if self.kind == "date-time":
            entry["format"] = "any"  # ISO 8601 with or without fractional seconds
        constraints = {}
        if not self.nullable or required:
            constraints["required"] = True
        if self.enum and self.kind == "string":
            constraints["enum"] = list(self.enum)
        if constraints:
            entry["constraints"] = constraints
        return entry

    def to_csv(self, value: Any) -> str:
        """A value as a release CSV writes it (see ``flows.publish.releases``); deterministic."""
        if value is None:
            return ""
        kind = self.kind
        if kind == "boolean":
            return "true" if value else "false"
        if kind == "integer":
            return str(int(value))
        if kind == "number":
            # Shortest exact form; a whole number without ".0" (518 cases, not 518.0), as published.
            number = float(value)
            return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
        if kind == "date":
            return value.isoformat() if isinstance(value, date) else str(value)
        if kind == "date-time":
            if isinstance(value, datetime):
                if value.tzinfo is None:
                    value = value.replace(tzinfo=UTC)
                return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
            return str(value)
        if kind == "list":
            return json.dumps(list(value), ensure_ascii=False, separators=(",", ":"))
        if kind == "json":
            if isinstance(value, str):
                return value
            return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return str(value)


def _type_list(types) -> list[str]:
    return [types] if isinstance(types, str) else list(types or [])


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
        return pa.schema([c.to_pyarrow() for c in self.columns], metadata=metadata)

    def to_arrow(self, rows: list[dict], metadata: dict[str, str] | None = None) -> pa.Table:
        arrays = []
        for c, values in zip(self.columns, _columns_of(rows, self.column_names)):
            if c.kind in _CONVERTED_KINDS:
                convert = c.to_arrow_value
                values = [convert(value) for value in values]
            arrays.append(pa.array(values, type=c.arrow_type))
        return pa.Table.from_arrays(arrays, schema=self.arrow_schema(metadata))


def _columns_of(rows: list[dict], names: list[str]) -> list:
    """The values of each named column, None where a row lacks it. Rows that hold every column are
    transposed in C (itemgetter and zip: the 1.55 million sections of 50,000 documents in a
    fraction of the time one ``dict.get`` per cell takes)."""
    if len(names) >= 2 and rows:
        try:
            return list(zip(*map(itemgetter(*names), rows)))
        except KeyError:
            pass
    return [[row.get(name) for row in rows] for name in names]


def bilingual(title_zh: str, description_zh: str, title_en: str, description_en: str) -> str:
    """``中文 / English``: each half is ``title: description`` (either part may be missing)."""
    zh = "：".join(part for part in (title_zh, description_zh) if part)
    en = ": ".join(part for part in (title_en, description_en) if part)
    return " / ".join(part for part in (zh, en) if part)


def schema_version(schema: dict) -> str:
    """``x-version`` if the schema declares one, else a digest of its canonical JSON (changes with any edit)."""
    if schema.get("x-version"):
        return str(schema["x-version"])
    canonical = json.dumps(schema, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def table_spec(schema: dict) -> TableSpec:
    table = schema["x-table"]
    columns = tuple(Column.from_property(name, prop) for name, prop in schema.get("properties", {}).items())
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
