"""What a release says about itself: Table Schemas, ``datapackage.json``, ``README.md``, ``CHANGELOG.md``.

Every field's type, bilingual title and description, and every primary and foreign key come from
the JSON Schemas (``contracts.load_schema``); ``metric_yoy``, a warehouse view without a schema of
its own, takes its columns from the view and each column's dictionary entry from the table it comes
from (``warehouse_views``), computed columns from the view's own bilingual notes.
Table Schema fields follow the schemas' convention: ``title``/``description`` in English,
``x-title-zh``/``x-description-zh`` in Chinese.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

from flows import __version__
from flows.core import contracts
from flows.publish.releases import CSV_LINE_TERMINATOR, Column, Table, formula_like_cells, sha256_hex

PROJECT_URL = "https://github.com/fazhi-data/fazhi"
ISSUES_URL = PROJECT_URL + "/issues"
LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
EXAMPLES_SHOWN = 5
FORMULA_CELLS_SHOWN = 20
README_ISSUERS_SHOWN = 2000

_FRICTIONLESS_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "date-time": "datetime",
    "list": "array",
}
_DUCKDB_KINDS = {
    "VARCHAR": "string",
    "BIGINT": "integer",
    "INTEGER": "integer",
    "HUGEINT": "integer",
    "SMALLINT": "integer",
    "DOUBLE": "number",
    "FLOAT": "number",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "date-time",
    "JSON": "json",
}
_JSON_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "date": "string",
    "date-time": "string",
    "list": "array",
    "json": "object",
}
# The grain of the metric_yoy view (its SQL picks one value per issuer, code and year).
METRIC_YOY_KEY = ["issuer_id", "metric_code", "report_year"]


# -- tables from the schemas ------------------------------------------------------------------------


def _column(name: str, prop: dict) -> Column:
    from flows.load.columns import column_from_property

    spec = column_from_property(name, prop)
    types = prop.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    non_null = [t for t in types if t != "null"]
    return Column(
        name=name,
        kind=spec.kind,
        json_type=non_null[0] if len(non_null) == 1 else "string",
        nullable=spec.nullable,
        title_en=spec.title_en,
        title_zh=spec.title_zh,
        description_en=spec.description_en,
        description_zh=spec.description_zh,
        enum=tuple(v for v in prop.get("enum") or () if v is not None),
    )


def table_from_schema(schema_name: str, *, name: str, exclude: tuple = (), only: tuple | None = None) -> Table:
    schema = contracts.load_schema(schema_name)
    props = schema["properties"]
    names = [n for n in props if n not in exclude and (only is None or n in only)]
    return Table(
        name=name,
        title_en=schema.get("title", ""),
        title_zh=schema.get("x-title-zh", ""),
        description_en=schema.get("description", ""),
        description_zh=schema.get("x-description-zh", ""),
        columns=[_column(n, props[n]) for n in names],
        primary_key=[k for k in schema.get("x-primary-key") or [] if k in names],
        foreign_keys=[fk for fk in schema.get("x-foreign-keys") or [] if set(fk["fields"]) <= set(names)],
    )


def schemas_by_table() -> dict[str, dict]:
    """``x-table`` -> schema, for every schema in ``schemas/``."""
    found = {}
    for path in sorted(contracts.SCHEMAS_DIR.glob("*.schema.json")):
        schema = contracts.load_schema(path.name[: -len(".schema.json")])
        if schema.get("x-table"):
            found[schema["x-table"]] = schema
    return found


def view_table(con, view_name: str, *, links_to: tuple[str, ...]) -> Table:
    """A warehouse view as a release table: columns as the view has them, dictionary entries from
    the tables each column comes from (or the view's notes for computed columns). A column that is
    the whole primary key of a table in ``links_to`` (doc_id, section_id, metric_code) becomes a
    foreign key to it: that is the row's provenance."""
    from flows.load.views import VIEWS

    view = next(v for v in VIEWS if v.name == view_name)
    schemas = schemas_by_table()
    columns = []
    for name, duck_type, *_ in con.execute(f'DESCRIBE "{view_name}"').fetchall():
        inherited = next(
            (
                schemas[t]["properties"][name]
                for t in view.inherits_from
                if t in schemas and name in schemas[t]["properties"]
            ),
            None,
        )
        if name in view.computed or inherited is None:
            zh, en = view.computed.get(name, (name, name))
            kind = _duckdb_kind(duck_type)
            columns.append(
                Column(
                    name=name,
                    kind=kind,
                    json_type=_JSON_TYPES[kind],
                    nullable=True,
                    title_en=en,
                    title_zh=zh,
                    description_en=en,
                    description_zh=zh,
                )
            )
        else:
            column = _column(name, inherited)
            # Every column of a left-joined view can be null, whatever the source table says.
            columns.append(Column(**{**column.__dict__, "nullable": column.nullable or name.startswith("prev_")}))
    names = [c.name for c in columns]
    foreign_keys = [
        {"fields": schema["x-primary-key"], "reference": {"table": table, "fields": schema["x-primary-key"]}}
        for table, schema in schemas.items()
        if table in links_to and len(schema.get("x-primary-key") or []) == 1 and schema["x-primary-key"][0] in names
    ]
    return Table(
        name=view.name,
        title_en=view.title_en,
        title_zh=view.title_zh,
        description_en=view.description_en
        + " This release: rows of its report year whose previous year also has a value.",
        description_zh=view.description_zh + "本发布：仅含本报告年度且上一年度也有数值的行。",
        columns=columns,
        primary_key=[k for k in METRIC_YOY_KEY if k in [c.name for c in columns]],
        foreign_keys=foreign_keys,
    )


def _duckdb_kind(duck_type: str) -> str:
    if duck_type.endswith("[]"):
        return "list"
    return _DUCKDB_KINDS.get(duck_type.upper(), "string")


def package_foreign_keys(table: Table, tables: list[Table]) -> list[dict]:
    """The table's foreign keys whose target is in this package, as Table Schema ``foreignKeys``
    (a key to the table itself refers to resource ``""``, as the spec says)."""
    names = {t.name for t in tables}
    return [
        {
            "fields": fk["fields"],
            "reference": {
                "resource": "" if fk["reference"]["table"] == table.name else fk["reference"]["table"],
                "fields": fk["reference"]["fields"],
            },
        }
        for fk in table.foreign_keys
        if fk["reference"]["table"] in names
    ]


# -- facts about the release, from the warehouse --------------------------------------------------------


def release_facts(con, year: int, tables: list[Table]) -> dict:
    doc_ids = [row[0] for row in tables[0].rows]
    ids = "WITH ids AS (SELECT unnest(?::VARCHAR[]) AS doc_id) "
    fetched = con.execute(
        ids
        + """
        SELECT min(f.fetched_at), max(f.fetched_at) FROM fetches AS f
        JOIN documents AS d ON d.source_id = f.source_id AND d.snapshot_sha256 = f.snapshot_sha256
        WHERE d.doc_id IN (SELECT doc_id FROM ids)
    """,
        [doc_ids],
    ).fetchone()
    code_version = con.execute("SELECT code_version FROM runs ORDER BY finished_at DESC NULLS LAST LIMIT 1").fetchone()
    parser_versions = [
        r[0]
        for r in con.execute(
            ids
            + """
        SELECT DISTINCT parser_version FROM documents WHERE doc_id IN (SELECT doc_id FROM ids) ORDER BY 1
    """,
            [doc_ids],
        ).fetchall()
    ]
    coverage = con.execute(
        ids
        + """
        , counts AS (SELECT doc_id, count(*) AS n, count(metric_code) AS c FROM metrics GROUP BY doc_id)
        SELECT d.issuer_id, min(array_to_string(d.issuers, ' ')), min(d.region_name), min(d.region_level),
               count(*), coalesce(sum(counts.n), 0), coalesce(sum(counts.c), 0)
        FROM documents AS d LEFT JOIN counts ON counts.doc_id = d.doc_id
        WHERE d.doc_id IN (SELECT doc_id FROM ids)
        GROUP BY d.issuer_id ORDER BY min(d.region_code) NULLS LAST, d.issuer_id NULLS LAST
    """,
        [doc_ids],
    ).fetchall()
    years_by_issuer = {
        issuer: sorted(int(y) for y in ys)
        for issuer, ys in con.execute(
            "SELECT issuer_id, list(report_year) FROM coverage WHERE has_report GROUP BY issuer_id"
        ).fetchall()
    }
    sources = con.execute(
        ids
        + """
        SELECT d.doc_id, d.title, array_to_string(d.issuers, ' '), d.url FROM documents AS d
        WHERE d.doc_id IN (SELECT doc_id FROM ids) ORDER BY d.doc_id
    """,
        [doc_ids],
    ).fetchall()
    return {
        "report_year": year,
        "fetched_from": _iso(fetched[0]) if fetched else None,
        "fetched_to": _iso(fetched[1]) if fetched else None,
        "code_version": code_version[0] if code_version and code_version[0] else __version__,
        "parser_versions": parser_versions,
        "coverage": [
            {
                "issuer_id": r[0],
                "issuer": r[1],
                "region_name": r[2],
                "region_level": r[3],
                "documents": int(r[4]),
                "metrics": int(r[5]),
                "canonical_metrics": int(r[6]),
                "years": years_by_issuer.get(r[0], [year]),
            }
            for r in coverage
        ],
        "sources": [{"doc_id": r[0], "title": r[1] or r[2] or r[0], "path": r[3]} for r in sources],
        "formula_cells": formula_like_cells(tables),
    }


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


# -- datapackage.json ---------------------------------------------------------------------------------


def dialect() -> dict:
    return {
        "delimiter": ",",
        "lineTerminator": CSV_LINE_TERMINATOR,
        "quoteChar": '"',
        "doubleQuote": True,
        "skipInitialSpace": False,
        "header": True,
    }


def table_schema(table: Table, tables: list[Table]) -> dict:
    fields = []
    for column in table.columns:
        entry = {
            "name": column.name,
            "type": _frictionless_type(column),
            "title": column.title_en,
            "x-title-zh": column.title_zh,
            "description": column.description_en,
            "x-description-zh": column.description_zh,
        }
        if column.kind == "date-time":
            entry["format"] = "any"  # ISO 8601 with or without fractional seconds
        constraints = {}
        if not column.nullable or column.name in table.primary_key:
            constraints["required"] = True
        if column.enum and column.kind == "string":
            constraints["enum"] = list(column.enum)
        if constraints:
            entry["constraints"] = constraints
        fields.append(entry)
    schema = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    foreign = package_foreign_keys(table, tables)
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def _frictionless_type(column: Column) -> str:
    if column.kind == "json":
        return {"object": "object", "array": "array"}.get(column.json_type, "string")
    return _FRICTIONLESS_TYPES[column.kind]


def datapackage(
    *, tables: list[Table], facts: dict, year: int, version: str, created: datetime, csv_bytes: dict[str, bytes]
) -> dict:
    content = {name: sha256_hex(data) for name, data in sorted(csv_bytes.items())}
    return {
        "profile": "tabular-data-package",
        "name": f"fazhi-rule-of-law-reports-{year}",
        "title": f"法治政府建设年度报告数据 {year} / Rule-of-law government annual reports {year}",
        "description": (
            f"{year}年度各级政府法治政府建设情况报告的文档、章节与数量指标（据官方网页整理）。 / "
            f"Documents, sections and quantitative statements of the {year} annual reports on building a "
            "rule-of-law government published by Chinese governments, compiled from the official web pages."
        ),
        "version": version,
        "created": created.isoformat().replace("+00:00", "Z"),
        "homepage": PROJECT_URL,
        "keywords": ["法治政府", "rule of law", "China", "government reports", str(year)],
        "licenses": [LICENSE],
        "contributors": [{"title": "fazhi contributors", "path": PROJECT_URL, "role": "author"}],
        "sources": [{"title": s["title"], "path": s["path"]} for s in facts["sources"] if s["path"]],
        "x-report-year": year,
        "x-content-sha256": sha256_hex("".join(f"{d}  {n}\n" for n, d in content.items()).encode("ascii")),
        "x-code-version": facts["code_version"],
        "x-parser-versions": facts["parser_versions"],
        "x-fetched-from": facts["fetched_from"],
        "x-fetched-to": facts["fetched_to"],
        "x-coverage": {
            "documents": len(tables[0].rows),
            "issuers": len({c["issuer_id"] for c in facts["coverage"] if c["issuer_id"]}),
            **{f"{t.name}_rows": len(t.rows) for t in tables},
        },
        "x-formula-like-cells": len(facts["formula_cells"]),
        "resources": [
            {
                "name": t.name,
                "path": t.file_name,
                "profile": "tabular-data-resource",
                "title": t.title_en,
                "x-title-zh": t.title_zh,
                "description": t.description_en,
                "x-description-zh": t.description_zh,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "x-bom": True,
                "bytes": len(csv_bytes[t.file_name]),
                "hash": "sha256:" + content[t.file_name],
                "dialect": dialect(),
                "schema": table_schema(t, tables),
            }
            for t in tables
        ],
    }


# -- README.md -------------------------------------------------------------------------------------------


def _md(text) -> str:
    """One Markdown table cell: no pipes or line breaks from the data."""
    return (
        str("" if text is None else text)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def readme(
    *, tables: list[Table], facts: dict, year: int, version: str, created: datetime, csv_bytes: dict[str, bytes]
) -> str:
    coverage = facts["coverage"]
    issuers = len({c["issuer_id"] for c in coverage if c["issuer_id"]})
    unresolved = sum(c["documents"] for c in coverage if not c["issuer_id"])
    levels = Counter(c["region_level"] or "unknown" for c in coverage if c["issuer_id"])
    rows = {t.name: len(t.rows) for t in tables}
    canonical = sum(c["canonical_metrics"] for c in coverage)
    out = [
        f"# 法治政府建设年度报告数据 {year}（版本 {version}）",
        f"# Rule-of-law government annual reports {year} (version {version})",
        "",
        f"发布时间 / Created: {created.isoformat().replace('+00:00', 'Z')}",
        "",
        "## 简介 / About",
        "",
        f"本数据集收录{year}年度各级政府（县级及以上）发布的《法治政府建设情况报告》：文档元数据与全文、"
        "标题层级（章节）、报告中的数量表述（指标，附原文片段与位置），以及与上一年度的同比。"
        "数值按原文整理，每一个数字都可以在全文中按位置核对。",
        "",
        f"Governments at county level and above publish an annual report on building a rule-of-law government. "
        f"This release holds the {year} reports found so far: document metadata and full text, the heading tree "
        "(sections), every quantitative statement (metrics, with the exact span and its offsets in the text) and "
        "a year-over-year comparison. Values are as published; every number can be checked against the text.",
        "",
        "## 覆盖范围 / Coverage",
        "",
        f"- 报告年度 / Report year: {year}",
        f"- 发布机关 / Issuers: {issuers}"
        + (
            f"（另有 {unresolved} 份报告未能确定发布机关 / plus {unresolved} "
            "report(s) whose issuer could not be resolved）"
            if unresolved
            else ""
        ),
        f"- 报告 / Reports: {rows['documents']}; 章节 / Sections: {rows['sections']}; "
        f"指标 / Metrics: {rows['metrics']}（已归类 / with a metric_code: {canonical}）; "
        f"同比 / Year-over-year rows: {rows['metric_yoy']}",
        "- 按层级 / By level: " + (", ".join(f"{k} {v}" for k, v in sorted(levels.items())) or "—"),
        "",
        "发布机关 × 年度（“年度”列为数据仓库中该机关已有报告的年度）/ Issuers × years (the years column lists every "
        "report year the warehouse holds for the issuer):",
        "",
        "| 发布机关 Issuer | 地区 Region | 层级 Level | 报告 Reports | 指标 Metrics | 已归类 Canonical | 年度 Years |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for c in coverage[:README_ISSUERS_SHOWN]:
        out.append(
            f"| {_md(c['issuer'] or '（未确定 / unresolved）')} | {_md(c['region_name'])} | {_md(c['region_level'])} "
            f"| {c['documents']} | {c['metrics']} | {c['canonical_metrics']} | {', '.join(map(str, c['years']))} |"
        )
    if len(coverage) > README_ISSUERS_SHOWN:
        out.append(
            f"\n（其余 {len(coverage) - README_ISSUERS_SHOWN} 个见 documents.csv / "
            f"{len(coverage) - README_ISSUERS_SHOWN} more in documents.csv）"
        )
    out += [
        "",
        "## 数据如何产生 / How it was produced",
        "",
        f"- 抓取时间（UTC，来自归档清单）/ Fetched (UTC, from the archive manifest): "
        f"{facts['fetched_from'] or '—'} — {facts['fetched_to'] or '—'}",
        f"- 代码版本 / Code version: fazhi {facts['code_version']}",
        f"- 解析器版本 / Parser version: {', '.join(facts['parser_versions']) or '—'}",
        "",
        "来源网页抓取后原样存档（内容寻址），解析为文档、章节和指标并按 JSON Schema 校验（未通过的记录进入隔离表，不会发布），"
        "载入 DuckDB 数据仓库后生成本发布。只发布真实抓取的网页，不含任何合成测试数据。",
        "",
        "Each source page is archived byte for byte (content-addressed), parsed into documents, sections and metrics, "
        "validated against JSON Schemas (records that fail are quarantined, never published), loaded into a DuckDB "
        "warehouse and released from there. Only pages actually fetched are published, never synthetic test data. "
        f"Code: {PROJECT_URL}",
        "",
        "## 文件 / Files",
        "",
        "| 文件 File | 行数 Rows | 字节 Bytes | 内容 Content |",
        "| --- | ---: | ---: | --- |",
    ]
    for t in tables:
        out.append(
            f"| {t.file_name} | {len(t.rows)} | {len(csv_bytes[t.file_name])} | {_md(t.title_zh)} / {_md(t.title_en)} |"
        )
    out += [
        "| datapackage.json | | | Frictionless Data Package：字段类型、说明、主键与外键 / field types, descriptions, keys |",
        "| CHANGELOG.md | | | 与上一版本的差异 / changes since the previous version |",
        "| SHA256SUMS | | | 校验和，`sha256sum -c SHA256SUMS` / checksums |",
        "",
        "## 文件格式 / File format",
        "",
        "- 编码为带 BOM 的 UTF-8：中文版 Windows 上的 Excel 可直接打开而不乱码。 / UTF-8 with a byte-order mark, so "
        "Excel on a Chinese-locale Windows opens the files without mojibake. pandas (`pd.read_csv`), DuckDB "
        '(`read_csv`) and Frictionless skip the BOM; Python\'s `csv` module needs `open(path, encoding="utf-8-sig", newline="")`.',
        "- RFC 4180：逗号分隔，必要时加双引号，CRLF 换行；首行为英文列名。 / RFC 4180: comma-separated, quoted only "
        "where needed, CRLF line ends, a header row of English snake_case names. Text values are as published (Chinese).",
        "- 空单元格表示空值（null）；布尔值为 `true`/`false`；日期为 `YYYY-MM-DD`；时间为 UTC ISO 8601。 / An empty cell "
        "is null; booleans `true`/`false`; dates `YYYY-MM-DD`; timestamps ISO 8601 UTC.",
        '- 列表（issuers、warnings、breadcrumb 等）与对象为紧凑 JSON 文本，如 `["中共朝阳市委","朝阳市人民政府"]`。 / Lists '
        "(issuers, warnings, breadcrumb) and objects are compact JSON text.",
        "- 全文在 `documents_text.csv`；`start`/`end` 为该文本中的码点（字符）偏移，`text[start:end]` 即 `span`。 / "
        "The full text is in `documents_text.csv` (a report can exceed the 32,767 characters an Excel cell holds); "
        "`start`/`end` are code-point offsets into it: `text[start:end] == span`.",
        "- 行按主键排序；相同数据生成逐字节相同的文件。 / Rows are ordered by primary key; the same data gives "
        "byte-identical files.",
        "",
        "## 电子表格公式风险 / Spreadsheet formula safety",
        "",
        "以 `=` `+` `-` `@` 开头的单元格在电子表格中可能被当作公式执行。本数据按原文发布，不做任何改写（加前缀会破坏片段与位置的精确对应）。"
        "请用 Excel 的“数据 > 自文本/CSV”导入（不会执行公式），不要直接双击打开来源不明的修改版本。",
        "",
        "Cells beginning with `=` `+` `-` `@` may be run as formulas by a spreadsheet. This release publishes every "
        "value exactly as the source printed it, with no `'` prefix: the CSVs are the data for code, and a prefix "
        "would break spans and offsets. Open them in Excel with Data > From Text/CSV (which does not evaluate "
        "formulas) rather than by double-clicking.",
        "",
        f"本版本中这样的文本单元格 / Such text cells in this version: **{len(facts['formula_cells'])}**",
    ]
    if facts["formula_cells"]:
        out += ["", "| 文件 File | 字段 Field | 键 Key | 开头 Starts with |", "| --- | --- | --- | --- |"]
        for cell in facts["formula_cells"][:FORMULA_CELLS_SHOWN]:
            key = ", ".join(f"{k}={v}" for k, v in cell["key"].items())
            out.append(f"| {cell['resource']}.csv | {cell['field']} | {_md(key)} | `{_md(cell['value'][:40])}` |")
        if len(facts["formula_cells"]) > FORMULA_CELLS_SHOWN:
            out.append(
                f"\n（其余 {len(facts['formula_cells']) - FORMULA_CELLS_SHOWN} 个略 / and "
                f"{len(facts['formula_cells']) - FORMULA_CELLS_SHOWN} more）"
            )
    out += ["", "## 字段说明 / Field dictionary", ""]
    for t in tables:
        out += [
            f"### {t.file_name} — {t.title_zh} / {t.title_en}",
            "",
            t.description_zh,
            "",
            t.description_en,
            "",
            "主键 / Primary key: " + (", ".join(f"`{k}`" for k in t.primary_key) or "—"),
            "",
            "| 字段 Field | 类型 Type | 名称 | Title | 说明 | Description |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for c in t.columns:
            kind = _frictionless_type(c) + ("" if c.nullable else ", required")
            out.append(
                f"| `{c.name}` | {kind} | {_md(c.title_zh)} | {_md(c.title_en)} | {_md(c.description_zh)} "
                f"| {_md(c.description_en)} |"
            )
        out.append("")
    out += [
        "## 已知局限 / Known limitations",
        "",
        "- 覆盖不全：仅含已登记并成功抓取的网页；缺少某机关的报告不代表其未发布。 / Coverage is partial: only "
        "registered pages that were fetched successfully; a missing issuer does not mean no report was published.",
        "- 指标由程序自动抽取：可能遗漏或误读数字；请以 `span` 与全文核对，`metric_code` 归类从严，未归类不代表不相关。 / "
        "Metrics are extracted automatically and can be missed or misread: check `span` against the text. "
        "`metric_code` mapping is conservative; an unmapped metric may still be relevant.",
        "- 发布机关、地区、年度、发布日期由解析得出，可能为空或有误；`warnings` 列记录解析时的疑点。 / Issuer, region, "
        "year and publish date are parsed and may be null or wrong; the `warnings` column lists the parser's doubts.",
        "- 网页内容为抓取时的版本；来源网站此后的修改不会反映在本版本中。 / Pages are as fetched; later edits on the "
        "source site are not reflected.",
        "- 同比仅在同一发布机关两个年度都有同一指标时给出，口径可能因报告写法而异。 / Year-over-year rows exist only "
        "where the same issuer reports the same indicator in both years; wording can differ between years.",
        "",
        "## 引用 / How to cite",
        "",
        f"fazhi contributors ({created.year}). 法治政府建设年度报告数据 {year} / Rule-of-law government annual reports "
        f"{year}, version {version} [Data set]. {PROJECT_URL}",
        "",
        "请同时注明原始报告的发布机关与网址（见 datapackage.json 的 `sources`）。 / Please also credit the issuing "
        "bodies and the original pages (listed under `sources` in datapackage.json).",
        "",
        "## 许可 / License",
        "",
        "依《中华人民共和国著作权法》第五条，国家机关的决议、决定、命令和其他具有立法、行政、司法性质的文件不适用该法；"
        "各级政府发布的法治政府建设情况报告属于此类官方文件，原文不受著作权保护。本数据集的整理成果（结构化、编号、指标抽取与归类、"
        f"说明文档）以 {LICENSE['title']}（CC BY 4.0，{LICENSE['path']}）许可发布。",
        "",
        "Under Article 5 of the Copyright Law of the People's Republic of China, resolutions, decisions, orders and "
        "other documents of a legislative, administrative or judicial nature issued by state organs are not "
        "protected works; the governments' annual rule-of-law reports are such official documents, in our reading. "
        f"The compilation (structure, identifiers, extracted and mapped metrics, documentation) is licensed under "
        f"{LICENSE['title']} (CC BY 4.0, {LICENSE['path']}).",
        "",
        "## 报告错误 / Report an error",
        "",
        f"发现错误请在 {ISSUES_URL} 提交问题，注明版本号、文件名与 `doc_id`/`metric_id`/`section_id`，以及正确的值和出处。",
        "",
        f"Found an error? Open an issue at {ISSUES_URL} with the version, the file, the `doc_id`/`metric_id`/"
        "`section_id` and what the value should be (with the source).",
        "",
    ]
    return "\n".join(out)


# -- CHANGELOG.md ---------------------------------------------------------------------------------------


def read_csv_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    rows = list(reader)
    return (rows[0], rows[1:]) if rows else ([], [])


def diff_table(key: list[str], old: tuple[list[str], list[list[str]]], new: tuple[list[str], list[list[str]]]) -> dict:
    """Rows added, removed and changed between two versions of one CSV, by primary key."""
    old_header, old_rows = old
    new_header, new_rows = new
    if not set(key) <= set(old_header):  # the key itself changed: every row is new
        old_header, old_rows = list(new_header), []
    common = [c for c in new_header if c in old_header]

    def keyed(header, rows):
        index = [header.index(k) for k in key]
        return {tuple(r[i] for i in index): dict(zip(header, r)) for r in rows}

    before, after = keyed(old_header, old_rows), keyed(new_header, new_rows)
    changed = []
    for k in after.keys() & before.keys():
        fields = [c for c in common if before[k].get(c) != after[k].get(c)]
        if fields:
            changed.append((k, fields, before[k], after[k]))
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": sorted(changed, key=lambda item: item[0]),
        "columns_added": [c for c in new_header if c not in old_header],
        "columns_removed": [c for c in old_header if c not in new_header],
    }


def _short(value: str, limit: int = 60) -> str:
    value = value.replace("\r", " ").replace("\n", " ")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def changelog(
    *,
    tables: list[Table],
    csv_bytes: dict[str, bytes],
    year: int,
    version: str,
    created: datetime,
    previous_dir: Path | None,
    previous_year_dir: Path | None,
) -> str:
    out = [
        f"# 变更记录 / Changelog — {version}",
        "",
        f"发布时间 / Created: {created.isoformat().replace('+00:00', 'Z')}",
        "",
    ]
    if previous_dir is None:
        out += [f"{year} 年度的首个版本。 / First release of report year {year}.", ""]
    else:
        previous_package = json.loads((previous_dir / "datapackage.json").read_text(encoding="utf-8"))
        out += [
            f"## 与 {previous_dir.name} 相比 / Compared with {previous_dir.name} "
            f"(created {previous_package.get('created')})",
            "",
            "| 文件 File | 新增 Added | 删除 Removed | 修改 Changed |",
            "| --- | ---: | ---: | ---: |",
        ]
        details = []
        for t in tables:
            old_path = previous_dir / t.file_name
            old = read_csv_rows(old_path.read_bytes()) if old_path.exists() else (t.column_names(), [])
            diff = diff_table(t.primary_key or t.column_names(), old, read_csv_rows(csv_bytes[t.file_name]))
            out.append(f"| {t.file_name} | {len(diff['added'])} | {len(diff['removed'])} | {len(diff['changed'])} |")
            details += _diff_details(t, diff)
        out += [""] + details
    out += coverage_against_previous_year(tables, csv_bytes, year, previous_year_dir)
    return "\n".join(out)


def _diff_details(table: Table, diff: dict) -> list[str]:
    if not any(diff[k] for k in ("added", "removed", "changed", "columns_added", "columns_removed")):
        return []
    lines = [f"### {table.file_name}", ""]
    if diff["columns_added"] or diff["columns_removed"]:
        lines.append(
            f"- 列变化 / Columns: added {diff['columns_added'] or '—'}, removed {diff['columns_removed'] or '—'}"
        )
    for label, keys in (("新增 / Added", diff["added"]), ("删除 / Removed", diff["removed"])):
        if keys:
            shown = ", ".join("`" + "/".join(k) + "`" for k in keys[:EXAMPLES_SHOWN])
            more = f" … (+{len(keys) - EXAMPLES_SHOWN})" if len(keys) > EXAMPLES_SHOWN else ""
            lines.append(f"- {label} ({len(keys)}): {shown}{more}")
    if diff["changed"]:
        lines.append(f"- 修改 / Changed ({len(diff['changed'])}), e.g.:")
        for key, fields, before, after in diff["changed"][:EXAMPLES_SHOWN]:
            parts = "; ".join(f"{f}: `{_short(before.get(f, ''))}` → `{_short(after.get(f, ''))}`" for f in fields[:3])
            lines.append(f"  - `{'/'.join(key)}`: {parts}")
    lines.append("")
    return lines


def coverage_against_previous_year(
    tables: list[Table], csv_bytes: dict[str, bytes], year: int, previous_year_dir: Path | None
) -> list[str]:
    out = [f"## 覆盖范围与 {year - 1} 年度相比 / Coverage against {year - 1}", ""]
    if previous_year_dir is None:
        return out + [f"{year - 1} 年度尚无发布。 / No release of {year - 1} yet.", ""]
    this = _issuers(read_csv_rows(csv_bytes[tables[0].file_name]))
    before = _issuers(read_csv_rows((previous_year_dir / tables[0].file_name).read_bytes()))
    both = this.keys() & before.keys()
    new = sorted(this.keys() - before.keys())
    gone = sorted(before.keys() - this.keys())
    out += [
        f"与 {previous_year_dir.name}（{year - 1} 年度最新版本）相比 / Against {previous_year_dir.name}, the latest "
        f"release of {year - 1}:",
        "",
        f"- 两个年度均有报告的发布机关 / Issuers with reports in both years: {len(both)}",
        f"- {year} 年新增 / New in {year}: {len(new)}" + _names(new, this),
        f"- {year} 年缺少 / Missing in {year}: {len(gone)}" + _names(gone, before),
        "",
    ]
    return out


def _issuers(csv_rows: tuple[list[str], list[list[str]]]) -> dict[str, str]:
    header, rows = csv_rows
    if "issuer_id" not in header:
        return {}
    i_id = header.index("issuer_id")
    i_name = header.index("region_name") if "region_name" in header else i_id
    return {r[i_id]: r[i_name] or r[i_id] for r in rows if r[i_id]}


def _names(keys: list[str], names: dict[str, str]) -> str:
    if not keys:
        return ""
    shown = ", ".join(names[k] for k in keys[: EXAMPLES_SHOWN * 2])
    return f" ({shown}{' …' if len(keys) > EXAMPLES_SHOWN * 2 else ''})"


# -- all three --------------------------------------------------------------------------------------------


def render_documents(
    *, tables, facts, year, version, created, csv_bytes, previous_dir, previous_year_dir
) -> dict[str, bytes]:
    package = datapackage(tables=tables, facts=facts, year=year, version=version, created=created, csv_bytes=csv_bytes)
    return {
        "datapackage.json": (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        "README.md": readme(
            tables=tables, facts=facts, year=year, version=version, created=created, csv_bytes=csv_bytes
        ).encode("utf-8"),
        "CHANGELOG.md": changelog(
            tables=tables,
            csv_bytes=csv_bytes,
            year=year,
            version=version,
            created=created,
            previous_dir=previous_dir,
            previous_year_dir=previous_year_dir,
        ).encode("utf-8"),
    }
