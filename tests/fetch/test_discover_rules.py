"""Discovery's pure parts: the link classifier, the listing-page reader, the listings registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.fetch.discover import classify_link
from flows.fetch.discover.links import iso_date, normalize_url, read_listing_page, read_sitemap
from flows.fetch.discover.listings import parse_listings
from flows.fetch.registry import RegistryError
from flows.tools.evaluate import link_scores


@pytest.mark.parametrize(
    "text, decision, year, issuer",
    [
        ("南昌县政府2020年度法治政府建设工作报告", "accept", 2020, "南昌县政府"),
        ("中共海南省委 海南省人民政府关于2022年法治政府建设情况的报告", "accept", 2022, "中共海南省委 海南省人民政府"),
        ("博美鎮人民政府2022年法治政府建設年度報告", "accept", 2022, "博美鎮人民政府"),
        ("厦门市海沧区政府2015年推进依法行政工作情况及2016年工作打算", "accept", 2015, "厦门市海沧区政府"),
        ("四川省交通运输厅2025年法治政府部门建设工作情况", "accept", 2025, "四川省交通运输厅"),
        ("丽水市人民政府关于二〇二三年度法治政府建设情况的报告", "accept", 2023, "丽水市人民政府"),
        ("附件1：某区2022年法治建设工作情况报告.pdf", "accept", 2022, None),
        ("江宁区法治政府建设工作情况报告", "review", None, None),
        ("2022年法治政府建设年度报告", "review", 2022, None),
        (
            "【文字解读】《中共淮北市烈山区委烈山区人民政府关于2024年法治政府建设情况的报告》文件解读",
            "reject",
            2024,
            None,
        ),
        ("武汉市硚口区人民政府办公室2023年政府信息公开工作年度报告", "reject", 2023, None),
        ("海港区2022年法治政府建设工作要点", "reject", 2022, None),
        ("关于开展2022年度法治政府建设考核工作的通知", "reject", 2022, None),
        ("2022年度法治政府建设白皮书", "reject", 2022, None),
        ("乡镇镇长2023年述法报告", "reject", None, None),
        ("省政府党组召开会议审议2019年度法治政府建设情况报告", "reject", 2019, None),
        ("2023年区五年法治政府建设工作情况报告", "reject", 2023, None),
        ("法治政府建设年度报告", "reject", None, None),
        ("首页", "reject", None, None),
    ],
)
def test_classify_link(text, decision, year, issuer):
    verdict = classify_link(text, "http://www.example.gov.cn/a.html")
    assert verdict.decision == decision, verdict.reason
    if decision != "reject":
        assert verdict.report_year == year
    if decision == "accept":
        assert verdict.issuer == issuer
    assert "\n" not in verdict.reason


def test_attachments_are_told_by_their_extension():
    for url in (
        "http://a.gov.cn/P0201.pdf",
        "http://a.gov.cn/x/附件.DOCX",
        "http://a.gov.cn/1.wps",
        "http://a.gov.cn/1.ofd",
    ):
        assert classify_link("某县2023年法治政府建设年度报告", url).is_attachment
    assert not classify_link("某县2023年法治政府建设年度报告", "http://a.gov.cn/t1.html").is_attachment


def test_the_labelled_link_texts_are_what_they_claim():
    # The classifier's precision and recall floors are in tests/floors.json (set discover_links, checked
    # against `fazhi evaluate --corpus tests/fixtures/discover` by tests/tools/test_floors.py).
    scores = link_scores(Path(__file__).parents[1] / "fixtures" / "discover" / "link_labels.json")
    assert scores["labelled"] >= 300 and scores["reports"] >= 50


def test_urls_are_made_absolute_without_fragments_or_tracking():
    base = "http://www.a.gov.cn/col/index.html"
    assert normalize_url("../art/1.html?id=3&utm_source=x#top", base) == "http://www.a.gov.cn/art/1.html?id=3"
    assert normalize_url("//cdn.a.gov.cn/f.pdf", "https://www.a.gov.cn/") == "https://cdn.a.gov.cn/f.pdf"
    assert normalize_url("HTTP://WWW.A.GOV.CN/x?spm=1.2", base) == "http://www.a.gov.cn/x"
    for href in ("javascript:void(0)", "#", "mailto:a@b.cn", "", "ftp://a.gov.cn/x"):
        assert normalize_url(href, base) is None


def test_dates_printed_beside_links():
    assert iso_date("[2023-03-28]") == "2023-03-28"
    assert iso_date("2023年3月8日") == "2023-03-08"
    assert iso_date("2023/13/01") is None and iso_date("无") is None


def test_listing_page_base_href_dates_title_attribute_and_pages():
    markup = (
        "<html><head><base href='http://www.a.gov.cn/col/'></head><body><ul>"
        "<li><a href='202303/t1.html' title='某市人民政府关于2022年法治政府建设情况的报告'>某市人民政府关于2022年...</a>"
        "<span>(2023-03-30)</span></li><li><a href='202302/t2.html'>工作要点</a><span>2023-02-01</span></li></ul>"
        "<div><a href='index_1.html'>2</a><a href='index_1.html'>下一页</a><a href='http://b.gov.cn/index_2.html'>下一页</a></div>"
        "<script>createPageHTML(4, 0, 'index', 'shtml');</script></body></html>"
    )
    page = read_listing_page(markup, "http://www.a.gov.cn/col/index.html")
    first = page.links[0]
    assert first.url == "http://www.a.gov.cn/col/202303/t1.html" and first.date == "2023-03-30"
    assert first.label == "某市人民政府关于2022年法治政府建设情况的报告"
    assert page.links[1].date == "2023-02-01"
    assert page.pages == [
        "http://www.a.gov.cn/col/index.shtml",
        "http://www.a.gov.cn/col/index_1.shtml",
        "http://www.a.gov.cn/col/index_2.shtml",
        "http://www.a.gov.cn/col/index_3.shtml",
        "http://www.a.gov.cn/col/index_1.html",
    ]  # the other host's page is not followed


def test_sitemap_and_sitemap_index():
    index = "<sitemapindex><sitemap><loc>http://a.gov.cn/s1.xml</loc></sitemap></sitemapindex>"
    assert read_sitemap(index, "http://a.gov.cn/sitemap.xml").pages == ["http://a.gov.cn/s1.xml"]
    urls = "<urlset><url><loc>http://a.gov.cn/x?a=1&amp;b=2</loc><lastmod>2023-03-30T08:00:00+08:00</lastmod></url></urlset>"
    (link,) = read_sitemap(urls, "http://a.gov.cn/s1.xml").links
    assert (link.url, link.date, link.text) == ("http://a.gov.cn/x?a=1&b=2", "2023-03-30", "")


def test_listings_registry_defaults_and_errors():
    (entry,) = parse_listings("listings:\n  - listing_id: gd\n    url: http://www.gd.gov.cn/zwgk/fzzfjs/\n")
    assert entry["max_pages"] == 10 and entry["kind"] == "page" and entry["link_pattern"] is None
    with pytest.raises(RegistryError) as caught:
        parse_listings(
            "listings:\n  - listing_id: Bad Id\n    url: file:///etc/passwd\n"
            "  - listing_id: b\n    url: http://a.gov.cn/\n    kind: rss\n    link_pattern: '('\n    max_pages: 0\n"
        )
    text = str(caught.value)
    assert "entry 1 (listing_id 'Bad Id'): url: 'file:///etc/passwd' is not an http(s) URL" in text
    assert "entry 2 (listing_id 'b'): link_pattern: not a regular expression" in text
    assert parse_listings("listings:\n") == [] and parse_listings("") == []


def test_shipped_listings_are_real_varied_and_each_says_where_it_was_seen():
    from flows.core.config import PROJECT_DIR
    from flows.fetch.discover.listings import load_listings

    path = PROJECT_DIR / "raw" / "listings.yaml"
    listings = load_listings(path)
    assert len(listings) >= 30
    provinces = {listing["region_hint"][:2] for listing in listings if listing["region_hint"]}
    assert len(provinces) >= 10, provinces
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if line.strip().startswith("- listing_id:"):
            assert lines[number - 1].strip().startswith("#"), f"line {number + 1}: no comment saying where it was seen"
    assert all(".gov.cn" in listing["url"] for listing in listings)
