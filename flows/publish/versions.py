"""Release versions on disk: which exist, which is next, their checksums and the ``latest.json`` pointers.

Versions are ``<report_year>.<n>`` (``2022.1``, ``2022.2``, ...), one immutable directory each under
``releases/<year>/``: the name alone says which year and which revision, even for a copied file.
A hidden ``.tmp-*`` directory (a publish in progress, or killed) is never a version.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from flows.core import layout
from flows.core.atomic import TEMP_PREFIX, write_atomic
from flows.publish.model import sha256_hex

_VERSION_RE = re.compile(r"^(\d{4})\.(\d+)$")


def render_sums(files: dict[str, bytes]) -> bytes:
    """``sha256sum`` format (two spaces, text mode), sorted by file name: ``sha256sum -c SHA256SUMS``."""
    return "".join(f"{sha256_hex(data)}  {name}\n" for name, data in sorted(files.items())).encode("ascii")


def read_sums(release_dir: Path) -> dict[str, str]:
    sums = {}
    for line in (release_dir / layout.CHECKSUMS).read_text(encoding="ascii").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    return sums


def csv_hashes(release_dir: Path) -> dict[str, str]:
    """The sha256 of each CSV of a published release (from its SHA256SUMS)."""
    return {name: digest for name, digest in read_sums(release_dir).items() if name.endswith(".csv")}


def versions(year_dir: Path) -> list[str]:
    """Published versions of a year, oldest first (hidden temp directories are not versions)."""
    if not year_dir.is_dir():
        return []
    found = []
    for child in year_dir.iterdir():
        match = _VERSION_RE.match(child.name)
        if child.is_dir() and match and match.group(1) == year_dir.name:
            found.append((int(match.group(2)), child.name))
    return [name for _, name in sorted(found)]


def latest_version(year_dir: Path) -> str | None:
    found = versions(year_dir)
    return found[-1] if found else None


def next_version(year: int, previous: str | None) -> str:
    if previous is None:
        return f"{year}.1"
    return f"{year}.{int(previous.split('.')[1]) + 1}"


def pointer(release_dir: Path, releases_dir: Path) -> dict:
    """What a ``latest.json`` says of a version: where it is, when it was made, its content digest."""
    package = json.loads((release_dir / "datapackage.json").read_text(encoding="utf-8"))
    return {
        "report_year": package["x-report-year"],
        "version": package["version"],
        "path": release_dir.relative_to(releases_dir).as_posix() + "/",
        "datapackage": release_dir.relative_to(releases_dir).as_posix() + "/datapackage.json",
        "created": package["created"],
        "content_sha256": package["x-content-sha256"],
    }


def write_year_pointer(year_dir: Path, release_dir: Path, releases_dir: Path) -> None:
    """``releases/<year>/latest.json``: the year's newest version."""
    write_json_atomic(year_dir / layout.LATEST, pointer(release_dir, releases_dir))


def write_latest_pointer(releases_dir: Path) -> None:
    """``releases/latest.json``: the newest version of every year; top level = the latest report year's."""
    years = {}
    for year_dir in sorted(p for p in releases_dir.iterdir() if p.is_dir() and p.name.isdigit()):
        version = latest_version(year_dir)
        if version:
            years[year_dir.name] = pointer(year_dir / version, releases_dir)
    if not years:
        return
    newest = years[max(years, key=int)]
    write_json_atomic(releases_dir / layout.LATEST, {**newest, "years": years})


def write_json_atomic(path: Path, payload: dict) -> None:
    write_atomic(path, (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), mode=0o644)


def remove_stale_temp_dirs(directory: Path) -> None:
    """Left by a killed publish; safe to remove because publishes hold the lock."""
    for child in directory.glob(TEMP_PREFIX + "*"):
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
