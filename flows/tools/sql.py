"""``fazhi sql``: queries on the warehouse, read-only for real, and their results formatted.

Read-only is enforced three ways: the database is opened ``read_only``; DuckDB's external access is
off and its configuration locked (no ``COPY … TO``, ``EXPORT``, ``ATTACH``, ``INSTALL``/``LOAD``, no
reading or globbing arbitrary files, no ``SET`` turning any of it back on); and only statements that
read are run at all (SELECT, EXPLAIN, PRAGMA, CALL), so anything else is refused by name before it
reaches the database.

``table`` is for the terminal: columns aligned by display width (CJK characters take two cells,
``unicodedata.east_asian_width`` W/F), numbers right-aligned, long cells cut with an ellipsis at
``max_width`` (0: never), NULL shown as ``NULL``. ``csv`` and ``json`` are for other programs and are
never cut; BLOBs are base64 there.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from flows.core.errors import UserError

FORMATS = ("table", "csv", "json")
MAX_CELL_WIDTH = 60


def char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def _cut(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        if used + char_width(char) > width - 1:
            break
        out.append(char)
        used += char_width(char)
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def _plain(value) -> object:
    """A JSON-friendly form of a DuckDB value (BLOBs as base64)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _cell(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Counts are stored as DOUBLE (one value column for counts, rates and amounts): show 518, not 518.0.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(_plain(value), ensure_ascii=False)
    return str(_plain(value))


def format_table(columns: list[str], rows: list[tuple], max_cell_width: int = MAX_CELL_WIDTH) -> str:
    numeric = [
        all(isinstance(r[i], (int, float, Decimal)) and not isinstance(r[i], bool) for r in rows if r[i] is not None)
        and any(r[i] is not None for r in rows)
        for i in range(len(columns))
    ]

    def shown(value) -> str:
        text = _cell(value).replace("\r", " ").replace("\n", "⏎")
        return _cut(text, max_cell_width) if max_cell_width > 0 else text

    cells = [[shown(v) for v in row] for row in rows]
    widths = [max([display_width(c)] + [display_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [
        "  ".join(_pad(c, w, right) for c, w, right in zip(columns, widths, numeric)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row in cells:
        lines.append("  ".join(_pad(c, w, right) for c, w, right in zip(row, widths, numeric)).rstrip())
    lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(lines)


def format_csv(columns: list[str], rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return out.getvalue().rstrip("\n")


def format_json(columns: list[str], rows: list[tuple]) -> str:
    return json.dumps([{c: _plain(v) for c, v in zip(columns, row)} for row in rows], ensure_ascii=False, indent=2)


# Statements that only read. Everything else (COPY, EXPORT, ATTACH, LOAD/INSTALL, SET, CREATE…) is
# refused by name, on top of the locked configuration below.
READING_STATEMENTS = frozenset({"SELECT", "EXPLAIN", "PRAGMA", "CALL"})
LOCKED_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


def reading_statements(query: str) -> list[str]:
    """The statements of ``query``, each checked to be one that only reads; a ``UserError`` names the
    first that is not (or says the query is empty)."""
    if not query.strip():
        raise UserError('empty query: give a SQL statement, e.g. "SELECT * FROM coverage"')
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise UserError(f"SQL: {_one_line(exc)}") from None
    if not statements:
        raise UserError('empty query: give a SQL statement, e.g. "SELECT * FROM coverage"')
    for number, statement in enumerate(statements, 1):
        kind = statement.type.name
        if kind not in READING_STATEMENTS:
            where = f" (statement {number} of {len(statements)})" if len(statements) > 1 else ""
            raise UserError(f"fazhi sql is read-only: {kind} statements are refused{where}")
    return [statement.query.strip().rstrip(";").strip() for statement in statements]


def run_query(db_path: Path, query: str, fmt: str = "table", max_width: int = MAX_CELL_WIDTH) -> str:
    """Run every statement of ``query`` on the warehouse opened read-only, and format each result;
    several results are printed in order (table: under a ``-- statement N`` line; json: a list).
    A SQL error or a refused statement becomes a one-line ``UserError``."""
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    statements = reading_statements(query)
    if fmt == "csv" and len(statements) > 1:
        raise UserError(f"--format csv takes one statement; the query has {len(statements)} (use table or json)")
    try:
        con = duckdb.connect(str(db_path), read_only=True, config=LOCKED_CONFIG)
    except duckdb.Error as exc:
        raise UserError(f"cannot open {db_path}: {_one_line(exc)}") from None
    results = []
    try:
        for statement in statements:
            cursor = con.execute(statement)
            if cursor.description is None:
                results.append(([], []))
                continue
            results.append(([d[0] for d in cursor.description], cursor.fetchall()))
    except duckdb.Error as exc:
        where = f" (statement {len(results) + 1} of {len(statements)})" if len(statements) > 1 else ""
        raise UserError(f"SQL{where}: {_one_line(exc)}") from None
    finally:
        con.close()
    if fmt == "csv":
        return format_csv(*results[0])
    if fmt == "json":
        if len(results) == 1:
            return format_json(*results[0])
        return json.dumps(
            [
                {"statement": statement, "rows": [{c: _plain(v) for c, v in zip(cols, row)} for row in rows]}
                for statement, (cols, rows) in zip(statements, results)
            ],
            ensure_ascii=False,
            indent=2,
        )
    blocks = [format_table(cols, rows, max_width) if cols else "OK" for cols, rows in results]
    if len(blocks) == 1:
        return blocks[0]
    return "\n\n".join(
        f"-- statement {n}: {statement}\n{block}" for n, (statement, block) in enumerate(zip(statements, blocks), 1)
    )


def _one_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
