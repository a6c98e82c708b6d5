import hashlib
import json
import logging
import subprocess
import sys
import textwrap

import pytest

from flows.core.config import PROJECT_DIR
from flows.core.contracts import SchemaError, errors
from flows.fetch.archive import Archive, ArchiveError, ManifestRows, fetch_id, import_captured_text, iter_manifest
from flows.fetch.registry import load_registry

SEED_TEXT = PROJECT_DIR / "tests/fixtures/corpus/seed/chaoyang-2022.txt"
SOURCE = {"source_id": "demo-2023", "url": "https://example.org/report.html"}


def error_row(source_id="demo-2023", fetched_at="2024-01-01T00:00:00Z", **fields):
    row = {
        "fetch_id": fetch_id(source_id, fetched_at, SOURCE["url"]),
        "source_id": source_id,
        "url": SOURCE["url"],
        "final_url": None,
        "fetched_at": fetched_at,
        "http_status": None,
        "content_type": None,
        "etag": None,
        "last_modified": None,
        "encoding": None,
        "encoding_source": None,
        "snapshot_sha256": None,
        "bytes": None,
        "outcome": "error",
        "error": "connect timed out",
        "is_captured_text": False,
        "parent_sha256": None,
        "response_headers": None,
    }
    row.update(fields)
    return row


