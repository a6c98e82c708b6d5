"""Versioned CSV open-data releases, one series per report year.

Layout (``releases/`` is the public tree; everything in it can be served as static files)::

    releases/
      index.html                    the public index of every release (release_page.py)
      latest.json                   newest version of every year; top level = the most recent year's
      2022/
        latest.json                 newest version of 2022
        2022.1/  2022.2/  ...       one immutable directory per version
          documents.csv documents_text.csv sections.csv metrics.csv metric_catalog.csv metric_yoy.csv
          datapackage.json README.md CHANGELOG.md SHA256SUMS

Why per year: users cite and compare "the 2022 reports"; a year's set keeps growing (late
publications, more sources) long after the year ends, so each year gets its own version series and
a new fetch for 2023 never re-versions 2022. Versions are ``<report_year>.<n>`` (``2022.1``,
``2022.2``, ...): the name alone says which year and which revision, even for a copied file.

Versions are immutable. A publish builds the whole release in ``releases/<year>/.tmp-*``, compares
the sha256 of its CSVs with the year's latest version and either discards it ("unchanged": same data
is never a new version, whatever the timestamps) or renames it into place as the next version (a
rename is atomic, so a killed publish leaves at most a hidden ``.tmp-*`` directory that the next
publish removes, never half a release). An existing version directory is never written again. One
publish at a time (the hidden lock file ``releases/.publish.lock``).

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

The full text is in ``documents_text.csv`` (``doc_id``, ``text``), not in ``documents.csv``: every
offset (``start``/``end``) indexes it and every metric's ``span`` can be checked against it, so it
must be published, but a report is often longer than the 32,767 characters an Excel cell holds, and
without it ``documents.csv`` opens cleanly in a spreadsheet.

Spreadsheet formula injection (cells beginning with ``= + - @``): values are published exactly as
the source printed them, never prefixed with ``'``. The CSVs are the canonical data for code: a
prefix would change titles, spans and subjects and break the offset arithmetic. Instead each
release counts every text cell that a spreadsheet could read as a formula, lists them in the README
(with a warning and the safe way to open the files: Excel's Data > From Text/CSV import, which does
not evaluate formulas) and in ``datapackage.json`` (``x-formula-like-cells``).

Only real data is published: if any document of the year, or its source, is synthetic the year is
refused with an error naming the documents, before anything is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from flows.core.atomic import TEMP_PREFIX, fsync_dir, write_atomic
from flows.core.crash_points import crash_point
from flows.core.errors import UserError
from flows.core.lock import hold
from flows.core.progress import Progress

DB_NAME = "fazhi.duckdb"
CSV_ENCODING = "utf-8-sig"  # writes the BOM; see the module docstring
CSV_LINE_TERMINATOR = "\r\n"
FORMULA_PREFIXES = ("=", "+", "-", "@")
DOC_FILES = ("datapackage.json", "README.md", "CHANGELOG.md")
SUMS_NAME = "SHA256SUMS"
LATEST_NAME = "latest.json"
_VERSION_RE = re.compile(r"^(\d{4})\.(\d+)$")


class PublishError(UserError):
    """A year cannot be published as asked; the message says which and why."""


class SyntheticDataError(PublishError):
    """The year holds synthetic (generated test) data, which is never published."""


# -- what a release holds -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One CSV column: its name, how its values are written, and the dictionary entry behind it."""

    name: str
    kind: str  # string | integer | number | boolean | date | date-time | list | json
    json_type: str  # the schema's non-null JSON type (string, integer, number, boolean, array, object)
    nullable: bool
    title_en: str
    title_zh: str
    description_en: str
    description_zh: str
    enum: tuple = ()


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


# -- entry points -----------------------------------------------------------------------------------


def publish_years(
    *,
    warehouse_dir: Path,
    releases_dir: Path,
    years: list[int] | None = None,
    progress: Progress = None,
    created: datetime | None = None,
) -> dict:
    """Publish each report year (None: every year among report documents). Refuses before writing
    anything if any of the years holds synthetic data. Returns ``{"released", "release_unchanged",
    "releases": [per-year results]}``."""
    from flows.publish.index_page import write_index

    db_path = _warehouse_db(warehouse_dir)
    wanted = publishable_years(warehouse_dir, years)
    releases_dir = Path(releases_dir)
    releases_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with _publish_lock(releases_dir):
        for year in wanted:
            results.append(_publish_year_locked(db_path, releases_dir, year, created, progress))
        write_index(releases_dir)
    return {
        "released": sum(r["status"] == "new" for r in results),
        "release_unchanged": sum(r["status"] == "unchanged" for r in results),
        "releases": results,
    }


