"""Storage roots at fsspec URLs (flows/storage.py), with real fsspec on local ``file://`` URLs.

A "machine" here is a data root whose raw/, warehouse/ and releases/ are working copies of the same
three URLs; a second root with empty working copies plays a second machine (or the first one after
its local copies were deleted).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from corpus_root import build_corpus_root
from storage_runs import run_all, tree

from flows import stages
from flows.core import layout, storage
from flows.core.config import PROJECT_DIR, load_settings
from flows.core.errors import UserError
from flows.fetch.archive import Archive, import_captured_text

DOCS = ["d04", "d07"]  # two real 2022 reports
_BACKEND_MODULE = {"oss": "ossfs", "webdav": "webdav4", "gs": "gcsfs", "az": "adlfs"}


def _urls(base: Path) -> dict[str, str]:
    return {f"{name}_url": (base / "remote" / name).as_uri() for name in storage.ROOTS}


@pytest.fixture
def synced(tmp_path, corpus_dir):
    """A first machine that ran the whole pipeline against three ``file://`` URLs. Its working copies
    are the root's own raw/, warehouse/, releases/ (as with FAZHI_*_DIR set beside the URLs)."""
    settings = replace(build_corpus_root(tmp_path / "first", corpus_dir, DOCS), **_urls(tmp_path))
    return settings, run_all(settings)


def test_every_root_is_copied_to_its_url_and_a_fresh_working_copy_resumes_from_it(synced, tmp_path):
    first, counts = synced
    assert counts["normalize"]["parsed"] == 2 and counts["publish"]["released"] == 1
    remote = {name: tmp_path / "remote" / name for name in storage.ROOTS}

    raw = tree(remote["raw"])
    assert raw == tree(first.raw_dir)
    objects = [rel for rel in raw if rel.startswith("objects/")]
    assert len(objects) == 2 and {"manifest.jsonl", "sources.yaml"} <= set(raw)
    warehouse = tree(remote["warehouse"])
    assert warehouse == tree(first.warehouse_dir)
    assert {"fazhi.duckdb", ".load-inputs.json", "parquet/documents/2022/part-0.parquet"} <= set(warehouse)
    assert sum(rel.startswith("staging/") and rel.endswith(".json") for rel in warehouse) == 2
    releases = tree(remote["releases"])
    assert releases == tree(first.releases_dir)
    assert {"latest.json", "2022/latest.json", "2022/2022.1/documents.csv", "2022/2022.1/SHA256SUMS"} <= set(releases)
    assert not any(name.startswith(".") for rel in [*raw, *releases] for name in rel.split("/"))  # no locks, state

    second = replace(first).with_root(tmp_path / "second")  # empty working copies under .storage-cache/
    assert second.raw_dir == tmp_path / "second" / ".storage-cache" / "raw"
    again = run_all(second)
    assert again["fetch"] == {"offline": 2, "sources": 2}
    assert again["normalize"] == {"up_to_date": 2}  # the staged documents came down; nothing reparsed
    assert again["load"]["documents"] == 2
    assert again["publish"]["released"] == 0 and again["publish"]["release_unchanged"] == 1
    assert sorted(p.name for p in (remote["releases"] / "2022").iterdir() if p.is_dir()) == ["2022.1"]
    after = tree(remote["releases"])
    assert {rel: data for rel, data in after.items() if rel.startswith("2022/2022.1/")} == {
        rel: data for rel, data in releases.items() if rel.startswith("2022/2022.1/")
    }
    assert tree(second.releases_dir) == after
    assert tree(second.raw_dir) == raw


def test_a_second_sync_without_changes_copies_nothing(synced):
    settings, _ = synced
    for name in storage.ROOTS:
        assert storage.pull(settings, name) == {"pulled": 0}
        assert storage.push(settings, name) == {"pushed": 0, "removed": 0}


def test_a_remote_release_file_with_other_bytes_is_refused_not_overwritten(synced, tmp_path):
    settings, _ = synced
    remote_csv = tmp_path / "remote" / "releases" / "2022" / "2022.1" / "documents.csv"
    remote_csv.write_bytes(b"someone else's release\r\n")
    with pytest.raises(UserError) as caught:
        storage.push(settings, "releases")
    assert remote_csv.as_uri() in str(caught.value) and "never rewritten" in str(caught.value)
    assert remote_csv.read_bytes() == b"someone else's release\r\n"


