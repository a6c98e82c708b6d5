"""The synthetic report generator (bench/synthetic.py): deterministic, parseable, always marked synthetic."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import synthetic  # noqa: E402

from flows import stages  # noqa: E402
from flows.core import contracts  # noqa: E402
from flows.core.config import load_settings  # noqa: E402
from flows.fetch.archive import Archive  # noqa: E402
from flows.fetch.encoding import detect_encoding  # noqa: E402
from flows.fetch.http import FetchOptions, fetch_sources  # noqa: E402
from flows.fetch.registry import load_registry  # noqa: E402
from flows.load.checks import ALL_NULL_MIN_ROWS  # noqa: E402
from flows.normalize.document import ParseInput, parse_snapshot  # noqa: E402
from flows.stages import plan_normalize  # noqa: E402


@pytest.fixture(scope="module")
def corpus():
    return synthetic.SyntheticCorpus(issuers=6, years=3, seed=7)


@pytest.fixture(scope="module")
def parsed(corpus):
    """(page, result) for every page of the corpus, parsed as normalize would with registry hints."""
    out = []
    for page in corpus.pages():
        entry = page.registry_entry()
        out.append(
            (
                page,
                parse_snapshot(
                    ParseInput(
                        data=page.data,
                        source_id=page.source_id,
                        snapshot_sha256=page.sha256,
                        url=entry["url"],
                        content_type=page.content_type,
                        issuer_hint=entry["issuer"],
                        region_hint=entry["region_hint"],
                        report_year_hint=entry["report_year_hint"],
                        is_synthetic=entry["is_synthetic"],
                    )
                ),
            )
        )
    return out


def test_pages_are_deterministic_per_seed_and_index():
    first = synthetic.SyntheticCorpus(issuers=4, years=2, seed=3)
    again = synthetic.SyntheticCorpus(issuers=4, years=2, seed=3)
    other = synthetic.SyntheticCorpus(issuers=4, years=2, seed=4)
    assert [p.data for p in first.pages()] == [p.data for p in again.pages()]
    assert [p.source_id for p in first.pages()] == [p.source_id for p in again.pages()]
    assert first.page(5).planted == again.page(5).planted
    assert first.page(0).data != other.page(0).data
    # a page does not depend on the pages made before it (the server makes them out of order)
    assert first.page(6).data == synthetic.SyntheticCorpus(issuers=4, years=2, seed=3).page(6).data


def test_corpus_shape_issuers_by_years(corpus):
    assert len(corpus) == 18
    years = {corpus.locate(i)[1] for i in range(len(corpus))}
    assert years == {2021, 2022, 2023}
    ids = [corpus.source_id(i) for i in range(len(corpus))]
    assert len(set(ids)) == len(ids)
    assert synthetic.SyntheticCorpus.of_size(1000).years == 5
    assert len(synthetic.SyntheticCorpus.of_size(1000)) == 1000


def test_every_page_parses_into_a_report_with_its_issuer_region_and_year(parsed):
    for page, result in parsed:
        document = result.document
        assert document is not None, result.quarantine
        assert document["is_report"] is True
        assert document["report_year"] == page.report_year
        assert document["publish_date"] == page.publish_date
        assert document["region_code"] == page.issuer.region_code, (page.issuer, document["region_name"])
        assert document["title"] == page.title
        assert [s for s in result.sections if s["level"] == 1][0]["heading"].startswith(f"{page.report_year}年")


def test_planted_metrics_come_back_with_value_unit_and_kind(parsed):
    found = planted = 0
    for page, result in parsed:
        got = {(m["span"], m["value"], m["unit"], m["kind"], m["qualifier"]) for m in result.metrics}
        for metric in page.planted:
            planted += 1
            found += (metric.span, metric.value, metric.unit, metric.kind, metric.qualifier) in got
    assert planted > 100
    assert found / planted >= 0.95, f"{found}/{planted} planted metrics recovered"

    # a few by hand: the values are the page's, not constants
    page, result = parsed[0]
    by_span = {m["span"]: m for m in result.metrics}
    for metric in page.planted[:5]:
        assert by_span[metric.span]["value"] == metric.value
        assert by_span[metric.span]["unit"] == metric.unit


def test_wan_amounts_carry_the_multiplier():
    corpus = synthetic.SyntheticCorpus(issuers=20, years=1, seed=11)
    wan = [(p, m) for p in corpus.pages() for m in p.planted if "万" in m.span]
    assert wan, "no 万 figures in 20 pages"
    page, metric = wan[0]
    result = parse_snapshot(
        ParseInput(
            data=page.data, source_id=page.source_id, snapshot_sha256=page.sha256, content_type=page.content_type
        )
    )
    match = [m for m in result.metrics if m["span"] == metric.span]
    assert match and match[0]["value"] == metric.value and match[0]["value"] >= 10000
    assert match[0]["unit"] == metric.unit and "万" not in metric.unit


def test_everything_is_marked_synthetic(corpus, parsed, tmp_path):
    for page, result in parsed:
        assert page.source_id.startswith("synthetic-")
        assert page.registry_entry()["is_synthetic"] is True
        assert synthetic.SYNTHETIC_MARK in result.document["text"]
        assert result.document["is_synthetic"] is True
    synthetic.write_registry(tmp_path / "sources.yaml", corpus)
    sources = load_registry(tmp_path / "sources.yaml")
    assert len(sources) == len(corpus)
    assert all(s["is_synthetic"] and s["source_id"].startswith("synthetic-") for s in sources)


def test_layouts_and_encodings_are_mixed_and_gbk_pages_decode():
    pages = list(synthetic.SyntheticCorpus(issuers=12, years=2, seed=5).pages())
    assert {p.layout for p in pages} == {"div", "table"}
    gbk = [p for p in pages if p.charset in ("gbk", "gb18030")]
    assert gbk and any(p.charset == "utf-8" for p in pages)
    for page in gbk:
        with pytest.raises(UnicodeDecodeError):
            page.data.decode("utf-8")
        encoding, _ = detect_encoding(page.data, page.content_type)
        assert encoding == "gb18030"
        assert page.title in page.data.decode(encoding)
        result = parse_snapshot(
            ParseInput(
                data=page.data, source_id=page.source_id, snapshot_sha256=page.sha256, content_type=page.content_type
            )
        )
        assert result.document["title"] == page.title
        assert synthetic.SYNTHETIC_MARK in result.document["text"]


def test_write_archive_makes_a_root_the_pipeline_reads(corpus, tmp_path):
    totals = synthetic.write_archive(tmp_path, corpus)
    assert totals["pages"] == len(corpus)
    archive = Archive(tmp_path / "raw")
    rows = archive.rows()
    assert [r["source_id"] for r in rows] == [corpus.source_id(i) for i in range(len(corpus))]
    for row in rows:
        assert contracts.errors(row, "fetch") == []
    page = corpus.page(4)
    assert archive.read(rows[4]["snapshot_sha256"]) == page.data
    assert rows[4]["encoding"] == ("utf-8" if page.charset == "utf-8" else "gb18030")
    plan = plan_normalize(load_settings().with_root(tmp_path))
    assert len(plan.items) == len(corpus) and plan.up_to_date == 0
    assert all(item.is_synthetic for item in plan.items)
    with pytest.raises(FileExistsError):
        synthetic.write_archive(tmp_path, corpus)


def test_server_serves_pages_for_fetch_and_answers_304(tmp_path):
    corpus = synthetic.SyntheticCorpus(issuers=2, years=2, seed=9)
    with synthetic.SyntheticServer(corpus) as server:
        path = tmp_path / "raw" / "sources.yaml"
        synthetic.write_registry(path, corpus, server.base_url)
        sources = load_registry(path)
        archive = Archive(tmp_path / "raw")
        options = FetchOptions(allow_private_addresses=True, per_host_delay=0.0)
        first = fetch_sources(sources, archive, options=options)
        assert first.counts.get("new") == 4
        assert [archive.read(r["snapshot_sha256"]) for r in first.rows] == [p.data for p in corpus.pages()]
        again = fetch_sources(sources, archive, refresh=True, options=options)
        assert again.counts.get("not_modified") == 4
        assert server.hits == 8


def test_an_archive_of_reports_only_loads_with_every_data_check_passing(tmp_path):
    """The benchmark's corpus: every page a report, so no row has a not-report reason. Enough rows
    (more than the all-null check's minimum) that a column null everywhere would fail the load."""
    corpus = synthetic.SyntheticCorpus(issuers=40, years=3, seed=11)
    synthetic.write_archive(tmp_path, corpus)
    settings = load_settings().with_root(tmp_path)
    stages.fetch_stage(settings, offline=True)
    assert stages.normalize_stage(settings)["reports"] == len(corpus) > ALL_NULL_MIN_ROWS
    counts = stages.load_stage(settings, run={"run_id": "synthetic-reports-only"})
    assert counts["documents"] == counts["report_documents"] == len(corpus)
