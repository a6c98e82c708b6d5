"""``facts.csv``: the tidy file of a release, one row per metric with everything a reader needs on the row.

The other files are normalized (a metric names its document by ``doc_id``, its section by
``section_id``, its indicator by ``metric_code``); answering "which counties reported more than 100
reconsideration cases in 2022, with the sentence" from them takes three joins. ``facts.csv`` is that
join done once: the report year, the issuer (as printed), its level, the province, city and county
(names and GB/T 2260 codes), the indicator's code and names, the value with its unit (and in the
indicator's unit), qualifier and kind, the sentence, the section heading and type, the document's
title, url, publish date and where its text came from (``text_source``, ``text_origin``), and
the ids (``doc_id``, ``section_id``, ``metric_id``) that lead back to the normalized files.

Every column is a ``flows.load.columns.Column``: a column taken from a table is that table's schema
property (renamed where the tidy name says more, e.g. ``document_title``), with its dictionary entry;
the few columns computed here (the printed issuer, the province/city/county) carry their own
bilingual entry below. The province, city and county come from the warehouse's ``regions`` table
(the code table of the report year, walking ``parent_code`` up); where the code table lacks a code,
the codes follow from the code's digits (GB/T 2260: ``PP0000`` province, ``PPCC00`` city) and the
names stay empty.
"""

from __future__ import annotations

from dataclasses import replace

from flows.core import contracts
from flows.load.columns import Column, quote
from flows.publish.model import Table

# (column in facts, schema, property) for columns taken from a table; None: computed here.
_SOURCES: tuple[tuple[str, str | None, str | None], ...] = (
    ("report_year", "document", "report_year"),
    ("issuer_id", "document", "issuer_id"),
    ("issuer", None, None),
    ("issuer_type", "document", "issuer_type"),
    ("issuer_level", "document", "region_level"),
    ("region_name", "document", "region_name"),
    ("region_code", "document", "region_code"),
    ("province_name", None, None),
    ("province_code", None, None),
    ("city_name", None, None),
    ("city_code", None, None),
    ("county_name", None, None),
    ("county_code", None, None),
    ("metric_code", "metric", "metric_code"),
    ("metric_name_zh", "metric_catalog", "name_zh"),
    ("metric_name_en", "metric_catalog", "name_en"),
    ("value", "metric", "value"),
    ("unit", "metric", "unit"),
    ("catalog_value", "metric", "catalog_value"),
    ("catalog_unit", "metric_catalog", "unit"),
    ("qualifier", "metric", "qualifier"),
    ("kind", "metric", "kind"),
    ("direction", "metric", "direction"),
    ("subject", "metric", "subject"),
    ("span", "metric", "span"),
    ("sentence", "metric", "sentence"),
    ("section_heading", "section", "heading"),
    ("section_type", "section", "section_type"),
    ("document_title", "document", "title"),
    ("url", "document", "url"),
    ("publish_date", "document", "publish_date"),
    ("text_source", "document", "text_source"),
    ("text_origin", "document", "text_origin"),
    ("snapshot_sha256", "document", "snapshot_sha256"),
    ("doc_id", "metric", "doc_id"),
    ("section_id", "metric", "section_id"),
    ("metric_id", "metric", "metric_id"),
)

# Columns computed here: name -> (title zh, title en, description zh, description en).
_COMPUTED = {
    "issuer": (
        "发布机关（按原文）",
        "Issuer (as printed)",
        "报告所列发文机关，多个以空格分隔（联合发布时如“中共某县委 某县人民政府”）。",
        "The issuing bodies as the report prints them, several joined by a space (a joint report of the "
        "party committee and the government lists both).",
    ),
    "province_name": (
        "省级行政区",
        "Province",
        "发布机关所在省级行政区名称（按报告年度的区划代码表）。",
        "Name of the issuer's province in the code table of the report year.",
    ),
    "province_code": (
        "省级区划代码",
        "Province code",
        "省级行政区的 GB/T 2260 代码（形如 PP0000）。",
        "GB/T 2260 code of the province (PP0000).",
    ),
    "city_name": (
        "地级行政区",
        "City",
        "发布机关所在地级行政区名称（省级发布机关为空）。",
        "Name of the issuer's prefecture-level city (empty for a province-level issuer).",
    ),
    "city_code": (
        "地级区划代码",
        "City code",
        "地级行政区的 GB/T 2260 代码（形如 PPCC00）。",
        "GB/T 2260 code of the city (PPCC00).",
    ),
    "county_name": (
        "县级行政区",
        "County",
        "县级发布机关所在县、区、旗的名称（地级及以上为空）。",
        "Name of the county, district or banner of a county-level issuer (empty above county level).",
    ),
    "county_code": ("县级区划代码", "County code", "县级行政区的 GB/T 2260 代码。", "GB/T 2260 code of the county."),
}

