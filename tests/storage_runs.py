"""What the storage tests share: the four stages run plainly, and the synced files of a folder."""

from __future__ import annotations

from pathlib import Path

from flows import stages
from flows.core import storage


def tree(directory: Path) -> dict[str, bytes]:
    """The synced files under ``directory`` (no locks, temp files or sync state) and their bytes."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and storage.is_synced(path.relative_to(directory).as_posix())
    }


def run_all(settings) -> dict:
    """fetch (offline), normalize, load and publish on ``settings``, with each stage's counts."""
    return {
        "fetch": stages.fetch_stage(settings, offline=True),
        "normalize": stages.normalize_stage(settings, workers=1),
        "load": stages.load_stage(settings, run={"run_id": f"run-{settings.root.name}"}),
        "publish": stages.publish_stage(settings),
    }
