"""The roster of governments due to publish a report (schemas/roster.schema.json).

For each report year from ``FIRST_REPORT_YEAR`` on, every province-, prefecture- and county-level
people's government in that year's GB/T 2260 table (``region_codes.region_table``); report years after the
last table use the last table. Issuer ids are ``<lineage code>-gov``, the ids reports of those
governments carry (``regions._issuer_id``), so a county renamed or turned into a district keeps its id.
Pure: the code tables in, rows out.
"""

from __future__ import annotations

from collections.abc import Iterable

from flows.normalize.region_codes import LAST_TABLE_YEAR, region_table

# The 法治政府建设与责任落实督察工作规定 (2019) sets the annual reports' deadline (article 24).
FIRST_REPORT_YEAR = 2019
# GB/T 2260 lists Taiwan, Hong Kong and Macao, which report under no mainland government's rules.
EXCLUDED_PROVINCE_PREFIXES = ("71", "81", "82")
LEVELS = ("province", "city", "county")


def roster_years(report_years: Iterable[int | None] = ()) -> list[int]:
    """``FIRST_REPORT_YEAR`` to the last table year, or to the latest report year when later."""
    latest = max([LAST_TABLE_YEAR, *(y for y in report_years if y is not None)])
    return list(range(FIRST_REPORT_YEAR, latest + 1))


def roster_rows(report_years: Iterable[int | None] = ()) -> list[dict]:
    """Rows of the ``roster`` table for ``roster_years(report_years)``, in (year, region code) order."""
    rows: list[dict] = []
    for year in roster_years(report_years):
        rows.extend(roster_of_year(year))
    return rows


def roster_of_year(report_year: int) -> list[dict]:
    table_year = min(report_year, LAST_TABLE_YEAR)
    units = {
        row["region_code"]: row
        for row in region_table(table_year)
        if row["level"] in LEVELS and not row["region_code"].startswith(EXCLUDED_PROVINCE_PREFIXES)
    }
    rows = []
    for code in sorted(units):
        unit = units[code]
        parent = units.get(unit["parent_code"]) if unit["parent_code"] else None
        if unit["level"] == "city":
            city_code = code
        elif unit["level"] == "county" and parent is not None and parent["level"] == "city":
            city_code = parent["region_code"]
        else:
            city_code = None
        rows.append(
            {
                "report_year": report_year,
                "issuer_id": f"{unit['lineage_code']}-gov",
                "region_code": code,
                "name": unit["name"],
                "full_name": unit["full_name"],
                "level": unit["level"],
                "parent_code": unit["parent_code"],
                "province_code": code[:2] + "0000",
                "city_code": city_code,
                "table_year": table_year,
            }
        )
    return rows