# How the renamed columns read in the tidy file (the schema's own entry describes the source column).
_RENAMED_TITLES = {
    "issuer_level": ("发布机关层级", "Issuer level"),
    "metric_name_zh": ("指标中文名称", "Indicator name (Chinese)"),
    "metric_name_en": ("指标英文名称", "Indicator name (English)"),
    "section_heading": ("所在章节标题", "Section heading"),
    "section_type": ("所在章节类型", "Section type"),
    "document_title": ("报告标题", "Report title"),
    "catalog_unit": ("指标标准单位（catalog_value 的单位）", "Indicator unit (the unit of catalog_value)"),
}


def facts_columns() -> list[Column]:
    columns = []
    for name, schema_name, prop in _SOURCES:
        if schema_name is None:
            zh, en, dzh, den = _COMPUTED[name]
            columns.append(
                Column(
                    name=name,
                    kind="string",
                    nullable=True,
                    title_zh=zh,
                    title_en=en,
                    description_zh=dzh,
                    description_en=den,
                )
            )
            continue
        column = Column.from_property(prop, contracts.load_schema(schema_name)["properties"][prop])
        column = replace(column, name=name)
        if name in _RENAMED_TITLES:
            column = replace(column, title_zh=_RENAMED_TITLES[name][0], title_en=_RENAMED_TITLES[name][1])
        if schema_name in ("section", "metric_catalog"):  # left-joined: empty where the metric has none
            column = replace(column, nullable=True)
        columns.append(column)
    return columns


def facts_table() -> Table:
    return Table(
        name="facts",
        title_en="Facts: one row per metric, everything on the row",
        title_zh="指标明细（一行一个数值，信息齐全）",
        description_en=(
            "The tidy file: every metric of the release with its report year, issuer, level, province, city "
            "and county, indicator names, value, sentence, section, and the report's title, url and "
            "publish date, so one filter answers a question (no joins). doc_id, section_id and metric_id "
            "lead back to documents.csv, sections.csv and metrics.csv."
        ),
        description_zh=(
            "整理好的单表：本发布的每个指标一行，附报告年度、发布机关、层级、省市县、指标名称、数值、所在句子与章节，以及报告标题、网址和发布日期，"
            "一次筛选即可回答问题，无需关联其他表；doc_id、section_id、metric_id 可回到 documents.csv、sections.csv、metrics.csv。"
        ),
        columns=facts_columns(),
        primary_key=["metric_id"],
        foreign_keys=[
            {"fields": ["metric_id"], "reference": {"table": "metrics", "fields": ["metric_id"]}},
            {"fields": ["doc_id"], "reference": {"table": "documents", "fields": ["doc_id"]}},
            {"fields": ["section_id"], "reference": {"table": "sections", "fields": ["section_id"]}},
            {"fields": ["metric_code"], "reference": {"table": "metric_catalog", "fields": ["metric_code"]}},
        ],
    )


