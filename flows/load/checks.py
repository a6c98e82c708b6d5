"""Data checks run on every load before anything is replaced; a failure names the offending rows.

The checks read tables by name through a DuckDB connection, so they run the same on the freshly
written Parquet (``check_datasets``: views over the files, before anything is swapped in) or on a
built warehouse. What they check, all derived from the schemas:

* primary keys: no null, no duplicate; columns the schema does not let be null are not null;
* foreign keys: every non-null reference points at an existing row (a metric's section and
  document, a section's document and parent, ...);
* no all-null column in the tables the pipeline derives (``ALL_NULL_CHECKED``), except properties
  marked ``x-allow-all-null: true``. Tables typed by people or written as logs (the registry, the
  fetch manifest, runs, quarantine) legitimately leave optional fields empty, so they are exempt;
  and a table smaller than ``ALL_NULL_MIN_ROWS`` is not judged (in a few dozen metrics, none with a
  qualifier is normal; in thousands it means a parser step stopped working);
* every canonical report document is counted once: in ``coverage`` (its report counts) or in
  ``coverage_unresolved`` (a row), never in neither or both (run on the views' own SQL);
* no metric is mapped (``metric_code``) with a printed unit outside its indicator's unit family
  (``metric_catalog.unit_family``, the units of each in the catalog schema's ``x-units``): people
  are never counted as person-times, nor sites as cases;
* row counts per report year against the previous run: a fall of more than ``drop_threshold``
  (default 20 %) is an error unless ``allow_drop`` (a parser regression or a lost year looks exactly
  like this).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from flows.core.errors import DataCheckFailed
from flows.load.columns import TableSpec, quote
from flows.load.duckdb_build import connect_bounded, create_table_sql, read_parquet_sql
from flows.load.parquet import parquet_files
from flows.load.views import COVERAGE, COVERAGE_UNRESOLVED
from flows.normalize.catalog import normalize_unit, unit_families

ALL_NULL_CHECKED = ("documents", "sections", "metrics", "metric_catalog", "regions")
ALL_NULL_MIN_ROWS = 100
DEFAULT_DROP_THRESHOLD = 0.2
MAX_ROWS_SHOWN = 10


@dataclass
class CheckFailure:
    check: str
    message: str
    rows: list[dict] = field(default_factory=list)
    total: int = 0

    def render(self) -> str:
        lines = [f"- {self.check}: {self.message}"]
        for row in self.rows:
            lines.append("    " + "  ".join(f"{key}={_show(value)}" for key, value in row.items()))
        if self.total > len(self.rows):
            lines.append(f"    ... and {self.total - len(self.rows)} more")
        return "\n".join(lines)


class DataCheckError(DataCheckFailed):
    """The load's data checks failed; nothing was replaced. The message lists the offending rows."""

    def __init__(self, failures: list[CheckFailure]):
        self.failures = failures
        super().__init__(
            f"{len(failures)} data check(s) failed; the warehouse was left as it was\n"
            + "\n".join(f.render() for f in failures)
        )


def _show(value) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _rows(con, sql: str, limit: int) -> tuple[list[dict], int]:
    """The first ``limit`` rows of ``sql`` and how many there are in all (one query)."""
    cursor = con.execute(f"SELECT *, count(*) OVER () AS __total FROM ({sql}) LIMIT {int(limit)}")
    names = [d[0] for d in cursor.description]
    found = [dict(zip(names, row)) for row in cursor.fetchall()]
    total = found[0].pop("__total") if found else 0
    for row in found[1:]:
        row.pop("__total")
    return found, total


def check_primary_key(con, spec: TableSpec, limit: int = MAX_ROWS_SHOWN) -> list[CheckFailure]:
    if not spec.primary_key:
        return []
    keys = ", ".join(quote(k) for k in spec.primary_key)
    failures = []
    nulls = " OR ".join(f"{quote(k)} IS NULL" for k in spec.primary_key)
    rows, total = _rows(con, f"SELECT * FROM {quote(spec.name)} WHERE {nulls}", limit)
    if total:
        failures.append(
            CheckFailure(
                "primary key", f"{spec.name}({', '.join(spec.primary_key)}) is null in {total} row(s)", rows, total
            )
        )
    rows, total = _rows(
        con,
        (f"SELECT {keys}, count(*) AS copies FROM {quote(spec.name)} GROUP BY ALL HAVING count(*) > 1 ORDER BY {keys}"),
        limit,
    )
    if total:
        failures.append(
            CheckFailure(
                "primary key", f"{spec.name}({', '.join(spec.primary_key)}) has {total} duplicated key(s)", rows, total
            )
        )
    return failures


