"""``fazhi sql``'s query runner on a small hand-made DuckDB file."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest

from flows.core.errors import UserError
from flows.tools.sql import display_width, run_query


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "t.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (name VARCHAR, n BIGINT, share DOUBLE, tags VARCHAR[], day DATE, note VARCHAR)")
    con.execute(
        """INSERT INTO t VALUES
        ('南昌县', 1234, 0.5, ['复议', 'x'], DATE '2023-03-01', NULL),
        ('abc', 7, NULL, [], NULL, 'line one
line two'),
        ('江西省南昌市', -12, 12.25, NULL, DATE '2020-01-31', '"""
        + "长" * 100
        + """')"""
    )
    con.close()
    return path


def test_table_aligns_cjk_by_display_width(db):
    out = run_query(db, "SELECT name, n, share FROM t ORDER BY n", fmt="table").splitlines()
    assert out[-1] == "(3 rows)"
    header, rule, *rows = out[:-1]
    # numbers are right-aligned, so every line ends at the same display column
    assert {display_width(line) for line in [header] + rows} == {display_width(rule)}
    # the second column starts at the same display column on every row
    first_width = len(rule.split("  ")[0])
    for line in rows:
        prefix = ""
        for char in line:
            if display_width(prefix) >= first_width:
                break
            prefix += char
        assert display_width(prefix) == first_width
    assert rows[0].startswith("江西省南昌市") and "NULL" in rows[1]
    assert display_width("江西省南昌市") == 12


def test_table_cuts_long_cells_and_flattens_newlines(db):
    out = run_query(db, "SELECT note FROM t WHERE note IS NOT NULL ORDER BY note", fmt="table")
    assert "line one⏎line two" in out
    long_line = [line for line in out.splitlines() if line.startswith("长")][0]
    assert long_line.endswith("…") and display_width(long_line) <= 60


def test_csv_and_json_keep_values_whole(db):
    out = run_query(db, "SELECT name, n, tags, day, note FROM t ORDER BY n", fmt="csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["name", "n", "tags", "day", "note"]
    assert rows[1] == ["江西省南昌市", "-12", "", "2020-01-31", "长" * 100]
    assert rows[3][2] == '["复议", "x"]' and rows[2][4] == "line one\nline two"
    data = json.loads(run_query(db, "SELECT name, share, tags, day FROM t ORDER BY n", fmt="json"))
    assert data[0] == {"name": "江西省南昌市", "share": 12.25, "tags": None, "day": "2020-01-31"}
    assert data[2]["tags"] == ["复议", "x"]


def test_sql_error_is_one_line(db):
    with pytest.raises(UserError) as caught:
        run_query(db, "SELEC * FROM t")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("SQL: Parser Error")
    with pytest.raises(UserError, match="missing_table"):
        run_query(db, "SELECT * FROM missing_table")


def test_connection_is_read_only(db):
    with pytest.raises(UserError, match="read-only"):
        run_query(db, "CREATE TABLE x (a INTEGER)")
    assert run_query(db, "SELECT count(*) AS rows FROM t", fmt="csv") == "rows\n3"


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("COPY t TO '{out}/t.csv'", "COPY"),
        ("EXPORT DATABASE '{out}/dump'", "EXPORT"),
        ("ATTACH '{out}/other.duckdb' AS other", "ATTACH"),
        ("INSTALL httpfs", "LOAD"),
        ("LOAD httpfs", "LOAD"),
        ("SET enable_external_access = true", "SET"),
        ("CREATE TEMP TABLE x AS SELECT 1", "CREATE"),
        ("SELECT 1; COPY t TO '{out}/t.csv'", "COPY"),
    ],
)
def test_statements_that_write_or_reach_outside_are_refused_by_name(db, tmp_path, query, kind):
    with pytest.raises(UserError) as caught:
        run_query(db, query.format(out=tmp_path))
    assert str(caught.value).startswith(f"fazhi sql is read-only: {kind} statements are refused")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.duckdb"]  # nothing written beside the database


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM read_parquet('{out}/x.parquet')",
    ],
)
def test_reading_arbitrary_files_is_refused(db, tmp_path, query):
    with pytest.raises(UserError, match="file system operations are disabled"):
        run_query(db, query.format(out=tmp_path))


def test_empty_query_is_one_line(db):
    for query in ("", "   ", " ; "):
        with pytest.raises(UserError, match="^empty query"):
            run_query(db, query)


def test_several_statements_give_every_result_or_a_clear_refusal(db):
    out = run_query(db, "SELECT 1 AS a; SELECT name FROM t WHERE n = 7", fmt="table")
    assert out.splitlines()[0] == "-- statement 1: SELECT 1 AS a"
    assert "-- statement 2: SELECT name FROM t WHERE n = 7" in out and "abc" in out
    data = json.loads(run_query(db, "SELECT 1 AS a; SELECT 2 AS b", fmt="json"))
    assert [d["rows"] for d in data] == [[{"a": 1}], [{"b": 2}]]
    with pytest.raises(UserError, match="--format csv takes one statement; the query has 2"):
        run_query(db, "SELECT 1; SELECT 2", fmt="csv")


def test_max_width_cuts_table_cells_or_not_at_all(db):
    cut = run_query(db, "SELECT note FROM t WHERE note LIKE '长%'", fmt="table", max_width=10)
    assert [line for line in cut.splitlines() if line.startswith("长")][0] == "长" * 4 + "…"
    whole = run_query(db, "SELECT note FROM t WHERE note LIKE '长%'", fmt="table", max_width=0)
    assert "长" * 100 in whole


def test_blobs_are_base64_in_json(db):
    data = json.loads(run_query(db, "SELECT '\\xE6\\xB3\\x95'::BLOB AS b", fmt="json"))
    assert data == [{"b": "5rOV"}]  # base64 of the UTF-8 bytes of 法
