"""What discovery writes: the discovered registry and the review queue, both under ``raw/``.

* ``raw/sources.discovered.yaml``: accepted candidates as registry entries (``registry.py``'s format)
  with ``discovered_from`` and a ``discovery`` mapping (provenance: listing, listing page and its
  snapshot, link text, date beside the link, when it was found, how it was accepted). Written by the
  machine only; the hand-written ``raw/sources.yaml`` is never rewritten.
* ``raw/discovery.review.yaml``: every uncertain candidate with its status (``pending``,
  ``accepted``, ``rejected``) and when it was decided. A decided candidate stays in the file, so it is
  never asked about again.

Both are rewritten whole and atomically (temp file + rename) by the one run holding the run lock.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from flows.core import layout
from flows.core.atomic import write_atomic
from flows.fetch.registry import DISCOVERED_NAME, REGISTRY_NAME, load_registry, registry_entries, strict_yaml, url_key

REVIEW_NAME = layout.REVIEW
LISTING_MANIFEST_NAME = layout.LISTINGS_MANIFEST

_DISCOVERED_HEADER = """\
# Written by `fazhi discover` (and `fazhi accept`): sources found on the listings of raw/listings.yaml.
# Do not edit by hand: move an entry to raw/sources.yaml to change it (the hand-written entry wins).
# Each entry's `discovery` holds its provenance; the sources table keeps `discovered_from`.
"""
_REVIEW_HEADER = """\
# Written by `fazhi discover`: candidates the classifier was unsure of. Decide with
# `fazhi accept ID...` or `fazhi reject ID...`; a decided candidate is never asked about again.
"""


def candidate_id(url: str) -> str:
    """Stable short id of a candidate url (what `fazhi accept` takes)."""
    return hashlib.sha256(url_key(url).encode("utf-8")).hexdigest()[:10]


def source_id_for(listing_id: str, year: int | None, url: str) -> str:
    """``<listing_id>-<year>-<6 hex of the url>``: stable, unique, within the registry's slug rules."""
    stem = re.sub(r"-+$", "", listing_id[:50])
    return f"{stem}-{year if year else 'nd'}-{candidate_id(url)[:6]}"


@dataclass
class DiscoveryState:
    raw_dir: Path
    discovered: list[dict] = field(default_factory=list)  # entries of sources.discovered.yaml, as written
    review: list[dict] = field(default_factory=list)  # entries of discovery.review.yaml
    known: set[str] = field(default_factory=set)  # url keys in either registry or the review file
    source_ids: set[str] = field(default_factory=set)
    changed: bool = False

    @classmethod
    def read(cls, raw_dir: Path) -> DiscoveryState:
        raw_dir = Path(raw_dir)
        state = cls(raw_dir)
        registry = raw_dir / REGISTRY_NAME
        human = load_registry(registry) if registry.is_file() else []
        discovered_path = raw_dir / DISCOVERED_NAME
        if discovered_path.is_file():
            document = _read(discovered_path)
            registry_entries(document, str(discovered_path), provenance=True)  # validates; entries keep provenance
            state.discovered = _items(document, "sources")
        review_path = raw_dir / REVIEW_NAME
        state.review = _items(_read(review_path), "candidates") if review_path.is_file() else []
        for entry in [*human, *state.discovered]:
            state.known.add(url_key(entry["url"]))
            state.source_ids.add(entry["source_id"])
        state.known |= {url_key(entry["url"]) for entry in state.review}
        return state

    def is_known(self, url: str) -> bool:
        return url_key(url) in self.known

    def add_source(self, entry: dict) -> None:
        source_id = entry["source_id"]
        while source_id in self.source_ids:  # a 6-hex collision: lengthen from the candidate id
            source_id += candidate_id(entry["url"])[len(source_id) % 4]
        entry["source_id"] = source_id
        self.discovered.append(entry)
        self.source_ids.add(source_id)
        self.known.add(url_key(entry["url"]))
        self.changed = True

    def add_review(self, entry: dict) -> None:
        self.review.append(entry)
        self.known.add(url_key(entry["url"]))
        self.changed = True

    def pending(self) -> list[dict]:
        return [entry for entry in self.review if entry.get("status") == "pending"]

    def write(self) -> None:
        if not self.changed:
            return
        _write(self.raw_dir / DISCOVERED_NAME, _DISCOVERED_HEADER, {"sources": self.discovered})
        _write(self.raw_dir / REVIEW_NAME, _REVIEW_HEADER, {"candidates": self.review})
        self.changed = False


def _read(path: Path) -> object:
    return strict_yaml(path.read_text(encoding="utf-8"), str(path), strict=False)  # written by the machine


def _items(document: object, key: str) -> list[dict]:
    items = document.get(key) if isinstance(document, dict) else None
    return [item for item in items or [] if isinstance(item, dict)]


def _write(path: Path, header: str, document: dict) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body = yaml.dump(document, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1000)
    write_atomic(path, (header + body).encode("utf-8"), suffix=".yaml")
