"""The analyst views of the DuckDB warehouse, with their bilingual comments.

A view column that comes straight from a table inherits that column's schema comment (looked up in
``inherits_from``, first match); computed columns carry their own. Only documents with
``is_report = true`` feed ``metric_yoy``, ``coverage`` and ``coverage_unresolved``; only canonical
documents (``duplicate_of`` null) feed any view but ``documents_latest``, and superseded ones
(``superseded_by`` set) neither ``metrics_canonical`` nor ``metric_yoy``.
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
    requires: tuple[str, ...] = ()  # tables the view reads that a warehouse may lack: no view without them

    @property
    def comment(self) -> str:
        return bilingual(self.title_zh, self.description_zh, self.title_en, self.description_en)


METRICS_CANONICAL = View(
    name="metrics_canonical",
    title_zh="已归类指标",
    description_zh="有指标目录编码的指标，附目录名称及所属文档的发布机关、地区与年度（含非报告文档，见 is_report）。"
    "unit 为原文单位，catalog_value 为换算到目录单位 catalog_unit 后的数值（两者不同时按目录声明的换算系数换算）。"
    "仅含规范文档（duplicate_of 为空）且未被修订版替代（superseded_by 为空）的文档。",
    title_en="Canonical metrics",
    description_en="Metrics that carry a metric_code, with the catalog's names and their document's issuer, "
    "region and year (non-report documents included: see is_report). unit is the unit as printed; catalog_value "
    "is the value in the catalog's unit catalog_unit (converted by the factor the catalog declares where they differ). "
    "Canonical documents only (duplicate_of null), and none superseded by a revised version (superseded_by null).",
    sql="""
SELECT m.metric_id, m.metric_code, c.name_zh, c.name_en, m.value, m.unit, m.catalog_value, c.unit AS catalog_unit,
       c.unit_family, m.qualifier, m.kind, m.direction, m.subject,
       d.issuer_id, d.issuers, d.issuer_type, d.region_name, d.region_code, d.region_level, d.report_year,
       d.is_report, d.is_synthetic,
       m.doc_id, m.section_id, m.span, m."start", m."end", m.sentence
FROM metrics AS m
JOIN metric_catalog AS c ON c.metric_code = m.metric_code
JOIN documents AS d ON d.doc_id = m.doc_id
WHERE d.duplicate_of IS NULL AND d.superseded_by IS NULL
ORDER BY m.metric_id
""",
    inherits_from=("metrics", "metric_catalog", "documents"),
    computed={
        "catalog_unit": (
            "目录规定的单位（catalog_value 的单位）",
            "the unit the catalog defines for this metric_code (the unit of catalog_value)",
        )
    },
)

# One value per issuer, metric_code and year, in the indicator's unit (catalog_value). Among the
# issuer's report documents for the year, the one published last (a corrected re-issue supersedes)
# and then the smallest doc_id. Within it, the distinct values for the code (a figure repeated counts
# once) are combined by the indicator's rule (metric_catalog.multiple_values): one value is that
# value; several are summed (sum), the largest taken (max), or no value given (none: ambiguous).
METRIC_YOY = View(
    name="metric_yoy",
    title_zh="指标同比",
    description_zh="每个发布机关、指标编码、报告年度一个数值（按目录单位，即 metrics.catalog_value），并与上一年度（report_year - 1）比较；上一年度无值时 prev_* 为空。"
    "取值规则：同一机关同一年度有多份报告时，取发布日期最晚者（其次 doc_id 最小）；该文档中同一编码有多个不同数值时（相同数值只计一次），"
    "按指标目录的 multiple_values 规则：sum 取其和，max 取最大者，none 不取值（value 为空，value_rule 为 ambiguous），从不默默取其一。"
    "value_rule、values_count 说明取值方式；两个年度的出处（doc_id、section_id、span）均列出。仅含 is_report 文档，"
    "且只用规范文档（duplicate_of 为空）及未被修订版替代的文档（superseded_by 为空）。",
    title_en="Metric year over year",
    description_en="One value per issuer, metric_code and report year, in the catalog's unit (metrics.catalog_value), "
    "compared with report_year - 1 (prev_* null when that year has no value). Which value: among several report "
    "documents of one issuer and year, the latest publish_date, then the smallest doc_id; within that document, "
    "several different values for one code (a repeated figure counts once) are combined by the catalog's "
    "multiple_values rule: sum adds them, max takes the largest, none gives no value (value null, value_rule "
    "ambiguous); one is never picked silently. value_rule and values_count say how the value was made; both "
    "years' provenance (doc_id, section_id, span) is given. Report documents (is_report) only: canonical ones "
    "(duplicate_of null) not superseded by a revised version (superseded_by null).",
    sql="""
