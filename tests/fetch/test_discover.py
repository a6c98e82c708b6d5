"""Discovery over loopback HTTP: a synthetic portal (tests/discover_portal.py), real fetcher, real archive."""

from __future__ import annotations

import yaml
from discover_portal import (
    CITIES,
    COLUMN_REPORTS,
    LISTINGS,
    NEAR_MISSES,
    PDF_PATH,
    UNDATED_REVIEW,
    city_report_path,
    listing_entries,
    serve_portal,
)
from loopback import loopback  # noqa: F401  (a fixture)

from flows.core.config import PROJECT_DIR
from flows.fetch.archive import Archive
from flows.fetch.discover.run import MAX_LINKS, NOT_FETCHED, decide, discover
from flows.fetch.discover.state import LISTING_MANIFEST_NAME, REVIEW_NAME
from flows.fetch.http import FetchOptions
from flows.fetch.registry import DISCOVERED_NAME, load_sources

FAST = FetchOptions(
    connect_timeout=1.0, read_timeout=1.0, retries=0, per_host_delay=0.0, allow_private_addresses=True, trust_env=False
)
LOGIN_WALL = (PROJECT_DIR / "tests/fixtures/bad/login_wall.html").read_bytes()


def _discovered(raw) -> dict[str, dict]:
    document = yaml.safe_load((raw / DISCOVERED_NAME).read_text(encoding="utf-8"))
    return {entry["url"]: entry for entry in document["sources"]}


def _by_id(result) -> dict:
    return {r.listing_id: r for r in result.listings}


