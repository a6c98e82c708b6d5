"""The loader on a small SYNTHETIC warehouse: 2 invented issuers (示例市甲县, 示例市乙县, fake region
codes 99xxxx) x 3 report years, hand-made staged records, fixture schemas for the parser's tables
(tests/fixtures/warehouse/schemas) and the real run/quarantine schemas."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.core.config import SCHEMAS_DIR
from flows.load import checks
from flows.load.checks import DataCheckError
from flows.load.columns import table_spec
from flows.load.duckdb_build import build_duckdb, create_table_sql
from flows.load.inputs import LoadInputs, staged_since_schemas
from flows.load.parquet import read_dataset, write_dataset
from flows.load.specs import load_specs
from flows.load.tables import with_source_flags
from flows.load.views import create_views
from flows.load.warehouse import load_warehouse
from flows.normalize.staging import iter_staged, write_staged

FIXTURE_SCHEMAS = Path(__file__).parents[1] / "fixtures" / "warehouse" / "schemas"
YEARS = (2020, 2021, 2022)
ISSUERS = {  # issuer_id -> (name, region code)
    "synthetic-jia": ("示例市甲县人民政府", "990101"),
    "synthetic-yi": ("示例市乙县人民政府", "990102"),
}
REGIONS = [  # keyed by code and validity like the real code tables, so code references are check-only
    {"region_code": "990000", "name": "示例省", "level": "province", "parent_code": None, "valid_from_year": 1990},
    {"region_code": "990100", "name": "示例市", "level": "city", "parent_code": "990000", "valid_from_year": 1990},
    {"region_code": "990101", "name": "甲县", "level": "county", "parent_code": "990100", "valid_from_year": 1990},
    {"region_code": "990102", "name": "乙县", "level": "county", "parent_code": "990100", "valid_from_year": 1990},
    {"region_code": "990200", "name": "无关市", "level": "city", "parent_code": "990000", "valid_from_year": 1990},
]
ROSTER = [  # (issuer_id, region code, name, level, parent code): who must report, each roster year
    ("synthetic-province", "990000", "示例省", "province", None),
    ("synthetic-city", "990100", "示例市", "city", "990000"),
    ("synthetic-jia", "990101", "甲县", "county", "990100"),
    ("synthetic-yi", "990102", "乙县", "county", "990100"),
    ("990200-gov", "990200", "无关市", "city", "990000"),  # a real-style id: its departments' reports count for it
]


def roster_rows(report_years) -> list[dict]:
    return [
        {
            "report_year": year,
            "issuer_id": issuer,
            "region_code": code,
            "name": name,
            "full_name": name,
            "level": level,
            "parent_code": parent,
            "province_code": "990000",
            "city_code": "990100" if level != "province" else None,
            "table_year": year,
        }
        for year in sorted(y for y in report_years if y is not None and y >= 2019)
        for issuer, code, name, level, parent in ROSTER
    ]


CATALOG = [
    {
        "metric_code": "cases_received",
        "name_zh": "受理案件数",
        "name_en": "Cases received",
        "kind": "count",
        "unit": "件",
        "unit_family": "items",
        "multiple_values": "max",
        "match_rules": {"kinds": ["count"], "rules": [{"subject": ["案件"]}]},
    },
    {
        "metric_code": "win_rate",
        "name_zh": "胜诉率",
        "name_en": "Win rate",
        "kind": "percent",
        "unit": "%",
        "unit_family": "percent",
        "multiple_values": "none",
        "match_rules": {"kinds": ["percent"]},
    },
]
# issuer -> year -> cases_received values in text order (the larger feeds metric_yoy: the code's rule is max)
CASES = {
    "synthetic-jia": {2020: [100], 2021: [120, 7], 2022: [90]},
    "synthetic-yi": {2020: [40], 2021: [44], 2022: [55]},
}
NOT_A_REPORT = ("synthetic-yi", 2021)  # staged but is_report = false: left out of YoY and coverage


@pytest.fixture(scope="module")
def specs(tmp_path_factory) -> dict:
    schemas = tmp_path_factory.mktemp("schemas")
    for path in FIXTURE_SCHEMAS.glob("*.schema.json"):
        shutil.copy(path, schemas / path.name)
    for name in ("run", "quarantine"):
        shutil.copy(SCHEMAS_DIR / f"{name}.schema.json", schemas / f"{name}.schema.json")
    return load_specs(schemas)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def doc_id(source_id: str, snapshot: str) -> str:
    return hashlib.sha256(f"{source_id}\n{snapshot}".encode()).hexdigest()[:16]


def source_id(issuer: str, year: int) -> str:
    return f"{issuer}-{year}"


def staged_result(issuer: str, year: int, *, version: str = "v1", cases=None, is_synthetic=True) -> dict:
    """A synthetic document with two sections and its metrics, as normalize would stage it."""
    sid = source_id(issuer, year)
    snapshot = sha(f"{sid} {version}")
    did = doc_id(sid, snapshot)
    name, code = ISSUERS[issuer]
    body = f"（合成测试数据）{name}{year}年法治政府建设情况的报告。一、主要举措 （一）复议 ......"
    sections = [
        {
            "section_id": f"{did}-s001",
            "doc_id": did,
            "parent_id": None,
            "level": 1,
            "heading": "主要举措",
            "start": 10,
            "end": 400,
            "ordinal": 1,
        },
        {
            "section_id": f"{did}-s002",
            "doc_id": did,
            "parent_id": f"{did}-s001",
            "level": 2,
            "heading": "复议",
            "start": 20,
            "end": 400,
            "ordinal": 2,
        },
    ]
    metrics = []
    for n, value in enumerate(CASES[issuer][year] if cases is None else cases):
        start = 30 + 50 * n
        metrics.append(
            {
                "metric_id": f"{did}-m{start:06d}",
                "doc_id": did,
                "section_id": f"{did}-s002",
                "value": value,
                "unit": "件",
                "qualifier": "余" if n else None,
                "kind": "count",
                "direction": None,
                "subject": "行政复议案件",
                "span": f"{value}件",
                "start": start,
                "end": start + len(str(value)) + 1,
                "sentence": f"受理行政复议案件{value}件",
                "metric_code": "cases_received",
                "catalog_value": value,
            }
        )
    metrics.append(
        {
            "metric_id": f"{did}-m000300",
            "doc_id": did,
            "section_id": f"{did}-s001",
            "value": 95.5,
            "unit": "%",
            "qualifier": "近",
            "kind": "percent",
            "direction": "up",
            "subject": "胜诉率",
            "span": "近95.5%",
            "start": 300,
            "end": 306,
            "sentence": "胜诉率近95.5%",
            "metric_code": "win_rate",
            "catalog_value": 95.5,
        }
    )
    metrics.append(
        {
            "metric_id": f"{did}-m000350",
            "doc_id": did,
            "section_id": None,
            "value": 3,
            "unit": "场",
            "qualifier": None,
            "kind": "count",
            "direction": None,
            "subject": "培训",
            "span": "3场",
            "start": 350,
            "end": 352,
            "sentence": "举办培训3场",
            "metric_code": None,
            "catalog_value": None,
        }
    )
    document = {
        "doc_id": did,
        "source_id": sid,
        "url": f"https://example.invalid/{sid}.html",
        "snapshot_sha256": snapshot,
        "title": f"{name}关于{year}年法治政府建设情况的报告",
        "issuers": [name],
        "issuer_type": "government",
        "issuer_id": issuer,
        "region_name": f"示例省示例市{name[3:5]}",
        "region_code": code,
        "region_level": "county",
        "report_year": year,
        "publish_date": f"{year + 1}-03-0{1 if version == 'v1' else 2}",
        "is_report": (issuer, year) != NOT_A_REPORT,
        "is_synthetic": is_synthetic,
        "text": body,
        "parser_version": "test",
        "warnings": [],
    }
    quarantine = [
        {
            "stage": "normalize:metric",
            "schema": "metric",
            "source_id": sid,
            "doc_id": did,
            "record_id": f"{did}-m000999",
            "reason": "value: None is not of type 'number'",
            "record_json": json.dumps({"metric_id": f"{did}-m000999"}),
        }
    ]
    return {
        "doc_id": did,
        "source_id": sid,
        "parser_version": "test",
        "document": document,
        "sections": sections,
        "metrics": metrics,
        "quarantine": quarantine,
    }


def registry_entry(issuer: str, year: int) -> dict:
    return {
        "source_id": source_id(issuer, year),
        "url": f"https://example.invalid/{source_id(issuer, year)}.html",
        "notes": "synthetic test source",
        "is_synthetic": True,
    }


def fetch_row(result: dict, n: int) -> dict:
    return {
        "fetch_id": f"f{n:04d}",
        "source_id": result["source_id"],
        "fetched_at": f"2024-01-01T{n // 60:02d}:{n % 60:02d}:00Z",
        "snapshot_sha256": result["document"]["snapshot_sha256"],
        "outcome": "new",
        "response_headers": {"content-type": "text/html"},
    }


class World:
    """Staged results, registry and manifest in a temporary root; ``load()`` builds the warehouse."""

    def __init__(self, root: Path, specs: dict):
        self.warehouse = root / "warehouse"
        self.specs = specs
        self.registry, self.fetches, self.messages = [], [], []
        for issuer in ISSUERS:
            for year in YEARS:
                self.add(staged_result(issuer, year))
                self.registry.append(registry_entry(issuer, year))

    def add(self, result: dict) -> dict:
        write_staged(self.warehouse, result)
        self.fetches.append(fetch_row(result, len(self.fetches)))
        return result

    def load(self, run_id: str = "run-1", region_table=lambda year: REGIONS, prevalidated=(), **options) -> dict:
        inputs = LoadInputs(
            staged=list(iter_staged(self.warehouse)),
            registry=list(self.registry),
            fetches=list(self.fetches),
            catalog=CATALOG,
            region_table=region_table,
            roster=roster_rows,
            prevalidated=set(prevalidated),
        )
        run = {
            "run_id": run_id,
            "started_at": "2024-01-02T00:00:00+00:00",
            "code_version": "test-code",
            "parser_version": "test",
            "counts": {"parsed": 6},
        }
        return load_warehouse(
            inputs, warehouse_dir=self.warehouse, run=run, specs=self.specs, progress=self.messages.append, **options
        )

    def query(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse / "fazhi.duckdb"), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def parquet(self, table: str) -> Path:
        return self.warehouse / "parquet" / table


@pytest.fixture
def world(tmp_path, specs) -> World:
    return World(tmp_path, specs)


@pytest.fixture(scope="module")
def built(tmp_path_factory, specs) -> tuple[World, dict]:
    """One loaded warehouse shared by the tests that only read it."""
    world = World(tmp_path_factory.mktemp("built"), specs)
    return world, world.load()


def test_counts_keys_and_partitions(built):
    world, counts = built
    assert counts["documents"] == 6 and counts["report_documents"] == 5
    assert counts["sections"] == 12
    assert counts["metrics"] == 6 * 3 + 1  # cases (one doc twice), win rate, uncoded training count
    assert counts["canonical_metrics"] == 6 * 2 + 1
    assert counts["regions"] == 4  # the two counties and their parents, not 无关市
    assert counts["quarantine"] == 6 and counts["runs"] == 1
    assert world.query("SELECT count(*) FROM metrics")[0][0] == 19
    keys = dict(
        world.query(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
        )
    )
    assert keys["metrics"] == ["metric_id"] and keys["quarantine"] == ["quarantine_id"] and keys["runs"] == ["run_id"]
    fks = {
        (t, tuple(c), r)
        for t, c, r in world.query(
            "SELECT table_name, constraint_column_names, referenced_table FROM duckdb_constraints() "
            "WHERE constraint_type = 'FOREIGN KEY'"
        )
    }
    assert {
        ("metrics", ("section_id",), "sections"),
        ("sections", ("parent_id",), "sections"),
        ("sections", ("doc_id",), "documents"),
    } <= fks
    # a code referencing a table keyed by (code, valid_from_year) cannot be declared, only checked
    assert not [fk for fk in fks if fk[2] == "regions"]
    # one directory per report year; sections carry their document's year inside the file too
    assert sorted(p.name for p in world.parquet("sections").iterdir()) == [str(y) for y in YEARS]
    table = pq.read_table(world.parquet("sections") / "2021" / "part-0.parquet")
    assert set(table.column("report_year").to_pylist()) == {2021} and table.num_rows == 4
    assert table.column("section_id").to_pylist() == sorted(table.column("section_id").to_pylist())
    meta = pq.read_metadata(world.parquet("documents") / "2020" / "part-0.parquet").metadata
    assert meta[b"fazhi.code_version"] == b"test-code"
    assert meta[b"fazhi.schema_version"].startswith(b"sha256:")
    assert (
        pq.ParquetFile(world.parquet("documents") / "2020" / "part-0.parquet")
        .metadata.row_group(0)
        .column(0)
        .compression
        == "ZSTD"
    )


def test_arrow_types_from_schema(built, specs):
    world, _ = built
    schema = specs["documents"].arrow_schema()
    assert schema.field("issuers").type == pa.list_(pa.string())
    assert schema.field("report_year").type == pa.int64()
    assert schema.field("publish_date").type == pa.date32()
    assert schema.field("is_report").type == pa.bool_()
    assert specs["fetches"].arrow_schema().field("fetched_at").type == pa.timestamp("us", tz="UTC")
    assert specs["metrics"].arrow_schema().field("value").type == pa.float64()
    assert specs["metric_catalog"].column("match_rules").duckdb_type == "JSON"
    assert specs["runs"].column("rows_by_year").duckdb_type == "JSON"
    assert not schema.field("doc_id").nullable and schema.field("title").nullable
    types = dict(world.query("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'fetches'"))
    assert types["fetched_at"] == "TIMESTAMP WITH TIME ZONE" and types["response_headers"] == "JSON"
    assert world.query("SELECT response_headers->>'content-type' FROM fetches LIMIT 1") == [("text/html",)]
    assert world.query("SELECT rows_by_year->'metrics'->>'2021', stage_counts->>'parsed' FROM runs") == [("7", "6")]


def test_every_table_view_and_column_is_commented(built):
    world, _ = built
    tables = world.query("SELECT table_name, comment FROM duckdb_tables()")
    views = world.query("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal")
    assert {t for t, _ in tables} == {
        "sources",
        "fetches",
        "documents",
        "sections",
        "metrics",
        "metric_catalog",
        "regions",
        "roster",
        "quarantine",
        "runs",
    }
    assert {v for v, _ in views} == {
        "metrics_canonical",
        "metric_yoy",
        "coverage",
        "coverage_unresolved",
        "documents_latest",
    }
    for name, comment in tables + views:
        assert comment and " / " in comment, name
    columns = world.query(
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal AND schema_name = 'main'"
    )
    assert len(columns) > 80
    missing = [(t, c) for t, c, comment in columns if not comment or " / " not in comment]
    assert missing == []
    comment = dict(((t, c), m) for t, c, m in columns)
    assert comment[("quarantine", "reason")].startswith("原因：") and "/ Reason:" in comment[("quarantine", "reason")]
    assert comment[("metric_yoy", "rel_change")].startswith("相对变化")


def test_views_yoy_coverage_and_latest(built):
    world, _ = built
    yoy = world.query(
        "SELECT report_year, value, prev_year, prev_value, abs_change, rel_change, span, prev_doc_id "
        "FROM metric_yoy WHERE issuer_id = 'synthetic-jia' AND metric_code = 'cases_received'"
    )
    jia_2020 = doc_id(source_id("synthetic-jia", 2020), sha(f"{source_id('synthetic-jia', 2020)} v1"))
    # 2021 has 120 and 7 for the code, whose rule is max: 120. 120 vs 100, then 90 vs 120.
    assert yoy == [
        (2020, 100.0, None, None, None, None, "100件", None),
        (2021, 120.0, 2020, 100.0, 20.0, pytest.approx(0.2), "120件", jia_2020),
        (2022, 90.0, 2021, 120.0, -30.0, pytest.approx(-0.25), "90件", doc_of("synthetic-jia", 2021)),
    ]
    # 乙县 2021 is not a report: its 44 feeds nothing, so 2022 has no previous year
    yi = world.query(
        "SELECT report_year, prev_value FROM metric_yoy "
        "WHERE issuer_id = 'synthetic-yi' AND metric_code = 'cases_received'"
    )
    assert yi == [(2020, None), (2022, None)]
    coverage = world.query(
        "SELECT issuer_id, report_year, has_report, report_count, metrics_count, on_time, days_late FROM coverage "
        "WHERE issuer_id LIKE 'synthetic-%' AND level = 'county'"
    )
    assert coverage == [
        ("synthetic-jia", 2020, True, 1, 3, True, 0),
        ("synthetic-jia", 2021, True, 1, 4, True, 0),
        ("synthetic-jia", 2022, True, 1, 3, True, 0),
        ("synthetic-yi", 2020, True, 1, 3, True, 0),
        ("synthetic-yi", 2021, False, 0, 0, None, None),
        ("synthetic-yi", 2022, True, 1, 3, True, 0),
    ]
    # every roster government and year has a row, with no report where none was staged
    assert world.query("SELECT count(*), count(*) FILTER (WHERE has_report) FROM coverage") == [(15, 5)]
    assert world.query("SELECT DISTINCT province_name FROM coverage") == [("示例省",)]
    assert world.query("SELECT count(*) FROM coverage_unresolved") == [(0,)]
    canonical = world.query("SELECT count(*), count(DISTINCT name_zh) FROM metrics_canonical")
    assert canonical == [(13, 2)]
    latest = world.query(
        "SELECT source_id, snapshots_count, is_in_registry FROM documents_latest WHERE source_id = 'synthetic-jia-2020'"
    )
    assert latest == [("synthetic-jia-2020", 1, True)]


def doc_of(issuer: str, year: int, version: str = "v1") -> str:
    return doc_id(source_id(issuer, year), sha(f"{source_id(issuer, year)} {version}"))


def _dataset_bytes(world, tables) -> dict:
    return {
        str(p.relative_to(world.warehouse)): p.read_bytes()
        for t in tables
        for p in sorted(world.parquet(t).rglob("*.parquet"))
    }


DATA_TABLES = ("sources", "fetches", "documents", "sections", "metrics", "metric_catalog", "regions", "quarantine")


def test_rerun_is_byte_identical(world):
    world.load("run-1")
    before = _dataset_bytes(world, DATA_TABLES)
    views_before = [world.query(f"SELECT * FROM {v}") for v in ("metric_yoy", "coverage", "metrics_canonical")]
    mtime = (world.parquet("metrics") / "2020" / "part-0.parquet").stat().st_mtime_ns
    world.load("run-2")
    assert _dataset_bytes(world, DATA_TABLES) == before
    assert [world.query(f"SELECT * FROM {v}") for v in ("metric_yoy", "coverage", "metrics_canonical")] == views_before
    # unchanged datasets are not even rewritten
    assert (world.parquet("metrics") / "2020" / "part-0.parquet").stat().st_mtime_ns == mtime
    assert world.query("SELECT run_id FROM runs ORDER BY run_id") == [("run-1",), ("run-2",)]
    assert not [p for p in (world.warehouse / "parquet").iterdir() if p.name.startswith(".")]


def test_duplicate_key_fails_and_changes_nothing(world):
    world.load()
    db_before = (world.warehouse / "fazhi.duckdb").read_bytes()
    result = staged_result("synthetic-jia", 2022)
    result["metrics"].append(dict(result["metrics"][0], value=91))
    write_staged(world.warehouse, result)
    with pytest.raises(DataCheckError) as caught:
        world.load("run-2")
    message = str(caught.value)
    assert "metrics(metric_id) has 1 duplicated key(s)" in message
    assert result["metrics"][0]["metric_id"] in message and "copies=2" in message
    assert (world.warehouse / "fazhi.duckdb").read_bytes() == db_before
    assert world.query("SELECT count(*) FROM runs") == [(1,)]


def test_orphan_metric_is_named(world):
    result = staged_result("synthetic-yi", 2020)
    orphan = result["metrics"][0]
    orphan["section_id"] = orphan["doc_id"] + "-s077"
    write_staged(world.warehouse, result)
    with pytest.raises(DataCheckError) as caught:
        world.load()
    message = str(caught.value)
    assert "metrics(section_id) -> sections(section_id): 1 row(s) point at nothing" in message
    assert f"metric_id='{orphan['metric_id']}'" in message and f"section_id='{orphan['section_id']}'" in message
    assert not (world.warehouse / "fazhi.duckdb").exists()


def test_region_codes_outside_the_tables_years_come_from_their_latest_run(world):
    asked = []

    def region_table(year):  # code tables that end before 2022, like real ones end before the newest reports
        asked.append(year)
        return REGIONS if year is None or year < 2022 else []

    counts = world.load(region_table=region_table)
    assert counts["regions"] == 4 and asked == [2020, 2021, 2022, None]
    assert world.query("SELECT region_code FROM regions ORDER BY 1") == [
        ("990000",),
        ("990100",),
        ("990101",),
        ("990102",),
    ]


def test_check_only_foreign_key_is_checked(world):
    result = staged_result("synthetic-jia", 2020)
    result["document"]["region_code"] = "990199"
    write_staged(world.warehouse, result)
    with pytest.raises(DataCheckError) as caught:
        world.load()
    assert "documents(region_code) -> regions(region_code): 1 row(s) point at nothing" in str(caught.value)
    assert f"doc_id='{result['doc_id']}'  region_code='990199'" in str(caught.value)


def test_row_drop_over_threshold_needs_allow_drop(world):
    world.load("run-1")
    staged = world.warehouse / "staging"
    for issuer in ISSUERS:  # 2022 loses both documents (and their sections and metrics)
        did = doc_of(issuer, 2022)
        (staged / did[:2] / f"{did}.json").unlink()
    with pytest.raises(DataCheckError) as caught:
        world.load("run-2")
    message = str(caught.value)
    assert "row drop" in message and "since the previous run run-1" in message
    assert "table='documents'  report_year='2022'  previous=2  now=0  change='-100%'" in message
    assert "report_year='2021'" not in message
    counts = world.load("run-2", allow_drop=True)
    assert counts["documents"] == 4
    assert world.query("SELECT run_id, is_drop_allowed FROM runs ORDER BY run_id") == [
        ("run-1", False),
        ("run-2", True),
    ]


def test_small_drop_passes(world):
    world.load("run-1")
    write_staged(world.warehouse, staged_result("synthetic-jia", 2021, cases=[120]))  # 4 -> 3 metrics, 2021: 7 -> 6
    counts = world.load("run-2")
    assert counts["metrics"] == 18


def test_new_snapshot_replaces_the_document(world):
    world.load("run-1")
    old = doc_of("synthetic-jia", 2021)
    new = world.add(staged_result("synthetic-jia", 2021, version="v2", cases=[121]))
    counts = world.load("run-2")
    assert counts["documents"] == 6
    assert world.query(f"SELECT count(*) FROM documents WHERE doc_id = '{old}'") == [(0,)]
    assert world.query(f"SELECT count(*) FROM metrics WHERE doc_id = '{old}'") == [(0,)]
    assert world.query(f"SELECT count(*) FROM quarantine WHERE doc_id = '{old}'") == [(0,)]
    assert world.query(
        "SELECT doc_id, snapshots_count FROM documents_latest WHERE source_id = 'synthetic-jia-2021'"
    ) == [(new["doc_id"], 2)]
    assert world.query(
        "SELECT value, prev_value FROM metric_yoy WHERE issuer_id = 'synthetic-jia' "
        "AND metric_code = 'cases_received' AND report_year = 2021"
    ) == [(121.0, 100.0)]
    assert world.query("SELECT count(*) FROM fetches WHERE source_id = 'synthetic-jia-2021'") == [(2,)]


def test_manifest_order_decides_which_snapshot_is_latest(world):
    older = staged_result("synthetic-jia", 2021, version="v0")
    write_staged(world.warehouse, older)  # staged but fetched before v1 (first in the manifest)
    world.fetches.insert(0, fetch_row(older, 99))
    world.load()
    assert world.query("SELECT doc_id FROM documents WHERE source_id = 'synthetic-jia-2021'") == [
        (doc_of("synthetic-jia", 2021),)
    ]


def test_removed_source_keeps_its_history(world):
    world.load("run-1")
    world.registry = [s for s in world.registry if s["source_id"] != "synthetic-yi-2020"]
    world.messages.clear()
    counts = world.load("run-2")
    assert counts["documents"] == 6 and counts["sources_not_in_registry"] == 1
    assert world.query("SELECT is_in_registry, url FROM sources WHERE source_id = 'synthetic-yi-2020'") == [
        (False, "https://example.invalid/synthetic-yi-2020.html")
    ]
    assert world.query("SELECT count(*) FROM documents WHERE source_id = 'synthetic-yi-2020'") == [(1,)]
    assert any("no longer in the registry" in m and "synthetic-yi-2020" in m for m in world.messages)
    # and it stays so on the next load (read back from the sources dataset)
    world.load("run-3")
    assert world.query("SELECT is_in_registry FROM sources WHERE source_id = 'synthetic-yi-2020'") == [(False,)]


def test_synthetic_flag_comes_from_the_registry(world):
    write_staged(world.warehouse, staged_result("synthetic-yi", 2022, is_synthetic=False))
    world.load()
    assert world.query("SELECT count(*) FROM documents WHERE NOT is_synthetic") == [(0,)]
    assert with_source_flags({"is_synthetic": False}, {"is_synthetic": False}) == {"is_synthetic": False}


def test_invalid_record_is_quarantined_at_load(world):
    result = staged_result("synthetic-yi", 2022)
    bad = result["metrics"][-1]
    bad["value"] = "three"
    write_staged(world.warehouse, result)
    counts = world.load()
    assert counts["metrics"] == 18
    rows = world.query(f"SELECT stage, schema, reason FROM quarantine WHERE record_id = '{bad['metric_id']}'")
    assert rows == [("load:metric", "metric", "value: 'three' is not of type 'number'")]
    # the rejected record is a JSON object in the warehouse, queryable as such (not JSON text in a string)
    rows = world.query(
        "SELECT json_type(record_json), record_json->>'$.value', record_json->>'$.metric_id' FROM quarantine "
        f"WHERE record_id = '{bad['metric_id']}'"
    )
    assert rows == [("OBJECT", "three", bad["metric_id"])]
    ids = world.query("SELECT quarantine_id FROM quarantine ORDER BY 1")
    assert all(len(i) == 16 for (i,) in ids)


def test_load_words_a_violation_as_normalize_does(world):
    # one wording (contracts.Checker.errors): a long message is cut at 297 characters and marked
    result = staged_result("synthetic-yi", 2022)
    bad = result["metrics"][-1]
    bad["value"] = "三" * 400
    write_staged(world.warehouse, result)
    world.load()
    [(reason,)] = world.query(f"SELECT reason FROM quarantine WHERE record_id = '{bad['metric_id']}'")
    message = f"'{bad['value']}' is not of type 'number'"
    assert reason == "value: " + message[:297] + "..."


def test_only_files_staged_before_a_schema_change_are_validated_again(world, specs, tmp_path):
    result = staged_result("synthetic-yi", 2022)
    result["metrics"][-1]["bogus"] = 1  # breaks the schema (additionalProperties), not the Arrow types
    write_staged(world.warehouse, result)
    staged = list(iter_staged(world.warehouse))
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for stem in ("section", "metric"):
        shutil.copy(FIXTURE_SCHEMAS / f"{stem}.schema.json", schemas)
        os.utime(schemas / f"{stem}.schema.json", (1, 1))  # schemas older than every staged file
    assert staged_since_schemas(world.warehouse, staged, specs, schemas) == {r["doc_id"] for r in staged}
    os.utime(schemas / "metric.schema.json")  # edited now: everything staged before goes through validation
    path = world.warehouse / "staging" / result["doc_id"][:2] / f"{result['doc_id']}.json"
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 60))  # ... except a file staged after the edit
    assert staged_since_schemas(world.warehouse, staged, specs, schemas) == {result["doc_id"]}
    # a prevalidated file is trusted: its records are not validated again
    assert world.load("run-1", prevalidated={result["doc_id"]})["metrics"] == 19
    assert world.load("run-2")["metrics"] == 18


def test_all_null_column_fails(world, monkeypatch):
    from flows.load import checks as warehouse_checks

    monkeypatch.setattr(warehouse_checks, "ALL_NULL_MIN_ROWS", 10)
    for issuer in ISSUERS:
        for year in YEARS:
            result = staged_result(issuer, year)
            for metric in result["metrics"]:
                metric["direction"] = None
            write_staged(world.warehouse, result)
    with pytest.raises(DataCheckError, match=r"metrics: direction null in all 19 row\(s\)"):
        world.load()


def test_all_null_column_is_not_judged_on_a_small_table(world):
    for issuer in ISSUERS:
        for year in YEARS:
            result = staged_result(issuer, year)
            for metric in result["metrics"]:
                metric["direction"] = None
            write_staged(world.warehouse, result)
    assert world.load()["metrics"] == 19


def test_killed_swap_is_repaired(world):
    world.load("run-1")
    parquet = world.warehouse / "parquet"
    os.rename(parquet / "metrics", parquet / ".old-metrics")  # killed between the two renames
    (parquet / ".incoming-1234" / "metrics").mkdir(parents=True)
    world.load("run-2")
    assert (parquet / "metrics" / "2022" / "part-0.parquet").is_file()
    assert sorted(p.name for p in parquet.iterdir() if p.name.startswith(".")) == []


def test_dataset_roundtrip_and_write_dataset_determinism(tmp_path, specs):
    rows = [
        {"source_id": "b", "url": "https://x.invalid/b", "notes": None, "is_synthetic": True, "is_in_registry": True},
        {"source_id": "a", "url": "https://x.invalid/a", "notes": "注", "is_synthetic": True, "is_in_registry": False},
    ]
    first = write_dataset(specs["sources"], rows, tmp_path / "one", code_version="c")
    second = write_dataset(specs["sources"], rows[::-1], tmp_path / "two", code_version="c")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert [r["source_id"] for r in read_dataset(specs["sources"], tmp_path / "one")] == ["a", "b"]
    kept = read_dataset(specs["sources"], tmp_path / "one", unless=("source_id", {"b", "c"}))
    assert [(r["source_id"], r["notes"], r["is_in_registry"]) for r in kept] == [("a", "注", False)]
    assert read_dataset(specs["sources"], tmp_path / "one", unless=("source_id", set())) == read_dataset(
        specs["sources"], tmp_path / "one"
    )
    empty = write_dataset(specs["sources"], [], tmp_path / "empty", code_version="c")
    assert pq.read_table(empty[0]).schema.names == specs["sources"].column_names


def test_real_schemas_build_an_empty_warehouse(tmp_path):
    """The views and keys against the project's real schemas (the contract), with no rows."""
    specs = load_specs()
    needed = {
        "sources",
        "fetches",
        "documents",
        "sections",
        "metrics",
        "metric_catalog",
        "regions",
        "quarantine",
        "runs",
    }
    if not needed <= set(specs):
        pytest.skip(f"schemas not written yet: {', '.join(sorted(needed - set(specs)))}")
    build_duckdb(tmp_path / "fazhi.duckdb", specs, {})
    con = duckdb.connect(str(tmp_path / "fazhi.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM metric_yoy").fetchone() == (0,)
        uncommented = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() "
            "WHERE NOT internal AND (comment IS NULL OR comment = '')"
        ).fetchall()
        assert uncommented == []
    finally:
        con.close()