WITH candidates AS (
    SELECT d.issuer_id, m.metric_code, d.report_year, m.catalog_value AS value, c.unit, c.multiple_values,
           m.doc_id, m.section_id, m.span, m."start",
           dense_rank() OVER (
               PARTITION BY d.issuer_id, m.metric_code, d.report_year
               ORDER BY d.publish_date DESC NULLS LAST, d.doc_id
           ) AS doc_pick,
           row_number() OVER (
               PARTITION BY d.issuer_id, m.metric_code, d.report_year, d.doc_id, m.catalog_value
               ORDER BY m."start", m.metric_id
           ) AS repeat
    FROM metrics AS m
    JOIN documents AS d ON d.doc_id = m.doc_id
    JOIN metric_catalog AS c ON c.metric_code = m.metric_code
    WHERE d.is_report AND d.issuer_id IS NOT NULL AND d.report_year IS NOT NULL AND m.metric_code IS NOT NULL
      AND d.duplicate_of IS NULL AND d.superseded_by IS NULL
), combined AS (
    SELECT issuer_id, metric_code, report_year, any_value(unit) AS unit, any_value(doc_id) AS doc_id,
           count(*) AS values_count,
           CASE WHEN count(*) = 1 THEN 'single' WHEN any_value(multiple_values) = 'sum' THEN 'sum'
                WHEN any_value(multiple_values) = 'max' THEN 'max' ELSE 'ambiguous' END AS value_rule,
           sum(value) AS total, max(value) AS largest,
           arg_min(section_id, "start") AS first_section_id, arg_max(section_id, value) AS largest_section_id,
           arg_max(span, value) AS largest_span,
           string_agg(span, ' + ' ORDER BY "start") AS spans_added, string_agg(span, ' | ' ORDER BY "start") AS spans_listed
    FROM candidates WHERE doc_pick = 1 AND repeat = 1
    GROUP BY issuer_id, metric_code, report_year
), chosen AS (
    SELECT issuer_id, metric_code, report_year, unit, doc_id, values_count, value_rule,
           CASE value_rule WHEN 'single' THEN total WHEN 'sum' THEN total WHEN 'max' THEN largest END AS value,
           CASE value_rule WHEN 'max' THEN largest_section_id ELSE first_section_id END AS section_id,
           CASE value_rule WHEN 'max' THEN largest_span WHEN 'sum' THEN spans_added WHEN 'ambiguous' THEN spans_listed
                ELSE largest_span END AS span
    FROM combined
)
SELECT cur.issuer_id, cur.metric_code, cur.report_year, cur.value, cur.unit, cur.value_rule, cur.values_count,
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
        "value": (
            "本年度数值（按目录单位）；按 multiple_values 规则无法判断时为空",
            "this year's value in the catalog's unit; null when the indicator's multiple_values rule finds it ambiguous",
        ),
        "unit": ("数值的单位：指标目录规定的单位", "the unit of value: the catalog's unit for the indicator"),
        "value_rule": (
            "取值方式：single（仅一个数值）、sum（多个数值之和）、max（多个数值中最大者）、ambiguous（多个数值无法判断，不取值）",
            "how value was made: single (one value), sum (several values added), max (the largest of several), "
            "ambiguous (several values and no rule to combine them: no value)",
        ),
        "values_count": (
            "所取文档中该编码的不同数值个数",
            "how many different values the chosen document gives for the code",
        ),
        "prev_year": ("上一年度（无值时为空）", "the previous report year, null when it has no value"),
        "prev_value": (
            "上一年度数值（按目录单位；无法判断时为空）",
            "the previous year's value in the catalog's unit (null when ambiguous)",
        ),
        "prev_unit": (
            "上一年度数值的单位（指标目录规定的单位）",
            "the unit of the previous year's value (the catalog's unit)",
        ),
        "abs_change": (
            "绝对变化：value - prev_value（百分比指标为百分点）",
            "absolute change value - prev_value (percentage points for percent metrics)",
        ),
        "rel_change": (
            "相对变化：(value - prev_value) / |prev_value|；上一年度为 0 或无值时为空",
            "relative change (value - prev_value) / |prev_value|; null when prev_value is 0 or null",
        ),
        "doc_id": ("本年度数值出处文档", "document of this year's value"),
        "section_id": (
            "本年度数值出处章节（多个数值相加或无法判断时为第一个数值的章节）",
            "section of this year's value (of the first value when several are added or ambiguous)",
        ),
        "span": (
            "本年度数值原文片段（相加时以“ + ”连接，无法判断时以“ | ”列出全部）",
            "the text span of this year's value (joined by ' + ' when added, all listed with ' | ' when ambiguous)",
        ),
        "prev_doc_id": ("上一年度数值出处文档", "document of the previous year's value"),
        "prev_section_id": ("上一年度数值出处章节", "section of the previous year's value"),
        "prev_span": ("上一年度数值原文片段", "the text span of the previous year's value"),
    },
)