def test_unknown_protocol_and_missing_backend_are_one_line_user_errors(tmp_path):
    settings = replace(load_settings().with_root(tmp_path), raw_url="nosuch://bucket/fazhi/raw")
    with pytest.raises(UserError, match=r"^FAZHI_RAW_URL=nosuch://bucket/fazhi/raw: unknown storage protocol 'nosuch'"):
        storage.pull(settings, "raw")
    # A backend fsspec knows but that is not installed (s3fs is, in the test extra).
    protocol = next(p for p in ("oss", "webdav", "gs", "az") if importlib.util.find_spec(_BACKEND_MODULE[p]) is None)
    url = f"{protocol}://bucket/fazhi/warehouse"
    settings = replace(settings, raw_url=None, warehouse_url=url)
    with pytest.raises(UserError) as caught:
        storage.push(settings, "warehouse")
    message = str(caught.value)
    assert message.startswith(f"FAZHI_WAREHOUSE_URL={url}:")
    assert message.endswith(f"pip install {storage.BACKEND_PACKAGES[protocol]}") and "\n" not in message


def test_without_urls_nothing_is_synced_and_fsspec_is_not_imported(tmp_path, corpus_dir):
    """Plain roots: outputs where they always were, no sync state, and fsspec never imported (the
    stages run in a fresh interpreter, since other tests import Prefect, which imports fsspec)."""
    build_corpus_root(tmp_path, corpus_dir, DOCS)
    script = (
        "import sys\n"
        "from flows import stages\n"
        "from flows.core.config import load_settings\n"
        "s = load_settings().with_root(sys.argv[1])\n"
        "stages.fetch_stage(s, offline=True); stages.normalize_stage(s, workers=1)\n"
        "stages.load_stage(s, run={'run_id': 'plain'}); stages.publish_stage(s)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'fsspec'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_URL") or not k.startswith("FAZHI_")}
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert out.strip() == "[]"
    assert (tmp_path / "warehouse" / "fazhi.duckdb").is_file()
    assert (tmp_path / "releases" / "2022" / "2022.1" / "documents.csv").is_file()
    assert not (tmp_path / storage.CACHE_DIR).exists()
    assert not list(tmp_path.rglob(storage.STATE_NAME))