def test_spec_of_a_small_schema():
    spec = table_spec(
        {
            "x-table": "things",
            "x-primary-key": ["thing_id"],
            "title": "Thing",
            "x-title-zh": "事物",
            "properties": {
                "thing_id": {"type": "string", "title": "Id", "x-title-zh": "编号"},
                "seen_at": {"type": ["string", "null"], "format": "date-time"},
                "tags": {"type": "array", "items": {"type": "integer"}},
                "parts": {"type": "array", "items": {"type": "object"}},
                "either": {"type": ["string", "integer"]},
            },
        }
    )
    assert [c.duckdb_type for c in spec.columns] == ["VARCHAR", "TIMESTAMPTZ", "BIGINT[]", "JSON", "JSON"]
    assert spec.columns[0].comment == "编号 / Id" and spec.comment == "事物 / Thing"
    table = spec.to_arrow(
        [
            {
                "thing_id": "t",
                "seen_at": "2024-05-01T08:00:00+08:00",
                "tags": [1],
                "parts": [{"b": 1, "a": "甲"}],
                "either": 3,
            }
        ]
    )
    row = table.to_pylist()[0]
    assert row["seen_at"].isoformat() == "2024-05-01T00:00:00+00:00"
    assert row["parts"] == '[{"a":"甲","b":1}]' and row["either"] == "3"
    # rows that lack a column (the fast transposition needs every one) and rows in any key order
    rows = [{"either": "x", "thing_id": "u", "tags": [], "parts": [], "seen_at": None}, {"thing_id": "v"}]
    assert spec.to_arrow(rows).to_pylist() == [
        {"thing_id": "u", "seen_at": None, "tags": [], "parts": "[]", "either": "x"},
        {"thing_id": "v", "seen_at": None, "tags": None, "parts": None, "either": None},
    ]
    assert spec.to_arrow(rows[:1]).to_pylist() == spec.to_arrow(rows).to_pylist()[:1]
    assert spec.to_arrow([]).num_rows == 0


