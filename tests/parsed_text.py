"""A captured text parsed as normalize parses a fetched plain-text page (for the tests of page kinds)."""

from __future__ import annotations

import hashlib

from flows.normalize.document import ParseInput, parse_snapshot


def parse_text(text: str, url: str | None = None) -> dict:
    """The document record of ``text`` served as UTF-8 text/plain from ``url``."""
    data = text.encode("utf-8")
    result = parse_snapshot(
        ParseInput(
            data=data,
            source_id="kinds",
            snapshot_sha256=hashlib.sha256(data).hexdigest(),
            url=url,
            content_type="text/plain; charset=utf-8",
            encoding="utf-8",
        )
    )
    assert result.document is not None, result.quarantine
    return result.document
