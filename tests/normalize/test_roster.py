"""The roster of governments due to report (flows/normalize/roster.py), from the shipped GB/T 2260 tables."""

from __future__ import annotations

from collections import Counter

from flows.core import contracts
from flows.normalize import region_codes, regions, roster

# Units per level in the GB/T 2260 tables for 2019-2024 (the Ministry of Civil Affairs' year-end
# counts), less Taiwan, Hong Kong and Macao among the provinces.
TABLE_COUNTS = {
    2019: {"province": 31, "city": 333, "county": 2846},
    2020: {"province": 31, "city": 333, "county": 2844},
    2021: {"province": 31, "city": 333, "county": 2843},
    2022: {"province": 31, "city": 333, "county": 2843},
    2023: {"province": 31, "city": 333, "county": 2844},
    2024: {"province": 31, "city": 333, "county": 2846},
}


def test_roster_counts_per_level_equal_the_tables_counts():
    rows = roster.roster_rows()
    counted = Counter((r["report_year"], r["level"]) for r in rows)
    assert {year: {level: counted[year, level] for level in roster.LEVELS} for year in TABLE_COUNTS} == TABLE_COUNTS
    for year in TABLE_COUNTS:
        table = Counter(
            r["level"] for r in regions.region_table(year) if not r["region_code"].startswith(("71", "81", "82"))
        )
        assert dict(table) == TABLE_COUNTS[year]


def test_one_row_per_government_and_year_every_row_valid():
    rows = roster.roster_rows()
    assert len({(r["report_year"], r["issuer_id"]) for r in rows}) == len(rows)
    assert len({(r["report_year"], r["region_code"]) for r in rows}) == len(rows)
    assert [e for r in rows[:: len(rows) // 500] for e in contracts.errors(r, "roster")] == []


def test_issuer_ids_follow_the_lineage_across_renames_and_county_to_district():
    by_year = {r["report_year"]: r for r in roster.roster_rows() if r["issuer_id"] == "320614-gov"}
    assert (by_year[2019]["region_code"], by_year[2019]["name"]) == ("320684", "海门市")
    assert (by_year[2024]["region_code"], by_year[2024]["name"]) == ("320614", "海门区")
    assert by_year[2024]["city_code"] == "320600" and by_year[2024]["province_code"] == "320000"


def test_parent_codes_and_later_report_years():
    rows = {(r["report_year"], r["region_code"]): r for r in roster.roster_rows([2026])}
    district = rows[2020, "110101"]  # 东城区, under the municipality
    assert (district["parent_code"], district["province_code"], district["city_code"]) == ("110000", "110000", None)
    province = rows[2020, "210000"]
    assert (province["parent_code"], province["city_code"], province["level"]) == (None, None, "province")
    assert rows[2026, "211300"]["table_year"] == region_codes.LAST_TABLE_YEAR
    assert roster.roster_years([2026]) == list(range(2019, 2027))
