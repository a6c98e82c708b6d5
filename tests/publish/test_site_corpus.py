"""The site built from real reports over several years: the gold corpus's 南昌县 2019-2023 series and
the corpus's other real reports on those years with catalogued indicators (tests/fixtures/publish/
corpus_warehouse.py), parsed and loaded with the real roster, published once for the module. Checked
on disk against the warehouse (coverage shares, on-time counts, year-over-year medians) and in headless
Chromium (1280 and 390 px screenshots ``site_corpus_*`` in tests/artifacts/)."""

from __future__ import annotations

import statistics
import sys
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest

from flows.core import layout
from flows.publish import releases as publish
from flows.publish.site_coverage import percent
from flows.publish.site_data import slug

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "publish"))
sys.path.insert(0, str(Path(__file__).parent))
import corpus_warehouse as cw  # noqa: E402
from site_checks import check_charts_have_tables, check_links, check_visit, require_browser, search, visit  # noqa: E402

YEARS = [2019, 2020, 2021, 2022, 2023]
INDICATOR = "leadership_meetings_on_rule_of_law"  # 2021: 四川省司法厅; 2022: 峰峰矿区, 厦门市场监管局; 2023: 湖南省


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("corpus-site")
    warehouse = cw.build_warehouse(tmp / "wh")
    releases = tmp / "releases"
    publish.publish_years(warehouse_dir=warehouse, releases_dir=releases, created=datetime(2024, 6, 1, tzinfo=UTC))
    return warehouse, releases


