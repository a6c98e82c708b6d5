"""A data root whose raw/ archive holds the gold corpus reports as captured texts (real reports, not synthetic)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from flows.core.config import load_settings
from flows.fetch.archive import Archive, import_captured_text


def build_corpus_root(root: Path, corpus_dir: Path, names: list[str] | None = None) -> Settings:  # noqa: F821
    """Registry + archive for ``dev/<name>.json`` files (all of them when ``names`` is None)."""
    settings = load_settings().with_root(root)
    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    paths = sorted((corpus_dir / "dev").glob("*.json"))
    if names is not None:
        paths = [p for p in paths if p.stem in names]
    sources, texts = [], {}
    for path in paths:
        item = json.loads(path.read_text(encoding="utf-8"))
        source = {
            "source_id": f"dev-{path.stem}",
            "url": item["url"],
            "issuer": None,
            "region_hint": None,
            "report_year_hint": None,
            "notes": "gold corpus capture",
            "is_synthetic": False,
        }
        sources.append(source)
        texts[source["source_id"]] = item["text"].encode("utf-8")
    settings.registry_path.write_text(
        yaml.safe_dump({"sources": sources}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    archive = Archive(settings.raw_dir)
    for source in sources:
        import_captured_text(
            archive,
            source,
            texts[source["source_id"]],
            fetched_at="2024-01-01T00:00:00Z",
            note="tests: gold corpus text",
        )
    return settings
