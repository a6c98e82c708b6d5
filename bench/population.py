"""Benchmark the population stages (issue 16) and write their section of bench/RESULTS.md.

Rows: the roster build (every government due to report, 2019 to the last code table, from the
shipped GB/T 2260 index, cold: the index read included). Target 2 s.

The section between the ``population`` markers of RESULTS.md is replaced; ``bench/run.py`` keeps it.

    .venv/bin/python bench/population.py [--no-write]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))

from results_section import markers, write_section  # noqa: E402  (bench/ is the script's directory)

BEGIN, END = markers("population")

_ROSTER_CHILD = """
import json, time
t0, c0 = time.perf_counter(), time.process_time()
from flows.normalize.roster import roster_rows
rows = roster_rows()
print(json.dumps({"rows": len(rows), "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}))
"""


def bench_roster() -> dict:
    """The roster build in a fresh interpreter (cold caches), imports included."""
    import json

    out = subprocess.run(
        [sys.executable, "-c", _ROSTER_CHILD], cwd=BENCH_DIR.parent, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def render(results: dict) -> str:
    load = os.getloadavg()
    lines = [
        BEGIN,
        "## Population (issue 16)",
        "",
        f"Load average at the run: {load[0]:.1f}. Wall time on the shared 2-core machine; CPU time is the process's own.",
        "",
        "| what | size | wall | CPU | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    roster = results["roster"]
    lines.append(
        f"| roster build (cold, imports included) | {roster['rows']:,} rows | {roster['wall']:.2f} s "
        f"| {roster['cpu']:.2f} s | ≤ 2 s |"
    )
    lines.append(END)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print the figures, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    section = render({"roster": bench_roster()})
    print(section)
    print(f"({time.perf_counter() - started:.1f} s)")
    if not args.no_write:
        write_section("population", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