def publishable_years(warehouse_dir: Path, years: list[int] | None = None) -> list[int]:
    """The years to publish (None: every year among report documents), or ``PublishError`` when
    there is no warehouse, a year has no report document or holds synthetic data. Reads only."""
    db_path = _warehouse_db(warehouse_dir)
    with _connect(db_path) as con:
        present = report_years(con)
        wanted = sorted(set(years)) if years else present
        missing = [y for y in wanted if y not in present]
        if missing:
            raise PublishError(
                f"no report documents for year(s) {', '.join(map(str, missing))} in {db_path} "
                f"(years present: {', '.join(map(str, present)) or 'none'})"
            )
        for year in wanted:
            check_not_synthetic(con, year)
    return wanted


def publish_year(
    year: int,
    *,
    warehouse_dir: Path,
    releases_dir: Path,
    progress: Progress = None,
    created: datetime | None = None,
) -> dict:
    """Publish one report year: ``{"report_year", "version", "path", "status": "new" | "unchanged",
    "previous_version"}``. ``path`` is the version's directory (the existing one when unchanged)."""
    from flows.publish.index_page import write_index

    db_path = _warehouse_db(warehouse_dir)
    releases_dir = Path(releases_dir)
    releases_dir.mkdir(parents=True, exist_ok=True)
    with _publish_lock(releases_dir):
        result = _publish_year_locked(db_path, releases_dir, year, created, progress)
        write_index(releases_dir)
    return result


def _publish_year_locked(
    db_path: Path, releases_dir: Path, year: int, created: datetime | None, progress: Progress
) -> dict:
    from flows.publish import docs as release_docs

    created = (created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    year_dir = releases_dir / str(year)
    year_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp_dirs(year_dir)
    with _connect(db_path) as con:
        check_not_synthetic(con, year)
        tables = read_release_tables(con, year)
        if not tables[0].rows:
            raise PublishError(f"report year {year}: no report documents in {db_path}; nothing to publish")
        facts = release_docs.release_facts(con, year, tables)

    csv_bytes = {t.file_name: render_csv(t) for t in tables}
    content = {name: sha256_hex(data) for name, data in csv_bytes.items()}
    previous = latest_version(year_dir)
    if previous is not None and csv_hashes(year_dir / previous) == content:
        if progress:
            progress(f"publish {year}: unchanged, still {previous}")
        _write_json_atomic(year_dir / LATEST_NAME, _pointer(year_dir / previous, releases_dir))
        _write_latest_pointer(releases_dir)
        return {
            "report_year": year,
            "version": previous,
            "path": str(year_dir / previous),
            "status": "unchanged",
            "previous_version": previous,
        }

    version = next_version(year, previous)
    final_dir = year_dir / version
    if final_dir.exists():  # never rewrite a version, even one latest.json does not know about
        raise PublishError(f"{final_dir} already exists; refusing to overwrite a published version")
    temp_dir = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=year_dir))
    try:
        for name, data in csv_bytes.items():
            (temp_dir / name).write_bytes(data)
            crash_point("publish-file")
        previous_year_dir = releases_dir / str(year - 1)
        previous_year_version = latest_version(previous_year_dir)
        docs = release_docs.render_documents(
            tables=tables,
            facts=facts,
            year=year,
            version=version,
            created=created,
            csv_bytes=csv_bytes,
            previous_dir=(year_dir / previous) if previous else None,
            previous_year_dir=(previous_year_dir / previous_year_version) if previous_year_version else None,
        )
        for name in DOC_FILES:
            (temp_dir / name).write_bytes(docs[name])
        (temp_dir / SUMS_NAME).write_bytes(render_sums({**csv_bytes, **docs}))
        _fsync_tree(temp_dir)
        os.rename(temp_dir, final_dir)
        fsync_dir(year_dir)
        crash_point("publish-rename")  # published, latest.json not yet updated
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    _write_json_atomic(year_dir / LATEST_NAME, _pointer(final_dir, releases_dir))
    _write_latest_pointer(releases_dir)
    if progress:
        progress(f"publish {year}: new version {version} ({len(tables[0].rows)} documents)")
    return {
        "report_year": year,
        "version": version,
        "path": str(final_dir),
        "status": "new",
        "previous_version": previous,
    }


# -- reading the warehouse ------------------------------------------------------------------------------