# The release's metrics joined to what a reader needs. Parameter: the list of the release's doc_ids.
# ``rg``: one regions row per (code, report year): the run valid that year, else the latest run.
FACTS_SQL = """
WITH ids AS (SELECT unnest(?::VARCHAR[]) AS doc_id),
docs AS (SELECT d.* FROM documents AS d WHERE d.doc_id IN (SELECT doc_id FROM ids)),
rg AS (
    SELECT y.report_year, r.region_code, r.name, r.level, r.parent_code,
           row_number() OVER (
               PARTITION BY y.report_year, r.region_code
               ORDER BY (y.report_year BETWEEN r.valid_from_year AND r.valid_to_year) DESC, r.valid_to_year DESC
           ) AS pick
    FROM regions AS r CROSS JOIN (SELECT DISTINCT report_year FROM docs) AS y
),
one AS (SELECT * EXCLUDE (pick) FROM rg WHERE pick = 1),
chain AS (
    SELECT d.doc_id, r0.level AS l0, r0.name AS n0, r0.region_code AS c0,
           r1.level AS l1, r1.name AS n1, r1.region_code AS c1, r2.level AS l2, r2.name AS n2, r2.region_code AS c2
    FROM docs AS d
    LEFT JOIN one AS r0 ON r0.report_year = d.report_year AND r0.region_code = d.region_code
    LEFT JOIN one AS r1 ON r1.report_year = d.report_year AND r1.region_code = r0.parent_code
    LEFT JOIN one AS r2 ON r2.report_year = d.report_year AND r2.region_code = r1.parent_code
),
places AS (
    SELECT d.doc_id,
        CASE WHEN c.l0 = 'province' THEN c.n0 WHEN c.l1 = 'province' THEN c.n1 WHEN c.l2 = 'province' THEN c.n2 END
            AS province_name,
        coalesce(CASE WHEN c.l0 = 'province' THEN c.c0 WHEN c.l1 = 'province' THEN c.c1 WHEN c.l2 = 'province' THEN c.c2 END,
                 CASE WHEN regexp_full_match(d.region_code, '[0-9]{6}') THEN substr(d.region_code, 1, 2) || '0000' END)
            AS province_code,
        CASE WHEN c.l0 = 'city' THEN c.n0 WHEN c.l1 = 'city' THEN c.n1 END AS city_name,
        coalesce(CASE WHEN c.l0 = 'city' THEN c.c0 WHEN c.l1 = 'city' THEN c.c1 END,
                 CASE WHEN c.c0 IS NULL AND d.region_level IN ('city', 'county')
                           AND regexp_full_match(d.region_code, '[0-9]{6}') THEN substr(d.region_code, 1, 4) || '00' END)
            AS city_code,
        CASE WHEN c.l0 = 'county' THEN c.n0 END AS county_name,
        coalesce(CASE WHEN c.l0 = 'county' THEN c.c0 END, CASE WHEN d.region_level = 'county' THEN d.region_code END)
            AS county_code
    FROM docs AS d LEFT JOIN chain AS c ON c.doc_id = d.doc_id
)
SELECT d.report_year, d.issuer_id, nullif(array_to_string(d.issuers, ' '), '') AS issuer, d.issuer_type,
       d.region_level AS issuer_level, d.region_name, d.region_code,
       p.province_name, p.province_code, p.city_name, p.city_code, p.county_name, p.county_code,
       m.metric_code, c.name_zh AS metric_name_zh, c.name_en AS metric_name_en,
       m.value, m.unit, m.catalog_value, c.unit AS catalog_unit, m.qualifier, m.kind, m.direction, m.subject, m.span, m.sentence,
       s.heading AS section_heading, s.section_type, d.title AS document_title, d.url, d.publish_date, d.text_source, d.text_origin,
       d.snapshot_sha256, m.doc_id, m.section_id, m.metric_id
FROM metrics AS m
JOIN docs AS d ON d.doc_id = m.doc_id
LEFT JOIN places AS p ON p.doc_id = m.doc_id
LEFT JOIN sections AS s ON s.section_id = m.section_id
LEFT JOIN metric_catalog AS c ON c.metric_code = m.metric_code
"""


def read_facts(con, doc_ids: list[str]) -> Table:
    """The release's ``facts`` table, rows in ``metric_id`` order."""
    table = facts_table()
    cols = ", ".join(f"t.{quote(c)}" for c in table.column_names())
    rows = con.execute(f"SELECT {cols} FROM ({FACTS_SQL}) AS t ORDER BY t.metric_id", [doc_ids]).fetchall()
    table.rows = [tuple(r) for r in rows]
    return table
