"""A batch of archived snapshots parsed and staged: the unit of work of normalize.

This module is what a normalize worker process imports (a spawned pool worker, a Dask worker): it
pulls in the parser, the archive and staging, and nothing of load, publish or Prefect.

Two ways to run a batch: ``normalize_batch`` where the worker shares the flow's disk (threads, a
local process pool: it reads the working copy of ``raw/`` and writes the staged files itself), and
``parse_batch`` + ``stage_batch`` where it may not (a Dask worker on another machine: it reads the
snapshots through the storage roots and hands the staged files' bytes back to the flow, which
writes them; no path of the flow's machine is used on the worker).
"""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flows.core.config import Settings
from flows.core.errors import UserError
from flows.fetch.archive import Archive, read_objects_at
from flows.normalize.document import ParseInput, ParseResult, parse_snapshot
from flows.normalize.staging import encode_staged, write_staged, write_staged_payload


@dataclass(frozen=True)
class ParentPage:
    """The page that linked an attachment snapshot (its archived snapshot)."""

    snapshot_sha256: str
    url: str | None
    content_type: str | None
    encoding: str | None


@dataclass(frozen=True)
class NormalizeItem:
    """One snapshot to parse: what the plan knows of it before its bytes are read."""

    doc_id: str
    source_id: str
    snapshot_sha256: str
    url: str | None
    content_type: str | None
    encoding: str | None
    issuer_hint: str | None
    region_hint: str | None
    report_year_hint: int | None
    is_synthetic: bool
    parent: ParentPage | None = None  # an attachment's linking page

    def parse_input(self, data: bytes, parent_data: bytes | None = None) -> ParseInput:
        return ParseInput(
            data=data,
            source_id=self.source_id,
            snapshot_sha256=self.snapshot_sha256,
            url=self.url,
            content_type=self.content_type,
            encoding=self.encoding,
            issuer_hint=self.issuer_hint,
            region_hint=self.region_hint,
            report_year_hint=self.report_year_hint,
            is_synthetic=self.is_synthetic,
            parent=None
            if self.parent is None or parent_data is None
            else ParseInput(
                data=parent_data,
                source_id=self.source_id,
                snapshot_sha256=self.parent.snapshot_sha256,
                url=self.parent.url,
                content_type=self.parent.content_type,
                encoding=self.parent.encoding,
            ),
        )


def _count(counts: Counter, result: ParseResult) -> None:
    counts["parsed"] += 1
    counts["documents"] += result.document is not None
    counts["reports"] += bool(result.document and result.document["is_report"])
    counts["sections"] += len(result.sections)
    counts["metrics"] += len(result.metrics)
    counts["quarantined"] += len(result.quarantine)


def _parsed(items: list[NormalizeItem], read) -> Iterator[ParseResult]:
    """Each item parsed, with its linking page when it is an attachment; ``read(sha256, content_type)``
    gives a snapshot's bytes."""
    for item in items:
        parent = item.parent
        parent_data = read(parent.snapshot_sha256, parent.content_type) if parent is not None else None
        yield parse_snapshot(item.parse_input(read(item.snapshot_sha256, item.content_type), parent_data))


def normalize_batch(settings: Settings, items: list[NormalizeItem]) -> dict:
    """Parse a batch of snapshots and stage the results. Never raises for a bad page."""
    archive = Archive(settings.raw_dir)
    counts: Counter = Counter()
    for result in _parsed(items, archive.read):
        write_staged(settings.warehouse_dir, result.staged())
        _count(counts, result)
    return dict(counts)


@dataclass(frozen=True)
class StagedBatch:
    """What ``parse_batch`` hands back: the counts, and each staged file as ``(doc_id,
    parser_version, bytes)`` (the bytes ``write_staged`` would have written)."""

    counts: dict
    staged: list[tuple[str, str, bytes]] = field(default_factory=list)


def read_snapshots(settings: Settings, items: list[NormalizeItem]) -> dict[str, bytes]:
    """``sha256 -> bytes`` of the items' snapshots, read through the storage roots: from
    ``FAZHI_RAW_URL`` when the archive has one, else from ``raw/`` on a disk this machine must share
    with the flow's (same path)."""
    wanted = [(item.snapshot_sha256, item.content_type) for item in items]
    wanted += [(item.parent.snapshot_sha256, item.parent.content_type) for item in items if item.parent is not None]
    host = socket.gethostname()
    if settings.raw_url:
        try:
            return read_objects_at(settings.raw_url, wanted)
        except (OSError, UserError) as exc:
            raise UserError(f"on {host}: reading the archive at FAZHI_RAW_URL={settings.raw_url}: {exc}") from None
    raw_dir = Path(settings.raw_dir)
    if not raw_dir.is_dir():
        raise UserError(
            f"on {host}: the archive {raw_dir} of the flow's machine is not here; give the workers the "
            f"archive through FAZHI_RAW_URL (object storage or a shared file:// URL, docs/DISTRIBUTED.md)"
        )
    archive = Archive(raw_dir)
    return {sha: archive.read(sha, content_type) for sha, content_type in wanted}


def parse_batch(settings: Settings, items: list[NormalizeItem]) -> StagedBatch:
    """Parse a batch read through the storage roots and return what to stage (writes nothing)."""
    snapshots = read_snapshots(settings, items)
    counts: Counter = Counter()
    staged = []
    for result in _parsed(items, lambda sha256, _content_type: snapshots[sha256]):
        record = result.staged()
        staged.append((record["doc_id"], record["parser_version"], encode_staged(record)))
        _count(counts, result)
    return StagedBatch(counts=dict(counts), staged=staged)


def stage_batch(warehouse_dir: Path, batch: StagedBatch) -> dict:
    """Write a ``parse_batch`` result into this machine's warehouse; returns its counts."""
    for doc_id, parser_version, payload in batch.staged:
        write_staged_payload(warehouse_dir, doc_id, parser_version, payload)
    return batch.counts