def check_foreign_keys(con, spec: TableSpec, limit: int = MAX_ROWS_SHOWN) -> list[CheckFailure]:
    failures = []
    for fk in spec.foreign_keys:
        fields, parent, parent_fields = fk["fields"], fk["reference"]["table"], fk["reference"]["fields"]
        shown = list(dict.fromkeys(list(spec.primary_key) + list(fields)))
        present = " AND ".join(f"c.{quote(f)} IS NOT NULL" for f in fields)
        match = " AND ".join(f"p.{quote(pf)} = c.{quote(f)}" for f, pf in zip(fields, parent_fields))
        sql = (
            f"SELECT {', '.join('c.' + quote(f) for f in shown)} FROM {quote(spec.name)} AS c "
            f"WHERE {present} AND NOT EXISTS (SELECT 1 FROM {quote(parent)} AS p WHERE {match}) "
            f"ORDER BY {', '.join('c.' + quote(f) for f in shown)}"
        )
        rows, total = _rows(con, sql, limit)
        if total:
            failures.append(
                CheckFailure(
                    "foreign key",
                    f"{spec.name}({', '.join(fields)}) -> {parent}({', '.join(parent_fields)}): "
                    f"{total} row(s) point at nothing",
                    rows,
                    total,
                )
            )
    return failures


def check_required_columns(con, spec: TableSpec, limit: int = MAX_ROWS_SHOWN) -> list[CheckFailure]:
    """Columns the schema does not allow to be null (the DuckDB table declares them NOT NULL)."""
    required = [c.name for c in spec.columns if not c.nullable and c.name not in spec.primary_key]
    if not required:
        return []
    counts = ", ".join(f"count(*) FILTER (WHERE {quote(name)} IS NULL)" for name in required)
    nulls = con.execute(f"SELECT {counts} FROM {quote(spec.name)}").fetchone()
    failures = []
    for name, n in zip(required, nulls):
        if n:
            shown = list(spec.primary_key) or [name]
            rows, total = _rows(
                con,
                (
                    f"SELECT {', '.join(quote(k) for k in shown)} FROM {quote(spec.name)} WHERE {quote(name)} IS NULL "
                    f"ORDER BY {', '.join(quote(k) for k in shown)}"
                ),
                limit,
            )
            failures.append(
                CheckFailure("required column", f"{spec.name}.{name} is null in {total} row(s)", rows, total)
            )
    return failures


def check_all_null_columns(con, spec: TableSpec) -> list[CheckFailure]:
    columns = [c for c in spec.columns if c.nullable and not c.allow_all_null]
    if spec.name not in ALL_NULL_CHECKED or not columns:
        return []
    counts = ", ".join(f"count({quote(c.name)})" for c in columns)
    total, *non_null = con.execute(f"SELECT count(*), {counts} FROM {quote(spec.name)}").fetchone()
    empty = [c.name for c, n in zip(columns, non_null) if n == 0]
    if total < ALL_NULL_MIN_ROWS or not empty:
        return []
    return [
        CheckFailure(
            "all-null column",
            f"{spec.name}: {', '.join(empty)} null in all {total} row(s) "
            "(a parser step that stopped working? mark the property x-allow-all-null if this is expected)",
        )
    ]


def check_coverage_adds_up(con, specs: dict[str, TableSpec]) -> list[CheckFailure]:
    """Canonical report documents (``duplicate_of`` null) = those coverage counts (own and department
    reports) + coverage_unresolved rows.
    Evaluates the views' SQL on the tables, so it runs before the views exist; skipped without a roster."""
    if any(table not in specs for table in COVERAGE.requires + COVERAGE_UNRESOLVED.requires):
        return []
    reports = con.execute("SELECT count(*) FROM documents WHERE is_report AND duplicate_of IS NULL").fetchone()[0]
    resolved = con.execute(
        f"SELECT coalesce(sum(report_count + department_report_count), 0) FROM ({COVERAGE.sql.strip()})"
    ).fetchone()[0]
    unresolved = con.execute(f"SELECT count(*) FROM ({COVERAGE_UNRESOLVED.sql.strip()})").fetchone()[0]
    if reports == resolved + unresolved:
        return []
    return [
        CheckFailure(
            "coverage",
            f"{reports} report document(s) but coverage counts {resolved} and coverage_unresolved lists {unresolved} "
            "(a duplicated roster row, or a report counted twice or not at all)",
        )
    ]