@pytest.mark.parametrize(
    "content_type, ext",
    [
        ("text/html; charset=GBK", "html"),
        ("application/xhtml+xml", "html"),
        ("text/plain", "txt"),
        ("application/pdf", "pdf"),
        ("application/msword", "doc"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        ("image/png", "bin"),
        (None, "bin"),
    ],
)
def test_put_stores_bytes_unchanged_under_their_digest(tmp_path, content_type, ext):
    archive = Archive(tmp_path)
    data = b"\xef\xbb\xbf<html>\r\n\x00bytes as served" + ext.encode()
    sha256, path = archive.put(data, content_type)
    assert sha256 == hashlib.sha256(data).hexdigest()
    assert path == tmp_path / "objects" / sha256[:2] / f"{sha256}.{ext}"
    assert path.read_bytes() == data
    assert archive.read(sha256) == data
    assert archive.read(sha256, content_type) == data  # straight to the file the type names
    assert archive.read(sha256, "application/x-other") == data  # another type: the shard is searched
    assert archive.object_path(sha256) == path


def test_existing_object_is_never_rewritten(tmp_path):
    archive = Archive(tmp_path)
    sha256, path = archive.put(b"<html>same</html>", "text/html")
    before = path.stat()
    again, again_path = archive.put(b"<html>same</html>", "text/plain")  # another type, same bytes
    assert (again, again_path) == (sha256, path)
    assert path.stat().st_ino == before.st_ino and path.stat().st_mtime_ns == before.st_mtime_ns
    assert [p.name for p in (tmp_path / "objects").rglob("*") if p.is_file()] == [path.name]


def test_object_path_refuses_names_that_are_not_digests(tmp_path):
    archive = Archive(tmp_path)
    with pytest.raises(ValueError):
        archive.object_path("../../etc/passwd")
    with pytest.raises(FileNotFoundError):
        archive.object_path("0" * 64)


def test_append_validates_and_requires_the_object(tmp_path):
    archive = Archive(tmp_path)
    with pytest.raises(SchemaError, match="outcome"):
        archive.append(error_row(outcome="broken"))
    with pytest.raises(ArchiveError, match="is not stored"):
        archive.append(error_row(outcome="new", error=None, snapshot_sha256="a" * 64, bytes=3))
    assert not archive.manifest_path.exists()
    archive.append(error_row())
    lines = archive.manifest_path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [error_row()]


def test_latest_snapshot_skips_error_rows(tmp_path):
    archive = Archive(tmp_path)
    first = import_captured_text(archive, SOURCE, "第一版".encode(), fetched_at="2024-01-01T00:00:00Z", note="t")
    second = import_captured_text(archive, SOURCE, "第二版".encode(), fetched_at="2024-01-02T00:00:00Z", note="t")
    archive.append(error_row(fetched_at="2024-01-03T00:00:00Z"))
    assert first["snapshot_sha256"] != second["snapshot_sha256"]
    assert archive.latest_snapshot("demo-2023") == second
    assert archive.latest_snapshot("other") is None
    assert [row["outcome"] for row in archive.rows()] == ["new", "new", "error"]


def test_torn_last_line_is_reported_then_cut_before_the_next_append(tmp_path, caplog):
    archive = Archive(tmp_path)
    archive.append(error_row(fetched_at="2024-01-01T00:00:00Z"))
    with archive.manifest_path.open("ab") as handle:
        handle.write(b'{"fetch_id": "0123')  # a write interrupted mid-line
    with caplog.at_level(logging.WARNING, logger="flows.fetch.archive"):
        rows = archive.rows()
    assert [row["fetched_at"] for row in rows] == ["2024-01-01T00:00:00Z"]
    assert "torn last line" in caplog.text
    torn: list[str] = []
    assert len(list(iter_manifest(archive.manifest_path, torn))) == 1 and torn == ['{"fetch_id": "0123']

    archive.append(error_row(fetched_at="2024-01-02T00:00:00Z"))
    lines = archive.manifest_path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3
    assert [json.loads(line)["fetched_at"] for line in lines[:-1]] == ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"]


def test_corrupt_line_in_the_middle_is_an_error_naming_the_line(tmp_path):
    archive = Archive(tmp_path)
    archive.manifest_path.write_text(json.dumps(error_row()) + "\nnot json\n" + json.dumps(error_row()) + "\n")
    with pytest.raises(ArchiveError, match="line 2 is not JSON"):
        archive.rows()


def test_a_row_holding_other_line_separators_reads_back_whole(tmp_path):
    # rows are written with ensure_ascii=False, so U+2028 and friends stay raw inside a line: only \n
    # ends one (reading by str.splitlines cut such a row in two and refused the whole manifest)
    archive = Archive(tmp_path)
    error = "连接被重置\u2028retry\u2029\x1c\x85"
    archive.append(error_row(error=error))
    archive.append(error_row(fetched_at="2024-01-02T00:00:00Z"))
    assert [row["error"] for row in archive.rows()] == [error, "connect timed out"]
    assert list(archive.iter_rows()) == archive.rows()


def test_a_line_that_is_not_utf8_is_an_error_naming_the_line(tmp_path):
    archive = Archive(tmp_path)
    archive.manifest_path.write_bytes(json.dumps(error_row()).encode() + b'\n{"error": "\xff"}\n')
    with pytest.raises(ArchiveError, match="line 2 is not JSON: not UTF-8"):
        archive.rows()


def test_manifest_rows_reads_the_file_on_every_pass(tmp_path):
    archive = Archive(tmp_path)
    rows = ManifestRows(archive)
    assert list(rows) == []  # no manifest yet
    archive.append(error_row())
    assert [row["fetched_at"] for row in rows] == ["2024-01-01T00:00:00Z"]
    archive.append(error_row(fetched_at="2024-01-02T00:00:00Z"))
    assert [row["fetched_at"] for row in rows] == ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"]


def test_killed_write_leaves_no_object_and_no_row(tmp_path):
    data = b"<html>" + b"x" * 1_000_000 + b"</html>"
    sha256 = hashlib.sha256(data).hexdigest()
    # The child stops inside put() after writing the temp file but before the rename, and is killed there.
    child = textwrap.dedent("""
        import os, sys, time
        from flows.fetch.archive import Archive
        def stall(fd):
            print("writing", flush=True)
            time.sleep(60)
        os.fsync = stall
        Archive(sys.argv[1]).put(b"<html>" + b"x" * 1_000_000 + b"</html>", "text/html")
    """)
    process = subprocess.Popen([sys.executable, "-c", child, str(tmp_path)], stdout=subprocess.PIPE, cwd=PROJECT_DIR)
    try:
        assert process.stdout.readline() == b"writing\n"
    finally:
        process.kill()
        process.wait(timeout=10)
    archive = Archive(tmp_path)
    assert archive.find_object(sha256) is None
    assert archive.rows() == []
    assert len(archive.stale_temp_files()) == 1
    assert archive.remove_stale_temp_files() == 1
    assert archive.stale_temp_files() == []
    stored, path = archive.put(data, "text/html")
    assert stored == sha256 and path.read_bytes() == data


def test_import_captured_text_new_then_unchanged(tmp_path):
    archive = Archive(tmp_path)
    row = import_captured_text(archive, SOURCE, SEED_TEXT, fetched_at="2023-03-07T00:00:00Z", note="张三: page gone")
    data = SEED_TEXT.read_bytes()
    assert row["outcome"] == "new"
    assert row["snapshot_sha256"] == hashlib.sha256(data).hexdigest()
    assert row["bytes"] == len(data)
    assert (row["content_type"], row["encoding"], row["encoding_source"]) == (
        "text/plain; charset=utf-8",
        "utf-8",
        "declared-capture",
    )
    assert row["is_captured_text"] is True and row["http_status"] is None and row["note"] == "张三: page gone"
    assert row["fetch_id"] == fetch_id("demo-2023", "2023-03-07T00:00:00Z", SOURCE["url"])
    assert archive.object_path(row["snapshot_sha256"]).suffix == ".txt"
    assert archive.read(row["snapshot_sha256"]) == data

    again = import_captured_text(archive, SOURCE, data, note="李四: checked again")
    assert again["outcome"] == "unchanged" and again["snapshot_sha256"] == row["snapshot_sha256"]
    assert len(archive.rows()) == 2 and archive.rows()[-1]["note"] == "李四: checked again"
    with pytest.raises(ValueError, match="not UTF-8"):
        import_captured_text(archive, SOURCE, "报告".encode("gbk"), note="t")
    with pytest.raises(ValueError, match="a note is required"):
        import_captured_text(archive, SOURCE, data, note="  ")


def test_committed_archive_holds_the_seed_text_deterministically():
    archive = Archive(PROJECT_DIR / "raw")
    (source,) = load_registry(PROJECT_DIR / "raw" / "sources.yaml")
    rows = archive.rows()
    assert all(errors(row, "fetch") == [] for row in rows)
    snapshot = archive.latest_snapshot("chaoyang-2022")
    data = SEED_TEXT.read_bytes()
    assert snapshot["snapshot_sha256"] == hashlib.sha256(data).hexdigest()
    assert archive.read(snapshot["snapshot_sha256"]) == data
    assert snapshot["url"] == source["url"]
    assert snapshot["fetched_at"] == "2023-03-07T00:00:00Z"
    assert snapshot["is_captured_text"] is True and snapshot["outcome"] == "new"
    assert archive.stale_temp_files() == []