def _portal_run(loopback, tmp_path, **kwargs):
    serve_portal(loopback, LOGIN_WALL)
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    (raw / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    return raw, discover(raw, listing_entries(loopback), options=FAST, **kwargs)


def test_column_pages_in_three_layouts_and_encodings_give_every_report_once(loopback, tmp_path):
    raw, result = _portal_run(loopback, tmp_path)
    column = _by_id(result)["jn-col"]
    assert column.outcome == "read" and column.pages == 3  # page 1 again (the loop) is not read twice
    assert loopback.hits("/col/index.html") == 1 and loopback.hits("/col/index_1.html") == 1
    assert loopback.hits("/col/index_2.html") == 1 and loopback.hits("/robots.txt") == 1
    found = _discovered(raw)
    expected = {loopback.url(path) for path, *_ in COLUMN_REPORTS} | {loopback.url(PDF_PATH)}
    assert {url for url, e in found.items() if e["discovered_from"] == "jn-col"} == expected
    assert column.accepted == 7 and column.review == 1 and column.new_candidates == 8
    first = found[loopback.url(COLUMN_REPORTS[0][0])]  # linked twice: one entry, fuller text, no tracking
    assert first["discovery"]["link_text"] == COLUMN_REPORTS[0][1]
    assert first["discovery"]["link_date"] == "2023-03-28"
    assert first["report_year_hint"] == 2022 and first["issuer"] == "江宁区人民政府"
    assert first["region_hint"] == "江苏省南京市江宁区"
    manifest = Archive(raw, manifest_name=LISTING_MANIFEST_NAME).rows()
    page_one = next(r for r in manifest if r["url"] == loopback.url("/col/index.html"))
    assert first["discovery"]["listing_snapshot_sha256"] == page_one["snapshot_sha256"]
    assert first["discovery"]["found_at"].endswith("Z")
    gbk = found[loopback.url(COLUMN_REPORTS[2][0])]  # from the GBK table page
    assert gbk["discovery"]["link_text"] == "江宁区2020年法治政府建设年度报告"
    assert gbk["discovery"]["link_date"] == "2021-03-25" and gbk["report_year_hint"] == 2020
    scripted = [found[loopback.url(COLUMN_REPORTS[i][0])]["discovery"] for i in (4, 5)]
    assert [s["link_date"] for s in scripted] == ["2019-03-29", "2018-03-30"]
    assert found[loopback.url(PDF_PATH)]["report_year_hint"] == 2022
    assert not any(loopback.url(path) in found for path, _ in NEAR_MISSES)
    review = yaml.safe_load((raw / REVIEW_NAME).read_text(encoding="utf-8"))["candidates"]
    assert [(c["url"], c["status"], c["reason"]) for c in review] == [
        (loopback.url(UNDATED_REVIEW[0]), "pending", "no report year in the link text")
    ]
    # The discovered sources are registry entries: two-line-style hints, the human registry untouched.
    sources = {s["url"]: s for s in load_sources(raw / "sources.yaml")}
    assert set(sources) == set(found)
    assert all(s["discovered_from"] and s["is_synthetic"] is False and s["notes"] is None for s in sources.values())
    assert (raw / "sources.yaml").read_text(encoding="utf-8") == "sources: []\n"


def test_province_roundup_gives_fifteen_city_reports(loopback, tmp_path):
    raw, result = _portal_run(loopback, tmp_path)
    roundup = _by_id(result)["js-roundup"]
    assert (roundup.pages, roundup.links, roundup.accepted, roundup.review) == (1, 15, 15, 0)
    found = _discovered(raw)
    for n, city in enumerate(CITIES, start=1):
        entry = found[loopback.url(city_report_path(n))]
        assert entry["issuer"] == f"{city}市人民政府" and entry["report_year_hint"] == 2022
        assert entry["discovered_from"] == "js-roundup"


def test_listings_that_cannot_be_read_end_in_a_one_line_reason(loopback, tmp_path):
    raw, result = _portal_run(loopback, tmp_path)
    by_id = _by_id(result)
    assert by_id["gone"].outcome == "HTTP 404 Not Found"
    assert by_id["moved"].outcome.startswith("refused: redirect off-site to http://localhost:")
    assert loopback.hits("/elsewhere/") == 0
    assert "login" in by_id["login"].outcome.lower() or "登录" in by_id["login"].outcome
    assert by_id["private"].outcome == "robots.txt refuses /private/index.html"
    assert loopback.hits("/private/index.html") == 0
    for listing_id in ("gone", "moved", "login", "private"):
        assert by_id[listing_id].pages == 0 and by_id[listing_id].accepted == 0
        assert "\n" not in by_id[listing_id].outcome
    big = by_id["big"]
    assert big.links == MAX_LINKS and big.accepted == 0
    assert big.warnings == [f"listing big: more than {MAX_LINKS} links; the rest are not read"]
    assert by_id["ajax"].warnings == [
        "listing ajax: part of the list is loaded by a script from elsewhere; only links in the page are read"
    ]
    assert result.counts()["listings_not_read"] == 4


def test_rerun_adds_nothing_and_decisions_persist(loopback, tmp_path):
    raw, first = _portal_run(loopback, tmp_path)
    before = (raw / DISCOVERED_NAME).read_bytes()
    second = discover(raw, listing_entries(loopback), options=FAST)
    counts = second.counts()
    assert counts["discover_new_candidates"] == 0 and counts["discover_accepted"] == 0
    assert counts["discover_known"] == first.counts()["discover_new_candidates"]
    assert (raw / DISCOVERED_NAME).read_bytes() == before
    assert loopback.hits("/col/index.html") == 2  # once a run (conditional GET), never twice in one

    (candidate,) = yaml.safe_load((raw / REVIEW_NAME).read_text(encoding="utf-8"))["candidates"]
    lines = decide(raw, [candidate["candidate_id"][:6]], accept=False)
    assert lines == [f"{candidate['candidate_id']}: rejected ({candidate['url']})"]
    assert decide(raw, [candidate["candidate_id"]], accept=True) == [
        f"{candidate['candidate_id']}: already rejected ({candidate['url']})"
    ]
    third = discover(raw, listing_entries(loopback, ["jn-col"]), options=FAST)
    assert third.counts()["discover_review"] == 0 and candidate["url"] not in _discovered(raw)


def test_accepting_a_candidate_adds_it_with_its_provenance(loopback, tmp_path):
    raw, _ = _portal_run(loopback, tmp_path)
    (candidate,) = yaml.safe_load((raw / REVIEW_NAME).read_text(encoding="utf-8"))["candidates"]
    (line,) = decide(raw, [candidate["candidate_id"]], accept=True)
    entry = _discovered(raw)[candidate["url"]]
    assert line == f"{candidate['candidate_id']}: accepted as {entry['source_id']} ({candidate['url']})"
    assert entry["discovered_from"] == "jn-col" and entry["discovery"]["decision"] == "accepted in review"
    assert entry["discovery"]["link_text"] == UNDATED_REVIEW[1]
    try:
        decide(raw, ["ffffffffff"], accept=True)
    except LookupError as error:
        assert str(error) == "ffffffffff"
    else:
        raise AssertionError("an unknown id must be refused")


def test_offline_reads_the_archive_and_reports_unfetched_listings(loopback, tmp_path):
    raw, first = _portal_run(loopback, tmp_path)
    hits = len(loopback.requests)
    (raw / DISCOVERED_NAME).unlink()
    (raw / REVIEW_NAME).unlink()
    listings = listing_entries(loopback) + [
        {**listing_entries(loopback, ["gone"])[0], "listing_id": "never", "url": loopback.url("/never/")}
    ]
    offline = discover(raw, listings, offline=True, options=FAST)
    assert len(loopback.requests) == hits  # no request at all
    by_id = _by_id(offline)
    assert by_id["never"].outcome == NOT_FETCHED and by_id["gone"].outcome == NOT_FETCHED
    assert by_id["jn-col"].pages == 3 and by_id["jn-col"].accepted == _by_id(first)["jn-col"].accepted
    assert by_id["js-roundup"].accepted == 15


def test_listing_ids_are_in_the_listings_of_the_portal():
    assert set(LISTINGS) == {e["listing_id"] for e in listing_entries(type("S", (), {"url": lambda self, p: p})())}


def test_link_pattern_sends_an_odd_column_title_to_review(loopback, tmp_path):
    from loopback import Reply

    odd = "<html><head><meta charset='utf-8'></head><body><ul><li><a href='/odd/1.html'>区政府年度工作报告（法治篇）</a></li><li><a href='/odd/2.html'>区政府工作报告</a></li></ul></body></html>"
    loopback.route("/odd/index.html", Reply(200, odd.encode(), {"Content-Type": "text/html; charset=utf-8"}))
    raw = tmp_path / "raw"
    raw.mkdir()
    (listing,) = listing_entries(loopback, ["gone"])
    listing = {**listing, "listing_id": "odd", "url": loopback.url("/odd/index.html"), "link_pattern": "法治篇"}
    result = discover(raw, [listing], options=FAST)
    assert (result.listings[0].accepted, result.listings[0].review) == (0, 1)
    (entry,) = yaml.safe_load((raw / REVIEW_NAME).read_text(encoding="utf-8"))["candidates"]
    assert entry["url"] == loopback.url("/odd/1.html") and entry["reason"].startswith(
        "matches the listing's link_pattern"
    )
