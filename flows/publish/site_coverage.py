"""Who was expected to report and who did, for the site: the warehouse's ``coverage`` view (the roster
of governments due to report x report years, with each one's own report, whether it was published on
time and how many days late; ``flows.load.views``), read at publish time for the report years that
have a release.

A government counts as published only when one of its own reports is in the year's newest release
(``documents.csv``), so the site never claims a report a reader cannot download; the timeliness shown
is that of the report the view picks (the earliest published), unknown when that one is not in the
release or its publish date is unknown. Without a warehouse, or with no roster in it, there is no
coverage and the pages say so.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from flows.core import layout
from flows.publish.tables import connect

LEVELS = ("province", "city", "county")


def read_coverage(warehouse_dir: Path | None, years: list[int], released_doc_ids: set[str]) -> dict[int, list[dict]]:
    """Report year -> one row per roster government: ``issuer_id``, ``name``, ``full_name``, ``level``,
    ``province_code`` (2 digits), ``province_name``, ``published``, ``publish_date``, ``on_time``
    (None: unknown), ``days_late``. Empty without a warehouse, a coverage view or roster rows."""
    if warehouse_dir is None or not years:
        return {}
    db_path = Path(warehouse_dir) / layout.DATABASE
    if not db_path.exists():
        return {}
    with connect(db_path) as con:
        has_view = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'coverage'"
        ).fetchone()[0]
        if not has_view:
            return {}
        rows = con.execute(
            f"""
            SELECT report_year, issuer_id, name, full_name, level, province_code, province_name,
                   doc_id, doc_ids, publish_date::VARCHAR, on_time, days_late
            FROM coverage WHERE report_year IN ({", ".join(str(int(y)) for y in years)})
            ORDER BY report_year, region_code
            """
        ).fetchall()
    found: dict[int, list[dict]] = defaultdict(list)
    for year, issuer_id, name, full_name, level, province, province_name, doc_id, doc_ids, date, on_time, late in rows:
        picked_in_release = doc_id is not None and doc_id in released_doc_ids
        found[int(year)].append(
            {
                "issuer_id": issuer_id,
                "name": name,
                "full_name": full_name,
                "level": level,
                "province_code": (province or "")[:2],
                "province_name": province_name,
                "published": any(d in released_doc_ids for d in (doc_ids or ())),
                "publish_date": date if picked_in_release else None,
                "on_time": on_time if picked_in_release else None,
                "days_late": late if picked_in_release else None,
            }
        )
    return dict(found)


def _blank() -> dict:
    return {"expected": 0, "published": 0, "on_time": 0, "late": 0, "date_unknown": 0}


def tally(rows: list[dict]) -> dict:
    """Counts over roster rows: expected, published, on_time, late, date_unknown (published, no date)."""
    total = _blank()
    for row in rows:
        total["expected"] += 1
        if row["published"]:
            total["published"] += 1
            if row["on_time"] is True:
                total["on_time"] += 1
            elif row["on_time"] is False:
                total["late"] += 1
            else:
                total["date_unknown"] += 1
    return total


def by_province(rows: list[dict]) -> dict[str, dict]:
    """Province code (2 digits) -> ``tally`` of its governments, with ``"levels"``: level -> ``tally``."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["province_code"]].append(row)
    found = {}
    for code, members in grouped.items():
        entry = tally(members)
        entry["levels"] = {level: tally([r for r in members if r["level"] == level]) for level in LEVELS}
        found[code] = entry
    return found


def by_level(rows: list[dict]) -> dict[str, dict]:
    """Level -> ``tally``, plus ``"days_late"``: the late reports' days late, sorted."""
    found = {}
    for level in LEVELS:
        members = [r for r in rows if r["level"] == level]
        entry = tally(members)
        entry["days_late"] = sorted(r["days_late"] for r in members if r["on_time"] is False and r["days_late"])
        found[level] = entry
    return found


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percent(value: float | None) -> str:
    """A share as a percentage: one decimal, two below 1 % so a few reports among thousands show."""
    if value is None:
        return "—"
    if 0 < value < 0.01:
        return f"{value:.2%}"
    return f"{value:.1%}"
