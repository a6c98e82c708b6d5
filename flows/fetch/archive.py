"""The immutable ``raw/`` archive: content-addressed objects plus an append-only manifest.

* ``raw/objects/<first 2 hex>/<sha256>.<ext>``: the bytes of every snapshot, exactly as received.
  The name comes from the bytes' hash and the extension from the content type, never from a url
  or page text. Written to a temporary file in the same directory, fsynced, then renamed into
  place, so a reader never sees half an object; an existing object is never rewritten.
* ``raw/manifest.jsonl``: one JSON row per fetch attempt (``schemas/fetch.schema.json``). A row is
  appended only once its object is on disk, as a single write of one newline-terminated line,
  fsynced. A row counts only when its newline is there: a torn last line (power loss, a killed
  process) is reported and ignored by readers and cut off before the next append.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from flows.core import contracts, layout, storage
from flows.core.atomic import TEMP_PREFIX, fsync_dir
from flows.core.crash_points import crash_point
from flows.core.errors import FazhiError

log = logging.getLogger(__name__)


_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

CAPTURED_TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"

_EXTENSIONS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "txt",
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/ofd": "ofd",
}


class ArchiveError(FazhiError, RuntimeError):
    """The archive is inconsistent (a manifest line that is not a row, a missing object)."""


def media_type(content_type: str | None) -> str:
    """``text/html; charset=gbk`` -> ``text/html``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def extension_for(content_type: str | None) -> str:
    return _EXTENSIONS.get(media_type(content_type), "bin")


