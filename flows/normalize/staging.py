"""Normalized results waiting to be loaded: one JSON file per document under ``warehouse/staging/``.

Normalize writes a document's records here (keyed by ``doc_id``, which is derived from the source and
the snapshot's sha256, so a new snapshot is a new file); load reads them. A file records the parser
version that made it, so an unchanged snapshot with the same parser is never parsed twice, and a new
parser version reprocesses everything.

A write goes to a hidden ``.tmp-*`` file first and is renamed into place; readers skip hidden files,
so a run killed between the two never shows a torn or doubled document, and the next normalize
(holding the run lock) removes the leftover. Staged files are not fsynced: everything here is rebuilt
from ``raw/``, and syncing each of 50,000 files costs more than reparsing the few a power cut could
tear. A file that does not read back as JSON is skipped with a warning and its version marker
removed, so the next normalize parses that snapshot again.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import orjson

from flows.core import layout
from flows.core.atomic import TEMP_PREFIX, write_atomic
from flows.core.crash_points import crash_point

log = logging.getLogger(__name__)


def staging_dir(warehouse_dir: Path) -> Path:
    return Path(warehouse_dir) / layout.STAGING


def _staged_stem(warehouse_dir: Path | str, doc_id: str) -> str:
    """The staged file's path without its suffix (``.json``, the version marker's ``.version``): a
    plain string, since ``is_staged`` asks it of every document on every run."""
    return os.path.join(warehouse_dir, layout.STAGING, doc_id[:2], doc_id)


def staged_path(warehouse_dir: Path, doc_id: str) -> Path:
    return Path(_staged_stem(warehouse_dir, doc_id) + ".json")


def write_staged(warehouse_dir: Path, result: dict) -> Path:
    """``result``: ``{"doc_id", "source_id", "parser_version", "document", "sections", "metrics",
    "quarantine"}``. Written atomically (temp file + rename) so a killed run leaves no torn file."""
    return write_staged_payload(warehouse_dir, result["doc_id"], result["parser_version"], encode_staged(result))


def encode_staged(result: dict) -> bytes:
    """The bytes of a staged file: the same result always gives the same bytes, wherever it is encoded."""
    return json.dumps(result, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def write_staged_payload(warehouse_dir: Path, doc_id: str, parser_version: str, payload: bytes) -> Path:
    """Stage ``payload`` (``encode_staged``'s bytes, perhaps made on another machine) for ``doc_id``."""
    path = staged_path(warehouse_dir, doc_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, payload, suffix=".json", fsync=False, before_rename=lambda: crash_point("staging-rename"))
    _write_version_marker(path, parser_version)
    return path


def _version_marker(path: Path) -> Path:
    return path.with_suffix(".version")


def _write_version_marker(path: Path, parser_version: str) -> None:
    """A few bytes beside the staged file naming the parser version that made it, so that asking
    "is this document up to date?" does not read and parse the whole file. Written after the file:
    a run killed in between leaves an old, torn or missing marker, and the document is simply parsed
    again (so the marker is written in place: a few bytes, no temp file)."""
    _version_marker(path).write_bytes(parser_version.encode("utf-8"))


def decode_staged(payload: bytes) -> dict:
    """A staged file's result. orjson: the same objects as ``json.loads`` in about 60 % of its time
    (the load reads every staged file twice; bench/RESULTS.md). Raises ``json.JSONDecodeError`` on
    bytes that are not UTF-8 JSON (orjson's error is a subclass)."""
    return orjson.loads(payload)


def read_staged(warehouse_dir: Path, doc_id: str) -> dict | None:
    try:
        return decode_staged(staged_path(warehouse_dir, doc_id).read_bytes())
    except FileNotFoundError:
        return None


def is_staged(warehouse_dir: Path, doc_id: str, parser_version: str) -> bool:
    """Whether ``doc_id`` is staged by ``parser_version`` (its marker says so and its file is there).
    Asked of every document on every run: plain strings, not ``Path`` objects (the no-change rerun of
    50,000 documents spent 2.8 of its 4.7 s here building paths); a marker that is not the version's
    bytes, torn or not UTF-8, is simply out of date."""
    base = _staged_stem(warehouse_dir, doc_id)
    try:
        with open(base + ".version", "rb") as handle:
            marker = handle.read()
    except FileNotFoundError:
        return False
    return marker == parser_version.encode("utf-8") and os.path.isfile(base + ".json")


def iter_staged(warehouse_dir: Path) -> Iterator[dict]:
    """Every staged result, in doc_id order (deterministic)."""
    root = staging_dir(warehouse_dir)
    if not root.is_dir():
        return
    for path in sorted(root.glob("*/*.json")):
        if path.name.startswith("."):  # a write in progress, or one a killed run left
            continue
        try:
            result = decode_staged(path.read_bytes())
        except json.JSONDecodeError as exc:
            log.warning("%s: not readable JSON (%s), skipped; the next normalize parses its snapshot again", path, exc)
            _version_marker(path).unlink(missing_ok=True)
            continue
        yield result


def remove_stale_temp_files(warehouse_dir: Path) -> int:
    """Delete temp files left by killed writes. Only while holding the run lock (no writer running)."""
    stale = list(staging_dir(warehouse_dir).glob(f"*/{TEMP_PREFIX}*"))
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)
