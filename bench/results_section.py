"""One marked section of bench/RESULTS.md, written in place by the script that measures it.

Each side script (discover.py, population.py, duplicates.py, parse_speed.py, registry_read.py) owns the text between
``<!-- NAME:begin -->`` and ``<!-- NAME:end -->``; ``run.py`` keeps those sections when it rewrites the
rest of the file."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"


def short_commit(checkout: Path) -> str:
    out = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def written_when() -> str:
    """``on <UTC time> (Python x.y.z, load average a, b, c)``: when and under what a section was measured."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"on {stamp} (Python {platform.python_version()}, load average {load})"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


def write_section(name: str, section: str, path: Path = RESULTS_PATH) -> None:
    """Replace section ``name`` of ``path`` by ``section`` (which holds its own markers), or append it."""
    begin, end = markers(name)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