def _warehouse_db(warehouse_dir: Path) -> Path:
    path = Path(warehouse_dir) / DB_NAME
    if not path.exists():
        raise PublishError(f"no warehouse at {path}: run `fazhi load` first")
    return path


@contextmanager
def _connect(db_path: Path):
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def report_years(con) -> list[int]:
    rows = con.execute(
        "SELECT DISTINCT report_year FROM documents WHERE is_report AND report_year IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [int(r[0]) for r in rows]


def check_not_synthetic(con, year: int) -> None:
    """Refuse a year holding any synthetic document, or a document from a synthetic source."""
    rows = con.execute(
        """
        SELECT d.doc_id, d.source_id, d.url, d.is_synthetic, coalesce(s.is_synthetic, false)
        FROM documents AS d LEFT JOIN sources AS s ON s.source_id = d.source_id
        WHERE d.report_year = ? AND (d.is_synthetic OR coalesce(s.is_synthetic, false))
        ORDER BY d.doc_id
        """,
        [year],
    ).fetchall()
    if rows:
        named = "; ".join(
            f"{doc_id} (source {source_id}, {url}: "
            + (
                "document and source synthetic"
                if doc_syn and src_syn
                else "document synthetic"
                if doc_syn
                else "source synthetic"
            )
            + ")"
            for doc_id, source_id, url, doc_syn, src_syn in rows
        )
        raise SyntheticDataError(
            f"report year {year}: refusing to publish: {len(rows)} document(s) hold synthetic data, "
            f"which is never released: {named}. Remove them from the registry (or mark them real) and reload."
        )


def _published_docs_sql() -> str:
    """Report documents of the year (parameter 1) whose document and source are real."""
    return """
        SELECT d.doc_id FROM documents AS d LEFT JOIN sources AS s ON s.source_id = d.source_id
        WHERE d.is_report AND d.report_year = ? AND NOT d.is_synthetic AND NOT coalesce(s.is_synthetic, false)
    """


def read_release_tables(con, year: int) -> list[Table]:
    """The release's tables in file order (documents first), rows in primary-key order."""
    from flows.publish.docs import table_from_schema, view_table

    documents = table_from_schema("document", name="documents", exclude=("text",))
    documents_text = table_from_schema("document", name="documents_text", only=("doc_id", "text"))
    documents_text.title_en, documents_text.title_zh = "Document texts", "文档全文"
    documents_text.description_en = (
        "The full stored text of each document: every start/end offset in sections and metrics is a "
        "code-point offset into it. Kept apart from documents.csv because a report can be longer than a "
        "spreadsheet cell holds."
    )
    documents_text.description_zh = "每份文档的存储全文：章节与指标中的所有起止位置都是该文本中的码点偏移。因报告可能超出电子表格单元格的长度上限，单独成表。"
    documents_text.primary_key = ["doc_id"]
    documents_text.foreign_keys = [{"fields": ["doc_id"], "reference": {"table": "documents", "fields": ["doc_id"]}}]
    sections = table_from_schema("section", name="sections")
    metrics = table_from_schema("metric", name="metrics")
    catalog = table_from_schema("metric_catalog", name="metric_catalog")
    yoy = view_table(con, "metric_yoy", links_to=("documents", "sections", "metric_catalog"))

    docs_sql = _published_docs_sql()
    _fill(con, documents, f"SELECT {{cols}} FROM documents WHERE doc_id IN ({docs_sql})", [year])
    _fill(con, documents_text, f"SELECT {{cols}} FROM documents WHERE doc_id IN ({docs_sql})", [year])
    _fill(con, sections, f"SELECT {{cols}} FROM sections WHERE doc_id IN ({docs_sql})", [year])
    _fill(con, metrics, f"SELECT {{cols}} FROM metrics WHERE doc_id IN ({docs_sql})", [year])
    _fill(con, catalog, "SELECT {cols} FROM metric_catalog", [])
    # This year against the previous one, where the issuer has both; both years' documents real.
    _fill(
        con,
        yoy,
        f"""
        SELECT {{cols}} FROM metric_yoy
        WHERE report_year = ? AND prev_year IS NOT NULL
          AND doc_id IN ({docs_sql}) AND prev_doc_id IN ({docs_sql})
    """,
        [year, year, year - 1],
    )
    return [documents, documents_text, sections, metrics, catalog, yoy]


def _fill(con, table: Table, sql: str, params: list) -> None:
    from flows.load.columns import quote

    cols = ", ".join(f"t.{quote(c)}" for c in table.column_names())
    order = ", ".join(f"t.{quote(c)}" for c in table.primary_key) or cols
    # Wrap so the column list and the order apply to the filtered rows whatever the inner query is.
    inner = sql.format(cols="*")
    table.rows = [
        tuple(r) for r in con.execute(f"SELECT {cols} FROM ({inner}) AS t ORDER BY {order}", params).fetchall()
    ]


# -- CSV ------------------------------------------------------------------------------------------------


def format_cell(value, column: Column) -> str:
    """A value as written in the CSV (see the module docstring); deterministic."""
    if value is None:
        return ""
    kind = column.kind
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


def render_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=CSV_LINE_TERMINATOR, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.column_names())
    for row in table.rows:
        writer.writerow([format_cell(v, c) for v, c in zip(row, table.columns)])
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
                text = format_cell(row[index], column)
                if text.startswith(FORMULA_PREFIXES):
                    key = {k: row[table.column_names().index(k)] for k in table.primary_key}
                    found.append({"resource": table.name, "field": column.name, "key": key, "value": text[:80]})
    return found


