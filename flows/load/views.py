"""The analyst views of the DuckDB warehouse, with their bilingual comments.

A view column that comes straight from a table inherits that column's schema comment (looked up in
``inherits_from``, first match); computed columns carry their own. Only documents with
``is_report = true`` feed ``metric_yoy`` and ``coverage``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.load.columns import TableSpec, bilingual, literal, quote


@dataclass(frozen=True)
class View:
    name: str
    title_zh: str
    description_zh: str
    title_en: str
    description_en: str
    sql: str
    inherits_from: tuple[str, ...]
    computed: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (中文, English)

    @property
    def comment(self) -> str:
        return bilingual(self.title_zh, self.description_zh, self.title_en, self.description_en)


METRICS_CANONICAL = View(
    name="metrics_canonical",
    title_zh="已归类指标",
    description_zh="有指标目录编码的指标，附目录名称及所属文档的发布机关、地区与年度（含非报告文档，见 is_report）。",
    title_en="Canonical metrics",
    description_en="Metrics that carry a metric_code, with the catalog's names and their document's issuer, "
    "region and year (non-report documents included: see is_report).",
    sql="""
SELECT m.metric_id, m.metric_code, c.name_zh, c.name_en, m.value, m.unit, c.unit AS catalog_unit,
       m.qualifier, m.kind, m.direction, m.subject,
       d.issuer_id, d.issuers, d.issuer_type, d.region_name, d.region_code, d.region_level, d.report_year,
       d.is_report, d.is_synthetic,
       m.doc_id, m.section_id, m.span, m."start", m."end", m.sentence
FROM metrics AS m
JOIN metric_catalog AS c ON c.metric_code = m.metric_code
JOIN documents AS d ON d.doc_id = m.doc_id
ORDER BY m.metric_id
""",
    inherits_from=("metrics", "metric_catalog", "documents"),
    computed={"catalog_unit": ("目录规定的单位", "the unit the catalog defines for this metric_code")},
)

# One value per issuer, metric_code and year. Among the issuer's report documents for the year, the
# one published last (a corrected re-issue supersedes) and then the smallest doc_id; within it,
# the first mention in text order (smallest start): reports state the headline figure first.
METRIC_YOY = View(
    name="metric_yoy",
    title_zh="指标同比",
    description_zh="每个发布机关、指标编码、报告年度一个数值，并与上一年度（report_year - 1）比较；上一年度无值时 prev_* 为空。"
    "取值规则：同一机关同一年度有多份报告时，取发布日期最晚者（其次 doc_id 最小）；同一文档中同一编码出现多次时，取正文中最先出现者（start 最小）。"
    "两个年度的出处（doc_id、section_id、span）均列出。仅含 is_report 文档。",
    title_en="Metric year over year",
    description_en="One value per issuer, metric_code and report year, compared with report_year - 1 (prev_* null "
    "when that year has no value). Which value: among several report documents of one issuer and "
    "year, the latest publish_date, then the smallest doc_id; within a document with several "
    "values for one code, the first in text order (smallest start). Both years' provenance "
    "(doc_id, section_id, span) is given. Report documents (is_report) only.",
    sql="""
WITH candidates AS (
    SELECT d.issuer_id, m.metric_code, d.report_year, m.value, m.unit, m.doc_id, m.section_id, m.span,
           row_number() OVER (
               PARTITION BY d.issuer_id, m.metric_code, d.report_year
               ORDER BY d.publish_date DESC NULLS LAST, d.doc_id, m."start", m.metric_id
           ) AS pick
    FROM metrics AS m
    JOIN documents AS d ON d.doc_id = m.doc_id
    WHERE d.is_report AND d.issuer_id IS NOT NULL AND d.report_year IS NOT NULL AND m.metric_code IS NOT NULL
), chosen AS (
    SELECT * EXCLUDE (pick) FROM candidates WHERE pick = 1
)
SELECT cur.issuer_id, cur.metric_code, cur.report_year, cur.value, cur.unit,
       prev.report_year AS prev_year, prev.value AS prev_value, prev.unit AS prev_unit,
       cur.value - prev.value AS abs_change,
       CASE WHEN prev.value IS NULL OR prev.value = 0 THEN NULL
            ELSE (cur.value - prev.value) / abs(prev.value) END AS rel_change,
       cur.doc_id, cur.section_id, cur.span,
       prev.doc_id AS prev_doc_id, prev.section_id AS prev_section_id, prev.span AS prev_span
