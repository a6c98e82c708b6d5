"""A batch of archived snapshots parsed and staged: the unit of work of normalize.

This module is what a normalize worker process imports (a spawned pool worker, a Dask worker): it
pulls in the parser, the archive and staging, and nothing of load, publish or Prefect.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flows.core.config import Settings
from flows.fetch.archive import Archive
from flows.normalize.document import ParseInput, parse_snapshot
from flows.normalize.staging import write_staged


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


def normalize_batch(settings: Settings, items: list[NormalizeItem]) -> dict:
    """Parse a batch of snapshots and stage the results. Never raises for a bad page."""
    archive = Archive(settings.raw_dir)
    counts: Counter = Counter()
    for item in items:
        data = archive.read(item.snapshot_sha256, item.content_type)
        parent = item.parent
        parent_data = archive.read(parent.snapshot_sha256, parent.content_type) if parent is not None else None
        result = parse_snapshot(item.parse_input(data, parent_data))
        write_staged(settings.warehouse_dir, result.staged())
        counts["parsed"] += 1
        counts["documents"] += result.document is not None
        counts["reports"] += bool(result.document and result.document["is_report"])
        counts["sections"] += len(result.sections)
        counts["metrics"] += len(result.metrics)
        counts["quarantined"] += len(result.quarantine)
    return dict(counts)
