"""What one load reads (``LoadInputs``), handed to it by its caller, and the digest of those inputs.

The load opens neither ``raw/`` nor the catalog nor the region tables itself: ``stages.load_stage``
reads them and passes them in. It passes the staged results as a handle (``StagedFiles``), read
again on each of the load's passes and never all held in memory.

The no-change fast path: ``inputs_fingerprint`` digests every file behind the inputs (their bytes,
or name, size and mtime for the staged files) with the schemas and the code version, and each load
records it (``warehouse/.load-inputs.json``, with its counts). When the caller finds the digest equal
to the last load's (``last_load``), it need not read anything else: the load keeps its tables and
only records the run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flows.core import layout
from flows.core.atomic import write_atomic
from flows.core.config import SCHEMAS_DIR
from flows.load.columns import TableSpec
from flows.load.parquet import PARTITIONED, parquet_files
from flows.load.specs import load_specs, schema_name
from flows.normalize.staging import iter_staged, staged_path, staging_dir


class StagedFiles:
    """The staged results under a warehouse, read from disk on every pass (doc_id order) and never
    all held in memory."""

    def __init__(self, warehouse_dir: Path):
        self.warehouse_dir = Path(warehouse_dir)

    def __iter__(self) -> Iterator[dict]:
        return iter_staged(self.warehouse_dir)


@dataclass(frozen=True)
class LastLoad:
    """What the warehouse recorded of its last successful load."""

    fingerprint: str
    counts: dict[str, int]


@dataclass
class LoadInputs:
    """Everything one load reads. ``fingerprint`` (``inputs_fingerprint``) is recorded with the load;
    when it equals ``previous.fingerprint`` the inputs are those of the last load (``unchanged``) and
    the other fields are not needed (a caller leaves them empty)."""

    staged: Iterable[dict] = ()  # StagedFiles (read again on each pass) or a list of staged results
    registry: list[dict] = field(default_factory=list)  # raw/sources.yaml, parsed
    fetches: Iterable[dict] = ()  # raw/manifest.jsonl rows in append order: ManifestRows (read on each pass) or a list
    catalog: list[dict] = field(default_factory=list)  # the metric catalog's rows
    region_table: Callable[[int | None], list[dict]] | None = None  # a report year's region code rows
    roster: Callable[[Iterable[int | None]], list[dict]] | None = None  # roster rows given the report years
    extra_quarantine: list[dict] = field(default_factory=list)
    # Staged results whose sections and metrics need no second validation: normalize validated
    # them against schema files that have not changed since (see ``staged_since_schemas``).
    prevalidated: set[str] = field(default_factory=set)
    fingerprint: str | None = None  # None: not recorded (the next load rebuilds whatever it reads)
    previous: LastLoad | None = None

    @property
    def unchanged(self) -> bool:
        return (
            self.fingerprint is not None and self.previous is not None and self.previous.fingerprint == self.fingerprint
        )


def staged_since_schemas(
    warehouse_dir: Path,
    staged: Iterable[dict] | None = None,
    specs: dict[str, TableSpec] | None = None,
    schemas_dir: Path | None = None,
) -> set[str]:
    """doc_ids of staged files (of ``staged``; None: every staged file, found by name without
    reading it) written after the last change to the section and metric schemas.

    Normalize validates every record before staging it, so such files need not be validated again
    (a second validation costs ~0.2 ms a record: minutes on a full corpus). A schema edited after a
    file was staged makes that file's records go through validation at load."""
    specs = load_specs() if specs is None else specs
    schemas_dir = Path(schemas_dir or SCHEMAS_DIR)
    stems = [schema_name(specs[t]) for t in ("sections", "metrics") if t in specs]
    newest_schema = max((schemas_dir / f"{stem}.schema.json").stat().st_mtime for stem in stems) if stems else 0
    root = staging_dir(Path(warehouse_dir))
    if staged is None:
        paths = [p for p in root.glob("*/*.json") if not p.name.startswith(".")] if root.is_dir() else []
    else:
        paths = [staged_path(Path(warehouse_dir), result["doc_id"]) for result in staged]
    return {path.stem for path in paths if path.is_file() and path.stat().st_mtime > newest_schema}


# -- the digest of the inputs ----------------------------------------------------------------------


def inputs_fingerprint(warehouse_dir: Path, files: Iterable[Path], *, code_version: str, allow_drop: bool) -> str:
    """A digest of everything a load reads: ``files`` (the registry, the manifest, the catalog, the
    region index: their bytes), the schemas, the staged files (name, size, mtime) and the code
    version. Equal digests mean a rebuild would write the same tables."""
    digest = hashlib.sha256(f"{code_version}\n{bool(allow_drop)}\n".encode())
    for path in [*files, *sorted(Path(SCHEMAS_DIR).glob("*.json"))]:
        path = Path(path)
        digest.update(f"{path.name}\n".encode())
        if path.is_file():
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    root = staging_dir(Path(warehouse_dir))
    for entry in sorted(root.glob("*/*.json")) if root.is_dir() else []:
        if not entry.name.startswith("."):
            stat = entry.stat()
            digest.update(f"{entry.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def last_load(warehouse_dir: Path, specs: dict[str, TableSpec] | None = None) -> LastLoad | None:
    """The fingerprint and counts of the last successful load, if the warehouse it built is complete."""
    warehouse_dir = Path(warehouse_dir)
    try:
        saved = json.loads((warehouse_dir / layout.LOAD_FINGERPRINT).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    specs = load_specs() if specs is None else specs
    parquet_dir = warehouse_dir / layout.PARQUET
    complete = (warehouse_dir / layout.DATABASE).is_file() and all(
        parquet_files(parquet_dir / name) for name in specs if name not in PARTITIONED
    )
    if not complete or not isinstance(saved, dict) or "fingerprint" not in saved:
        return None
    return LastLoad(fingerprint=saved["fingerprint"], counts=dict(saved.get("counts") or {}))


def forget_last_load(warehouse_dir: Path) -> None:
    """The tables are about to change: the recorded digest no longer describes them."""
    (Path(warehouse_dir) / layout.LOAD_FINGERPRINT).unlink(missing_ok=True)


def record_load(warehouse_dir: Path, fingerprint: str, counts: dict) -> None:
    payload = json.dumps({"fingerprint": fingerprint, "counts": counts}, sort_keys=True)
    write_atomic(Path(warehouse_dir) / layout.LOAD_FINGERPRINT, payload.encode("utf-8"), suffix=".json")