# The deadline: 《法治政府建设与责任落实督察工作规定》 (中办、国办 2019, 厅字〔2019〕28号), article 24 (第二十四条):
# every local government's and county-level-and-above department's annual report is to be made public
# before 1 April of the following year.
DEADLINE_ZH = "《法治政府建设与责任落实督察工作规定》（2019年，厅字〔2019〕28号）第二十四条：地方各级政府和县级以上政府部门的法治政府建设年度报告应于每年4月1日之前向社会公开"
DEADLINE_EN = (
    "article 24 of the 法治政府建设与责任落实督察工作规定 (2019, 厅字〔2019〕28号): local governments' and their "
    "departments' annual reports are to be made public before 1 April of the following year"
)

# Each canonical report document (is_report, duplicate_of null) and the roster government it counts for: a government's own or a
# joint Party-government report (<lineage>-gov) for itself, a department's (<lineage>-dept-<...>) for
# the government of the same lineage code. Shared by coverage, coverage_unresolved and the load check
# that they add up to the report documents.
_ATTRIBUTED = """
WITH reports AS (
    SELECT d.doc_id, d.issuer_id, d.issuer_type, d.report_year, d.publish_date,
           CASE WHEN d.issuer_type IN ('government', 'party_and_government') THEN d.issuer_id
                WHEN d.issuer_type = 'department' AND d.issuer_id LIKE '%-dept-%'
                THEN regexp_extract(d.issuer_id, '^(.*?)-dept-', 1) || '-gov' END AS government_id
    FROM documents AS d WHERE d.is_report AND d.duplicate_of IS NULL
), attributed AS (
    SELECT r.*, g.issuer_id IS NOT NULL AS is_resolved
    FROM reports AS r LEFT JOIN roster AS g ON g.report_year = r.report_year AND g.issuer_id = r.government_id
)"""

