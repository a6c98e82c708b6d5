"""The load stage: it assembles the load's inputs (``stages.load_inputs``) and hands them to the load;
inputs whose digest equals the last load's are not read at all."""

from __future__ import annotations

import duckdb
from corpus_root import build_corpus_root

from flows import stages
from flows.core import layout


def _run(run_id: str) -> dict:
    return {"run_id": run_id, "started_at": "2024-01-02T00:00:00+00:00", "code_version": "t", "parser_version": "t"}


def _parquet(settings) -> dict:
    root = settings.warehouse_dir / layout.PARQUET
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*.parquet") if "runs" not in p.parts}


def test_unchanged_inputs_are_not_read_and_only_the_run_is_recorded(tmp_path, corpus_dir, monkeypatch):
    settings = build_corpus_root(tmp_path, corpus_dir, ["d04", "d07"])
    stages.normalize_stage(settings)
    first = stages.load_stage(settings, run=_run("r1"))
    tables = _parquet(settings)
    assert not stages.load_inputs(settings, run=_run("r2") | {"code_version": "other"}).unchanged  # other code

    def unread(*args, **kwargs):
        raise AssertionError("the registry was read although nothing changed")

    monkeypatch.setattr(stages.registry, "load_sources", unread)
    inputs = stages.load_inputs(settings, run=_run("r2"))
    assert inputs.unchanged and inputs.registry == [] and inputs.fetches == []
    assert inputs.previous.counts == {k: v for k, v in first.items() if k != "runs"}
    second = stages.load_stage(settings, run=_run("r2"))
    assert second == {**first, "runs": 2}
    assert _parquet(settings) == tables
    con = duckdb.connect(str(settings.warehouse_dir / layout.DATABASE), read_only=True)
    try:
        assert con.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall() == [("r1",), ("r2",)]
    finally:
        con.close()

    monkeypatch.undo()  # an edited registry changes the digest: the inputs are read again
    settings.registry_path.write_text(settings.registry_path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    inputs = stages.load_inputs(settings, run=_run("r3"))
    assert not inputs.unchanged and len(inputs.registry) == 2 and len(inputs.fetches) == 2
