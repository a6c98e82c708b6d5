"""The static site under ``releases/site/`` and the home page: on disk (every link resolves, every chart
is followed by its table, no request outside the site) and in real headless Chromium from ``file://``
(1280 and 390 px screenshots in tests/artifacts/, no console error, no request outside the site, the
search box, CJK text drawn with the Noto CJK font, no sideways scrolling on a phone, home page weight).
The publish fixture's warehouse has no roster: the pages say so and the map counts reports."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest

from flows.publish import releases as publish
from flows.publish.site_charts import PROVINCE_TILES
from flows.publish.site_data import read_site_data

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "publish"))
sys.path.insert(0, str(Path(__file__).parent))
import publish_warehouse as pw  # noqa: E402
from site_checks import check_charts_have_tables, check_links, check_visit, require_browser, search, visit  # noqa: E402

HOME_LIMIT = 500 * 1024


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("site")
    warehouse = pw.build_warehouse(tmp / "wh", pw.standard_reports())
    releases = tmp / "releases"
    publish.publish_years(warehouse_dir=warehouse, releases_dir=releases, created=datetime(2024, 6, 1, tzinfo=UTC))
    return releases


def test_site_pages_exist_and_every_link_resolves(releases):
    site = releases / "site"
    assert (site / "year" / "2021.html").is_file() and (site / "year" / "2022.html").is_file()
    assert (site / "indicator" / f"{pw.CASES_CODE}.html").is_file()
    assert sorted(p.name for p in (site / "issuer").iterdir()) == ["990100-gov.html", "990101-gov.html"]
    assert check_links(releases, lambda link: "example.invalid" in urlparse(link).netloc) > 50


def test_every_chart_is_followed_by_its_table(releases):
    check_charts_have_tables(releases)
    indicator = (releases / "site" / "indicator" / f"{pw.CASES_CODE}.html").read_text(encoding="utf-8")
    # the median per year with the number of issuers behind it: (40 + 120) / 2 and (38 + 135) / 2
    assert "n=2" in indicator and ">80<" in indicator and ">86.50<" in indicator
    assert "受理行政复议案件数" in indicator and "Administrative reconsideration" in indicator
    issuer = (releases / "site" / "issuer" / "990101-gov.html").read_text(encoding="utf-8")
    assert "https://www.example.invalid/990101-2022.html" in issuer and "-2（-5.0%）" in issuer
    home = (releases / "index.html").read_text(encoding="utf-8")
    assert home.count('class="tile"') == len(PROVINCE_TILES) == 34
    # no roster in this warehouse: the map counts reports and every coverage part says why
    assert "Colour: number of 2022 reports in the release per province" in home
    for page in (home, issuer, (releases / "site" / "year" / "2022.html").read_text(encoding="utf-8")):
        assert "No roster of the governments due to report" in page
    index = (releases / "site" / "search-index.js").read_text(encoding="utf-8")
    entries = json.loads(index[index.index("=") + 1 : index.rindex(";")])
    assert ["示例市人民政府", "示例省示例市", "990100-gov", "issuer/990100-gov.html"] in entries


def test_home_page_weight(releases):
    weight = sum((releases / p).stat().st_size for p in ("index.html", "site/search.js"))
    assert weight <= HOME_LIMIT and (releases / "site" / "search.js").stat().st_size < 2048


# -- in a real browser -----------------------------------------------------------------------------------

PAGES = {
    "home": "index.html",
    "year": "site/year/2022.html",
    "indicator": f"site/indicator/{pw.CASES_CODE}.html",
    "issuer": "site/issuer/990101-gov.html",
}


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_site_in_headless_chromium(releases, tmp_path, width):
    require_browser()
    base = releases.resolve().as_uri() + "/"

    def on_page(name, devtools, session):  # the search box loads its index on first use and lists the match
        return search(devtools, session, "甲县") if name == "home" else None

    seen = visit(releases, PAGES, width, tmp_path / "profile", "site", on_page=on_page)
    assert seen["home"]["found"] == [base + "site/issuer/990101-gov.html"]
    check_visit(releases, seen, width, "site")


def _write_csv(path: Path, rows: list[dict]) -> None:
    header = list(rows[0])
    lines = [",".join(header)] + [",".join("" if r[h] is None else str(r[h]) for h in header) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_site_values_are_in_the_indicators_unit_and_follow_its_rule(tmp_path):
    directory = tmp_path / "2022" / "2022.1"
    directory.mkdir(parents=True)
    doc = {"report_year": 2022, "issuers": "", "region_name": "甲县", "region_code": "990101", "region_level": "county"}
    doc |= {"title": "报告", "url": "https://example.invalid/", "snapshot_sha256": "0" * 64}
    _write_csv(
        directory / "documents.csv",
        [
            {**doc, "issuer_id": i, "doc_id": d, "publish_date": p}
            for i, d, p in (("x", "d1", "2023-03-01"), ("y", "d2", "2023-03-01"))
        ],
    )
    _write_csv(
        directory / "metric_catalog.csv",
        [{"metric_code": "sites", "multiple_values": "sum"}, {"metric_code": "cases", "multiple_values": "none"}],
    )
    fact = {"report_year": 2022, "metric_name_zh": "名", "metric_name_en": "n", "publish_date": "2023-03-01"}
    rows = [  # issuer, doc, metric, code, value as printed, unit, catalog value, catalog unit
        ("x", "d1", "m1", "sites", 8, "处", 8, "处"),
        ("x", "d1", "m2", "sites", 190, "个", 190, "处"),
        ("x", "d1", "m3", "sites", 8, "处", 8, "处"),  # the same figure again: counted once
        ("x", "d1", "m4", "cases", 236, "件", 236, "件"),
        ("x", "d1", "m5", "cases", 218, "件", 218, "件"),  # ambiguous: no value
        ("y", "d2", "m6", "cases", 3, "万件", 30000, "件"),
    ]
    _write_csv(
        directory / "facts.csv",
        [
            {**fact, "issuer_id": i, "doc_id": d, "metric_id": m, "metric_code": c, "value": v, "unit": u}
            | {"catalog_value": cv, "catalog_unit": cu}
            for i, d, m, c, v, u, cv, cu in rows
        ],
    )
    data = read_site_data(tmp_path)
    assert data.values == {"sites": {"x": {2022: 198.0}}, "cases": {"y": {2022: 30000.0}}}
    assert data.indicators["sites"]["unit"] == "处" and data.indicators["cases"]["unit"] == "件"
