"""The data dictionary (docs/DATA_DICTIONARY.md), generated from the JSON Schemas and the metric catalog.

``python -m flows.tools.dictionary --write`` regenerates it; a test fails when the committed file is stale.
"""

from __future__ import annotations

import sys

from flows.core.config import PROJECT_DIR, SCHEMAS_DIR
from flows.core.contracts import load_schema
from flows.normalize.catalog import catalog_rows

DICTIONARY_PATH = PROJECT_DIR / "docs" / "DATA_DICTIONARY.md"
TABLE_ORDER = [
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
]


def _md(text) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _type(prop: dict) -> str:
    types = prop.get("type", "any")
    types = types if isinstance(types, list) else [types]
    main = [t for t in types if t != "null"] or ["null"]
    text = "/".join(main)
    if "format" in prop:
        text += f" ({prop['format']})"
    if main == ["array"] and isinstance(prop.get("items"), dict):
        text += f" of {_type(prop['items'])}"
    if "enum" in prop:
        text += ": " + ", ".join(f"`{v}`" for v in prop["enum"] if v is not None)
    return text + ("" if "null" in types else ", required")


def _schemas() -> list[dict]:
    found = {}
    for path in sorted(SCHEMAS_DIR.glob("*.schema.json")):
        schema = load_schema(path.name.removesuffix(".schema.json"))
        if "x-table" in schema:
            found[schema["x-table"]] = schema
    order = [t for t in TABLE_ORDER if t in found] + sorted(set(found) - set(TABLE_ORDER))
    return [found[t] for t in order]


def render() -> str:
    out = [
        "# 数据字典 / Data dictionary",
        "",
        "Generated from `schemas/*.schema.json` and `schemas/metric_catalog.yaml` by `python -m flows.tools.dictionary --write`;",
        "do not edit by hand. 本文件由数据契约（JSON Schema）自动生成，请勿手工修改。",
        "",
        "The same descriptions are the DuckDB comments (`SELECT * FROM duckdb_columns()`) and the Table Schemas of",
        "every release's `datapackage.json`. 同样的说明也写入数据仓库的注释和每个发布版本的 datapackage.json。",
        "",
    ]
    for schema in _schemas():
        table = schema["x-table"]
        out += [
            f"## `{table}` — {schema.get('x-title-zh', '')} / {schema.get('title', '')}",
            "",
            schema.get("x-description-zh", ""),
            "",
            schema.get("description", ""),
            "",
        ]
        keys = schema.get("x-primary-key") or []
        out.append("主键 / Primary key: " + (", ".join(f"`{k}`" for k in keys) or "—"))
        for fk in schema.get("x-foreign-keys") or []:
            ref = fk["reference"]
            out += [
                "",
                f"外键 / Foreign key: ({', '.join(fk['fields'])}) → `{ref['table']}`({', '.join(ref['fields'])})",
            ]
        out += [
            "",
            "| 字段 Field | 类型 Type | 名称 | Title | 说明 | Description |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for name, prop in schema["properties"].items():
            out.append(
                f"| `{name}` | {_md(_type(prop))} | {_md(prop.get('x-title-zh'))} | {_md(prop.get('title'))} "
                f"| {_md(prop.get('x-description-zh'))} | {_md(prop.get('description'))} |"
            )
        out.append("")
    out += _catalog_section()
    return "\n".join(out).rstrip() + "\n"


def _catalog_section() -> list[str]:
    out = [
        "## 指标目录 / Metric catalog",
        "",
        "Canonical indicators that `metrics.metric_code` points to. 指标编码对应的标准指标。",
        "",
        "| metric_code | 名称 | Name | kind | unit | 单位类别 family | 接受的单位 units accepted | 多值 several values | 定义 | Definition |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in catalog_rows():
        rules = row["match_rules"]
        accepted = [*rules["units"], *(f"{u} ×{f:g}" for u, f in rules.get("conversions", {}).items())]
        out.append(
            f"| `{row['metric_code']}` | {_md(row['name_zh'])} | {_md(row['name_en'])} | {row['kind']} "
            f"| {_md(row['unit'])} | {row['unit_family']} | {_md(', '.join(accepted))} | {row['multiple_values']} "
            f"| {_md(row.get('definition_zh'))} | {_md(row.get('definition_en'))} |"
        )
    families = load_schema("metric_catalog")["properties"]["unit_family"]["x-units"]
    out += [
        "",
        "单位类别及其可用的原文单位 / Unit families and the printed units that can measure them:",
        "",
        "| 单位类别 family | 单位 units |",
        "| --- | --- |",
        *(f"| {family} | {_md(', '.join(units))} |" for family, units in families.items()),
    ]
    return out + [""]


def main() -> int:
    text = render()
    if "--write" in sys.argv:
        DICTIONARY_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {DICTIONARY_PATH}")
        return 0
    current = DICTIONARY_PATH.read_text(encoding="utf-8") if DICTIONARY_PATH.exists() else ""
    if current != text:
        print(f"{DICTIONARY_PATH} is stale: run python -m flows.tools.dictionary --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
