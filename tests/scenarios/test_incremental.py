"""Incremental runs: an unchanged snapshot is not parsed again; a new parser version reprocesses everything."""

from __future__ import annotations

from corpus_root import build_corpus_root

from flows import stages
from flows.normalize import document


def _staged(settings):
    return {p.name: p.stat().st_mtime_ns for p in (settings.warehouse_dir / "staging").rglob("*.json")}


def test_unchanged_snapshots_are_not_reparsed_until_the_parser_version_changes(tmp_path, corpus_dir, monkeypatch):
    settings = build_corpus_root(tmp_path, corpus_dir, ["d02", "d12", "d22"])
    first = stages.normalize_stage(settings, workers=1)
    assert first["parsed"] == 3 and first["up_to_date"] == 0
    staged = _staged(settings)
    assert len(staged) == 3

    again = stages.normalize_stage(settings, workers=1)
    assert again.get("parsed", 0) == 0 and again["up_to_date"] == 3
    assert _staged(settings) == staged  # not rewritten

    monkeypatch.setattr(document, "PARSER_VERSION", "next-version")
    plan = stages.plan_normalize(settings)
    assert len(plan.items) == 3 and plan.up_to_date == 0
    bumped = stages.normalize_stage(settings, workers=1)
    assert bumped["parsed"] == 3
    assert all(mtime != staged[name] for name, mtime in _staged(settings).items())