# -- versions, hashes, pointers ------------------------------------------------------------------------------


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render_sums(files: dict[str, bytes]) -> bytes:
    """``sha256sum`` format (two spaces, text mode), sorted by file name: ``sha256sum -c SHA256SUMS``."""
    return "".join(f"{sha256_hex(data)}  {name}\n" for name, data in sorted(files.items())).encode("ascii")


def read_sums(release_dir: Path) -> dict[str, str]:
    sums = {}
    for line in (release_dir / SUMS_NAME).read_text(encoding="ascii").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    return sums


def csv_hashes(release_dir: Path) -> dict[str, str]:
    """The sha256 of each CSV of a published release (from its SHA256SUMS)."""
    return {name: digest for name, digest in read_sums(release_dir).items() if name.endswith(".csv")}


def versions(year_dir: Path) -> list[str]:
    """Published versions of a year, oldest first (hidden temp directories are not versions)."""
    if not year_dir.is_dir():
        return []
    found = []
    for child in year_dir.iterdir():
        match = _VERSION_RE.match(child.name)
        if child.is_dir() and match and match.group(1) == year_dir.name:
            found.append((int(match.group(2)), child.name))
    return [name for _, name in sorted(found)]


def latest_version(year_dir: Path) -> str | None:
    found = versions(year_dir)
    return found[-1] if found else None


def next_version(year: int, previous: str | None) -> str:
    if previous is None:
        return f"{year}.1"
    return f"{year}.{int(previous.split('.')[1]) + 1}"


def _pointer(release_dir: Path, releases_dir: Path) -> dict:
    package = json.loads((release_dir / "datapackage.json").read_text(encoding="utf-8"))
    return {
        "report_year": package["x-report-year"],
        "version": package["version"],
        "path": release_dir.relative_to(releases_dir).as_posix() + "/",
        "datapackage": release_dir.relative_to(releases_dir).as_posix() + "/datapackage.json",
        "created": package["created"],
        "content_sha256": package["x-content-sha256"],
    }


def _write_latest_pointer(releases_dir: Path) -> None:
    """``releases/latest.json``: the newest version of every year; top level = the latest report year's."""
    years = {}
    for year_dir in sorted(p for p in releases_dir.iterdir() if p.is_dir() and p.name.isdigit()):
        version = latest_version(year_dir)
        if version:
            years[year_dir.name] = _pointer(year_dir / version, releases_dir)
    if not years:
        return
    newest = years[max(years, key=int)]
    _write_json_atomic(releases_dir / LATEST_NAME, {**newest, "years": years})


def _write_json_atomic(path: Path, payload: dict) -> None:
    write_atomic(path, (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), mode=0o644)


def _remove_stale_temp_dirs(year_dir: Path) -> None:
    """Left by a killed publish; safe to remove because publishes hold the lock."""
    for child in year_dir.glob(TEMP_PREFIX + "*"):
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _fsync_tree(directory: Path) -> None:
    for child in directory.iterdir():
        with child.open("rb") as handle:
            os.fsync(handle.fileno())
    os.chmod(directory, 0o755)
    fsync_dir(directory)


@contextmanager
def _publish_lock(releases_dir: Path) -> Iterator[None]:
    """One publish at a time per releases tree (``lock.hold``: a busy lock raises ``LockBusy`` naming
    its holder); the holder removes what a killed publish left at the top of the tree."""
    with hold(releases_dir / ".publish.lock"):
        _remove_stale_temp_dirs(releases_dir)
        yield