COVERAGE = View(
    name="coverage",
    title_zh="报告覆盖与按时发布情况",
    description_zh="应报告政府名录（roster）× 报告年度，左连接已入库的报告：是否有本级报告、所取文档、发布日期、是否按时发布及逾期天数。"
    f"期限依据：{DEADLINE_ZH}；即发布日期早于次年4月1日为按时。"
    "部门报告计入同一沿革代码的政府（department_report_count），不计为本级报告。"
    "同一政府同一年度有多份本级报告时，取发布日期最早者（其次 doc_id 最小）。"
    "仅含 is_report 的规范文档（同一报告的其他网址、镜像、节选即 duplicate_of 非空者不计；被修订版替代的文档计入，其发布日期为首次发布）；"
    "无法归入名录的报告见 coverage_unresolved（两者之和等于规范报告文档数，装载时检查）。",
    title_en="Report coverage and timeliness",
    description_en="The roster of governments due to report x report years, left-joined with the reports in the "
    "warehouse: whether the government's own report is in, which document, its publish date, whether it "
    f"was on time and how many days late. The deadline: {DEADLINE_EN}; on time = published before 1 April of "
    "the year after the report year. Department reports count for the government of the same lineage code "
    "(department_report_count), not as its own report. Of several own reports for one year, the earliest "
    "published (then the smallest doc_id) is the one shown. Canonical report documents only (is_report; "
    "copies of a report at other urls, mirrors and excerpts, i.e. duplicate_of set, are not counted; a report "
    "superseded by a revision is, its publish date being the first publication); reports that cannot be "
    "placed on the roster are in coverage_unresolved (the two add up to the canonical report documents: a "
    "load check).",
    sql=_ATTRIBUTED
    + """, own AS (
    SELECT government_id, report_year, doc_id, publish_date,
           row_number() OVER (PARTITION BY government_id, report_year ORDER BY publish_date NULLS LAST, doc_id) AS pick,
           count(*) OVER (PARTITION BY government_id, report_year) AS report_count,
           list(doc_id) OVER (PARTITION BY government_id, report_year ORDER BY doc_id
                              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS doc_ids
    FROM attributed WHERE is_resolved AND issuer_type <> 'department'
), departments AS (
    SELECT government_id, report_year, count(*) AS department_report_count
    FROM attributed WHERE is_resolved AND issuer_type = 'department' GROUP BY ALL
), counts AS (
    SELECT doc_id, count(*) AS metrics_count, count(metric_code) AS canonical_metrics_count
    FROM metrics GROUP BY doc_id
)
SELECT g.issuer_id, g.report_year, g.region_code, g.name, g.full_name, g.level, g.province_code,
       p.name AS province_name, g.city_code,
       o.doc_id IS NOT NULL AS has_report, coalesce(o.report_count, 0) AS report_count, o.doc_id, o.doc_ids,
       o.publish_date, make_date(g.report_year + 1, 3, 31) AS deadline,
       o.publish_date < make_date(g.report_year + 1, 4, 1) AS on_time,
       CASE WHEN o.publish_date IS NOT NULL
            THEN greatest(date_diff('day', make_date(g.report_year + 1, 3, 31), o.publish_date), 0) END AS days_late,
       coalesce(dep.department_report_count, 0) AS department_report_count,
       coalesce(c.metrics_count, 0) AS metrics_count, coalesce(c.canonical_metrics_count, 0) AS canonical_metrics_count
FROM roster AS g
LEFT JOIN roster AS p ON p.report_year = g.report_year AND p.region_code = g.province_code
LEFT JOIN own AS o ON o.government_id = g.issuer_id AND o.report_year = g.report_year AND o.pick = 1
LEFT JOIN departments AS dep ON dep.government_id = g.issuer_id AND dep.report_year = g.report_year
LEFT JOIN counts AS c ON c.doc_id = o.doc_id
ORDER BY g.issuer_id, g.report_year
""",
    inherits_from=("roster", "documents"),
    requires=("roster", "documents", "metrics"),
    computed={
        "issuer_id": ("应报告政府的发布主体编号（<沿革代码>-gov）", "the government's issuer id (<lineage code>-gov)"),
        "province_name": ("所在省级单位名称", "name of the province it lies in"),
        "has_report": (
            "该年度本级（或党政联合）报告是否已入库",
            "whether the government's own (or joint Party-government) report for the year is in",
        ),
        "report_count": (
            "该年度本级报告文档数（规范文档；同一报告的其他网址与镜像不计，修订版计入）",
            "the year's own report documents (canonical ones: copies at other urls and mirrors not counted, "
            "revised versions counted)",
        ),
        "doc_id": (
            "所取本级报告（发布日期最早者，其次 doc_id 最小）",
            "the own report shown: the earliest published, then the smallest doc_id",
        ),
        "doc_ids": ("该年度全部本级报告的文档编号", "doc_ids of all the year's own reports"),
        "publish_date": ("所取报告的发布日期；不明时为空", "publish date of the report shown; null when unknown"),
        "deadline": (
            f"发布期限的最后一天（次年3月31日）。依据：{DEADLINE_ZH}",
            f"last day of the deadline (31 March of the following year). Under {DEADLINE_EN}",
        ),
        "on_time": (
            f"是否按时发布：发布日期早于次年4月1日（{DEADLINE_ZH}）；无报告或发布日期不明时为空",
            f"published on time, i.e. before 1 April of the following year ({DEADLINE_EN}); null when there is no "
            "report or its publish date is unknown",
        ),
        "days_late": (
            "逾期天数：发布日期晚于次年3月31日的天数，按时为0；无报告或发布日期不明时为空",
            "days after 31 March of the following year the report was published, 0 when on time; null when there "
            "is no report or its publish date is unknown",
        ),
        "department_report_count": (
            "该年度计入本政府的部门报告数",
            "department reports of the year counted for this government",
        ),
        "metrics_count": ("所取报告中的指标数", "metrics in the report shown"),
        "canonical_metrics_count": ("其中已归类指标数", "of which carry a metric_code"),
    },
)

