"""Publishing releases from a warehouse built by the real loader (tests/fixtures/publish/publish_warehouse.py):
files, Frictionless validity, CSV round trips through pandas and DuckDB, determinism, no-op
republish, new versions with a changelog, synthetic refusal, formula-like cells, atomicity."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.core import contracts
from flows.publish import releases as publish
from flows.publish.model import PublishError, SyntheticDataError, sha256_hex
from flows.publish.versions import versions

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "publish"))
import publish_warehouse as pw  # noqa: E402

VENV_BIN = Path(sys.executable).parent
CSVS = [
    "documents.csv",
    "documents_text.csv",
    "sections.csv",
    "metrics.csv",
    "metric_catalog.csv",
    "metric_yoy.csv",
    "facts.csv",
]
CREATED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return pw.build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse", pw.standard_reports())


@pytest.fixture(scope="module")
def released(warehouse, tmp_path_factory) -> tuple[Path, dict]:
    releases = tmp_path_factory.mktemp("rel") / "releases"
    counts = publish.publish_years(warehouse_dir=warehouse, releases_dir=releases, created=CREATED)
    return releases, counts


def release_dir(releases: Path, year: int, version: int = 1) -> Path:
    return releases / str(year) / f"{year}.{version}"


def package(directory: Path) -> dict:
    return json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))


def warehouse_rows(warehouse: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(warehouse / "fazhi.duckdb"), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


# -- a release and its files --------------------------------------------------------------------------


def test_publish_every_year_writes_every_file(released):
    releases, counts = released
    assert counts["released"] == 2 and counts["release_unchanged"] == 0
    assert [r["version"] for r in counts["releases"]] == ["2021.1", "2022.1"]
    directory = release_dir(releases, 2022)
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        CSVS + ["datapackage.json", "README.md", "CHANGELOG.md", "SHA256SUMS", "parquet"]
    )
    assert sorted(p.name for p in (directory / "parquet").iterdir()) == sorted(
        n.replace(".csv", ".parquet") for n in CSVS
    )
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=directory, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 2 * len(CSVS) + 3
    latest = json.loads((releases / "latest.json").read_text(encoding="utf-8"))
    assert latest["version"] == "2022.1" and latest["years"]["2021"]["version"] == "2021.1"
    assert json.loads((releases / "2021" / "latest.json").read_text(encoding="utf-8"))["path"] == "2021/2021.1/"
    assert (releases / "index.html").exists()


def test_only_report_documents_of_the_year(released, warehouse):
    releases, _ = released
    docs = pd.read_csv(release_dir(releases, 2022) / "documents.csv", dtype=str)
    expected = warehouse_rows(
        warehouse, "SELECT doc_id FROM documents WHERE report_year = 2022 AND is_report ORDER BY doc_id"
    )
    assert list(docs["doc_id"]) == [r["doc_id"] for r in expected] and len(expected) == 2
    assert "text" not in docs.columns  # the full text lives in documents_text.csv
    sections = pd.read_csv(release_dir(releases, 2022) / "sections.csv", dtype=str)
    assert set(sections["doc_id"]) == set(docs["doc_id"])


def test_datapackage_is_derived_from_the_schemas(released):
    releases, _ = released
    dp = package(release_dir(releases, 2022))
    assert dp["version"] == "2022.1" and dp["created"] == "2024-06-01T12:00:00Z"
    assert dp["licenses"][0]["name"] == "CC-BY-4.0"
    assert sorted(s["path"] for s in dp["sources"]) == sorted(
        f"https://www.example.invalid/{code}-2022.html" for code in ("990100", "990101")
    )
    resources = {r["name"]: r for r in dp["resources"]}
    assert [r["path"] for r in dp["resources"]] == CSVS
    section_schema = contracts.load_schema("section")
    fields = {f["name"]: f for f in resources["sections"]["schema"]["fields"]}
    assert list(fields) == list(section_schema["properties"])
    heading = section_schema["properties"]["heading"]
    assert (fields["heading"]["title"], fields["heading"]["x-title-zh"], fields["heading"]["description"]) == (
        heading["title"],
        heading["x-title-zh"],
        heading["description"],
    )
    assert fields["level"]["type"] == "integer" and fields["level"]["constraints"]["required"] is True
    assert resources["sections"]["schema"]["primaryKey"] == section_schema["x-primary-key"]
    assert {"fields": ["parent_id"], "reference": {"resource": "", "fields": ["section_id"]}} in resources["sections"][
        "schema"
    ]["foreignKeys"]
    doc_fields = {f["name"]: f for f in resources["documents"]["schema"]["fields"]}
    assert doc_fields["publish_date"]["type"] == "date" and doc_fields["issuers"]["type"] == "array"
    # documents -> sources is not in the package, so it is not declared
    assert "foreignKeys" not in resources["documents"]["schema"]
    yoy_keys = resources["metric_yoy"]["schema"]["foreignKeys"]
    assert {"fields": ["doc_id"], "reference": {"resource": "documents", "fields": ["doc_id"]}} in yoy_keys
    assert resources["metric_yoy"]["schema"]["primaryKey"] == ["issuer_id", "metric_code", "report_year"]
    data = (release_dir(releases, 2022) / "metrics.csv").read_bytes()
    assert resources["metrics"]["bytes"] == len(data)
    assert resources["metrics"]["hash"] == "sha256:" + sha256_hex(data)


def test_frictionless_validate_passes_and_catches_tampering(released, tmp_path):
    """The CLI on one release (what a user would run); the Python API, faster, on the rest."""
    from frictionless import validate

    releases, _ = released
    frictionless = VENV_BIN / "frictionless"
    if not frictionless.exists():
        pytest.skip(f"frictionless CLI not found beside {sys.executable}")
    result = subprocess.run(
        [str(frictionless), "validate", "datapackage.json"],
        cwd=release_dir(releases, 2022),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "VALID" in result.stdout and "INVALID" not in result.stdout
    report = validate(str(release_dir(releases, 2021) / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])[:5]
    copy = tmp_path / "copy"
    shutil.copytree(release_dir(releases, 2022), copy)
    sections = copy / "sections.csv"
    sections.write_bytes(sections.read_bytes().replace(b",measures,", b",measurez,", 1))
    report = validate(str(copy / "datapackage.json"))
    assert not report.valid
    assert {"constraint-error", "hash-count"} <= {error[0] for error in report.flatten(["type"])}


def test_readme_and_changelog_say_what_they_must(released):
    releases, _ = released
    readme = (release_dir(releases, 2022) / "README.md").read_text(encoding="utf-8")
    for needle in (
        "## 覆盖范围 / Coverage",
        "发布机关 / Issuers: 2",
        "示例省示例市甲县",
        "2021, 2022",
        "fazhi 0.1.0-test",
        "Parser version: 0.1.0",
        "2024-0",
        "第五条",
        "Article 5",
        "CC BY 4.0",
        "## 字段说明 / Field dictionary",
        "### metric_yoy.csv",
        "utf-8-sig",
        "## 报告错误 / Report an error",
        "## 引用 / How to cite",
        "version 2022.1",
    ):
        assert needle in readme, needle
    # every field of every resource is in the dictionary, with its Chinese title
    for resource in package(release_dir(releases, 2022))["resources"]:
        for field in resource["schema"]["fields"]:
            assert f"| `{field['name']}` |" in readme and field["x-title-zh"].replace("|", "\\|") in readme
    changelog = (release_dir(releases, 2022) / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "First release of report year 2022" in changelog
    assert "Issuers with reports in both years: 2" in changelog


# -- the CSVs ---------------------------------------------------------------------------------------------

WAREHOUSE_SQL = {
    "documents": "SELECT * FROM documents WHERE report_year = 2022 AND is_report ORDER BY doc_id",
    "documents_text": "SELECT doc_id, text FROM documents WHERE report_year = 2022 AND is_report ORDER BY doc_id",
    "sections": "SELECT s.* FROM sections s JOIN documents d USING (doc_id) WHERE d.report_year = 2022 ORDER BY section_id",
    "metrics": "SELECT m.* FROM metrics m JOIN documents d USING (doc_id) WHERE d.report_year = 2022 ORDER BY metric_id",
    "metric_catalog": "SELECT * FROM metric_catalog ORDER BY metric_code",
    "metric_yoy": "SELECT * FROM metric_yoy WHERE report_year = 2022 AND prev_year IS NOT NULL "
    "ORDER BY issuer_id, metric_code",
}
DUCK_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "array": "VARCHAR",
    "object": "VARCHAR",
}


def same_value(expected, got, field_type: str) -> bool:
    if expected is None:
        return got is None or (not isinstance(got, (list, dict)) and pd.isna(got))
    if field_type in ("array", "object"):
        return json.loads(got) == (json.loads(expected) if isinstance(expected, str) else expected)
    if field_type == "date":
        return str(got)[:10] == expected.isoformat()
    if field_type == "number":
        return float(got) == float(expected)
    if field_type == "integer":
        return int(got) == int(expected)
    if field_type == "boolean":
        return bool(got) is bool(expected)
    return got == expected


@pytest.mark.parametrize("resource", list(WAREHOUSE_SQL))
def test_csv_round_trips_through_pandas_and_duckdb(released, warehouse, resource):
    releases, _ = released
    directory = release_dir(releases, 2022)
    path = directory / f"{resource}.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM for Excel
    fields = next(r for r in package(directory)["resources"] if r["name"] == resource)["schema"]["fields"]
    types = {f["name"]: f["type"] for f in fields}
    expected = warehouse_rows(warehouse, WAREHOUSE_SQL[resource])
    assert expected, "the fixture must give every resource rows"

    frame = pd.read_csv(
        path,
        keep_default_na=False,
        na_values=[""],
        dtype={n: str for n, t in types.items() if t in ("string", "array", "object", "date")},
    )
    assert list(frame.columns) == list(types)  # no BOM in the first header
    pandas_rows = frame.astype(object).where(frame.notna(), None).to_dict("records")

    con = duckdb.connect()
    columns = ", ".join(f"'{n}': '{DUCK_TYPES[t]}'" for n, t in types.items())
    cursor = con.execute(f"SELECT * FROM read_csv('{path}', header = true, columns = {{{columns}}})")
    duck_names = [d[0] for d in cursor.description]
    duck_rows = [dict(zip(duck_names, row)) for row in cursor.fetchall()]
    assert duck_names == list(types)

    for got_rows in (pandas_rows, duck_rows):
        assert len(got_rows) == len(expected)
        for want, got in zip(expected, got_rows):
            for name, field_type in types.items():
                assert same_value(want[name], got[name], field_type), (resource, name, want[name], got[name])


def test_offsets_index_the_published_text(released):
    releases, _ = released
    directory = release_dir(releases, 2022)
    texts = dict(pd.read_csv(directory / "documents_text.csv", dtype=str, keep_default_na=False).values)
    metrics = pd.read_csv(directory / "metrics.csv", dtype={"span": str, "doc_id": str}, keep_default_na=False)
    assert len(metrics) == 8
    for row in metrics.itertuples():
        assert texts[row.doc_id][row.start : row.end] == row.span
    assert max(len(t) for t in texts.values()) > 32767  # would not fit an Excel cell: hence its own file
    assert any("\n" in t and '"' in t for t in texts.values())


def test_same_data_gives_byte_identical_csvs(warehouse, released, tmp_path):
    releases, _ = released
    other = tmp_path / "releases"
    publish.publish_year(2022, warehouse_dir=warehouse, releases_dir=other, created=datetime(2030, 1, 1, tzinfo=UTC))
    for name in CSVS:
        assert (other / "2022" / "2022.1" / name).read_bytes() == (release_dir(releases, 2022) / name).read_bytes(), (
            name
        )
    assert (
        package(other / "2022" / "2022.1")["x-content-sha256"]
        == package(release_dir(releases, 2022))["x-content-sha256"]
    )


def test_formula_like_cells_stay_exact_and_are_reported(released):
    releases, _ = released
    directory = release_dir(releases, 2022)
    raw = (directory / "sections.csv").read_bytes().decode("utf-8-sig")
    assert ",=SUM(A1:A2)式公式风险测试标题," in raw and "'=SUM" not in raw
    sections = pd.read_csv(directory / "sections.csv", dtype=str, keep_default_na=False)
    assert "=SUM(A1:A2)式公式风险测试标题" in set(sections["heading"])
    metrics = pd.read_csv(directory / "metrics.csv", dtype={"subject": str, "span": str}, keep_default_na=False)
    assert "+86热线接听群众来电" in set(metrics["subject"]) and "-3%" in set(metrics["span"])
    dp = package(directory)
    # per document one heading, one subject and one span; warnings are JSON lists, which start with "["
    # facts.csv repeats them: per document the subject, the span and twice the heading (two metrics under it)
    assert dp["x-formula-like-cells"] == 6 + 8
    readme = (directory / "README.md").read_text(encoding="utf-8")
    assert "Such text cells in this version: **14**" in readme
    assert "| sections.csv | heading |" in readme and "| metrics.csv | span |" in readme
    # numbers are never flagged: abs_change in metric_yoy is negative for 甲县 (38 - 40)
    yoy = pd.read_csv(directory / "metric_yoy.csv", dtype={"issuer_id": str})
    assert (yoy["abs_change"] < 0).any() and "| metric_yoy.csv | abs_change |" not in readme


# -- versions ------------------------------------------------------------------------------------------------


def test_second_publish_is_a_noop(released, warehouse):
    releases, _ = released
    before = {p: p.read_bytes() for p in release_dir(releases, 2022).rglob("*") if p.is_file()}
    counts = publish.publish_years(
        warehouse_dir=warehouse, releases_dir=releases, created=datetime(2025, 1, 1, tzinfo=UTC)
    )
    assert counts["released"] == 0 and counts["release_unchanged"] == 2
    assert [r["status"] for r in counts["releases"]] == ["unchanged", "unchanged"]
    assert versions(releases / "2022") == ["2022.1"]
    assert {p: p.read_bytes() for p in release_dir(releases, 2022).rglob("*") if p.is_file()} == before


def test_changed_input_makes_version_2_with_a_changelog(warehouse, tmp_path):
    releases = tmp_path / "releases"
    publish.publish_years(warehouse_dir=warehouse, releases_dir=releases, created=CREATED)
    first = {p.name: p.read_bytes() for p in release_dir(releases, 2022).rglob("*") if p.is_file()}
    changed = pw.standard_reports(
        {
            ("990100-gov", 2022): {"edit": "（更正）"},  # new snapshot: one document out, one in
            ("990101-gov", 2022): {"publish_date": "2023-04-01"},  # same document, one field changed
        }
    )
    warehouse2 = pw.build_warehouse(tmp_path / "warehouse2", changed)
    counts = publish.publish_years(
        warehouse_dir=warehouse2, releases_dir=releases, created=datetime(2024, 7, 1, tzinfo=UTC)
    )
    assert counts["released"] == 1 and counts["release_unchanged"] == 1  # 2021 did not change
    assert versions(releases / "2022") == ["2022.1", "2022.2"]
    assert {
        p.name: p.read_bytes() for p in release_dir(releases, 2022).rglob("*") if p.is_file()
    } == first  # 2022.1 untouched
    second = release_dir(releases, 2022, 2)
    assert package(second)["version"] == "2022.2"
    assert json.loads((releases / "2022" / "latest.json").read_text(encoding="utf-8"))["version"] == "2022.2"

    old_doc = next(r for r in pw.standard_reports() if r["source_id"] == "990100-2022")["doc_id"]
    new_doc = next(r for r in changed if r["source_id"] == "990100-2022")["doc_id"]
    county_doc = next(r for r in changed if r["source_id"] == "990101-2022")["doc_id"]
    log = (second / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "Compared with 2022.1" in log
    assert "| documents.csv | 1 | 1 | 1 |" in log
    assert "| metric_catalog.csv | 0 | 0 | 0 |" in log
    assert f"`{new_doc}`" in log and f"`{old_doc}`" in log
    assert f"`{county_doc}`: publish_date: `2023-03-15` → `2023-04-01`" in log
    # and the metric_yoy provenance follows the new document
    yoy = pd.read_csv(second / "metric_yoy.csv", dtype=str)
    assert new_doc in set(yoy["doc_id"]) and old_doc not in set(yoy["doc_id"])


def test_synthetic_data_is_refused(tmp_path):
    reports = pw.standard_reports({("990101-gov", 2022): {"synthetic": True}})
    warehouse = pw.build_warehouse(tmp_path / "wh", reports)
    synthetic_doc = next(r for r in reports if r["document"]["is_synthetic"])["doc_id"]
    releases = tmp_path / "releases"
    with pytest.raises(SyntheticDataError) as caught:
        publish.publish_years(warehouse_dir=warehouse, releases_dir=releases)
    assert synthetic_doc in str(caught.value) and "2022" in str(caught.value)
    assert not releases.exists() or not any(releases.rglob("*.csv"))  # refused before writing anything
    # 2021 alone is real and can be published
    assert publish.publish_years(warehouse_dir=warehouse, releases_dir=releases, years=[2021])["released"] == 1


def test_synthetic_source_is_refused(tmp_path):
    reports = pw.standard_reports()
    warehouse = pw.build_warehouse(tmp_path / "wh", reports, synthetic_sources=("990100-2021",))
    with pytest.raises(SyntheticDataError, match="990100-2021"):
        publish.publish_year(2021, warehouse_dir=warehouse, releases_dir=tmp_path / "releases")


def test_a_killed_publish_leaves_no_version_and_is_cleaned_up(warehouse, tmp_path):
    releases = tmp_path / "releases"
    half = releases / "2022" / ".tmp-killed"
    half.mkdir(parents=True)
    (half / "documents.csv").write_bytes(b"\xef\xbb\xbfdoc_id\r\n")
    assert versions(releases / "2022") == []
    result = publish.publish_year(2022, warehouse_dir=warehouse, releases_dir=releases)
    assert result["status"] == "new" and result["version"] == "2022.1"
    assert not half.exists()
    assert sorted(p.name for p in (releases / "2022").iterdir()) == ["2022.1", "latest.json"]


def test_a_year_without_reports_is_an_error(warehouse, tmp_path):
    with pytest.raises(PublishError, match="2019"):
        publish.publish_year(2019, warehouse_dir=warehouse, releases_dir=tmp_path / "releases")
    with pytest.raises(PublishError, match="2019"):
        publish.publish_years(warehouse_dir=warehouse, releases_dir=tmp_path / "releases", years=[2019, 2022])
    assert not (tmp_path / "releases" / "2022").exists()  # checked before anything is published
    with pytest.raises(PublishError, match="no warehouse"):
        publish.publish_year(2022, warehouse_dir=tmp_path / "nowhere", releases_dir=tmp_path / "releases")
