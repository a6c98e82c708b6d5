"""Versioned CSV open-data releases, one series per report year.

Layout (``releases/`` is the public tree; everything in it can be served as static files)::

    releases/
      index.html                    the public index of every release (index_page.py)
      latest.json                   newest version of every year; top level = the most recent year's
      2022/
        latest.json                 newest version of 2022
        2022.1/  2022.2/  ...       one immutable directory per version
          documents.csv documents_text.csv sections.csv metrics.csv metric_catalog.csv metric_yoy.csv
          facts.csv                 the tidy file: one row per metric, everything on the row (facts.py)
          parquet/<table>.parquet   every table above also as Parquet
          datapackage.json README.md CHANGELOG.md SHA256SUMS

Why per year: users cite and compare "the 2022 reports"; a year's set keeps growing (late
publications, more sources) long after the year ends, so each year gets its own version series and
a new fetch for 2023 never re-versions 2022. Versions are ``<report_year>.<n>`` (``2022.1``,
``2022.2``, ...): the name alone says which year and which revision, even for a copied file.

Versions are immutable. A publish builds the whole release in ``releases/<year>/.tmp-*``, compares
the sha256 of its CSVs with the year's latest version and either discards it ("unchanged": same data
is never a new version, whatever the timestamps) or renames it into place as the next version (a
rename is atomic, so a killed publish leaves at most a hidden ``.tmp-*`` directory that the next
publish removes, never half a release). An existing version directory is never written again. One
publish at a time (the hidden lock file ``.releases.publish.lock`` beside ``releases/``, in its parent
directory: the releases tree holds only what is published, so it can be copied to a portal as is).

The CSV format, and how formula-like cells are handled: ``flows.publish.model``.

Only real data is published: if any document of the year, or its source, is synthetic the year is
refused with an error naming the documents, before anything is written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flows.core import layout
from flows.core.atomic import TEMP_PREFIX, fsync_dir
from flows.core.crash_points import crash_point
from flows.core.lock import hold
from flows.core.progress import Progress
from flows.publish.docs import render_documents
from flows.publish.index_page import write_index
from flows.publish.model import DOC_FILES, PublishError, render_csv, render_parquet, sha256_hex
from flows.publish.tables import (
    check_not_synthetic,
    connect,
    read_release_tables,
    release_facts,
    report_years,
    warehouse_db,
)
from flows.publish.versions import (
    csv_hashes,
    latest_version,
    next_version,
    remove_stale_temp_dirs,
    render_sums,
    write_latest_pointer,
    write_year_pointer,
)

# -- entry points -----------------------------------------------------------------------------------


def publish_years(
    *,
    warehouse_dir: Path,
    releases_dir: Path,
    years: list[int] | None = None,
    progress: Progress = None,
    created: datetime | None = None,
) -> dict:
    """Publish each report year (None: every year among report documents). Refuses before writing
    anything if any of the years holds synthetic data. Returns ``{"released", "release_unchanged",
    "releases": [per-year results]}``."""
    db_path = warehouse_db(warehouse_dir)
    wanted = publishable_years(warehouse_dir, years)
    releases_dir = Path(releases_dir)
    releases_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with _publish_lock(releases_dir):
        for year in wanted:
            results.append(_publish_year_locked(db_path, releases_dir, year, created, progress))
        write_index(releases_dir, warehouse_dir)
    return {
        "released": sum(r["status"] == "new" for r in results),
        "release_unchanged": sum(r["status"] == "unchanged" for r in results),
        "releases": results,
    }


def publishable_years(warehouse_dir: Path, years: list[int] | None = None) -> list[int]:
    """The years to publish (None: every year among report documents), or ``PublishError`` when
    there is no warehouse, a year has no report document or holds synthetic data. Reads only."""
    db_path = warehouse_db(warehouse_dir)
    with connect(db_path) as con:
        present = report_years(con)
        wanted = sorted(set(years)) if years else present
        missing = [y for y in wanted if y not in present]
        if missing:
            raise PublishError(
                f"no report documents for year(s) {', '.join(map(str, missing))} in {db_path} "
                f"(years present: {', '.join(map(str, present)) or 'none'})"
            )
        for year in wanted:
            check_not_synthetic(con, year)
    return wanted


def publish_year(
    year: int,
    *,
    warehouse_dir: Path,
    releases_dir: Path,
    progress: Progress = None,
    created: datetime | None = None,
) -> dict:
    """Publish one report year: ``{"report_year", "version", "path", "status": "new" | "unchanged",
    "previous_version"}``. ``path`` is the version's directory (the existing one when unchanged)."""
    db_path = warehouse_db(warehouse_dir)
    releases_dir = Path(releases_dir)
    releases_dir.mkdir(parents=True, exist_ok=True)
    with _publish_lock(releases_dir):
        result = _publish_year_locked(db_path, releases_dir, year, created, progress)
        write_index(releases_dir, warehouse_dir)
    return result


