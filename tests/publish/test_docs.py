"""The release documents (flows/publish/docs.py) from hand-made tables and facts, without a warehouse:
the README template, the Table Schemas of datapackage.json and the CHANGELOG's row diff."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources

from flows.load.columns import Column
from flows.publish import docs
from flows.publish.model import Table, render_csv, sha256_hex

CREATED = datetime(2024, 6, 1, 12, tzinfo=UTC)


def col(name: str, prop: dict | None = None) -> Column:
    return Column.from_property(
        name, {"type": "string", "title": name.title(), "x-title-zh": f"{name}中", **(prop or {})}
    )


def table(name: str, rows: list[tuple], **extra) -> Table:
    columns = extra.pop("columns", [col("doc_id"), col("issuer_id", {"type": ["string", "null"]})])
    return Table(
        name=name,
        title_en=f"{name} title",
        title_zh=f"{name}表",
        description_en=f"About {name}.",
        description_zh=f"{name}说明。",
        columns=columns,
        primary_key=extra.pop("primary_key", ["doc_id"]),
        foreign_keys=extra.pop("foreign_keys", []),
        rows=rows,
    )


def release_tables() -> list[Table]:
    return [
        table("documents", [("d1", "i1"), ("d2", None)]),
        table("documents_text", [("d1", "i1"), ("d2", None)]),
        table("sections", []),
        table("metrics", [("d1", "i1")]),
        table("metric_catalog", []),
        table("metric_yoy", []),
    ]


def facts(**changes) -> dict:
    base = {
        "coverage": [
            {
                "issuer_id": "i1",
                "issuer": "甲|市政府",
                "region_name": "示例市",
                "region_level": "city",
                "documents": 1,
                "metrics": 4,
                "canonical_metrics": 1,
                "years": [2021, 2022],
            },
            {
                "issuer_id": None,
                "issuer": None,
                "region_name": None,
                "region_level": None,
                "documents": 1,
                "metrics": 0,
                "canonical_metrics": 0,
                "years": [2022],
            },
        ],
        "formula_cells": [],
        "fetched_from": "2024-01-01T00:00:00Z",
        "fetched_to": None,
        "code_version": "9.9.9",
        "parser_versions": [],
        "sources": [
            {"doc_id": "d1", "title": "报告", "path": "https://example.invalid/d1"},
            {"doc_id": "d2", "title": "d2", "path": None},
        ],
    }
    return {**base, **changes}


def readme(tables=None, **fact_changes) -> str:
    tables = tables or release_tables()
    return docs.readme(
        tables=tables,
        facts=facts(**fact_changes),
        year=2022,
        version="2022.3",
        created=CREATED,
        csv_bytes={t.file_name: render_csv(t) for t in tables},
    )


def test_the_readme_template_is_filled_from_the_tables_and_facts():
    text = readme()
    lines = text.split("\n")
    assert lines[:2] == [
        "# 法治政府建设年度报告数据 2022（版本 2022.3）",
        "# Rule-of-law government annual reports 2022 (version 2022.3)",
    ]
    assert "发布时间 / Created: 2024-06-01T12:00:00Z" in lines
    assert (
        "- 发布机关 / Issuers: 1（另有 1 份报告未能确定发布机关 / plus 1 report(s) whose issuer could not be resolved）"
        in lines
    )
    assert (
        "- 报告 / Reports: 2; 章节 / Sections: 0; 指标 / Metrics: 1（已归类 / with a metric_code: 1）; 同比 / Year-over-year rows: 0"
        in lines
    )
    assert "- 按层级 / By level: city 1" in lines
    # the coverage rows follow the table header directly; data pipes are escaped
    header = lines.index("| --- | --- | --- | ---: | ---: | ---: | --- |")
    assert lines[header + 1 : header + 4] == [
        "| 甲\\|市政府 | 示例市 | city | 1 | 4 | 1 | 2021, 2022 |",
        "| （未确定 / unresolved） |  |  | 1 | 0 | 0 | 2022 |",
        "",
    ]
    assert (
        "- 抓取时间（UTC，来自归档清单）/ Fetched (UTC, from the archive manifest): 2024-01-01T00:00:00Z — —" in lines
    )
    assert "- 解析器版本 / Parser version: —" in lines
    size = len(render_csv(release_tables()[0]))
    assert f"| documents.csv | 2 | {size} | documents表 / documents title |" in lines
    # no formula-like cells: the count, then straight on to the dictionary
    count = lines.index("本版本中这样的文本单元格 / Such text cells in this version: **0**")
    assert lines[count + 1 : count + 3] == ["", "## 字段说明 / Field dictionary"]
    # one dictionary section per file, each ending in a blank line
    section = lines.index("### metrics.csv — metrics表 / metrics title")
    assert lines[section : section + 12] == [
        "### metrics.csv — metrics表 / metrics title",
        "",
        "metrics说明。",
        "",
        "About metrics.",
        "",
        "主键 / Primary key: `doc_id`",
        "",
        "| 字段 Field | 类型 Type | 名称 | Title | 说明 | Description |",
        "| --- | --- | --- | --- | --- | --- |",
        "| `doc_id` | string, required | doc_id中 | Doc_Id |  |  |",
        "| `issuer_id` | string | issuer_id中 | Issuer_Id |  |  |",
    ]
    assert lines[section + 12 : section + 14] == [
        "",
        "### metric_catalog.csv — metric_catalog表 / metric_catalog title",
    ]
    assert (
        "fazhi contributors (2024). 法治政府建设年度报告数据 2022 / Rule-of-law government annual reports 2022, "
        in text
    )
    assert "$" not in text and text.endswith("(with the source).\n")


def test_long_lists_are_cut_with_a_note(monkeypatch):
    monkeypatch.setattr(docs, "README_ISSUERS_SHOWN", 1)
    monkeypatch.setattr(docs, "FORMULA_CELLS_SHOWN", 2)
    cells = [
        {"resource": "metrics", "field": "subject", "key": {"metric_id": f"m{i}"}, "value": "=SUM(1)"} for i in range(3)
    ]
    lines = readme(formula_cells=cells).split("\n")
    shown = lines.index("| 甲\\|市政府 | 示例市 | city | 1 | 4 | 1 | 2021, 2022 |")
    assert lines[shown + 1 : shown + 5] == [
        "",
        "（其余 1 个见 documents.csv / 1 more in documents.csv）",
        "",
        "## 数据如何产生 / How it was produced",
    ]
    count = lines.index("本版本中这样的文本单元格 / Such text cells in this version: **3**")
    assert lines[count + 1 : count + 9] == [
        "",
        "| 文件 File | 字段 Field | 键 Key | 开头 Starts with |",
        "| --- | --- | --- | --- |",
        "| metrics.csv | subject | metric_id=m0 | `=SUM(1)` |",
        "| metrics.csv | subject | metric_id=m1 | `=SUM(1)` |",
        "",
        "（其余 1 个略 / and 1 more）",
        "",
    ]


def test_the_templates_are_package_data():
    templates = resources.files("flows.publish").joinpath("templates")
    assert {"README.md", "README-table.md"} <= {entry.name for entry in templates.iterdir()}


def test_table_schema_keys_and_constraints():
    sections = table(
        "sections",
        [],
        columns=[
            col("section_id"),
            col("parent_id", {"type": ["string", "null"]}),
            col("doc_id", {"type": ["string", "null"]}),
            col("kind", {"enum": ["a", "b"]}),
            col("seen_at", {"format": "date-time"}),
        ],
        primary_key=["section_id", "doc_id"],
        foreign_keys=[
            {"fields": ["parent_id"], "reference": {"table": "sections", "fields": ["section_id"]}},
            {"fields": ["doc_id"], "reference": {"table": "documents", "fields": ["doc_id"]}},
            {"fields": ["kind"], "reference": {"table": "kinds", "fields": ["kind"]}},  # not in the package
        ],
    )
    schema = docs.table_schema(sections, [sections, table("documents", [])])
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["doc_id"]["constraints"] == {"required": True}  # nullable in the schema, but a key
    assert "constraints" not in fields["parent_id"]
    assert fields["kind"]["constraints"] == {"required": True, "enum": ["a", "b"]}
    assert fields["seen_at"]["type"] == "datetime" and fields["seen_at"]["format"] == "any"
    assert schema["primaryKey"] == ["section_id", "doc_id"] and schema["missingValues"] == [""]
    assert schema["foreignKeys"] == [
        {"fields": ["parent_id"], "reference": {"resource": "", "fields": ["section_id"]}},
        {"fields": ["doc_id"], "reference": {"resource": "documents", "fields": ["doc_id"]}},
    ]


def test_datapackage_hashes_the_files_it_lists():
    tables = release_tables()
    csv_bytes = {t.file_name: render_csv(t) for t in tables}
    package = docs.datapackage(
        tables=tables, facts=facts(), year=2022, version="2022.3", created=CREATED, csv_bytes=csv_bytes
    )
    resource = package["resources"][0]
    assert resource["path"] == "documents.csv" and resource["bytes"] == len(csv_bytes["documents.csv"])
    assert resource["hash"] == "sha256:" + sha256_hex(csv_bytes["documents.csv"])
    sums = "".join(f"{sha256_hex(data)}  {name}\n" for name, data in sorted(csv_bytes.items()))
    assert package["x-content-sha256"] == sha256_hex(sums.encode("ascii"))
    assert package["x-coverage"]["issuers"] == 1 and package["x-coverage"]["documents_rows"] == 2
    assert package["created"] == "2024-06-01T12:00:00Z"
    assert package["sources"] == [
        {"title": "报告", "path": "https://example.invalid/d1"}
    ]  # pages without a url are not listed


def test_changelog_diffs_rows_by_key_and_issuers_by_year(tmp_path):
    previous = tmp_path / "2022.2"
    previous.mkdir()
    old = release_tables()
    old[0].rows = [("d0", "i0"), ("d1", "i9")]
    for t in old:
        (previous / t.file_name).write_bytes(render_csv(t))
    (previous / "datapackage.json").write_text(json.dumps({"created": "2024-05-01T00:00:00Z"}), encoding="utf-8")
    last_year = tmp_path / "2021.1"
    last_year.mkdir()
    (last_year / "documents.csv").write_bytes(render_csv(table("documents", [("x", "i0"), ("y", "i1")])))

    new = release_tables()
    text = docs.changelog(
        tables=new,
        csv_bytes={t.file_name: render_csv(t) for t in new},
        year=2022,
        version="2022.3",
        created=CREATED,
        previous_dir=previous,
        previous_year_dir=last_year,
    )
    lines = text.split("\n")
    assert lines[0] == "# 变更记录 / Changelog — 2022.3"
    assert "## 与 2022.2 相比 / Compared with 2022.2 (created 2024-05-01T00:00:00Z)" in lines
    assert "| documents.csv | 1 | 1 | 1 |" in lines and "| sections.csv | 0 | 0 | 0 |" in lines
    assert "- 新增 / Added (1): `d2`" in lines and "- 删除 / Removed (1): `d0`" in lines
    assert "  - `d1`: issuer_id: `i9` → `i1`" in lines
    assert "- 两个年度均有报告的发布机关 / Issuers with reports in both years: 1" in lines
    assert "- 2022 年缺少 / Missing in 2022: 1 (i0)" in lines


def test_diff_table_when_the_key_column_is_new():
    # the old version cannot be matched row by row: every row counts as added, none as removed
    diff = docs.diff_table(["k"], (["a"], [["1"]]), (["k", "a"], [["x", "1"], ["y", "2"]]))
    assert diff["added"] == [("x",), ("y",)] and diff["removed"] == [] and diff["changed"] == []


def test_a_release_holding_captured_texts_says_so_on_its_first_lines():
    lines = readme(text_origins={"captured_text": 1, "fetched_page": 1}).split("\n")  # the tables hold 2 documents
    assert lines[3].startswith("> **注意：本版本 2 份报告中有 1 份为人工采集并导入的文本，而非抓取的网页或附件**")
    assert lines[4].startswith("> **Note: 1 of the 2 report(s) in this release are texts captured and imported by hand")
    assert "- 正文出处 / Text origin (documents.csv `text_origin`): captured_text 1, fetched_page 1" in lines
    fetched = readme(text_origins={"fetched_page": 2}).split("\n")
    assert fetched[2] == "" and fetched[3].startswith("发布时间 / Created:")
    assert not any("人工采集并导入的文本，而非" in line for line in fetched)
    assert "- 正文出处 / Text origin (documents.csv `text_origin`): fetched_page 2" in fetched
