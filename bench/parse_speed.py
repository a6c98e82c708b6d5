"""Parse speed: CPU time of ``fazhi parse``'s work (``parse_snapshot``) on synthetic HTML pages, optionally
against another checkout of the project, alternating the two in fresh processes and keeping the best
of each (a shared machine's load only ever adds time).

    .venv/bin/python bench/parse_speed.py --pages 1000 [--against /path/to/other/checkout] [--rounds 4]

Prints one row per checkout: CPU seconds for the pages (best round) and ms per page; with ``--against``
also the ratio this checkout / the other. Pages are made by ``synthetic.py`` (seed 0) and written once to
a temporary directory so both checkouts parse the same bytes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

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
    args = parser.parse_args()
    checkouts = [PROJECT] + ([args.against.resolve()] if args.against else [])
    with tempfile.TemporaryDirectory() as tmp:
        write_pages(Path(tmp), args.pages)
        best = {checkout: float("inf") for checkout in checkouts}
        for _ in range(args.rounds):
            for checkout in checkouts:
                best[checkout] = min(best[checkout], measure(checkout, Path(tmp)))
    for checkout in checkouts:
        print(
            f"{checkout}: {best[checkout]:.2f} s CPU for {args.pages} pages, {1000 * best[checkout] / args.pages:.1f} ms/page"
        )
    if args.against:
        print(f"ratio this / against: {best[PROJECT] / best[checkouts[1]]:.3f}")


if __name__ == "__main__":
    main()
