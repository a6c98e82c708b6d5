"""What a release holds: its tables (``Table``: columns, keys, rows) and how a table becomes a CSV file.

A release table's columns are the load's columns (``flows.load.columns.Column``, built from the same
JSON Schemas), so a field's type, nullability and bilingual dictionary entry are one thing from the
Parquet files to ``datapackage.json``; ``Column.to_csv`` writes each cell.

CSV format, the same for every file:

* UTF-8 **with** BOM. Excel on a Chinese-locale Windows machine reads a CSV without BOM as GBK and
  shows mojibake; with the BOM it reads UTF-8. pandas, DuckDB and Frictionless skip the BOM (tested);
  Python's ``csv`` module needs ``encoding="utf-8-sig"`` (the README says so).
* RFC 4180: comma, ``"`` quoting only where needed, doubled quotes, CRLF line ends; a header row of
  English snake_case column names (the schema property names); values as published (Chinese).
* Null is the empty cell (the schemas never allow an empty string where null is allowed).
  Booleans ``true``/``false``; dates ``YYYY-MM-DD``; timestamps ISO 8601 UTC with ``Z``; numbers as
  Python's shortest round-trip ``repr``, whole numbers without a decimal point (``85``, ``0.125``); lists (issuers, warnings,
  breadcrumb) and objects as compact JSON text (``["中共朝阳市委","朝阳市人民政府"]``): ``;`` occurs
  inside warnings and names, JSON does not need a rule for it.
* Rows ordered by the primary key: the same data gives byte-identical files.

Spreadsheet formula injection (cells beginning with ``= + - @``): values are published exactly as
the source printed them, never prefixed with ``'``. The CSVs are the canonical data for code: a
prefix would change titles, spans and subjects and break the offset arithmetic. Instead each
release counts every text cell that a spreadsheet could read as a formula (``formula_like_cells``),
lists them in the README (with a warning and the safe way to open the files: Excel's Data > From
Text/CSV import, which does not evaluate formulas) and in ``datapackage.json`` (``x-formula-like-cells``).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from flows.core.errors import UserError
from flows.load.columns import Column

CSV_ENCODING = "utf-8-sig"  # writes the BOM; see the module docstring
CSV_LINE_TERMINATOR = "\r\n"
FORMULA_PREFIXES = ("=", "+", "-", "@")
DOC_FILES = ("datapackage.json", "README.md", "CHANGELOG.md")


class PublishError(UserError):
    """A year cannot be published as asked; the message says which and why."""


class SyntheticDataError(PublishError):
    """The year holds synthetic (generated test) data, which is never published."""


@dataclass
class Table:
    """One resource of a release: its columns, keys and rows (already in release order)."""

    name: str
    title_en: str
    title_zh: str
    description_en: str
    description_zh: str
    columns: list[Column]
    primary_key: list[str]
    foreign_keys: list[dict]
    rows: list[tuple] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def render_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=CSV_LINE_TERMINATOR, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.column_names())
    for row in table.rows:
        writer.writerow([c.to_csv(v) for v, c in zip(row, table.columns)])
    return buffer.getvalue().encode(CSV_ENCODING)


def formula_like_cells(tables: list[Table]) -> list[dict]:
    """Text cells a spreadsheet could evaluate as a formula (they begin with = + - @).

    Only string-typed columns: a number such as -3 is written as a number and is harmless."""
    found = []
    for table in tables:
        for index, column in enumerate(table.columns):
            if column.kind not in ("string", "list", "json"):
                continue
            for row in table.rows:
                text = column.to_csv(row[index])
                if text.startswith(FORMULA_PREFIXES):
                    key = {k: row[table.column_names().index(k)] for k in table.primary_key}
                    found.append({"resource": table.name, "field": column.name, "key": key, "value": text[:80]})
    return found


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render_parquet(table: Table) -> bytes:
    """The table as Parquet (``parquet/<name>.parquet``): the same rows and columns as its CSV, typed,
    each field's dictionary entry in its metadata (``Column.to_pyarrow``). Deterministic for the same
    rows (no timestamps in the file)."""
    arrays = []
    for index, column in enumerate(table.columns):
        if column.kind == "json":  # DuckDB hands JSON back as text already; objects are written as text
            values = [None if row[index] is None else column.to_csv(row[index]) for row in table.rows]
        else:
            values = [column.to_arrow_value(row[index]) for row in table.rows]
        arrays.append(pa.array(values, type=column.arrow_type))
    schema = pa.schema(
        [c.to_pyarrow() for c in table.columns],
        metadata={"title": table.title_en, "title_zh": table.title_zh, "description": table.description_en},
    )
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), sink, compression="zstd")
    return sink.getvalue().to_pybytes()