COVERAGE_UNRESOLVED = View(
    name="coverage_unresolved",
    title_zh="无法归入名录的报告",
    description_zh="不能计入 coverage 的报告文档（is_report，规范文档）及原因。原因代码：no_report_year（报告年度不明）、"
    "no_issuer_id（发布主体不明）、not_government（发布主体既非政府亦非政府部门）、no_region_code（行政区划代码不明，"
    "发布主体编号取自名称）、before_roster（报告年度早于名录首年2019）、no_government（部门编号无法对应政府）、"
    "not_in_roster（该年度名录中无此政府，如区划已撤销或代码有误）。coverage 的报告数与本视图行数之和等于规范报告文档数（装载时检查）。",
    title_en="Reports not placed on the roster",
    description_en="Report documents (is_report, canonical) that coverage cannot count, with the reason: no_report_year, "
    "no_issuer_id, not_government (the issuer is neither a government nor one of its departments), "
    "no_region_code (region code unknown, the issuer id comes from the name), before_roster (report year "
    "before the roster's first year, 2019), no_government (a department id naming no government), "
    "not_in_roster (no such government on the year's roster: a unit abolished, or a wrong code). "
    "coverage's report counts plus this view's rows equal the canonical report documents (a load check).",
    sql=_ATTRIBUTED
    + """
SELECT d.doc_id, d.title, d.issuers, d.issuer_type, d.issuer_id, d.region_name, d.region_code, d.report_year,
       d.publish_date, d.url,
       CASE WHEN d.report_year IS NULL THEN 'no_report_year'
            WHEN d.issuer_id IS NULL THEN 'no_issuer_id'
            WHEN d.issuer_type NOT IN ('government', 'party_and_government', 'department') THEN 'not_government'
            WHEN d.region_code IS NULL THEN 'no_region_code'
            WHEN d.report_year < (SELECT min(report_year) FROM roster) THEN 'before_roster'
            WHEN a.government_id IS NULL THEN 'no_government'
            ELSE 'not_in_roster' END AS reason
FROM attributed AS a JOIN documents AS d ON d.doc_id = a.doc_id
WHERE NOT a.is_resolved
ORDER BY d.doc_id
""",
    inherits_from=("documents",),
    requires=("roster", "documents"),
    computed={
        "reason": (
            "原因代码（见视图说明）：no_report_year、no_issuer_id、not_government、no_region_code、before_roster、"
            "no_government、not_in_roster",
            "reason code (see the view's description): no_report_year, no_issuer_id, not_government, "
            "no_region_code, before_roster, no_government, not_in_roster",
        )
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

VIEWS = (METRICS_CANONICAL, METRIC_YOY, COVERAGE, COVERAGE_UNRESOLVED, DOCUMENTS_LATEST)


def create_views(con, specs: dict[str, TableSpec]) -> None:
    """Create every view and comment it and each of its columns; a view whose ``requires`` names a
    table missing from ``specs`` is not created."""
    for view in VIEWS:
        if any(table not in specs for table in view.requires):
            continue
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
