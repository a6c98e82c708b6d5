"""What a release says about itself: ``datapackage.json``, ``README.md`` and ``CHANGELOG.md``.

``datapackage.json`` is a Frictionless tabular data package: every field from ``Column.to_frictionless``
(the schemas' convention: ``title``/``description`` in English, ``x-title-zh``/``x-description-zh`` in
Chinese), the keys, the CSV dialect, each file's size and sha256. ``README.md`` is the template
``templates/README.md`` (and ``templates/README-table.md`` for each file's field dictionary) filled
with ``string.Template``: the prose lives in the template, the code computes the values and the
tables' rows. A block of rows (``$coverage_rows``, ``$file_rows``, ``$formula_cells``,
``$field_rows``) stands at the end of the line it follows and each of its lines begins with a line
break, so an empty block leaves no blank line. ``CHANGELOG.md`` compares the CSVs with the previous
version of the year, row by row on the primary key, and the issuers with the previous year's latest
release.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import datetime
from importlib import resources
from pathlib import Path
from string import Template

from flows.publish.model import CSV_LINE_TERMINATOR, Table, sha256_hex

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
    """The resource's Table Schema: its fields (``Column.to_frictionless``), keys and the foreign keys
    whose target is in the package."""
    fields = [column.to_frictionless(required=column.name in table.primary_key) for column in table.columns]
    schema = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    foreign = package_foreign_keys(table, tables)
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def datapackage(
    *,
    tables: list[Table],
    facts: dict,
    year: int,
    version: str,
    created: datetime,
    csv_bytes: dict[str, bytes],
    parquet_bytes: dict[str, bytes] | None = None,
) -> dict:
    parquet_bytes = parquet_bytes or {}
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
            "text_origins": facts.get("text_origins") or {},
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
                **_parquet_entry(t, parquet_bytes),
            }
            for t in tables
        ],
    }


def _parquet_entry(table: Table, parquet_bytes: dict[str, bytes]) -> dict:
    """The table's Parquet copy (same rows and columns, typed), beside the CSV resource it describes."""
    path = next((p for p in parquet_bytes if p.endswith(f"/{table.name}.parquet")), None)
    if path is None:
        return {}
    data = parquet_bytes[path]
    return {"x-parquet": {"path": path, "bytes": len(data), "hash": "sha256:" + sha256_hex(data)}}


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


def _template(name: str) -> Template:
    return Template(resources.files("flows.publish").joinpath("templates", name).read_text(encoding="utf-8"))


def _rows(lines: list[str]) -> str:
    """A block of lines for a template placeholder placed at the end of the line before it."""
    return "".join("\n" + line for line in lines)


def readme(
    *, tables: list[Table], facts: dict, year: int, version: str, created: datetime, csv_bytes: dict[str, bytes]
) -> str:
    coverage = facts["coverage"]
    unresolved = sum(c["documents"] for c in coverage if not c["issuer_id"])
    levels = Counter(c["region_level"] or "unknown" for c in coverage if c["issuer_id"])
    rows = {t.name: len(t.rows) for t in tables}
    formula_cells = facts["formula_cells"]
    origins = facts.get("text_origins") or {}
    return _template("README.md").substitute(
        year=year,
        version=version,
        created=created.isoformat().replace("+00:00", "Z"),
        created_year=created.year,
        issuers=len({c["issuer_id"] for c in coverage if c["issuer_id"]}),
        unresolved=(
            f"（另有 {unresolved} 份报告未能确定发布机关 / plus {unresolved} report(s) whose issuer could not be resolved）"
            if unresolved
            else ""
        ),
        documents=rows["documents"],
        copies=(
            f"（其中 {facts['copies']} 份为另一文档的副本或已被修订版替代，见 duplicate_of、superseded_by；"
            f"其正文、章节与指标随规范文档发布 / of which {facts['copies']} are copies of another document or "
            "superseded by a revised version, see duplicate_of and superseded_by: their text, sections and metrics "
            "are released with the canonical document's）"
            if facts.get("copies")
            else ""
        ),
        sections=rows["sections"],
        metrics=rows["metrics"],
        canonical_metrics=sum(c["canonical_metrics"] for c in coverage),
        yoy_rows=rows["metric_yoy"],
        levels=", ".join(f"{k} {v}" for k, v in sorted(levels.items())) or "—",
        text_origins=", ".join(f"{k} {v}" for k, v in sorted(origins.items())) or "—",
        captured_notice=_captured_notice(origins.get("captured_text", 0), rows["documents"]),
        coverage_rows=_rows(_coverage_rows(coverage)),
        fetched_from=facts["fetched_from"] or "—",
        fetched_to=facts["fetched_to"] or "—",
        code_version=facts["code_version"],
        parser_versions=", ".join(facts["parser_versions"]) or "—",
        file_rows=_rows(
            [
                f"| {t.file_name} | {len(t.rows)} | {len(csv_bytes[t.file_name])} | {_md(t.title_zh)} / {_md(t.title_en)} |"
                for t in tables
            ]
        ),
        formula_cell_count=len(formula_cells),
        formula_cells=_rows(_formula_cell_rows(formula_cells)),
        field_dictionary="\n".join(_field_dictionary(t) for t in tables),
        project_url=PROJECT_URL,
        issues_url=ISSUES_URL,
        license_title=LICENSE["title"],
        license_path=LICENSE["path"],
    )