def check_metric_units(con, specs: dict[str, TableSpec], limit: int = MAX_ROWS_SHOWN) -> list[CheckFailure]:
    """Every mapped metric's printed unit belongs to its indicator's unit family. Judged on the distinct
    (metric_code, unit) pairs, a few hundred whatever the number of metrics."""
    if "metrics" not in specs or "unit_family" not in getattr(specs.get("metric_catalog"), "column_names", ()):
        return []
    pairs = con.execute(
        "SELECT m.metric_code, m.unit, c.unit_family, count(*), min(m.metric_id) FROM metrics AS m "
        "JOIN metric_catalog AS c ON c.metric_code = m.metric_code GROUP BY ALL ORDER BY 1, 2"
    ).fetchall()
    families = unit_families()
    wrong = [
        {"metric_code": code, "unit": unit, "unit_family": family, "metrics": n, "first_metric_id": first}
        for code, unit, family, n, first in pairs
        if normalize_unit(unit) not in families.get(family, ())
    ]
    if not wrong:
        return []
    return [
        CheckFailure(
            "metric unit",
            f"{sum(row['metrics'] for row in wrong)} metric(s) mapped with a unit outside their indicator's unit "
            "family (staged with another catalog? reparse them)",
            wrong[:limit],
            len(wrong),
        )
    ]


def check_row_drops(
    current: dict[str, dict[str, int]],
    previous: dict[str, dict[str, int]] | None,
    *,
    previous_run_id: str | None = None,
    threshold: float = DEFAULT_DROP_THRESHOLD,
) -> list[CheckFailure]:
    """``current``/``previous``: ``{table: {report_year: rows}}`` (years as strings, as stored in runs)."""
    if not previous:
        return []
    rows = []
    for table in sorted(previous):
        for year, before in sorted(previous[table].items()):
            after = current.get(table, {}).get(year, 0)
            if before > 0 and (before - after) / before > threshold:
                rows.append(
                    {
                        "table": table,
                        "report_year": year,
                        "previous": before,
                        "now": after,
                        "change": f"{(after - before) / before:+.0%}",
                    }
                )
    if not rows:
        return []
    since = f" run {previous_run_id}" if previous_run_id else " run"
    return [
        CheckFailure(
            "row drop",
            f"{len(rows)} table/year(s) lost more than {threshold:.0%} of their rows since the previous{since} "
            "(pass allow_drop / --allow-drop if that is intended)",
            rows[:MAX_ROWS_SHOWN],
            len(rows),
        )
    ]


def run_checks(
    con,
    specs: dict[str, TableSpec],
    *,
    rows_by_year: dict | None = None,
    previous_rows_by_year: dict | None = None,
    previous_run_id: str | None = None,
    allow_drop: bool = False,
    drop_threshold: float = DEFAULT_DROP_THRESHOLD,
    limit: int = MAX_ROWS_SHOWN,
) -> None:
    """Every check on every table in ``specs``; raises ``DataCheckError`` listing all failures at once."""
    failures: list[CheckFailure] = []
    for spec in specs.values():
        failures += check_primary_key(con, spec, limit)
        failures += check_foreign_keys(con, spec, limit)
        failures += check_required_columns(con, spec, limit)
        failures += check_all_null_columns(con, spec)
    failures += check_coverage_adds_up(con, specs)
    failures += check_metric_units(con, specs, limit)
    if not allow_drop and rows_by_year is not None:
        failures += check_row_drops(
            rows_by_year, previous_rows_by_year, previous_run_id=previous_run_id, threshold=drop_threshold
        )
    if failures:
        raise DataCheckError(failures)


def check_datasets(
    specs: dict[str, TableSpec], dataset_dirs: dict[str, Path], *, spill_dir: Path | None = None, **options
) -> None:
    """Run the data checks (``run_checks``, same options) on written, not yet swapped-in, datasets;
    a table without files is checked empty. DuckDB spills into ``spill_dir`` (default: a temporary
    directory) when a check needs more memory than it may take."""
    with tempfile.TemporaryDirectory(prefix="fazhi-check-", dir=spill_dir) as spill:
        con = connect_bounded(":memory:", Path(spill))
        try:
            for spec in specs.values():
                files = parquet_files(dataset_dirs[spec.name]) if spec.name in dataset_dirs else []
                if files:  # a view, not a copy: the checks scan the files, nothing is held in memory
                    con.execute(f"CREATE VIEW {quote(spec.name)} AS {read_parquet_sql(spec, files)}")
                else:
                    con.execute(create_table_sql(spec, constraints=False))
            run_checks(con, specs, **options)
        finally:
            con.close()
