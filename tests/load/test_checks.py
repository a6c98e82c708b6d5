"""The load's data checks (flows/load/checks.py) on small tables in a real DuckDB: each check alone,
then ``run_checks`` and ``check_datasets`` on written Parquet files."""

from __future__ import annotations

import duckdb
import pytest

from flows.load import checks
from flows.load.checks import (
    CheckFailure,
    DataCheckError,
    check_all_null_columns,
    check_datasets,
    check_foreign_keys,
    check_primary_key,
    check_required_columns,
    check_row_drops,
    run_checks,
)
from flows.load.columns import table_spec
from flows.load.duckdb_build import create_table_sql, declarable_foreign_keys
from flows.load.parquet import write_dataset

PARENTS = table_spec(
    {
        "x-table": "parents",
        "x-primary-key": ["parent_id"],
        "properties": {"parent_id": {"type": "string"}, "name": {"type": ["string", "null"]}},
    }
)
CHILDREN = table_spec(
    {
        "x-table": "children",
        "x-primary-key": ["child_id"],
        "x-foreign-keys": [{"fields": ["parent_id"], "reference": {"table": "parents", "fields": ["parent_id"]}}],
        "properties": {
            "child_id": {"type": "string"},
            "parent_id": {"type": ["string", "null"]},
            "label": {"type": "string"},
        },
    }
)
# "documents" is one of the tables judged for all-null columns (checks.ALL_NULL_CHECKED).
DOCUMENTS = table_spec(
    {
        "x-table": "documents",
        "x-primary-key": ["doc_id"],
        "properties": {
            "doc_id": {"type": "string"},
            "title": {"type": ["string", "null"]},
            "notes": {"type": ["string", "null"], "x-allow-all-null": True},
        },
    }
)