def _captured_notice(captured: int, documents: int) -> str:
    """The lines under the title of a release holding captured texts (empty otherwise)."""
    if not captured:
        return ""
    return (
        f"\n> **注意：本版本 {documents} 份报告中有 {captured} 份为人工采集并导入的文本，而非抓取的网页或附件**"
        "（documents.csv 与 facts.csv 的 `text_origin` 为 `captured_text`；`capture_note` 注明由谁导入及原因（如有记录））。"
        "引用其中数字前请与原网页核对。\n"
        f"> **Note: {captured} of the {documents} report(s) in this release are texts captured and imported by hand, "
        "not fetched pages or attachments** (`text_origin` = `captured_text` in documents.csv and facts.csv; "
        "`capture_note` says who imported them and why, where recorded). Check their figures against the original page before "
        "citing them.\n"
    )


def _coverage_rows(coverage: list[dict]) -> list[str]:
    lines = [
        f"| {_md(c['issuer'] or '（未确定 / unresolved）')} | {_md(c['region_name'])} | {_md(c['region_level'])} "
        f"| {c['documents']} | {c['metrics']} | {c['canonical_metrics']} | {', '.join(map(str, c['years']))} |"
        for c in coverage[:README_ISSUERS_SHOWN]
    ]
    if len(coverage) > README_ISSUERS_SHOWN:
        more = len(coverage) - README_ISSUERS_SHOWN
        lines.append(f"\n（其余 {more} 个见 documents.csv / {more} more in documents.csv）")
    return lines


def _formula_cell_rows(cells: list[dict]) -> list[str]:
    if not cells:
        return []
    lines = ["", "| 文件 File | 字段 Field | 键 Key | 开头 Starts with |", "| --- | --- | --- | --- |"]
    for cell in cells[:FORMULA_CELLS_SHOWN]:
        key = ", ".join(f"{k}={v}" for k, v in cell["key"].items())
        lines.append(f"| {cell['resource']}.csv | {cell['field']} | {_md(key)} | `{_md(cell['value'][:40])}` |")
    if len(cells) > FORMULA_CELLS_SHOWN:
        more = len(cells) - FORMULA_CELLS_SHOWN
        lines.append(f"\n（其余 {more} 个略 / and {more} more）")
    return lines


def _field_dictionary(table: Table) -> str:
    """One file's section of the README's field dictionary (``templates/README-table.md``)."""
    return _template("README-table.md").substitute(
        file_name=table.file_name,
        title_zh=table.title_zh,
        title_en=table.title_en,
        description_zh=table.description_zh,
        description_en=table.description_en,
        primary_key=", ".join(f"`{k}`" for k in table.primary_key) or "—",
        field_rows=_rows(
            [
                f"| `{c.name}` | {c.frictionless_type + ('' if c.nullable else ', required')} | {_md(c.title_zh)} "
                f"| {_md(c.title_en)} | {_md(c.description_zh)} | {_md(c.description_en)} |"
                for c in table.columns
            ]
        ),
    )


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
    *, tables, facts, year, version, created, csv_bytes, previous_dir, previous_year_dir, parquet_bytes=None
) -> dict[str, bytes]:
    package = datapackage(
        tables=tables,
        facts=facts,
        year=year,
        version=version,
        created=created,
        csv_bytes=csv_bytes,
        parquet_bytes=parquet_bytes,
    )
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
