"""Every file and folder name under the storage roots, in one place.

The three roots (``raw/``, ``warehouse/``, ``releases/``) are owned by their stages, but a name is
spelled here once: the stage that writes a file and every reader (storage sync, the CLI, tests) take
it from this module, so a rename cannot leave a reader behind.
"""

from __future__ import annotations

# raw/: the immutable archive (fetch)
REGISTRY = "sources.yaml"  # the human registry of what to fetch
MANIFEST = "manifest.jsonl"  # one row per fetch attempt, append-only
OBJECTS = "objects"  # content-addressed snapshots (paths: fetch.archive)
LISTINGS = "listings.yaml"  # the human registry of listing pages to discover reports on
DISCOVERED = "sources.discovered.yaml"  # sources found by discovery (machine-written; read after REGISTRY)
REVIEW = "discovery.review.yaml"  # discovery's uncertain candidates and the decisions taken on them
LISTINGS_MANIFEST = "listings.manifest.jsonl"  # one row per fetch of a listing page or robots.txt

# warehouse/: everything rebuilt from raw/ (normalize, load)
STAGING = "staging"  # one JSON file per normalized document (paths: normalize.staging)
PARQUET = "parquet"  # parquet/<table>/...
DATABASE = "fazhi.duckdb"  # the analysts' warehouse
LOAD_FINGERPRINT = ".load-inputs.json"  # digest of what the last load read (the no-change fast path)
RUN_LOCK = ".fazhi.lock"  # one run at a time per warehouse

# releases/: published versions, never rewritten (publish)
LATEST = "latest.json"  # newest version of every year (also releases/<year>/latest.json)
CHECKSUMS = "SHA256SUMS"
RELEASE_PARQUET = "parquet"  # <version>/parquet/<table>.parquet: every release table also as Parquet
INDEX_PAGE = "index.html"
# Beside releases/, in its parent (the project root by default), never inside the public tree that
# people copy to a portal: ``<releases>/../.releases.publish.lock``.
PUBLISH_LOCK = ".releases.publish.lock"
LEGACY_PUBLISH_LOCK = ".publish.lock"  # where older versions kept it, inside releases/ (removed on publish)
