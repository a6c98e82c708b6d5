"""The one column model (flows/load/columns.py): a schema property's Parquet, DuckDB, Frictionless and
CSV forms, and the columns a view computes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import duckdb
import pyarrow as pa
import pytest

from flows.core.contracts import load_schema
from flows.load.columns import Column, table_spec

STATUS = {
    "type": ["string", "null"],
    "enum": ["open", "closed", None],
    "title": "Status",
    "x-title-zh": "状态",
    "description": "Where it stands.",
    "x-description-zh": "当前状态。",
}


def test_one_property_in_every_form():
    column = Column.from_property("status", STATUS)
    assert (column.kind, column.nullable, column.enum, column.json_type) == (
        "string",
        True,
        ("open", "closed"),
        "string",
    )
    field = column.to_pyarrow()
    assert field.type == pa.string() and field.nullable
    assert field.metadata[b"title_zh"].decode() == "状态" and field.metadata[b"description"] == b"Where it stands."
    assert column.to_sql() == '"status" VARCHAR'
    assert column.comment == "状态：当前状态。 / Status: Where it stands."
    assert column.to_frictionless(required=False) == {
        "name": "status",
        "type": "string",
        "title": "Status",
        "x-title-zh": "状态",
        "description": "Where it stands.",
        "x-description-zh": "当前状态。",
        "constraints": {"enum": ["open", "closed"]},
    }
    assert column.to_frictionless(required=True)["constraints"] == {"required": True, "enum": ["open", "closed"]}


@pytest.mark.parametrize(
    ("prop", "kind", "sql", "frictionless"),
    [
        ({"type": "integer"}, "integer", '"x" BIGINT NOT NULL', "integer"),
        ({"type": ["number", "null"]}, "number", '"x" DOUBLE', "number"),
        ({"type": "string", "format": "date"}, "date", '"x" DATE NOT NULL', "date"),
        ({"type": "string", "format": "date-time"}, "date-time", '"x" TIMESTAMPTZ NOT NULL', "datetime"),
        ({"type": "array", "items": {"type": "string"}}, "list", '"x" VARCHAR[] NOT NULL', "array"),
        ({"type": "array", "items": {"type": "object"}}, "json", '"x" JSON NOT NULL', "array"),
        ({"type": ["object", "null"]}, "json", '"x" JSON', "object"),
        ({"type": ["string", "integer"]}, "json", '"x" JSON NOT NULL', "string"),
        ({"type": "string", "contentMediaType": "application/json"}, "json", '"x" JSON NOT NULL', "string"),
    ],
)
def test_type_mapping(prop, kind, sql, frictionless):
    column = Column.from_property("x", prop)
    assert column.kind == kind and column.to_sql() == sql and column.frictionless_type == frictionless
    assert column.to_sql(constraints=False) == sql.removesuffix(" NOT NULL")


def test_csv_cells():
    def cell(prop, value):
        return Column.from_property("x", prop).to_csv(value)

    assert cell({"type": ["string", "null"]}, None) == ""
    assert cell({"type": "boolean"}, False) == "false"
    assert [cell({"type": "number"}, v) for v in (518.0, 0.125, -3.0, 1e16)] == ["518", "0.125", "-3", "1e+16"]
    assert cell({"type": "integer"}, 7.0) == "7"
    assert cell({"type": "string", "format": "date"}, date(2024, 3, 5)) == "2024-03-05"
    moment = datetime(2024, 3, 5, 16, 0, tzinfo=timezone(timedelta(hours=8)))
    assert cell({"type": "string", "format": "date-time"}, moment) == "2024-03-05T08:00:00Z"
    assert cell({"type": "string", "format": "date-time"}, datetime(2024, 3, 5, 8)) == "2024-03-05T08:00:00Z"
    assert cell({"type": "array", "items": {"type": "string"}}, ("甲", "乙")) == '["甲","乙"]'
    assert cell({"type": "object"}, {"b": 1, "a": "甲"}) == '{"a":"甲","b":1}'
    assert cell({"type": "object"}, '{"kept":"as text"}') == '{"kept":"as text"}'


def test_a_computed_view_column_takes_its_type_from_duckdb():
    con = duckdb.connect(":memory:")
    described = dict(
        (name, kind)
        for name, kind, *_ in con.execute(
            "DESCRIBE SELECT 1::BIGINT AS n, 0.5::DOUBLE AS x, now() AS t, ['a'] AS l, '{}'::JSON AS j, 'a' AS s"
        ).fetchall()
    )
    columns = {name: Column.computed(name, kind, title_zh="注", title_en="note") for name, kind in described.items()}
    assert {n: c.kind for n, c in columns.items()} == {
        "n": "integer",
        "x": "number",
        "t": "date-time",
        "l": "list",
        "j": "json",
        "s": "string",
    }
    assert columns["j"].frictionless_type == "object" and columns["l"].frictionless_type == "array"
    assert all(c.nullable and c.description_zh == "注" and c.description_en == "note" for c in columns.values())


def test_the_real_schemas_give_columns_of_every_table():
    spec = table_spec(load_schema("document"))
    issuers = spec.column("issuers")
    assert (
        issuers.kind == "list" and issuers.item_kind == "string" and issuers.to_pyarrow().type == pa.list_(pa.string())
    )
    published = spec.column("publish_date")
    assert published.to_arrow_value("2023-03-15") == date(2023, 3, 15)
    assert Column.from_property("t", {"type": "string", "format": "date-time"}).to_arrow_value(
        "2024-01-01T08:00:00"
    ) == datetime(2024, 1, 1, 8, tzinfo=UTC)