def utc_now() -> str:
    """Now as the manifest writes it: UTC, microseconds, ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fetch_id(source_id: str, fetched_at: str, url: str) -> str:
    return hashlib.sha256(f"{source_id}\n{fetched_at}\n{url}".encode()).hexdigest()[:16]


def iter_manifest(path: Path, torn: list[str]) -> Iterator[dict]:
    """The rows of a manifest file one at a time, never all in memory (50,000 rows hold ~150 MB as
    dicts). A torn (unterminated) last line, left by an interrupted append, is not parsed but appended
    to ``torn``. Lines end at ``\n`` only: a row's text may hold other line separators (U+2028). Rows
    written before attachments were fetched get ``parent_sha256`` null."""
    with Path(path).open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                torn.append(raw.decode("utf-8", errors="replace"))
                return
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                reason = error.msg if isinstance(error, json.JSONDecodeError) else "not UTF-8"
                raise ArchiveError(f"{path}: line {number} is not JSON: {reason}") from None
            if not isinstance(row, dict):
                raise ArchiveError(f"{path}: line {number} is not a JSON object")
            row.setdefault("parent_sha256", None)  # rows from before attachments were fetched
            yield row


class ManifestRows:
    """The manifest's rows read from disk on every pass, never all held in memory (the load's handle,
    like ``StagedFiles``)."""

    def __init__(self, archive: Archive):
        self.archive = archive

    def __iter__(self) -> Iterator[dict]:
        return self.archive.iter_rows()


class Archive:
    """The archive under ``raw_dir`` (objects and manifest). Safe to share between threads."""

    def __init__(self, raw_dir: str | os.PathLike, manifest_name: str = layout.MANIFEST):
        self.raw_dir = Path(raw_dir)
        self.objects_dir = self.raw_dir / layout.OBJECTS
        self.manifest_path = self.raw_dir / manifest_name  # discovery keeps its listing pages' rows apart
        self._append_lock = threading.Lock()

    def create(self) -> None:
        """An empty archive: the objects folder and an empty manifest (an existing one is kept)."""
        self.objects_dir.mkdir(parents=True, exist_ok=True)
        self.manifest_path.touch(exist_ok=True)

    # objects

    def _shard(self, sha256: str) -> Path:
        if not isinstance(sha256, str) or not _SHA256_RE.match(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.objects_dir / sha256[:2]

    def find_object(self, sha256: str) -> Path | None:
        shard = self._shard(sha256)
        if not shard.is_dir():
            return None
        for path in sorted(shard.glob(f"{sha256}.*")):
            return path
        return None

    def object_path(self, sha256: str) -> Path:
        """Where the object with this digest is stored; FileNotFoundError if it is not."""
        path = self.find_object(sha256)
        if path is None:
            raise FileNotFoundError(f"no object {sha256} in {self.objects_dir}")
        return path

    def read(self, sha256: str, content_type: str | None = None) -> bytes:
        """The object's bytes. ``content_type`` (the manifest row's) names the file directly; without
        it, or when the object was stored under another extension, the shard is searched."""
        if content_type is not None:
            try:
                return (self._shard(sha256) / f"{sha256}.{extension_for(content_type)}").read_bytes()
            except FileNotFoundError:
                pass
        return self.object_path(sha256).read_bytes()

    def put(self, data: bytes, content_type: str | None) -> tuple[str, Path]:
        """Store ``data`` unchanged; returns its sha256 and path. Storing bytes that are already
        there (under any extension) writes nothing."""
        sha256 = hashlib.sha256(data).hexdigest()
        existing = self.find_object(sha256)
        if existing is not None:
            return sha256, existing
        shard = self._shard(sha256)
        shard.mkdir(parents=True, exist_ok=True)
        final = shard / f"{sha256}.{extension_for(content_type)}"
        fd, temp_name = tempfile.mkstemp(dir=shard, prefix=TEMP_PREFIX, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp_name, 0o444)
            crash_point("archive-object")
            # Same digest means same bytes, so a concurrent writer's rename is harmless.
            os.replace(temp_name, final)
        except BaseException:
            try:
                os.unlink(temp_name)
            except FileNotFoundError:
                pass
            raise
        fsync_dir(shard)
        return sha256, final

    def stale_temp_files(self) -> list[Path]:
        """Temporary files left by writes that were killed before their rename."""
        if not self.objects_dir.is_dir():
            return []
        return sorted(self.objects_dir.glob(f"*/{TEMP_PREFIX}*"))

    def remove_stale_temp_files(self) -> int:
        """Delete leftovers of interrupted writes (never referenced by any row). Call only when no
        other process is writing to this archive."""
        stale = self.stale_temp_files()
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    # manifest

    def append(self, row: dict) -> None:
        """Append one validated row; its snapshot object must already be stored. A row without
        ``parent_sha256`` (a writer from before attachments) gets it as null."""
        if "parent_sha256" not in row:
            row = {**row, "parent_sha256": None}
        contracts.validate(row, "fetch")
        if row["snapshot_sha256"] is not None and self.find_object(row["snapshot_sha256"]) is None:
            raise ArchiveError(f"row {row['fetch_id']}: object {row['snapshot_sha256']} is not stored")
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        crash_point("manifest-append")  # the object is stored, its row not yet written
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        with self._append_lock:
            fd = os.open(self.manifest_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._cut_torn_tail(fd)
                written = os.write(fd, line)
                if written != len(line):
                    raise ArchiveError(f"short write to {self.manifest_path}: {written} of {len(line)} bytes")
                os.fsync(fd)
            finally:
                os.close(fd)  # closing releases the lock

    def _cut_torn_tail(self, fd: int) -> None:
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return
        keep = os.pread(fd, size, 0).rfind(b"\n") + 1  # rare: only after an interrupted append
        log.warning(
            "%s: cutting a torn last line of %d bytes left by an interrupted append", self.manifest_path, size - keep
        )
        os.ftruncate(fd, keep)

    def rows(self) -> list[dict]:
        """Every committed manifest row in append order. A torn last line is logged and skipped."""
        return list(self.iter_rows())

    def iter_rows(self) -> Iterator[dict]:
        """``rows`` one at a time (``iter_manifest``); a missing manifest has none, a torn last line
        is logged and skipped."""
        torn: list[str] = []
        try:
            yield from iter_manifest(self.manifest_path, torn)
        except FileNotFoundError:
            return
        if torn:
            log.warning(
                "%s: ignoring a torn last line (%d characters) left by an interrupted append",
                self.manifest_path,
                len(torn[0]),
            )

    def latest_snapshot(self, source_id: str, rows: list[dict] | None = None) -> dict | None:
        """The latest row of ``source_id`` that names a snapshot, or None."""
        for row in reversed(self.rows() if rows is None else rows):
            if row.get("source_id") == source_id and row.get("snapshot_sha256"):
                return row
        return None

    def latest_snapshots(self, rows: list[dict] | None = None, *, pages_only: bool = False) -> dict[str, dict]:
        """``source_id`` -> its latest row that names a snapshot, in one pass over the manifest
        (asking ``latest_snapshot`` per source would read the manifest once per source).
        ``pages_only``: rows of the source's own url, not of attachments (``parent_sha256``)."""
        latest: dict[str, dict] = {}
        for row in self.rows() if rows is None else rows:
            if row.get("snapshot_sha256") and not (pages_only and row.get("parent_sha256")):
                latest[row["source_id"]] = row
        return latest

    def current_snapshots(self, rows: list[dict] | None = None) -> dict[str, dict]:
        """``source_id`` -> the snapshot that stands for the source: the latest snapshot of its own
        url, or, when that page linked the report as an attachment that was archived, the latest
        snapshot of that attachment (even when a later refetch of the attachment failed)."""
        rows = self.rows() if rows is None else rows
        pages = self.latest_snapshots(rows, pages_only=True)
        children: dict[tuple[str, str], dict] = {}
        for row in rows:
            if row.get("snapshot_sha256") and row.get("parent_sha256"):
                children[(row["source_id"], row["parent_sha256"])] = row
        return {
            source_id: children.get((source_id, page["snapshot_sha256"]), page) for source_id, page in pages.items()
        }


