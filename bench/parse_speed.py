"""Parse speed: CPU time of ``fazhi parse``'s work (``parse_snapshot``) on synthetic HTML pages, optionally
against another checkout of the project, alternating the two in fresh processes and keeping the best
of each (a shared machine's load only ever adds time).

    .venv/bin/python bench/parse_speed.py --pages 1000 [--against /path/to/other/checkout] [--rounds 4] [--write]

Prints one row per checkout: CPU seconds for the pages (best round) and ms per page; with ``--against``
also the ratio this checkout / the other. ``--write`` puts the table into RESULTS.md between its
``<!-- parse:begin -->`` markers (``bench/run.py`` keeps the section when it rewrites the file). Pages are made by ``synthetic.py`` (seed 0) and written once to
a temporary directory so both checkouts parse the same bytes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import results_section  # bench/ is the script's own directory, first on sys.path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent

_CHILD = r"""
import glob, hashlib, json, sys, time
sys.path.insert(0, sys.argv[1])
from flows.normalize.document import ParseInput, parse_snapshot
datas = [open(f, "rb").read() for f in sorted(glob.glob(sys.argv[2] + "/*.html"))]
started = time.process_time()
for data in datas:
    parse_snapshot(ParseInput(data=data, source_id="bench", snapshot_sha256=hashlib.sha256(data).hexdigest(),
                              content_type="text/html"))
print(json.dumps({"cpu_s": time.process_time() - started, "pages": len(datas)}))
"""


def write_pages(directory: Path, count: int) -> None:
    sys.path.insert(0, str(HERE))
    import synthetic  # bench/ is not a package; see bench/README.md

    corpus = synthetic.SyntheticCorpus.of_size(count, seed=0)
    for index, page in zip(range(count), corpus.pages()):
        (directory / f"p{index:05d}.html").write_bytes(page.data)


def measure(checkout: Path, pages: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(checkout), str(pages)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["cpu_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--against", type=Path, help="another checkout of the project to compare with")
    parser.add_argument("--write", action="store_true", help="write the table into RESULTS.md")
    args = parser.parse_args()
    checkouts = [PROJECT] + ([args.against.resolve()] if args.against else [])
    with tempfile.TemporaryDirectory() as tmp:
        write_pages(Path(tmp), args.pages)
        best = {checkout: float("inf") for checkout in checkouts}
        for _ in range(args.rounds):
            for checkout in checkouts:
                best[checkout] = min(best[checkout], measure(checkout, Path(tmp)))
    rows = [(checkout, best[checkout]) for checkout in checkouts]
    for checkout, seconds in rows:
        print(f"{checkout}: {seconds:.2f} s CPU for {args.pages} pages, {1000 * seconds / args.pages:.1f} ms/page")
    if args.against:
        print(f"ratio this / against: {best[PROJECT] / best[checkouts[1]]:.3f}")
    if args.write:
        write_section(rows, args)


def write_section(rows: list[tuple[Path, float]], args) -> None:
    results = HERE / "RESULTS.md"
    lines = [
        "<!-- parse:begin -->",
        "## Parse speed (`parse_snapshot`, what `fazhi parse` runs per page)",
        "",
        f"Written by `bench/parse_speed.py` {results_section.written_when()}; "
        f"{args.pages} synthetic HTML pages, best of {args.rounds} rounds in fresh processes, CPU time.",
        "",
        "| checkout | commit | CPU s | ms/page |",
        "| --- | --- | ---: | ---: |",
    ]
    for checkout, seconds in rows:
        label = "this" if checkout == PROJECT else "against"
        lines.append(
            f"| {label} | `{results_section.short_commit(checkout)}` | {seconds:.2f} | {1000 * seconds / args.pages:.1f} |"
        )
    if len(rows) == 2:
        lines += ["", f"Ratio this / against: {rows[0][1] / rows[1][1]:.3f}."]
    lines.append("<!-- parse:end -->")
    results_section.write_section("parse", "\n".join(lines), results)


if __name__ == "__main__":
    main()
