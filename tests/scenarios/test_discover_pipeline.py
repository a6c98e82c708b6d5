"""End to end over loopback: discover -> fetch -> normalize -> load puts a synthetic portal's reports in
the warehouse, each source with its discovered_from; a two-line hand-written entry loads beside them."""

from __future__ import annotations

import shutil
from dataclasses import replace

import duckdb
import pytest
from discover_portal import COLUMN_REPORTS, PDF_PATH, serve_portal
from loopback import loopback  # noqa: F401  (a fixture)

from flows import stages
from flows.core.config import PROJECT_DIR, load_settings


def test_discovered_reports_reach_the_warehouse_with_their_provenance(loopback, tmp_path):
    serve_portal(loopback, (PROJECT_DIR / "tests/fixtures/bad/login_wall.html").read_bytes())
    settings = replace(load_settings().with_root(tmp_path), allow_private_addresses=True)
    settings.raw_dir.mkdir(parents=True)
    by_hand = loopback.url(COLUMN_REPORTS[0][0])
    settings.registry_path.write_text(f"sources:\n  - source_id: jn-2022\n    url: {by_hand}\n", encoding="utf-8")
    (settings.raw_dir / "listings.yaml").write_text(
        f"listings:\n  - listing_id: jn-col\n    url: {loopback.url('/col/index.html')}\n"
        f"    region_hint: 江苏省南京市江宁区\n",
        encoding="utf-8",
    )

    found = stages.discover_stage(settings)
    assert found["discover_accepted"] == 6 and found["discover_known"] == 1  # the hand-written url is not added
    assert [row["listing"] for row in found["per_listing"]] == ["jn-col"]
    fetched = stages.fetch_stage(settings)
    assert fetched["sources"] == 7 and fetched["new"] == 7  # the PDF too: attachments are parsed
    stages.normalize_stage(settings, workers=1)
    stages.load_stage(settings, run={"run_id": "discover-e2e"})

    con = duckdb.connect(str(settings.warehouse_dir / "fazhi.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT s.url, s.discovered_from, s.issuer, s.report_year_hint, d.report_year, d.is_report "
            "FROM sources s LEFT JOIN documents d USING (source_id) ORDER BY s.url"
        ).fetchall()
    finally:
        con.close()
    by_url = {url: rest for url, *rest in rows}
    assert by_url[by_hand] == [None, None, None, 2022, True]  # two lines in the registry: hints all null
    for path, _, date, _ in COLUMN_REPORTS[1:]:
        discovered_from, _, year_hint, year, is_report = by_url[loopback.url(path)]
        assert (discovered_from, year_hint, year, is_report) == ("jn-col", int(date[:4]) - 1, int(date[:4]) - 1, True)
    assert by_url[loopback.url(PDF_PATH)][:2] == ["jn-col", "江宁区人民政府"]
    assert by_url[loopback.url(PDF_PATH)][3] is None  # archived; this stand-in PDF does not parse (quarantined)
    assert len(by_url) == 7


@pytest.mark.flow
def test_discover_flow_offline_on_a_fresh_clone_reports_the_shipped_listings_as_not_yet_fetched(
    prefect_harness, tmp_path
):
    from prefect.client.orchestration import get_client

    from flows.fetch.discover.listings import load_listings
    from flows.pipeline import discover_flow, format_listings

    shutil.copytree(PROJECT_DIR / "raw", tmp_path / "raw")
    before = sorted(p.name for p in (tmp_path / "raw").iterdir())
    shipped = load_listings(tmp_path / "raw" / "listings.yaml")
    counts = discover_flow(root=str(tmp_path), offline=True)
    rows = counts["per_listing"]
    assert [row["listing"] for row in rows] == [listing["listing_id"] for listing in shipped]
    assert {row["outcome"] for row in rows} == {"not yet fetched"}
    assert counts["listings"] == len(shipped) >= 30 and counts["listings_not_read"] == len(shipped)
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == before  # nothing written
    assert "not yet fetched" in format_listings(rows).splitlines()[1]
    with get_client(sync_client=True) as client:
        artifact = client.read_latest_artifacts()
    keys = {a.key for a in artifact}
    assert {"discover-listings", "discover-summary"} <= keys


def test_review_queue_from_the_command_line(loopback, tmp_path, monkeypatch, capsys):
    from flows.cli import main
    from flows.fetch.discover.run import discover
    from flows.fetch.http import FetchOptions

    serve_portal(loopback, (PROJECT_DIR / "tests/fixtures/bad/login_wall.html").read_bytes())
    monkeypatch.setenv("FAZHI_ROOT", str(tmp_path))
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    listing = {"listing_id": "jn-col", "url": loopback.url("/col/index.html"), "issuer_hint": None}
    listing |= {"region_hint": None, "max_pages": 10, "link_pattern": None, "kind": "page", "notes": None}
    options = FetchOptions(per_host_delay=0.0, retries=0, allow_private_addresses=True, trust_env=False)
    discover(raw, [listing], options=options)

    assert main(["discover", "--review"]) == 0
    out = capsys.readouterr().out
    assert "江宁区法治政府建设工作情况报告" in out and "1 candidate(s) waiting for review" in out
    candidate_id = out.split()[0]
    assert main(["accept", candidate_id[:6]]) == 0
    assert capsys.readouterr().out.startswith(f"{candidate_id}: accepted as jn-col-nd-")
    assert main(["reject", "zzzzzz"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fazhi reject: error: ") and "no candidate with id zzzzzz" in err and "\n" not in err
    assert main(["discover", "--review"]) == 0
    assert "0 candidate(s) waiting for review" in capsys.readouterr().out
