"""Inputs of ``fazhi parse``: local files or urls already archived in raw/, parsed without writing anything."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

from flows.core.config import load_settings
from flows.core.errors import UserError
from flows.fetch.archive import Archive
from flows.fetch.registry import load_sources
from flows.normalize.document import ParseInput, parse_snapshot

SUFFIXES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",
    ".txt": "text/plain",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docm": "application/vnd.ms-word.document.macroEnabled.12",
    ".doc": "application/msword",
    ".wps": "application/kswps",
    ".ofd": "application/ofd",
}
ATTACHMENT_SUFFIXES = frozenset({".pdf", ".docx", ".docm", ".doc", ".wps", ".ofd"})
MAX_INPUT_BYTES = 50 * 1024 * 1024


def _is_url(name: str) -> bool:
    return name.startswith(("http://", "https://"))


def _file_input(name: str) -> ParseInput:
    path = Path(name)
    if not path.exists():
        raise ValueError("file not found")
    if not path.is_file():
        raise ValueError("not a regular file")
    content_type = SUFFIXES.get(path.suffix.lower())
    if content_type is None:
        raise ValueError(
            f"unsupported file type {path.suffix or '(none)'}: expected .html, .htm, .txt, .pdf, .docx or .ofd"
        )
    size = path.stat().st_size
    if size == 0:
        raise ValueError("file is empty")
    if size > MAX_INPUT_BYTES:
        raise ValueError(f"file is {size} bytes, over the {MAX_INPUT_BYTES // 2**20} MB limit")
    data = path.read_bytes()
    if (
        path.suffix.lower() not in ATTACHMENT_SUFFIXES
        and b"\x00" in data[:8192]
        and not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    ):
        raise ValueError("binary file (NUL bytes), not a web page or text")
    sha = hashlib.sha256(data).hexdigest()
    return ParseInput(
        data=data,
        source_id=f"file:{path.name}",
        snapshot_sha256=sha,
        url=None,
        content_type=content_type,
        name=path.name,
    )


def _url_input(url: str) -> ParseInput:
    settings = load_settings()
    archive = Archive(settings.raw_dir)
    rows = [r for r in archive.rows() if url in (r.get("url"), r.get("final_url")) and r.get("snapshot_sha256")]
    if not rows:
        raise ValueError(f"not archived in {settings.raw_dir}: add it to the registry and run `fazhi fetch` first")
    row = rows[-1]
    hints: dict = {}
    try:
        for source in load_sources(settings.registry_path):
            if source["source_id"] == row["source_id"]:
                hints = source
    except Exception:  # the registry only adds hints; parsing an archived url must not depend on it
        hints = {}
    return ParseInput(
        data=archive.read(row["snapshot_sha256"]),
        source_id=row["source_id"],
        snapshot_sha256=row["snapshot_sha256"],
        url=row.get("url"),
        content_type=row.get("content_type"),
        encoding=row.get("encoding"),
        issuer_hint=hints.get("issuer"),
        region_hint=hints.get("region_hint"),
        report_year_hint=hints.get("report_year_hint"),
        is_synthetic=bool(hints.get("is_synthetic")),
    )


def parse_inputs(names: list[str]) -> Iterator[tuple[str, dict | None, str | None]]:
    """(input as given, result object or None, one-line error or None), in input order."""
    for name in names:
        try:
            item = _url_input(name) if _is_url(name) else _file_input(name)
        except (ValueError, OSError, UserError) as exc:  # UserError: a url outside any project
            yield name, None, str(exc)
            continue
        result = parse_snapshot(item)
        if result.document is None:
            reasons = "; ".join(dict.fromkeys(q["reason"] for q in result.quarantine)) or "no document"
            yield name, None, f"could not be parsed: {reasons}"
            continue
        yield (
            name,
            {
                "input": name,
                "document": result.document,
                "sections": result.sections,
                "metrics": result.metrics,
            },
            None,
        )
        for row in result.quarantine:
            print(
                f"fazhi parse: {name}: quarantined {row['record_id'] or row['stage']}: {row['reason']}", file=sys.stderr
            )