def database(*tables: tuple) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding ``(spec, rows)`` tables, without constraints (the checks find what
    constraints would have refused)."""
    con = duckdb.connect(":memory:")
    for spec, rows in tables:
        con.execute(create_table_sql(spec, constraints=False))
        for row in rows:
            con.execute(
                f"INSERT INTO {spec.name} VALUES ({', '.join('?' for _ in spec.columns)})",
                [row.get(c) for c in spec.column_names],
            )
    return con


def parent(pid, name="甲"):
    return {"parent_id": pid, "name": name}


def child(cid, pid, label="x"):
    return {"child_id": cid, "parent_id": pid, "label": label}


def test_primary_key_nulls_and_duplicates_are_named():
    con = database((PARENTS, [parent("p1"), parent("p1", "乙"), parent(None), parent("p2"), parent("p2")]))
    failures = check_primary_key(con, PARENTS)
    assert [f.message for f in failures] == [
        "parents(parent_id) is null in 1 row(s)",
        "parents(parent_id) has 2 duplicated key(s)",
    ]
    assert failures[0].rows == [{"parent_id": None, "name": "甲"}]
    assert failures[1].rows == [{"parent_id": "p1", "copies": 2}, {"parent_id": "p2", "copies": 2}]
    assert check_primary_key(database((PARENTS, [parent("p1"), parent("p2")])), PARENTS) == []


def test_foreign_key_orphans_are_named_and_null_references_pass():
    con = database(
        (PARENTS, [parent("p1")]),
        (CHILDREN, [child("c1", "p1"), child("c2", "gone"), child("c3", None), child("c4", "lost")]),
    )
    [failure] = check_foreign_keys(con, CHILDREN)
    assert failure.check == "foreign key"
    assert failure.message == "children(parent_id) -> parents(parent_id): 2 row(s) point at nothing"
    assert failure.rows == [{"child_id": "c2", "parent_id": "gone"}, {"child_id": "c4", "parent_id": "lost"}]


def test_required_column_nulls_are_named_by_key():
    con = database((CHILDREN, [child("c1", None), child("c2", None, label=None), child("c3", None, label=None)]))
    [failure] = check_required_columns(con, CHILDREN, limit=1)
    assert failure.message == "children.label is null in 2 row(s)"
    assert failure.rows == [{"child_id": "c2"}] and failure.total == 2
    assert failure.render().splitlines() == [
        "- required column: children.label is null in 2 row(s)",
        "    child_id='c2'",
        "    ... and 1 more",
    ]


def test_all_null_column_needs_enough_rows_and_respects_the_exemption(monkeypatch):
    rows = [{"doc_id": f"d{i:03d}", "title": None, "notes": None} for i in range(5)]
    con = database((DOCUMENTS, rows))
    assert check_all_null_columns(con, DOCUMENTS) == []  # 5 rows: too few to judge
    monkeypatch.setattr(checks, "ALL_NULL_MIN_ROWS", 5)
    [failure] = check_all_null_columns(con, DOCUMENTS)
    assert failure.message.startswith("documents: title null in all 5 row(s)")  # notes is exempt
    renamed = table_spec({**DOCUMENTS.schema, "x-table": "registry_like"})  # not a derived table
    con.execute("CREATE TABLE registry_like AS SELECT * FROM documents")
    assert check_all_null_columns(con, renamed) == []


def test_row_drops_against_the_previous_run():
    previous = {"metrics": {"2021": 100, "2022": 100}, "documents": {"2022": 10}}
    current = {"metrics": {"2021": 81, "2022": 79}, "documents": {"2022": 10}}
    [failure] = check_row_drops(current, previous, previous_run_id="r0")
    assert failure.rows == [{"table": "metrics", "report_year": "2022", "previous": 100, "now": 79, "change": "-21%"}]
    assert "since the previous run r0" in failure.message
    assert check_row_drops(current, previous, threshold=0.25) == []
    assert check_row_drops(current, None) == []
    assert check_row_drops({}, {"sections": {"2020": 3}})[0].rows[0]["now"] == 0  # a lost year


def test_run_checks_reports_every_failure_at_once_unless_allowed():
    con = database((PARENTS, [parent("p1"), parent("p1")]), (CHILDREN, [child("c1", "nope")]))
    specs = {"parents": PARENTS, "children": CHILDREN}
    with pytest.raises(DataCheckError) as caught:
        run_checks(con, specs, rows_by_year={"children": {}}, previous_rows_by_year={"children": {"2022": 5}})
    assert [f.check for f in caught.value.failures] == ["primary key", "foreign key", "row drop"]
    assert str(caught.value).startswith("3 data check(s) failed; the warehouse was left as it was\n- primary key:")
    with pytest.raises(DataCheckError) as caught:
        run_checks(con, specs, allow_drop=True, rows_by_year={}, previous_rows_by_year={"children": {"2022": 5}})
    assert [f.check for f in caught.value.failures] == ["primary key", "foreign key"]
    run_checks(database((PARENTS, [parent("p1")]), (CHILDREN, [child("c1", "p1")])), specs)


def test_check_datasets_reads_the_written_files_and_checks_a_missing_one_empty(tmp_path):
    write_dataset(CHILDREN, [child("c1", "p9"), child("c2", "p1")], tmp_path / "children", code_version="t")
    specs = {"parents": PARENTS, "children": CHILDREN}
    with pytest.raises(DataCheckError) as caught:  # no parents dataset: an empty table, so both orphans
        check_datasets(specs, {"children": tmp_path / "children"}, spill_dir=tmp_path)
    [failure] = caught.value.failures
    assert failure.total == 2 and failure.rows[0] == {"child_id": "c1", "parent_id": "p9"}
    write_dataset(PARENTS, [parent("p1"), parent("p9")], tmp_path / "parents", code_version="t")
    check_datasets(specs, {"children": tmp_path / "children", "parents": tmp_path / "parents"}, spill_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["children", "parents"]  # the spill directory is gone


def test_check_failure_shows_long_values_cut():
    failure = CheckFailure("x", "y", rows=[{"text": "字" * 100, "n": 3}], total=1)
    assert failure.render().splitlines()[1] == "    text='" + "字" * 76 + "...  n=3"


def test_a_check_only_self_reference_is_not_declared_but_is_checked():
    # sections.top_section_id: a level-1 section is its own top, which DuckDB would refuse as a declared key.
    tree = table_spec(
        {
            "x-table": "tree",
            "x-primary-key": ["node_id"],
            "x-foreign-keys": [
                {"fields": ["top_id"], "reference": {"table": "tree", "fields": ["node_id"]}, "x-check-only": True}
            ],
            "properties": {"node_id": {"type": "string"}, "top_id": {"type": ["string", "null"]}},
        }
    )
    assert declarable_foreign_keys(tree, {"tree": tree}) == []
    con = duckdb.connect()
    con.execute(create_table_sql(tree, foreign_keys=declarable_foreign_keys(tree, {"tree": tree})))
    con.execute("INSERT INTO tree VALUES ('a', 'a'), ('b', 'a'), ('c', 'x')")
    [failure] = check_foreign_keys(con, tree)
    assert failure.total == 1 and failure.rows[0]["top_id"] == "x"
