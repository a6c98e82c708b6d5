"""The load stage: it assembles the load's inputs (``stages.load_inputs``) and hands them to the load;
inputs whose digest equals the last load's are not read at all."""

from __future__ import annotations

import duckdb
import yaml
from corpus_root import build_corpus_root

from flows import stages
from flows.core import layout
from flows.fetch import registry
from flows.fetch.archive import Archive, import_captured_text
from flows.load.tables import text_origins, with_source_flags
from flows.normalize.document import doc_id_for


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
    assert inputs.unchanged and inputs.registry == [] and list(inputs.fetches) == []
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
    assert not inputs.unchanged and len(inputs.registry) == 2 and len(list(inputs.fetches)) == 2


def test_documents_say_where_their_text_came_from_and_the_latest_import_note(tmp_path, corpus_dir):
    settings = build_corpus_root(tmp_path, corpus_dir, ["d04", "d07"])
    archive = Archive(settings.raw_dir)
    d04 = next(s for s in registry.load_sources(settings.registry_path) if s["source_id"] == "dev-d04")
    # the same bytes imported again with a new note: the document is not parsed again, its note follows
    again = import_captured_text(
        archive,
        d04,
        archive.read(archive.latest_snapshot("dev-d04")["snapshot_sha256"]),
        fetched_at="2024-02-01T00:00:00Z",
        note="赵六: checked against the cached page",
    )
    assert again["outcome"] == "unchanged"
    # a third source whose page was fetched over HTTP (its row written as fetch writes it)
    fetched = {**d04, "source_id": "dev-d04-fetched", "url": d04["url"] + "?fetched"}
    settings.registry_path.write_text(
        yaml.safe_dump({"sources": [*registry.load_sources(settings.registry_path), fetched]}, allow_unicode=True),
        encoding="utf-8",
    )
    text = archive.read(again["snapshot_sha256"]).decode("utf-8")
    html = ("<html><body>" + "".join(f"<p>{line}</p>" for line in text.splitlines()) + "</body></html>").encode()
    sha, _ = archive.put(html, "text/html")
    archive.append(
        {
            "fetch_id": "f" * 16,
            "source_id": "dev-d04-fetched",
            "url": fetched["url"],
            "final_url": fetched["url"],
            "fetched_at": "2024-02-02T00:00:00Z",
            "http_status": 200,
            "content_type": "text/html",
            "etag": None,
            "last_modified": None,
            "encoding": "utf-8",
            "encoding_source": "http",
            "snapshot_sha256": sha,
            "bytes": len(html),
            "outcome": "new",
            "error": None,
            "is_captured_text": False,
            "parent_sha256": None,
            "response_headers": None,
        }
    )
    stages.normalize_stage(settings)
    stages.load_stage(settings, run=_run("r1"))
    con = duckdb.connect(str(settings.warehouse_dir / layout.DATABASE), read_only=True)
    try:
        documents = con.execute(
            "SELECT source_id, text_source, text_origin, capture_note FROM documents ORDER BY source_id"
        ).fetchall()
        notes = con.execute("SELECT source_id, note FROM fetches ORDER BY fetched_at").fetchall()
    finally:
        con.close()
    assert documents == [
        ("dev-d04", "text", "captured_text", "赵六: checked against the cached page"),
        ("dev-d04-fetched", "html", "fetched_page", None),
        ("dev-d07", "text", "captured_text", "tests: gold corpus text"),
    ]
    assert notes == [
        ("dev-d04", "tests: gold corpus text"),
        ("dev-d07", "tests: gold corpus text"),
        ("dev-d04", "赵六: checked against the cached page"),
        ("dev-d04-fetched", None),
    ]


def test_text_origin_follows_the_manifest_and_the_synthetic_flag():
    page, attachment, captured, both = ("s1", "a" * 64), ("s1", "b" * 64), ("s2", "c" * 64), ("s3", "d" * 64)
    rows = [
        {"source_id": page[0], "snapshot_sha256": page[1], "is_captured_text": False, "parent_sha256": None},
        {
            "source_id": attachment[0],
            "snapshot_sha256": attachment[1],
            "is_captured_text": False,
            "parent_sha256": page[1],
        },
        {"source_id": captured[0], "snapshot_sha256": captured[1], "is_captured_text": True, "note": "first"},
        {"source_id": captured[0], "snapshot_sha256": captured[1], "is_captured_text": True},  # an old row: no note
        {"source_id": both[0], "snapshot_sha256": both[1], "is_captured_text": True, "note": "imported"},
        {"source_id": both[0], "snapshot_sha256": both[1], "is_captured_text": False, "parent_sha256": None},
        {"source_id": "s4", "snapshot_sha256": None, "is_captured_text": False},  # a failed fetch
    ]
    origins = text_origins(rows)
    ids = {
        name: doc_id_for(*key)
        for name, key in (("page", page), ("attachment", attachment), ("captured", captured), ("both", both))
    }
    assert {name: origins[doc] for name, doc in ids.items()} == {
        "page": ("fetched_page", None),
        "attachment": ("fetched_attachment", None),
        "captured": ("captured_text", "first"),
        "both": ("fetched_page", None),  # the site served these bytes: fetched, whatever was imported
    }
    assert len(origins) == 4
    doc = {"doc_id": ids["captured"], "is_synthetic": False, "text_source": "text"}
    assert with_source_flags(doc, {"is_synthetic": False}, origins) == {
        **doc,
        "text_origin": "captured_text",
        "capture_note": "first",
    }
    assert with_source_flags(doc, {"is_synthetic": True}, origins) == {
        **doc,
        "is_synthetic": True,
        "text_origin": "synthetic",
        "capture_note": None,
    }
    unknown = {"doc_id": "0" * 16, "is_synthetic": False, "text_source": "pdf"}  # no manifest row (a test's staging)
    assert with_source_flags(unknown, None, origins)["text_origin"] == "fetched_attachment"
    for text_source, origin in (("ofd", "fetched_attachment"), ("ocr", "fetched_attachment"), ("html", "fetched_page")):
        assert with_source_flags({**unknown, "text_source": text_source}, None, origins)["text_origin"] == origin
