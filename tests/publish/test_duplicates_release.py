"""Copies and revised issues through the real loader and publisher: a report's copy at another url and
an earlier issue replaced by a revision are marked in ``documents`` (duplicate_of, superseded_by),
left out of metrics_canonical, metric_yoy and coverage's counts, and listed in the release's
documents.csv with their canonical id while the release's texts, sections, metrics and facts carry
the canonical documents only."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.load.inputs import LoadInputs
from flows.load.warehouse import load_warehouse
from flows.normalize.catalog import catalog_rows
from flows.publish import releases as publish

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "publish"))
import publish_warehouse as pw  # noqa: E402

SEED = (Path(__file__).parents[1] / "fixtures" / "corpus" / "seed" / "chaoyang-2022.txt").read_text(encoding="utf-8")
# A body long enough to be compared by its 5-grams (the fixture reports are a few lines).
FILLER = SEED[SEED.index("一、") : SEED.index("一、") + 3000].replace("朝阳", "示例")


def _long(result: dict) -> dict:
    result = copy.deepcopy(result)
    document = result["document"]
    document["text"] += FILLER
    document["text_chars"] = len(document["text"])
    return result


def _as_source(result: dict, source_id: str, url: str, **fields) -> dict:
    """The same staged result fetched for another source (its own doc_id) with ``fields`` changed."""
    old = result["doc_id"]
    new = pw.doc_id_for(source_id, result["document"]["snapshot_sha256"])
    moved = json.loads(json.dumps(result, ensure_ascii=False).replace(old, new))
    moved["source_id"] = moved["document"]["source_id"] = source_id
    moved["document"].update(url=url, **fields)
    return moved


def _roster(years) -> list[dict]:
    rows = []
    for year in sorted(y for y in years if y is not None):
        for issuer, (_, region, code, level, _) in pw.ISSUERS.items():
            rows.append(
                {
                    "report_year": year,
                    "issuer_id": issuer,
                    "region_code": code,
                    "name": region.removeprefix("示例省"),
                    "full_name": region,
                    "level": level,
                    "parent_code": "990000" if level == "city" else "990100",
                    "province_code": "990000",
                    "city_code": "990100",
                    "table_year": year,
                }
            )
    return rows


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    city_2022 = _long(pw.report("990100-gov", 2022))
    mirror = _as_source(
        city_2022, "990100-2022-mirror", "https://news.example.com/2022/copy.html", publish_date="2023-04-20"
    )
    city_2021 = _long(pw.report("990100-gov", 2021))
    revised = copy.deepcopy(city_2021)
    document = revised["document"]
    document["text"] = document["text"].replace("受理行政复议案件120件", "受理行政复议案件126件")
    cases = next(m for m in revised["metrics"] if m["metric_code"] == pw.CASES_CODE)
    cases.update(value=126.0, catalog_value=126.0, span="126件", sentence=cases["sentence"].replace("120件", "126件"))
    revised["document"]["snapshot_sha256"] = pw.sha(document["text"])
    revised = _as_source(
        revised, "990100-2021-revised", "https://www.example.invalid/990100-2021-v2.html", publish_date="2022-05-20"
    )
    county = [pw.report("990101-gov", year) for year in (2021, 2022)]
    results = [city_2021, revised, city_2022, mirror, *county]
    inputs = LoadInputs(
        staged=results,
        registry=[pw.source(r) for r in results],
        fetches=[pw.fetch_row(r, f"2024-01-1{i}T08:00:00+00:00") for i, r in enumerate(results)],
        catalog=catalog_rows(),
        roster=_roster,
    )
    warehouse = tmp_path_factory.mktemp("dup") / "warehouse"
    run = {"run_id": "dup-run", "code_version": "0.1.0-test", "parser_version": "0.1.0"}
    counts = load_warehouse(inputs, warehouse_dir=warehouse, run=run, allow_drop=True)
    assert counts["documents"] == 6 and counts.get("quarantine", 0) == 0, counts
    ids = {
        "city_2021": city_2021["doc_id"],
        "revised": revised["doc_id"],
        "city_2022": city_2022["doc_id"],
        "mirror": mirror["doc_id"],
    }
    return warehouse, ids


def _query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse / "fazhi.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_documents_carry_their_canonical_ids(built):
    warehouse, ids = built
    rows = _query(
        warehouse,
        "SELECT doc_id, duplicate_of, duplicate_kind, superseded_by FROM documents "
        "WHERE duplicate_of IS NOT NULL OR superseded_by IS NOT NULL ORDER BY doc_id",
    )
    assert sorted(rows) == sorted(
        [
            (ids["mirror"], ids["city_2022"], "exact", None),  # the same text, published later elsewhere
            (ids["city_2021"], None, None, ids["revised"]),  # republished on its site with a corrected figure
        ]
    )


def test_views_use_canonical_documents(built):
    warehouse, ids = built
    docs = {row[0] for row in _query(warehouse, "SELECT DISTINCT doc_id FROM metrics_canonical")}
    assert ids["mirror"] not in docs and ids["city_2021"] not in docs
    assert {ids["city_2022"], ids["revised"]} <= docs
    yoy = _query(
        warehouse,
        f"SELECT report_year, value, doc_id, prev_value, prev_doc_id FROM metric_yoy "
        f"WHERE issuer_id = '990100-gov' AND metric_code = '{pw.CASES_CODE}' ORDER BY report_year",
    )
    assert yoy == [
        (2021, 126.0, ids["revised"], None, None),
        (2022, 135.0, ids["city_2022"], 126.0, ids["revised"]),
    ]
    coverage = _query(
        warehouse,
        "SELECT report_year, report_count, doc_id, publish_date::VARCHAR, on_time FROM coverage "
        "WHERE issuer_id = '990100-gov' ORDER BY report_year",
    )
    # the copy is not counted; the superseded issue is, and its date is the first publication
    assert coverage == [
        (2021, 2, ids["city_2021"], "2022-03-15", True),
        (2022, 1, ids["city_2022"], "2023-03-15", True),
    ]
    assert _query(warehouse, "SELECT count(*) FROM coverage_unresolved") == [(0,)]


def test_release_lists_the_copy_and_carries_canonical_content(built, tmp_path):
    warehouse, ids = built
    releases = tmp_path / "releases"
    publish.publish_years(warehouse_dir=warehouse, releases_dir=releases, years=[2021, 2022])
    directory = releases / "2022" / "2022.1"
    documents = pd.read_csv(directory / "documents.csv", dtype=str, keep_default_na=False)
    listed = dict(zip(documents["doc_id"], documents["duplicate_of"]))
    assert listed == {
        ids["city_2022"]: "",
        ids["mirror"]: ids["city_2022"],
        pw.report("990101-gov", 2022)["doc_id"]: "",
    }
    for name in ("documents_text", "sections", "metrics", "facts"):
        frame = pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False)
        assert ids["mirror"] not in set(frame["doc_id"]), name
        assert ids["city_2022"] in set(frame["doc_id"]), name
    readme = (directory / "README.md").read_text(encoding="utf-8")
    assert "其中 1 份为另一文档的副本" in readme and "of which 1 are copies of another document" in readme
    earlier = releases / "2021" / "2021.1"
    documents = pd.read_csv(earlier / "documents.csv", dtype=str, keep_default_na=False)
    assert dict(zip(documents["doc_id"], documents["superseded_by"]))[ids["city_2021"]] == ids["revised"]
    metrics = pd.read_csv(earlier / "metrics.csv", dtype=str, keep_default_na=False)
    assert ids["city_2021"] not in set(metrics["doc_id"]) and ids["revised"] in set(metrics["doc_id"])