def read_objects_at(raw_url: str, wanted: list[tuple[str, str | None]]) -> dict[str, bytes]:
    """``sha256 -> bytes`` of archived objects read straight from the archive at ``raw_url``
    (``FAZHI_RAW_URL``), not from a working copy: how a machine that does not hold the flow's disk
    (a Dask worker) reads snapshots. ``wanted``: ``(sha256, content_type)`` pairs, the content type
    naming the file as in ``Archive.read``. One ``cat`` call for all of them (object stores fetch
    them concurrently); an object stored under another extension is looked for in its shard."""
    fs, root = storage.filesystem(raw_url, "FAZHI_RAW_URL")
    root = root.rstrip("/")

    def shard(sha256: str) -> str:
        if not isinstance(sha256, str) or not _SHA256_RE.match(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return f"{root}/{layout.OBJECTS}/{sha256[:2]}"

    paths = {sha: f"{shard(sha)}/{sha}.{extension_for(content_type)}" for sha, content_type in wanted}
    found = fs.cat(sorted(set(paths.values())), on_error="return") if paths else {}
    objects: dict[str, bytes] = {}
    for sha, path in paths.items():
        data = found.get(path)
        if not isinstance(data, bytes):
            others = sorted(fs.glob(f"{shard(sha)}/{sha}.*"))
            if not others:
                raise FileNotFoundError(f"no object {sha} in {raw_url.rstrip('/')}/{layout.OBJECTS}")
            data = fs.cat_file(others[0])
        objects[sha] = data
    return objects


def import_captured_text(
    archive: Archive,
    source: dict,
    path_or_bytes: str | os.PathLike | bytes,
    fetched_at: str | None = None,
    *,
    note: str,
) -> dict:
    """Archive a hand-captured UTF-8 text as the snapshot of ``source``'s url; returns the row.

    ``note`` (who imported the text and why) is recorded in the row: a captured text is not a fetched
    page, and releases say so. Outcome ``unchanged`` when the same bytes are already the source's
    latest snapshot (the row, with its note, is appended all the same)."""
    note = (note or "").strip()
    if not note:
        raise ValueError(f"captured text for {source['source_id']}: a note is required (who imports it and why)")
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"captured text for {source['source_id']} is not UTF-8 (byte {error.start})") from None
    fetched_at = fetched_at or utc_now()
    previous = archive.latest_snapshot(source["source_id"])
    sha256, _ = archive.put(data, CAPTURED_TEXT_CONTENT_TYPE)
    row = {
        "fetch_id": fetch_id(source["source_id"], fetched_at, source["url"]),
        "source_id": source["source_id"],
        "url": source["url"],
        "final_url": source["url"],
        "fetched_at": fetched_at,
        "http_status": None,
        "content_type": CAPTURED_TEXT_CONTENT_TYPE,
        "etag": None,
        "last_modified": None,
        "encoding": "utf-8",
        "encoding_source": "declared-capture",
        "snapshot_sha256": sha256,
        "bytes": len(data),
        "outcome": "unchanged" if previous and previous["snapshot_sha256"] == sha256 else "new",
        "error": None,
        "is_captured_text": True,
        "note": note,
        "parent_sha256": None,
        "response_headers": None,
    }
    archive.append(row)
    return row
