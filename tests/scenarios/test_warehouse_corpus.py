"""A multi-year warehouse from the real dev corpus: 南昌县 reported 2019-2023."""

from __future__ import annotations

import duckdb
import pytest
from corpus_root import build_corpus_root

from flows import stages

NANCHANG = ["d01", "d02", "d03", "d04", "d05"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, corpus_dir):
    root = tmp_path_factory.mktemp("corpus")
    settings = build_corpus_root(root, corpus_dir)
    counts = stages.normalize_stage(settings)
    assert counts["parsed"] == 27 and counts.get("quarantined", 0) == 0
    stages.load_stage(
        settings,
        run={
            "run_id": "test",
            "started_at": "2024-01-01T00:00:00+00:00",
            "code_version": "test",
            "parser_version": "test",
        },
    )
    with duckdb.connect(str(settings.warehouse_dir / "fazhi.duckdb"), read_only=True) as con:
        yield con


def test_nanchang_county_is_one_issuer_over_five_years(warehouse):
    rows = warehouse.execute("""
        SELECT issuer_id, report_year, region_code FROM documents
        WHERE source_id IN ('dev-d01','dev-d02','dev-d03','dev-d04','dev-d05') ORDER BY report_year""").fetchall()
    assert [r[1] for r in rows] == [2019, 2020, 2021, 2022, 2023]
    assert len({r[0] for r in rows}) == 1
    assert {r[2] for r in rows} == {"360121"}
    covered = warehouse.execute(
        "SELECT list(report_year ORDER BY report_year) FROM coverage WHERE issuer_id = ? AND has_report", [rows[0][0]]
    ).fetchone()[0]
    assert covered == [2019, 2020, 2021, 2022, 2023]


def test_shanghai_reports_two_documents_for_one_year(warehouse):
    # d16 (a traditional-script mirror) and d17 are the same 2021 report at two urls.
    rows = warehouse.execute("""
        SELECT issuer_id, is_traditional_script FROM documents
        WHERE source_id IN ('dev-d16', 'dev-d17') ORDER BY source_id""").fetchall()
    assert rows[0][0] == rows[1][0]
    assert [r[1] for r in rows] == [True, False]


def test_every_table_and_column_has_a_comment(warehouse):
    missing = warehouse.execute("""
        SELECT table_name, column_name FROM duckdb_columns()
        WHERE table_name IN (SELECT table_name FROM duckdb_tables() WHERE NOT internal
                             UNION SELECT view_name FROM duckdb_views() WHERE NOT internal)
          AND (comment IS NULL OR comment = '')""").fetchall()
    assert missing == []
    tables = warehouse.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND (comment IS NULL OR comment = '')"
    ).fetchall()
    assert tables == []


def test_metric_provenance_slices_the_document_text(warehouse):
    rows = warehouse.execute("""
        SELECT m.span, substr(d.text, m.start + 1, m."end" - m.start) FROM metrics m JOIN documents d USING (doc_id)""").fetchall()
    assert len(rows) > 50
    assert all(span == sliced for span, sliced in rows)
