"""Reading the registry: CPU time and memory of ``registry.strict_yaml`` (YAML built from the parser's
events, ``flows/core/yaml_stream.py``) against PyYAML's loader composing the whole node graph (what
``strict_yaml`` did before), on the synthetic corpus's ``sources.yaml``.

    .venv/bin/python bench/registry_read.py --sources 50000 [--rounds 3] [--write]

Each way runs in a fresh process, the rounds alternated, the best CPU kept (a shared machine's load
only ever adds time). Memory: the process's resident size after the read and a garbage collection
minus before it (what stays for the rest of a command: the registry and whatever the read left
behind), and the peak during the read, sampled every 20 ms. ``--write`` puts the table into RESULTS.md
between its ``<!-- registry:begin -->`` markers.
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
import gc, json, sys, threading, time
import psutil, yaml
sys.path.insert(0, sys.argv[1])
from flows.fetch import registry
text = open(sys.argv[2], encoding="utf-8").read()
process = psutil.Process()
gc.collect()
before = process.memory_info().rss
peak = [before]
def sample():
    while True:
        peak[0] = max(peak[0], process.memory_info().rss)
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
started = time.process_time()
if sys.argv[3] == "events":
    document = registry.strict_yaml(text, "sources.yaml")
else:
    document = yaml.load(text, Loader=registry._StrictLoader)
cpu = time.process_time() - started
gc.collect()
after = process.memory_info().rss
peak[0] = max(peak[0], after)
print(json.dumps({"cpu_s": cpu, "entries": len(document["sources"]), "kept_mb": (after - before) / 2**20,
                  "peak_mb": (peak[0] - before) / 2**20}))
"""

WAYS = {"events": "events (`yaml_stream`)", "loader": "PyYAML loader, node graph"}


def measure(registry_path: Path, way: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(PROJECT), str(registry_path), way],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write the table into RESULTS.md")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import synthetic  # bench/ is not a package; see bench/README.md

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sources.yaml"
        synthetic.write_registry(path, synthetic.SyntheticCorpus.of_size(args.sources, seed=0))
        size_mb = path.stat().st_size / 2**20
        best: dict[str, dict] = {}
        for _ in range(args.rounds):
            for way in WAYS:
                got = measure(path, way)
                if way not in best or got["cpu_s"] < best[way]["cpu_s"]:
                    best[way] = got
    for way, label in WAYS.items():
        got = best[way]
        print(
            f"{label}: {got['entries']} entries, {got['cpu_s']:.2f} s CPU, "
            f"{got['kept_mb']:.0f} MB kept, {got['peak_mb']:.0f} MB peak"
        )
    if args.write:
        write_section(best, args, size_mb)


def write_section(best: dict[str, dict], args, size_mb: float) -> None:
    lines = [
        "<!-- registry:begin -->",
        "## Reading the registry (`registry.strict_yaml`)",
        "",
        f"Written by `bench/registry_read.py` {results_section.written_when()} at "
        f"`{results_section.short_commit(PROJECT)}`; the synthetic corpus's `sources.yaml`, {args.sources:,} entries ({size_mb:.1f} MB), "
        f"best of {args.rounds} alternated rounds in fresh processes. Kept: resident size after the read minus "
        "before it; peak: during the read.",
        "",
        "| way | CPU s | kept MB | peak MB |",
        "| --- | ---: | ---: | ---: |",
    ]
    for way, label in WAYS.items():
        got = best[way]
        lines.append(f"| {label} | {got['cpu_s']:.2f} | {got['kept_mb']:.0f} | {got['peak_mb']:.0f} |")
    lines.append("<!-- registry:end -->")
    results_section.write_section("registry", "\n".join(lines))


if __name__ == "__main__":
    main()