def _query(warehouse: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(warehouse / layout.DATABASE), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _text(path: Path) -> str:
    return unescape(path.read_text(encoding="utf-8"))


def test_every_year_page_and_link(built):
    warehouse, releases = built
    assert sorted(int(p.stem) for p in (releases / "site" / "year").glob("*.html")) == YEARS
    urls = {row[0] for row in _query(warehouse, "SELECT url FROM documents")}
    assert check_links(releases, lambda link: unescape(link) in urls) > 200  # sources: links, never loaded
    check_charts_have_tables(releases)


def test_nanchang_county_page_lists_five_years_and_the_roster(built):
    warehouse, releases = built
    page = _text(releases / "site" / "issuer" / f"{cw.NANCHANG_COUNTY}.html")
    assert "南昌县人民政府" in page and "江西省南昌市南昌县" in page
    reports = _query(
        warehouse,
        "SELECT report_year, url, snapshot_sha256, publish_date::VARCHAR FROM documents WHERE issuer_id = ? ORDER BY 1",
        [cw.NANCHANG_COUNTY],
    )
    assert [r[0] for r in reports] == YEARS
    for year, url, snapshot, _ in reports:
        assert url in page and snapshot in page and f'href="../../{year}/{year}.1/"' in unescape(page)
    # the roster expected a report each year; each is in; 2020-2022 on time, 2019 and 2023 carry no date
    coverage = _query(
        warehouse,
        "SELECT report_year, has_report, on_time FROM coverage WHERE issuer_id = ? AND report_year <= 2023 ORDER BY 1",
        [cw.NANCHANG_COUNTY],
    )
    assert coverage == [
        (2019, True, None),
        (2020, True, True),
        (2021, True, True),
        (2022, True, True),
        (2023, True, None),
    ]
    assert "名录年度 / years on the roster: <strong>5</strong>" in page
    assert "已发布本级报告 / own report published:\n<strong>5</strong>" in page
    assert page.count("<td>是 / yes</td><td>是 / yes</td>") == 5
    for year in (2020, 2021, 2022):
        assert f"<td>{year}</td><td>是 / yes</td><td>是 / yes</td><td>{year + 1}-" in page
    assert page.count("按时 / on time</td>") == 3 and page.count("日期不明 / date unknown</td>") == 2
    # a department's page says its report counts for its government, not on the roster itself
    department = _text(releases / "site" / "issuer" / f"{slug('510000-dept-司法厅')}.html")
    assert "Not on the roster" in department and "A department's report counts for its government" in department


def test_indicator_page_shows_the_median_by_year(built):
    warehouse, releases = built
    rows = _query(
        warehouse, "SELECT report_year, value FROM metric_yoy WHERE metric_code = ? ORDER BY 1, 2", [INDICATOR]
    )
    by_year: dict[int, list[float]] = {}
    for year, value in rows:
        by_year.setdefault(year, []).append(value)
    assert sorted(by_year) == [2021, 2022, 2023]  # a median in three years: a real year-over-year line
    page = (releases / "site" / "indicator" / f"{INDICATOR}.html").read_text(encoding="utf-8")
    for year, values in by_year.items():
        median = statistics.median(values)
        shown = f"{median:,.0f}" if float(median).is_integer() else f"{median:,.2f}"
        assert f'<td>{year}</td><td class="num">{len(values)}</td><td class="num">{shown}</td>' in page, year
        assert f"n={len(values)}" in page
    line = page[page.index("<h2>各年度中位数") :]
    assert line[: line.index("</svg>")].count('<circle class="mark"') == len(by_year)


def test_home_map_and_year_page_show_the_roster_shares(built):
    warehouse, releases = built
    home = (releases / "index.html").read_text(encoding="utf-8")
    # 2023, the latest year: 江西 (36) expects its province, cities and counties; 南昌县 published
    ((expected, published, on_time, unknown),) = _query(
        warehouse,
        """SELECT count(*), count(*) FILTER (WHERE has_report), count(*) FILTER (WHERE on_time),
                  count(*) FILTER (WHERE has_report AND on_time IS NULL)
           FROM coverage WHERE report_year = 2023 AND province_code = '360000'""",
    )
    assert expected > 100 and published == 1 and on_time == 0 and unknown == 1
    share = percent(published / expected)
    assert (
        f'<tr><td><a href="site/year/2023.html#p36">江西</a></td><td class="num">{expected}</td>'
        f'<td class="num">{published}</td><td class="num">{share}</td><td class="num">0</td>'
        f'<td class="num">0.0%</td><td class="num">1</td><td class="num">1</td></tr>'
    ) in home
    assert f"江西：已发布 1 / 应报告 {expected}（{share}）" in home
    assert "Share of the governments due to report that published, by province, 2023" in home
    assert "No roster" not in home
    # 2022's timeliness by level, as the coverage view counts it
    year = (releases / "site" / "year" / "2022.html").read_text(encoding="utf-8")
    levels = _query(
        warehouse,
        """SELECT level, count(*), count(*) FILTER (WHERE has_report), count(*) FILTER (WHERE on_time)
           FROM coverage WHERE report_year = 2022 GROUP BY 1""",
    )
    names = {"province": "省级 / province", "city": "地级 / city", "county": "县级 / county"}
    for level, expected, published, on_time in levels:
        assert (
            f'<tr><td>{names[level]}</td><td class="num">{expected}</td><td class="num">{published}</td>'
            f'<td class="num">{percent(published / expected)}</td><td class="num">{on_time}</td>'
        ) in year, level
    assert sum(p for _, _, p, _ in levels) == 4  # 南昌县, 峰峰矿区, 朝阳市, 铜梁区


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_corpus_site_in_headless_chromium(built, tmp_path, width):
    require_browser()
    _, releases = built
    base = releases.resolve().as_uri() + "/"
    pages = {
        "home": "index.html",
        "year": "site/year/2022.html",
        "indicator": f"site/indicator/{INDICATOR}.html",
        "issuer": f"site/issuer/{cw.NANCHANG_COUNTY}.html",
    }

    def on_page(name, devtools, session):
        return search(devtools, session, "南昌县") if name == "home" else None

    expression = (
        "[document.querySelectorAll('rect.tile').length, document.querySelectorAll('circle').length, "
        "[...document.querySelectorAll('tbody')].map(b => b.rows.length)]"
    )
    seen = visit(releases, pages, width, tmp_path / "profile", "site_corpus", on_page=on_page, expression=expression)
    check_visit(releases, seen, width, "site_corpus")
    assert seen["home"]["found"] == [base + f"site/issuer/{quote(cw.NANCHANG_COUNTY)}.html"]
    assert seen["home"]["state"]["extra"][0] == 34
    assert seen["indicator"]["state"]["extra"][1] >= 3  # one point per year with a median
    issuer_rows = seen["issuer"]["state"]["extra"][2]
    assert issuer_rows[:2] == [5, 5]  # the roster's five years, the five reports
    assert seen["issuer"]["state"]["h1"] == "南昌县人民政府"