FROM chosen AS cur
LEFT JOIN chosen AS prev
       ON prev.issuer_id = cur.issuer_id AND prev.metric_code = cur.metric_code
      AND prev.report_year = cur.report_year - 1
ORDER BY cur.issuer_id, cur.metric_code, cur.report_year
""",
    inherits_from=("documents", "metrics"),
    computed={
        "value": ("本年度数值", "this year's value"),
        "unit": ("本年度单位（按原文）", "this year's unit as printed"),
        "prev_year": ("上一年度（无值时为空）", "the previous report year, null when it has no value"),
        "prev_value": ("上一年度数值", "the previous year's value"),
        "prev_unit": ("上一年度单位（按原文）", "the previous year's unit as printed"),
        "abs_change": (
            "绝对变化：value - prev_value（百分比指标为百分点）",
            "absolute change value - prev_value (percentage points for percent metrics)",
        ),
        "rel_change": (
            "相对变化：(value - prev_value) / |prev_value|；上一年度为 0 或无值时为空",
            "relative change (value - prev_value) / |prev_value|; null when prev_value is 0 or null",
        ),
        "doc_id": ("本年度数值出处文档", "document of this year's value"),
        "section_id": ("本年度数值出处章节", "section of this year's value"),
        "span": ("本年度数值原文片段", "the text span of this year's value"),
        "prev_doc_id": ("上一年度数值出处文档", "document of the previous year's value"),
        "prev_section_id": ("上一年度数值出处章节", "section of the previous year's value"),
        "prev_span": ("上一年度数值原文片段", "the text span of the previous year's value"),
    },
)

COVERAGE = View(
    name="coverage",
    title_zh="报告覆盖情况",
    description_zh="发布机关 × 年度（从最早到最晚报告年度的每一年）：该年度的报告是否已入库、份数、文档编号与指标数。仅含 is_report 文档；名称与地区取该机关最近年度的报告。",
    title_en="Report coverage",
    description_en="Issuers x years (every year from the earliest to the latest report year): whether the year's "
    "report is in, how many, their doc_ids and metric counts. Report documents (is_report) only; "
    "names and regions from the issuer's latest report.",
    sql="""
WITH reports AS (
    SELECT * FROM documents WHERE is_report AND issuer_id IS NOT NULL AND report_year IS NOT NULL
), issuers AS (
    SELECT issuer_id,
           arg_max(array_to_string(issuers, ' '), report_year) AS issuer_name,
           arg_max(issuer_type, report_year) AS issuer_type,
           arg_max(region_name, report_year) AS region_name,
           arg_max(region_code, report_year) AS region_code,
           arg_max(region_level, report_year) AS region_level
    FROM reports GROUP BY issuer_id
), years AS (
    SELECT unnest(generate_series(min(report_year), max(report_year))) AS report_year FROM reports
), per_year AS (
    SELECT r.issuer_id, r.report_year, count(DISTINCT r.doc_id) AS report_count,
           list(DISTINCT r.doc_id ORDER BY r.doc_id) AS doc_ids,
           count(m.metric_id) AS metrics_count, count(m.metric_code) AS canonical_metrics_count
    FROM reports AS r LEFT JOIN metrics AS m ON m.doc_id = r.doc_id
    GROUP BY r.issuer_id, r.report_year
)
SELECT i.issuer_id, i.issuer_name, i.issuer_type, i.region_name, i.region_code, i.region_level, y.report_year,
       p.issuer_id IS NOT NULL AS has_report, coalesce(p.report_count, 0) AS report_count, p.doc_ids,
       coalesce(p.metrics_count, 0) AS metrics_count, coalesce(p.canonical_metrics_count, 0) AS canonical_metrics_count
