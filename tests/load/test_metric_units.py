"""Numbers that compare, on the real schemas and real DuckDB: metric_yoy combines several values of one
indicator in one report by the indicator's rule (never silently the first), in the indicator's unit,
and the load refuses a metric mapped with a unit outside its indicator's family."""

from __future__ import annotations

import duckdb
import pytest

from flows.load import checks
from flows.load.duckdb_build import create_table_sql
from flows.load.specs import load_specs
from flows.load.views import METRIC_YOY

DOC_2021, DOC_2022, DOC_2022_OLD = "a" * 16, "b" * 16, "c" * 16
CATALOG = [  # metric_code, unit, unit_family, multiple_values
    ("sites", "处", "sites", "sum"),
    ("mediators", "名", "people", "max"),
    ("cases", "件", "items", "none"),
    ("trained", "人次", "person_times", "none"),
]


@pytest.fixture
def con():
    specs = load_specs()
    con = duckdb.connect(":memory:")
    for name in ("documents", "metrics", "metric_catalog"):
        con.execute(create_table_sql(specs[name], constraints=False))
    for code, unit, family, rule in CATALOG:
        con.execute(
            "INSERT INTO metric_catalog (metric_code, unit, unit_family, multiple_values) VALUES (?, ?, ?, ?)",
            [code, unit, family, rule],
        )
    for doc, year, published in (
        (DOC_2021, 2021, "2022-03-01"),
        (DOC_2022, 2022, "2023-03-02"),
        (DOC_2022_OLD, 2022, "2023-03-01"),
    ):
        con.execute(
            "INSERT INTO documents (doc_id, issuer_id, report_year, publish_date, is_report) VALUES (?, 'x-gov', ?, ?, true)",
            [doc, year, published],
        )
    yield con, specs
    con.close()


def add(con, doc, start, code, value, unit, catalog_value=None):
    con.execute(
        'INSERT INTO metrics (metric_id, doc_id, section_id, value, unit, span, "start", metric_code, catalog_value) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            f"{doc}-m{start:06d}",
            doc,
            f"{doc}-s{start:03d}",
            value,
            unit,
            f"{value:g}{unit}",
            start,
            code,
            value if catalog_value is None else catalog_value,
        ],
    )


def yoy(con) -> dict:
    rows = con.execute(
        f"SELECT metric_code, report_year, value, unit, value_rule, values_count, span, section_id, prev_value "
        f"FROM ({METRIC_YOY.sql}) ORDER BY 1, 2"
    ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_several_values_in_one_report_follow_the_indicators_rule(con):
    con, _ = con
    # sites (sum): 8 bases and 190 micro-squares are 198 sites; the same 8 printed again counts once
    add(con, DOC_2022, 10, "sites", 8, "处")
    add(con, DOC_2022, 20, "sites", 190, "处")
    add(con, DOC_2022, 30, "sites", 8, "处")
    # mediators (max): a total with its part; the part printed in 人 still compares in 名
    add(con, DOC_2022, 40, "mediators", 120, "名")
    add(con, DOC_2022, 50, "mediators", 9800, "人")
    # cases (none): two different figures and no rule to combine them
    add(con, DOC_2022, 60, "cases", 236, "件")
    add(con, DOC_2022, 70, "cases", 218, "件")
    add(con, DOC_2021, 60, "cases", 200, "件")
    # trained: one value, in a later report; the older report of the year is not mixed in
    add(con, DOC_2022, 80, "trained", 30000, "万人次", catalog_value=30000)
    add(con, DOC_2022_OLD, 80, "trained", 5, "人次")
    found = yoy(con)
    assert found[("sites", 2022)] == (198, "处", "sum", 2, "8处 + 190处", f"{DOC_2022}-s010", None)
    assert found[("mediators", 2022)] == (9800, "名", "max", 2, "9800人", f"{DOC_2022}-s050", None)
    assert found[("cases", 2022)] == (None, "件", "ambiguous", 2, "236件 | 218件", f"{DOC_2022}-s060", 200)
    assert found[("cases", 2021)] == (200, "件", "single", 1, "200件", f"{DOC_2021}-s060", None)
    assert found[("trained", 2022)] == (30000, "人次", "single", 1, "30000万人次", f"{DOC_2022}-s080", None)
    abs_change = con.execute(
        f"SELECT abs_change FROM ({METRIC_YOY.sql}) WHERE metric_code = 'cases' AND report_year = 2022"
    ).fetchone()
    assert abs_change == (None,)


def test_the_load_refuses_a_unit_outside_the_indicators_family(con):
    con, specs = con
    add(con, DOC_2022, 10, "trained", 3200, "人次")
    add(con, DOC_2022, 20, "mediators", 9800, "位")
    add(con, DOC_2022, 25, "sites", 3, "條")  # traditional script folds to 条, a sites unit
    assert checks.check_metric_units(con, specs) == []
    add(con, DOC_2022, 30, "trained", 8664, "名")
    add(con, DOC_2022, 40, "trained", 12, "名")
    add(con, DOC_2022, 50, "sites", 4, "件")
    (failure,) = checks.check_metric_units(con, specs)
    assert failure.check == "metric unit" and failure.total == 2
    assert failure.message.startswith("3 metric(s) mapped with a unit outside their indicator's unit family")
    assert [(r["metric_code"], r["unit"], r["unit_family"], r["metrics"]) for r in failure.rows] == [
        ("sites", "件", "sites", 1),
        ("trained", "名", "person_times", 2),
    ]
    for name, spec in specs.items():  # the load's checks on every table: this one among them
        if name not in ("documents", "metrics", "metric_catalog"):
            con.execute(create_table_sql(spec, constraints=False))
    with pytest.raises(checks.DataCheckError, match=r"- metric unit: 3 metric\(s\) mapped"):
        checks.run_checks(con, specs)
