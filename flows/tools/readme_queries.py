"""Keeps the README's example queries honest: each ```text block that starts with ``$ fazhi sql "…"``
holds the query and its exact output on the embedded data.

``python -m flows.tools.readme_queries --write`` reruns them against the current warehouse and rewrites the
blocks; the tests rerun them against a warehouse built from the embedded raw/ and compare.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from flows.core import layout
from flows.core.config import PROJECT_DIR, load_settings
from flows.tools.sql import run_query

BLOCK_RE = re.compile(r"```text\n\$ fazhi sql \"(?P<query>.+?)\"\n(?P<output>.*?)```", re.S)


def blocks(readme: str) -> list[tuple[str, str]]:
    """(query, documented output) pairs, in README order."""
    return [(m["query"].replace('\\"', '"'), m["output"]) for m in BLOCK_RE.finditer(readme)]


def render(db_path: Path, readme: str) -> str:
    def replace(match: re.Match) -> str:
        query = match["query"].replace('\\"', '"')
        return f'```text\n$ fazhi sql "{match["query"]}"\n{run_query(db_path, query)}\n```'

    return BLOCK_RE.sub(replace, readme)


def main() -> int:
    readme_path = PROJECT_DIR / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    db = load_settings().warehouse_dir / layout.DATABASE
    updated = render(db, readme)
    if "--write" in sys.argv:
        readme_path.write_text(updated, encoding="utf-8")
        print(f"{readme_path}: {len(blocks(readme))} query blocks rewritten")
        return 0
    if updated != readme:
        print(
            f"{readme_path}: query outputs differ from the warehouse; run python -m flows.tools.readme_queries --write"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