def _publish_year_locked(
    db_path: Path, releases_dir: Path, year: int, created: datetime | None, progress: Progress
) -> dict:
    created = (created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    year_dir = releases_dir / str(year)
    year_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_dirs(year_dir)
    with connect(db_path) as con:
        check_not_synthetic(con, year)
        tables = read_release_tables(con, year)
        if not tables[0].rows:
            raise PublishError(f"report year {year}: no report documents in {db_path}; nothing to publish")
        facts = release_facts(con, year, tables)

    csv_bytes = {t.file_name: render_csv(t) for t in tables}
    content = {name: sha256_hex(data) for name, data in csv_bytes.items()}
    previous = latest_version(year_dir)
    if previous is not None and csv_hashes(year_dir / previous) == content:
        if progress:
            progress(f"publish {year}: unchanged, still {previous}")
        write_year_pointer(year_dir, year_dir / previous, releases_dir)
        write_latest_pointer(releases_dir)
        return {
            "report_year": year,
            "version": previous,
            "path": str(year_dir / previous),
            "status": "unchanged",
            "previous_version": previous,
        }

    version = next_version(year, previous)
    final_dir = year_dir / version
    if final_dir.exists():  # never rewrite a version, even one latest.json does not know about
        raise PublishError(f"{final_dir} already exists; refusing to overwrite a published version")
    temp_dir = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=year_dir))
    try:
        for name, data in csv_bytes.items():
            (temp_dir / name).write_bytes(data)
            crash_point("publish-file")
        parquet_bytes = {f"{layout.RELEASE_PARQUET}/{t.name}.parquet": render_parquet(t) for t in tables}
        (temp_dir / layout.RELEASE_PARQUET).mkdir()
        for name, data in parquet_bytes.items():
            (temp_dir / name).write_bytes(data)
        previous_year_dir = releases_dir / str(year - 1)
        previous_year_version = latest_version(previous_year_dir)
        docs = render_documents(
            tables=tables,
            facts=facts,
            year=year,
            version=version,
            created=created,
            csv_bytes=csv_bytes,
            parquet_bytes=parquet_bytes,
            previous_dir=(year_dir / previous) if previous else None,
            previous_year_dir=(previous_year_dir / previous_year_version) if previous_year_version else None,
        )
        for name in DOC_FILES:
            (temp_dir / name).write_bytes(docs[name])
        (temp_dir / layout.CHECKSUMS).write_bytes(render_sums({**csv_bytes, **parquet_bytes, **docs}))
        _fsync_tree(temp_dir)
        os.rename(temp_dir, final_dir)
        fsync_dir(year_dir)
        crash_point("publish-rename")  # published, latest.json not yet updated
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    write_year_pointer(year_dir, final_dir, releases_dir)
    write_latest_pointer(releases_dir)
    if progress:
        progress(f"publish {year}: new version {version} ({len(tables[0].rows)} documents)")
    return {
        "report_year": year,
        "version": version,
        "path": str(final_dir),
        "status": "new",
        "previous_version": previous,
    }


# -- writing ---------------------------------------------------------------------------------------------


def _fsync_tree(directory: Path) -> None:
    for child in directory.iterdir():
        if child.is_dir():
            _fsync_tree(child)
            continue
        with child.open("rb") as handle:
            os.fsync(handle.fileno())
    os.chmod(directory, 0o755)
    fsync_dir(directory)


@contextmanager
def _publish_lock(releases_dir: Path) -> Iterator[None]:
    """One publish at a time per releases tree (``lock.hold``: a busy lock raises ``LockBusy`` naming
    its holder); the holder removes what a killed publish left at the top of the tree."""
    with hold(publish_lock_path(releases_dir)):
        remove_stale_temp_dirs(releases_dir)
        (releases_dir / layout.LEGACY_PUBLISH_LOCK).unlink(missing_ok=True)
        yield


def publish_lock_path(releases_dir: Path) -> Path:
    """The publish lock: beside the releases tree, never in it."""
    releases_dir = Path(releases_dir).resolve()
    return releases_dir.parent / layout.PUBLISH_LOCK
