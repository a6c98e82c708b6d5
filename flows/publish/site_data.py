"""What the static site shows, read from the releases themselves, and who was expected to report
(``site_coverage``: the warehouse's roster and coverage, at publish time).

For each report year the newest version's ``documents.csv`` and ``facts.csv`` (DuckDB reads them, all
years in one query each); a year whose release predates ``facts.csv`` contributes its reports but no
indicator values. One value per issuer, indicator and year, by the warehouse's ``metric_yoy`` rule:
the issuer's report published last (then the smallest ``doc_id``); within it the distinct values in the
indicator's unit (``catalog_value``, ``catalog_unit``) combined by the indicator's ``multiple_values``
(from the same release's ``metric_catalog.csv``: sum, max, or no value when ambiguous). A release from
before those columns gives its values as printed, one value only.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from flows.publish.site_coverage import read_coverage
from flows.publish.versions import latest_version

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


@dataclass
class SiteData:
    years: list[int]  # report years with a release, oldest first
    versions: dict[int, str]  # year -> newest version
    reports: list[dict]  # one per document: year, issuer_id, issuer, region, level, province_code, ...
    issuers: dict[str, dict]  # issuer_id -> {"name", "region_name", "region_level", "province_code", "slug"}
    values: dict[str, dict[str, dict[int, float]]]  # metric_code -> issuer_id -> year -> value
    indicators: dict[str, dict]  # metric_code -> {"name_zh", "name_en", "unit", "slug"}
    years_with_facts: set[int] = field(default_factory=set)
    coverage: dict[int, list[dict]] = field(default_factory=dict)  # year -> roster rows (site_coverage)
    roster_by_issuer: dict[str, dict[int, dict]] = field(default_factory=dict)  # issuer_id -> year -> roster row


def slug(identifier: str) -> str:
    """A file name for an id: the id itself when it is plain ASCII, else a short digest of it."""
    if _SAFE_ID.match(identifier):
        return identifier
    return "h" + hashlib.sha256(identifier.encode("utf-8")).hexdigest()[:16]


def _csv(paths: list[Path]) -> str:
    return (
        "read_csv(["
        + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
        + "], all_varchar = true, union_by_name = true)"
    )


def _has_column(path: Path, column: str) -> bool:
    """Whether the CSV file exists and its header names ``column`` (releases from before a column lack it)."""
    if not path.exists():
        return False
    with path.open(encoding="utf-8-sig") as handle:
        return column in handle.readline().rstrip("\r\n").split(",")


def _canonical_filter(docs: list[Path]) -> str:
    """Copies of another document and superseded issues are listed in documents.csv but are not
    reports of their own; releases older than those columns have neither."""
    wanted = [
        f"{name} IS NULL" for name in ("duplicate_of", "superseded_by") if any(_has_column(p, name) for p in docs)
    ]
    return " AND ".join(wanted) or "true"


def read_site_data(releases_dir: Path, warehouse_dir: Path | None = None) -> SiteData:
    """The releases under ``releases_dir``; with ``warehouse_dir``, also its coverage of their years."""
    versions: dict[int, str] = {}
    for year_dir in sorted(p for p in releases_dir.iterdir() if p.is_dir() and p.name.isdigit()):
        version = latest_version(year_dir)
        if version:
            versions[int(year_dir.name)] = version
    docs = [releases_dir / str(y) / v / "documents.csv" for y, v in versions.items()]
    facts = [releases_dir / str(y) / v / "facts.csv" for y, v in versions.items()]
    facts = [p for p in facts if p.exists()]
    data = SiteData(years=sorted(versions), versions=versions, reports=[], issuers={}, values={}, indicators={})
    if not docs:
        return data
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"""
            SELECT report_year, issuer_id, issuers, region_name, region_code, region_level, title, url,
                   publish_date, snapshot_sha256, doc_id
            FROM {_csv(docs)}
            WHERE {_canonical_filter(docs)}
            ORDER BY report_year, issuer_id NULLS LAST, publish_date, doc_id
            """
        ).fetchall()
        for year, issuer_id, issuers, region_name, code, level, title, url, date, snapshot, doc_id in rows:
            names = " ".join(json.loads(issuers or "[]"))
            report = {
                "year": int(year),
                "issuer_id": issuer_id,
                "issuer": names or issuer_id or "—",
                "region_name": region_name,
                "region_level": level,
                "province_code": code[:2] if code and code[:2].isdigit() else None,
                "title": title,
                "url": url,
                "publish_date": date,
                "snapshot_sha256": snapshot,
                "doc_id": doc_id,
                "version": versions[int(year)],
            }
            data.reports.append(report)
            if issuer_id:  # the latest report names the issuer
                data.issuers[issuer_id] = {
                    "name": report["issuer"],
                    "region_name": region_name,
                    "region_level": level,
                    "province_code": report["province_code"],
                    "slug": slug(issuer_id),
                }
        if facts:
            catalogs = [
                p.with_name("metric_catalog.csv")
                for p in facts
                if _has_column(p.with_name("metric_catalog.csv"), "multiple_values")
            ]
            rules = (
                f"SELECT DISTINCT metric_code, multiple_values FROM {_csv(catalogs)}"
                if catalogs
                else "SELECT NULL AS metric_code, NULL AS multiple_values"
            )
            picked = con.execute(
                f"""
                WITH f AS (SELECT * FROM {_csv(facts)} WHERE metric_code IS NOT NULL AND issuer_id IS NOT NULL),
                rules AS (SELECT metric_code, any_value(multiple_values) AS multiple_values FROM ({rules}) GROUP BY ALL),
                ranked AS (
                    SELECT issuer_id, f.metric_code, report_year, metric_name_zh, metric_name_en,
                           coalesce(catalog_value, value)::DOUBLE AS v, coalesce(catalog_unit, unit) AS u,
                           catalog_value IS NULL AS as_printed, r.multiple_values,
                           dense_rank() OVER (PARTITION BY issuer_id, f.metric_code, report_year
                                              ORDER BY publish_date DESC NULLS LAST, doc_id) AS doc_pick,
                           row_number() OVER (PARTITION BY issuer_id, f.metric_code, report_year
                                              ORDER BY publish_date DESC NULLS LAST, doc_id, metric_id) AS first
                    FROM f LEFT JOIN rules AS r ON r.metric_code = f.metric_code
                ),
                combined AS (
                    SELECT metric_code, issuer_id, report_year, any_value(metric_name_zh) AS name_zh,
                           any_value(metric_name_en) AS name_en, any_value(u) AS u, count(DISTINCT v) AS n,
                           bool_or(as_printed) AS as_printed, any_value(multiple_values) AS rule,
                           sum(DISTINCT v) AS total, max(v) AS largest, arg_min(v, first) AS first_value
                    FROM ranked WHERE doc_pick = 1 GROUP BY metric_code, issuer_id, report_year
                )
                SELECT metric_code, issuer_id, report_year::INTEGER,
                       CASE WHEN n = 1 THEN largest WHEN as_printed THEN first_value WHEN rule = 'sum' THEN total
                            WHEN rule = 'max' THEN largest END AS value,
                       name_zh, name_en, u
                FROM combined ORDER BY metric_code, issuer_id, report_year
                """
            ).fetchall()
            picked = [row for row in picked if row[3] is not None]  # ambiguous: several values, no rule
            data.years_with_facts = {int(p.parent.name.split(".")[0]) for p in facts}
            for code, issuer_id, year, value, name_zh, name_en, unit in picked:
                data.values.setdefault(code, {}).setdefault(issuer_id, {})[year] = value
                entry = data.indicators.setdefault(
                    code,
                    {"name_zh": name_zh or code, "name_en": name_en or code, "unit": unit or "", "slug": slug(code)},
                )
                entry.setdefault("units", set()).add(unit or "")
    finally:
        con.close()
    data.coverage = read_coverage(warehouse_dir, data.years, {r["doc_id"] for r in data.reports})
    for year, rows in data.coverage.items():
        for row in rows:
            data.roster_by_issuer.setdefault(row["issuer_id"], {})[year] = row
    return data


def median_by_year(values: dict[str, dict[int, float]]) -> list[tuple[int, float, int, float, float]]:
    """``(year, median, issuers, min, max)`` for each year with a value."""
    by_year: dict[int, list[float]] = defaultdict(list)
    for points in values.values():
        for year, value in points.items():
            by_year[year].append(value)
    return [(year, statistics.median(vs), len(vs), min(vs), max(vs)) for year, vs in sorted(by_year.items()) if vs]


def reports_by_province(data: SiteData, year: int) -> dict[str, dict]:
    """Province code (2 digits) -> {"reports", "issuers", levels...} for the year's reports."""
    found: dict[str, dict] = {}
    for report in data.reports:
        if report["year"] != year or not report["province_code"]:
            continue
        entry = found.setdefault(report["province_code"], {"reports": 0, "issuers": set(), "levels": defaultdict(int)})
        entry["reports"] += 1
        entry["issuers"].add(report["issuer_id"])
        entry["levels"][report["region_level"] or "other"] += 1
    return found