FROM issuers AS i CROSS JOIN years AS y
LEFT JOIN per_year AS p ON p.issuer_id = i.issuer_id AND p.report_year = y.report_year
ORDER BY i.issuer_id, y.report_year
""",
    inherits_from=("documents",),
    computed={
        "issuer_name": (
            "发布机关名称（最近年度报告所列，多个以空格分隔）",
            "issuer as printed on its latest report (several joined by a space)",
        ),
        "has_report": ("该年度报告是否已入库", "whether a report for the year is in the warehouse"),
        "report_count": ("该年度报告份数", "number of report documents for the year"),
        "doc_ids": ("该年度报告的文档编号", "doc_ids of the year's reports"),
        "metrics_count": ("该年度报告中的指标数", "metrics in the year's reports"),
        "canonical_metrics_count": ("其中已归类指标数", "of which carry a metric_code"),
    },
)

DOCUMENTS_LATEST = View(
    name="documents_latest",
    title_zh="各来源最新文档",
    description_zh="每个来源当前的文档（最新一次已解析的快照），附其快照最后抓取时间、该来源已归档的不同快照数，以及来源是否仍在登记表中。较早的快照保留在 raw/ 与 fetches 中。",
    title_en="Latest document per source",
    description_en="Each source's current document (its latest parsed snapshot) with when that snapshot was last "
    "fetched, how many distinct snapshots of the source are archived, and whether the source is "
    "still in the registry. Older snapshots stay in raw/ and fetches.",
    sql="""
WITH snapshots AS (
    SELECT source_id, count(DISTINCT snapshot_sha256) AS snapshots_count FROM fetches GROUP BY source_id
), seen AS (
    SELECT source_id, snapshot_sha256, max(fetched_at) AS snapshot_fetched_at
    FROM fetches WHERE snapshot_sha256 IS NOT NULL GROUP BY source_id, snapshot_sha256
)
SELECT d.source_id, s.is_in_registry, d.doc_id, d.snapshot_sha256, seen.snapshot_fetched_at,
       coalesce(snapshots.snapshots_count, 0) AS snapshots_count,
       d.url, d.title, d.issuer_id, d.region_name, d.report_year, d.publish_date, d.is_report, d.is_synthetic,
       d.parser_version
FROM documents AS d
LEFT JOIN sources AS s ON s.source_id = d.source_id
LEFT JOIN snapshots ON snapshots.source_id = d.source_id
LEFT JOIN seen ON seen.source_id = d.source_id AND seen.snapshot_sha256 = d.snapshot_sha256
ORDER BY d.source_id
""",
    inherits_from=("documents", "sources"),
    computed={
        "snapshot_fetched_at": ("该快照最后一次被抓取的时间（UTC）", "when this snapshot was last fetched, UTC"),
        "snapshots_count": ("该来源已归档的不同快照数", "distinct snapshots of the source in the archive"),
    },
)

VIEWS = (METRICS_CANONICAL, METRIC_YOY, COVERAGE, DOCUMENTS_LATEST)


def create_views(con, specs: dict[str, TableSpec]) -> None:
    """Create every view and comment it and each of its columns."""
    for view in VIEWS:
        con.execute(f"CREATE VIEW {quote(view.name)} AS {view.sql.strip()}")
        con.execute(f"COMMENT ON VIEW {quote(view.name)} IS {literal(view.comment)}")
        columns = [row[0] for row in con.execute(f"DESCRIBE {quote(view.name)}").fetchall()]
        for column in columns:
            con.execute(
                f"COMMENT ON COLUMN {quote(view.name)}.{quote(column)} IS "
                f"{literal(_column_comment(view, column, specs))}"
            )


def _column_comment(view: View, column: str, specs: dict[str, TableSpec]) -> str:
    if column in view.computed:
        zh, en = view.computed[column]
        return f"{zh} / {en}"
    for table in view.inherits_from:
        spec = specs.get(table)
        if spec is not None and column in spec.column_names:
            return spec.column(column).comment
    raise KeyError(f"view {view.name}: no comment for column {column!r}")
