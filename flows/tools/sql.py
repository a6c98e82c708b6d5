"""``fazhi sql``: run one query on the warehouse (read-only) and format the result.

``table`` is for the terminal: columns aligned by display width (CJK characters take two cells,
``unicodedata.east_asian_width`` W/F), numbers right-aligned, long cells cut with an ellipsis,
NULL shown as ``NULL``. ``csv`` and ``json`` are for other programs and are never cut.
"""

from __future__ import annotations

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
    """A JSON-friendly form of a DuckDB value."""
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
    cells = [[_cut(_cell(v).replace("\r", " ").replace("\n", "⏎"), max_cell_width) for v in row] for row in rows]
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


def run_query(db_path: Path, query: str, fmt: str = "table") -> str:
    """Run ``query`` on the warehouse opened read-only. A SQL error becomes a one-line ``UserError``."""
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:
        raise UserError(f"cannot open {db_path}: {_one_line(exc)}") from None
    try:
        cursor = con.execute(query)
        if cursor.description is None:
            return "OK"
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise UserError(f"SQL: {_one_line(exc)}") from None
    finally:
        con.close()
    if fmt == "csv":
        return format_csv(columns, rows)
    if fmt == "json":
        return format_json(columns, rows)
    return format_table(columns, rows)


def _one_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
