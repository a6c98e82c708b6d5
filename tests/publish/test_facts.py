"""``facts.csv`` (the tidy file) and the Parquet copies of every release table."""

from __future__ import annotations

import json
import re
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from flows.normalize.regions import region_table
from flows.publish import releases as publish
from flows.publish.facts import read_facts

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "publish"))
import publish_warehouse as pw  # noqa: E402

CREATED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return pw.build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse", pw.standard_reports())


@pytest.fixture(scope="module")
def release(warehouse, tmp_path_factory) -> Path:
    releases = tmp_path_factory.mktemp("rel") / "releases"
    publish.publish_years(warehouse_dir=warehouse, releases_dir=releases, created=CREATED)
    return releases / "2022" / "2022.1"


def test_facts_has_one_row_per_metric_with_everything_on_it(release):
    facts = pd.read_csv(release / "facts.csv", dtype=str, keep_default_na=False)
    metrics = pd.read_csv(release / "metrics.csv", dtype=str, keep_default_na=False)
    assert list(facts["metric_id"]) == list(metrics["metric_id"]) and len(facts) == 8
    county = facts[(facts.issuer_id == "990101-gov") & (facts.metric_code == pw.CASES_CODE)].iloc[0]
    assert county.report_year == "2022" and county.issuer == "中共示例市甲县委员会 示例市甲县人民政府"
    assert county.issuer_level == "county" and county.value == "38" and county.unit == "件"
    assert (county.province_code, county.city_code, county.county_code) == ("990000", "990100", "990101")
    assert county.metric_name_zh == "受理行政复议案件数" and county.metric_name_en.startswith("Administrative")
    assert county.sentence.startswith("全年受理行政复议案件38件") and county.section_heading == "行政复议"
    assert county.document_title.endswith("2022年法治政府建设情况的报告")
    assert county.url == "https://www.example.invalid/990101-2022.html" and county.publish_date == "2023-03-15"
    docs = pd.read_csv(release / "documents.csv", dtype=str).set_index("doc_id")
    assert docs.loc[county.doc_id, "snapshot_sha256"] == county.snapshot_sha256
    unmapped = facts[facts.metric_code == ""]
    assert len(unmapped) == 6 and set(unmapped.metric_name_zh) == {""}


def test_facts_in_the_datapackage_from_the_column_model(release):
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["name"] == "facts")
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["value"]["type"] == "number" and fields["publish_date"]["type"] == "date"
    assert fields["sentence"]["x-title-zh"] == "所在句子"  # the metric schema's entry
    assert fields["county_name"]["x-title-zh"] == "县级行政区" and fields["county_name"]["description"]
    assert fields["kind"]["constraints"]["enum"]  # the schema's vocabulary travels with the column
    assert resource["schema"]["primaryKey"] == ["metric_id"]
    assert {"fields": ["metric_id"], "reference": {"resource": "metrics", "fields": ["metric_id"]}} in resource[
        "schema"
    ]["foreignKeys"]
    assert resource["x-parquet"]["path"] == "parquet/facts.parquet"


def test_readme_filter_answers_the_question(release):
    readme = (release / "README.md").read_text(encoding="utf-8")
    assert "facts.csv" in readme and "行政复议" in readme and "more than 100" in readme
    sql = re.search(r"```sql\n(.*?)```", readme, re.S).group(1)
    con = duckdb.connect()
    con.execute(f"SET file_search_path = '{release}'")
    assert con.execute(sql).fetchall() == []  # no county of the fixture reports more than 100
    rows = con.execute(sql.replace("value > 100", "value > 30")).fetchall()
    assert len(rows) == 1 and rows[0][4] == 38 and rows[0][6].startswith("全年受理行政复议案件38件")
    # and the pandas form, run as printed
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    scope: dict = {}
    cwd = Path.cwd()
    try:
        import os

        os.chdir(release)
        exec(code.replace("facts[(facts", "answer = facts[(facts").replace(">100", "> 100"), scope)
    finally:
        os.chdir(cwd)
    assert scope["answer"].empty


def test_every_table_also_as_parquet_with_the_same_rows(release):
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        table = pq.read_table(release / resource["x-parquet"]["path"])
        frame = pd.read_csv(release / resource["path"], dtype=str, keep_default_na=False)
        assert table.column_names == list(frame.columns) and table.num_rows == len(frame), resource["name"]
        field = table.schema.field(resource["schema"]["fields"][0]["name"])
        assert field.metadata[b"title_zh"].decode() == resource["schema"]["fields"][0]["x-title-zh"]
    facts = pq.read_table(release / "parquet" / "facts.parquet").to_pandas()
    assert facts["value"].dtype == "float64" and str(facts["publish_date"].iloc[0]) == "2023-03-15"
    sums = (release / "SHA256SUMS").read_text()
    assert "  parquet/facts.parquet\n" in sums and "  facts.csv\n" in sums


def test_province_city_county_from_the_regions_table(warehouse, tmp_path):
    """A real code: 南昌县 (360121) under 南昌市 and 江西省, names from the 2022 code table."""
    copy = tmp_path / "fazhi.duckdb"
    shutil.copy(warehouse / "fazhi.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute("UPDATE documents SET region_code = '360121' WHERE issuer_id = '990101-gov'")
        rows = [r for r in region_table(2022) if r["region_code"] in ("360000", "360100", "360121")]
        assert len(rows) == 3
        for r in rows:
            con.execute(f"INSERT INTO regions ({', '.join(r)}) VALUES ({', '.join('?' * len(r))})", list(r.values()))
        ids = [r[0] for r in con.execute("SELECT doc_id FROM documents WHERE report_year = 2022").fetchall()]
        table = read_facts(con, ids)
    finally:
        con.close()
    names = table.column_names()
    row = next(dict(zip(names, r)) for r in table.rows if r[names.index("issuer_id")] == "990101-gov")
    assert (row["province_name"], row["city_name"], row["county_name"]) == ("江西省", "南昌市", "南昌县")
    assert (row["province_code"], row["city_code"], row["county_code"]) == ("360000", "360100", "360121")
    city = next(dict(zip(names, r)) for r in table.rows if r[names.index("issuer_id")] == "990100-gov")
    assert city["county_code"] is None and city["city_code"] == "990100"