def test_year_directories_read_with_default_readers(world):
    page = staged_result("synthetic-yi", 2022, version="no-year")
    page["source_id"] = page["document"]["source_id"] = "synthetic-yi-page"
    page["document"].update(report_year=None, is_report=False)
    write_staged(world.warehouse, page)
    world.registry.append(dict(registry_entry("synthetic-yi", 2022), source_id="synthetic-yi-page"))
    world.load()
    import pandas as pd

    frame = pd.read_parquet(world.parquet("metrics"))
    assert len(frame) == 19 + 3 and frame["report_year"].isna().sum() == 3
    assert (world.parquet("metrics") / "unknown" / "part-0.parquet").is_file()
    by_year = duckdb.sql(
        f"SELECT report_year, count(*) FROM read_parquet('{world.parquet('documents')}/*/*.parquet') "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert by_year == [(2020, 2), (2021, 2), (2022, 2), (None, 1)]
    assert world.query("SELECT count(*) FROM coverage WHERE NOT has_report AND issuer_id = 'synthetic-yi'") == [(1,)]


def _variant(issuer: str, year: int, version: str, **document) -> dict:
    """Another report document for ``issuer``/``year`` (own source id, its own text: not a copy of the
    first), with ``document`` fields overridden."""
    result = staged_result(issuer, year, version=version)
    result["source_id"] = result["document"]["source_id"] = f"{issuer}-{year}-{version}"
    result["document"]["text"] += f"（{version}）"
    result["document"].update(document)
    return result


def test_coverage_timeliness_departments_and_unresolved(world):
    late = world.add(_variant("synthetic-yi", 2021, "late", is_report=True, publish_date="2022-04-15"))
    undated = world.add(_variant("synthetic-jia", 2022, "undated", publish_date=None))
    world.add(
        _variant(
            "synthetic-jia",
            2021,
            "dept",
            issuer_type="department",
            issuer_id="990200-dept-司法局",
            region_code="990200",
        )
    )
    nameless = world.add(_variant("synthetic-jia", 2020, "nameless", issuer_id=None, region_code=None))
    stray = world.add(_variant("synthetic-jia", 2020, "stray", issuer_id="990999-gov", region_code="990200"))
    for result in world.fetches[-5:]:
        world.registry.append(dict(registry_entry("synthetic-jia", 2020), source_id=result["source_id"]))
    world.load()
    rows = world.query(
        "SELECT issuer_id, report_year, has_report, report_count, doc_id, publish_date::VARCHAR, deadline::VARCHAR, "
        "on_time, days_late, department_report_count FROM coverage "
        "WHERE (issuer_id, report_year) IN (('synthetic-yi', 2021), ('synthetic-jia', 2022), ('990200-gov', 2021))"
    )
    assert rows == [
        ("990200-gov", 2021, False, 0, None, None, "2022-03-31", None, None, 1),
        # two own reports: the dated one is shown, the undated one is counted
        ("synthetic-jia", 2022, True, 2, doc_of("synthetic-jia", 2022), "2023-03-01", "2023-03-31", True, 0, 0),
        # published 15 April: 15 days after 31 March
        ("synthetic-yi", 2021, True, 1, late["document"]["doc_id"], "2022-04-15", "2022-03-31", False, 15, 0),
    ]
    assert (
        undated["document"]["doc_id"]
        in world.query("SELECT doc_ids FROM coverage WHERE issuer_id = 'synthetic-jia' AND report_year = 2022")[0][0]
    )
    assert world.query("SELECT doc_id, reason FROM coverage_unresolved ORDER BY reason") == [
        (nameless["document"]["doc_id"], "no_issuer_id"),
        (stray["document"]["doc_id"], "not_in_roster"),
    ]
    counted = world.query(
        "SELECT (SELECT sum(report_count + department_report_count) FROM coverage), "
        "(SELECT count(*) FROM coverage_unresolved), (SELECT count(*) FROM documents WHERE is_report)"
    )
    assert counted == [(8, 2, 10)]


def test_coverage_check_catches_a_report_counted_twice(built, specs):
    world, _ = built
    con = duckdb.connect()
    con.execute(f"ATTACH '{world.warehouse / 'fazhi.duckdb'}' AS w (READ_ONLY)")
    for table in ("documents", "metrics"):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM w.{table}")
    con.execute("CREATE TABLE roster AS SELECT * FROM w.roster")
    assert checks.check_coverage_adds_up(con, specs) == []
    # a duplicated roster row: the 2020 report of 甲县 is counted on two rows, twice on each
    con.execute("INSERT INTO roster SELECT * FROM w.roster WHERE issuer_id = 'synthetic-jia' AND report_year = 2020")
    failures = checks.check_coverage_adds_up(con, specs)
    assert [f.check for f in failures] == ["coverage"]
    assert failures[0].message.startswith("5 report document(s) but coverage counts 8 and coverage_unresolved lists 0")


def test_views_reading_a_missing_table_are_not_created(specs):
    without_roster = {name: spec for name, spec in specs.items() if name != "roster"}
    con = duckdb.connect()
    for name in ("documents", "metrics", "metric_catalog", "sources", "fetches"):
        con.execute(create_table_sql(without_roster[name], constraints=False))
    create_views(con, without_roster)
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert views == {"metrics_canonical", "metric_yoy", "documents_latest"}
