"""What a release holds, read from the warehouse: the report years, the refusal of synthetic data,
the release's tables (``read_release_tables``) and the facts its documentation states
(``release_facts``).

Every field's type, bilingual title and description, and every primary and foreign key come from
the JSON Schemas (``contracts.load_schema``, through the load's ``Column``); ``metric_yoy``, a
warehouse view without a schema of its own, takes its columns from the view and each column's
dictionary entry from the table it comes from (``flows.load.views``), computed columns from the
view's own bilingual notes.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb

from flows import __version__
from flows.core import contracts, layout
from flows.load.columns import Column, quote
from flows.load.views import VIEWS
from flows.publish.facts import read_facts
from flows.publish.model import PublishError, SyntheticDataError, Table, formula_like_cells

# The grain of the metric_yoy view (its SQL picks one value per issuer, code and year).
METRIC_YOY_KEY = ["issuer_id", "metric_code", "report_year"]


def warehouse_db(warehouse_dir: Path) -> Path:
    path = Path(warehouse_dir) / layout.DATABASE
    if not path.exists():
        raise PublishError(f"no warehouse at {path}: run `fazhi load` first")
    return path


@contextmanager
def connect(db_path: Path):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def report_years(con) -> list[int]:
    rows = con.execute(
        "SELECT DISTINCT report_year FROM documents WHERE is_report AND report_year IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [int(r[0]) for r in rows]


def check_not_synthetic(con, year: int) -> None:
    """Refuse a year holding any synthetic document, or a document from a synthetic source."""
    rows = con.execute(
        """
        SELECT d.doc_id, d.source_id, d.url, d.is_synthetic, coalesce(s.is_synthetic, false)
        FROM documents AS d LEFT JOIN sources AS s ON s.source_id = d.source_id
        WHERE d.report_year = ? AND (d.is_synthetic OR coalesce(s.is_synthetic, false))
        ORDER BY d.doc_id
        """,
        [year],
    ).fetchall()
    if rows:
        named = "; ".join(
            f"{doc_id} (source {source_id}, {url}: "
            + (
                "document and source synthetic"
                if doc_syn and src_syn
                else "document synthetic"
                if doc_syn
                else "source synthetic"
            )
            + ")"
            for doc_id, source_id, url, doc_syn, src_syn in rows
        )
        raise SyntheticDataError(
            f"report year {year}: refusing to publish: {len(rows)} document(s) hold synthetic data, "
            f"which is never released: {named}. Remove them from the registry (or mark them real) and reload."
        )


def _published_docs_sql(*, canonical: bool = False) -> str:
    """Report documents of the year (parameter 1) whose document and source are real; ``canonical``:
    only those whose content the release carries (not a copy of another document, ``duplicate_of``,
    nor superseded by a revised version, ``superseded_by``)."""
    return """
        SELECT d.doc_id FROM documents AS d LEFT JOIN sources AS s ON s.source_id = d.source_id
        WHERE d.is_report AND d.report_year = ? AND NOT d.is_synthetic AND NOT coalesce(s.is_synthetic, false)
    """ + ("  AND d.duplicate_of IS NULL AND d.superseded_by IS NULL\n" if canonical else "")


def read_release_tables(con, year: int) -> list[Table]:
    """The release's tables in file order (documents first), rows in primary-key order. ``documents``
    lists every report document of the year, copies (``duplicate_of``) and superseded issues
    (``superseded_by``) included; the texts, sections, metrics and facts are those of the others."""
    documents = table_from_schema("document", name="documents", exclude=("text",))
    documents_text = table_from_schema("document", name="documents_text", only=("doc_id", "text"))
    documents_text.title_en, documents_text.title_zh = "Document texts", "文档全文"
    documents_text.description_en = (
        "The full stored text of each document: every start/end offset in sections and metrics is a "
        "code-point offset into it. Kept apart from documents.csv because a report can be longer than a "
        "spreadsheet cell holds."
    )
    documents_text.description_zh = "每份文档的存储全文：章节与指标中的所有起止位置都是该文本中的码点偏移。因报告可能超出电子表格单元格的长度上限，单独成表。"
    documents_text.primary_key = ["doc_id"]
    documents_text.foreign_keys = [{"fields": ["doc_id"], "reference": {"table": "documents", "fields": ["doc_id"]}}]
    sections = table_from_schema("section", name="sections")
    metrics = table_from_schema("metric", name="metrics")
    catalog = table_from_schema("metric_catalog", name="metric_catalog")
    yoy = view_table(con, "metric_yoy", links_to=("documents", "sections", "metric_catalog"))

    listed_sql, docs_sql = _published_docs_sql(), _published_docs_sql(canonical=True)
    _fill(con, documents, f"SELECT {{cols}} FROM documents WHERE doc_id IN ({listed_sql})", [year])
    _fill(con, documents_text, f"SELECT {{cols}} FROM documents WHERE doc_id IN ({docs_sql})", [year])
    _fill(con, sections, f"SELECT {{cols}} FROM sections WHERE doc_id IN ({docs_sql})", [year])
    _fill(con, metrics, f"SELECT {{cols}} FROM metrics WHERE doc_id IN ({docs_sql})", [year])
    _fill(con, catalog, "SELECT {cols} FROM metric_catalog", [])
    # This year against the previous one, where the issuer has both; both years' documents real.
    _fill(
        con,
        yoy,
        f"""
        SELECT {{cols}} FROM metric_yoy
        WHERE report_year = ? AND prev_year IS NOT NULL
          AND doc_id IN ({docs_sql}) AND prev_doc_id IN ({docs_sql})
    """,
        [year, year, year - 1],
    )
    facts = read_facts(con, [row[0] for row in documents_text.rows])
    return [documents, documents_text, sections, metrics, catalog, yoy, facts]


def _fill(con, table: Table, sql: str, params: list) -> None:
    cols = ", ".join(f"t.{quote(c)}" for c in table.column_names())
    order = ", ".join(f"t.{quote(c)}" for c in table.primary_key) or cols
    # Wrap so the column list and the order apply to the filtered rows whatever the inner query is.
    inner = sql.format(cols="*")
    table.rows = [
        tuple(r) for r in con.execute(f"SELECT {cols} FROM ({inner}) AS t ORDER BY {order}", params).fetchall()
    ]


# -- tables from the schemas ------------------------------------------------------------------------


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
        columns=[Column.from_property(n, props[n]) for n in names],
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
            columns.append(Column.computed(name, duck_type, title_zh=zh, title_en=en))
        else:
            column = Column.from_property(name, inherited)
            # Every column of a left-joined view can be null, whatever the source table says.
            columns.append(replace(column, nullable=column.nullable or name.startswith("prev_")))
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


# -- facts about the release, from the warehouse --------------------------------------------------------


def release_facts(con, year: int, tables: list[Table]) -> dict:
    by_name = {t.name: t for t in tables}
    listed = [row[0] for row in by_name["documents"].rows]  # copies and superseded issues included
    doc_ids = [row[0] for row in by_name["documents_text"].rows]  # the documents whose content is released
    ids = "WITH ids AS (SELECT unnest(?::VARCHAR[]) AS doc_id) "
    fetched = con.execute(
        ids
        + """
        SELECT min(f.fetched_at), max(f.fetched_at) FROM fetches AS f
        JOIN documents AS d ON d.source_id = f.source_id AND d.snapshot_sha256 = f.snapshot_sha256
        WHERE d.doc_id IN (SELECT doc_id FROM ids)
    """,
        [listed],
    ).fetchone()
    code_version = con.execute("SELECT code_version FROM runs ORDER BY finished_at DESC NULLS LAST LIMIT 1").fetchone()
    parser_versions = [
        r[0]
        for r in con.execute(
            ids
            + """
        SELECT DISTINCT parser_version FROM documents WHERE doc_id IN (SELECT doc_id FROM ids) ORDER BY 1
    """,
            [listed],
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
            "SELECT issuer_id, list(DISTINCT report_year) FROM documents "
            "WHERE is_report AND duplicate_of IS NULL AND issuer_id IS NOT NULL AND report_year IS NOT NULL "
            "GROUP BY issuer_id"
        ).fetchall()
    }
    origins = dict(
        con.execute(
            ids
            + """
        SELECT text_origin, count(*) FROM documents WHERE doc_id IN (SELECT doc_id FROM ids) GROUP BY ALL ORDER BY 1
    """,
            [listed],
        ).fetchall()
    )
    sources = con.execute(
        ids
        + """
        SELECT d.doc_id, d.title, array_to_string(d.issuers, ' '), d.url FROM documents AS d
        WHERE d.doc_id IN (SELECT doc_id FROM ids) ORDER BY d.doc_id
    """,
        [listed],
    ).fetchall()
    return {
        "report_year": year,
        "fetched_from": _iso(fetched[0]) if fetched else None,
        "fetched_to": _iso(fetched[1]) if fetched else None,
        "code_version": code_version[0] if code_version and code_version[0] else __version__,
        "parser_versions": parser_versions,
        "text_origins": {origin: int(n) for origin, n in origins.items() if origin},
        "copies": len(listed) - len(doc_ids),  # listed in documents.csv, content released with another
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