def test_working_copies_default_under_the_storage_cache_unless_a_dir_is_set(tmp_path, monkeypatch):
    monkeypatch.setenv("FAZHI_ROOT", str(tmp_path))
    monkeypatch.setenv("FAZHI_RAW_URL", "memory://fazhi/raw")
    monkeypatch.setenv("FAZHI_RELEASES_URL", "file:///srv/releases")
    monkeypatch.setenv("FAZHI_RELEASES_DIR", str(tmp_path / "pub"))
    monkeypatch.delenv("FAZHI_WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("FAZHI_WAREHOUSE_DIR", raising=False)
    monkeypatch.delenv("FAZHI_RAW_DIR", raising=False)
    settings = load_settings()
    assert (settings.raw_url, settings.warehouse_url, settings.releases_url) == (
        "memory://fazhi/raw",
        None,
        "file:///srv/releases",
    )
    assert settings.raw_dir == tmp_path / ".storage-cache" / "raw"
    assert settings.warehouse_dir == tmp_path / "warehouse"
    assert settings.releases_dir == tmp_path / "pub"
    moved = settings.with_root(tmp_path / "elsewhere")
    assert moved.raw_dir == tmp_path / "elsewhere" / ".storage-cache" / "raw"
    assert moved.releases_dir == tmp_path / "elsewhere" / ".storage-cache" / "releases"


# -- sync rules on plain files -------------------------------------------------------------------


def _machine(tmp_path: Path, name: str):
    return replace(load_settings(), **_urls(tmp_path)).with_root(tmp_path / name)


def _source(source_id: str) -> dict:
    return {"source_id": source_id, "url": f"https://example.gov.cn/{source_id}.html"}


def test_manifest_rows_from_two_working_copies_are_merged_and_objects_go_up_first(tmp_path):
    a, b = _machine(tmp_path, "a"), _machine(tmp_path, "b")
    import_captured_text(
        Archive(a.raw_dir), _source("s1"), "报告一".encode(), fetched_at="2024-01-01T00:00:00Z", note="t"
    )
    storage.push(a, "raw")
    storage.pull(b, "raw")
    import_captured_text(
        Archive(b.raw_dir), _source("s2"), "报告二".encode(), fetched_at="2024-01-02T00:00:00Z", note="t"
    )
    import_captured_text(
        Archive(a.raw_dir), _source("s3"), "报告三".encode(), fetched_at="2024-01-03T00:00:00Z", note="t"
    )
    storage.push(a, "raw")  # b has not pushed its row yet

    assert storage.pull(b, "raw") == {"pulled": 2}  # a's new object and the manifest
    rows = Archive(b.raw_dir).rows()
    assert [row["source_id"] for row in rows] == ["s1", "s3", "s2"]  # remote rows first, then b's own
    storage.push(b, "raw")
    remote = Archive(tmp_path / "remote" / "raw")
    assert [row["source_id"] for row in remote.rows()] == ["s1", "s3", "s2"]
    assert all(remote.read(row["snapshot_sha256"]) for row in remote.rows())


def test_merge_manifest_keeps_remote_order_and_drops_torn_lines():
    assert (
        storage.merge_manifest(b'{"a":1}\n{"b":2}\n{"tor', b'{"a":1}\n{"c":3}\n{"x') == b'{"a":1}\n{"b":2}\n{"c":3}\n'
    )


def test_registry_edited_here_is_kept_and_pushed_but_edited_on_both_sides_is_a_conflict(tmp_path):
    a, b = _machine(tmp_path, "a"), _machine(tmp_path, "b")
    a.raw_dir.mkdir(parents=True)
    a.registry_path.write_text("sources: []\n", encoding="utf-8")
    storage.push(a, "raw")
    storage.pull(b, "raw")

    b.registry_path.write_text("sources: []  # b\n", encoding="utf-8")
    assert storage.pull(b, "raw") == {"pulled": 0}  # the remote did not change: b's edit stays
    storage.push(b, "raw")
    assert (tmp_path / "remote" / "raw" / "sources.yaml").read_text(encoding="utf-8") == "sources: []  # b\n"

    storage.pull(a, "raw")
    assert a.registry_path.read_text(encoding="utf-8") == "sources: []  # b\n"  # a unchanged: takes the remote
    a.registry_path.write_text("sources: []  # a\n", encoding="utf-8")
    b.registry_path.write_text("sources: []  # b again\n", encoding="utf-8")
    storage.push(a, "raw")
    with pytest.raises(UserError, match="edited here and .*sources.yaml changed too"):
        storage.pull(b, "raw")


def test_warehouse_files_removed_here_are_removed_remotely(tmp_path):
    a = _machine(tmp_path, "a")
    for rel in ("parquet/documents/2021/part-0.parquet", "parquet/documents/2022/part-0.parquet"):
        (a.warehouse_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (a.warehouse_dir / rel).write_bytes(rel.encode())
    assert storage.push(a, "warehouse") == {"pushed": 2, "removed": 0}
    (a.warehouse_dir / "parquet/documents/2021/part-0.parquet").unlink()
    assert storage.push(a, "warehouse") == {"pushed": 0, "removed": 1}
    assert sorted(tree(tmp_path / "remote" / "warehouse")) == ["parquet/documents/2022/part-0.parquet"]


def test_long_syncs_report_progress_every_chunk(tmp_path):
    a, b = _machine(tmp_path, "a"), _machine(tmp_path, "b")
    archive = Archive(a.raw_dir)
    chunk = storage.CHUNK_FILES
    total = chunk * 2 + 7
    for i in range(total):
        archive.put(f"page {i}".encode(), "text/html")
    lines: list[str] = []
    assert storage.push(a, "raw", lines.append) == {"pushed": total, "removed": 0}
    url = (tmp_path / "remote" / "raw").as_uri()
    assert lines == [f"storage: pushed raw/ {n}/{total} files ({url})" for n in (chunk, 2 * chunk, total)] + [
        f"storage: pushed {total} file(s) of raw/ to {url}"
    ]
    lines.clear()
    assert storage.pull(b, "raw", lines.append) == {"pulled": total}
    assert len(lines) == 4 and lines[0] == f"storage: pulled raw/ {chunk}/{total} files ({url})"


def test_the_synced_fingerprint_is_the_loads():
    # the load writes layout.LOAD_FINGERPRINT (flows.load.inputs.record_load), the one name
    assert storage.is_synced(layout.LOAD_FINGERPRINT)
    assert not storage.is_synced(layout.RUN_LOCK) and not storage.is_synced("staging/ab/.tmp-x.json")
    assert not storage.is_synced("fazhi.duckdb.wal") and storage.is_synced("fazhi.duckdb")


def test_prefect_flows_sync_the_roots_like_the_plain_stages(prefect_harness, monkeypatch, tmp_path, corpus_dir):
    """``fazhi run`` and ``fazhi normalize`` go through flows/pipeline.py, whose normalize plans and
    submits batch tasks itself: it must pull and push like ``normalize_stage``."""
    import shutil

    from flows import pipeline

    seeded = build_corpus_root(tmp_path / "seed", corpus_dir, DOCS)
    shutil.copytree(seeded.raw_dir, tmp_path / "remote" / "raw")
    for key, url in _urls(tmp_path).items():
        monkeypatch.setenv(f"FAZHI_{key.upper()}", url)
    counts = pipeline.etl_flow(root=str(tmp_path / "first"), offline=True, publish=False)
    assert counts["parsed"] == 2
    staged = [rel for rel in tree(tmp_path / "remote" / "warehouse") if rel.startswith("staging/")]
    assert sum(rel.endswith(".json") for rel in staged) == 2
    again = pipeline.normalize_flow(root=str(tmp_path / "second"))
    assert again == {"up_to_date": 2}


def test_cli_import_text_and_sql_work_on_the_urls(synced, tmp_path, monkeypatch, capsys):
    """Commands outside the stages sync too: ``import-text`` archives into the raw URL, ``sql``
    queries the warehouse at its URL from a machine that has no working copy yet."""
    from flows.cli import main

    first, _ = synced
    for key, url in _urls(tmp_path).items():
        monkeypatch.setenv(f"FAZHI_{key.upper()}", url)
    monkeypatch.setenv("FAZHI_ROOT", str(tmp_path / "elsewhere"))
    capture = tmp_path / "page.txt"
    capture.write_text("关于2022年法治政府建设情况的报告\n一、主要工作\n受理复议案件518件。", encoding="utf-8")
    remote_manifest = tmp_path / "remote" / "raw" / "manifest.jsonl"
    rows_before = remote_manifest.read_text(encoding="utf-8").count("\n")
    assert main(["import-text", "dev-d04", str(capture), "--note", "tests: storage sync"]) == 0
    assert remote_manifest.read_text(encoding="utf-8").count("\n") == rows_before + 1
    assert main(["sql", "select count(*) as n from documents", "--format", "csv"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "2"


def test_an_empty_archive_url_is_seeded_from_the_roots_own_raw_and_said_so(tmp_path, corpus_dir):
    """Issue 21: `fazhi fetch --offline` with FAZHI_RAW_URL at an empty location used to stop with
    "registry file not found" although the root's raw/ was right there."""
    plain = build_corpus_root(tmp_path / "root", corpus_dir, DOCS)
    settings = replace(plain, raw_url=(tmp_path / "remote" / "raw").as_uri()).with_root(plain.root)
    assert settings.raw_dir == plain.root / storage.CACHE_DIR / "raw"
    lines = []
    assert stages.fetch_stage(settings, offline=True, progress=lines.append)["offline"] == 2
    assert any("is empty; seeding it from" in line and str(plain.raw_dir) in line for line in lines)
    assert tree(tmp_path / "remote" / "raw") == tree(plain.raw_dir)  # registry, manifest, objects
    # Seeded once: a second machine starts from the URL alone, and the seed is not copied again.
    lines.clear()
    assert stages.fetch_stage(settings, offline=True, progress=lines.append)["offline"] == 2
    assert not any("seeding" in line for line in lines)
    other = replace(settings).with_root(tmp_path / "other")
    assert stages.normalize_stage(other, workers=1)["parsed"] == 2
