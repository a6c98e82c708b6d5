#!/bin/bash
# CPU and wall seconds of the plain fetch (offline) / normalize / load stages on the 1,000-document
# synthetic corpus, for the checkout CHECKOUT (default: this one), run with this project's venv.
# Compare two checkouts by alternating them in one window (timings move with the machine's load):
#   for i in 1 2 3; do bench/stage_cpu.sh /path/to/old; bench/stage_cpu.sh; done
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$(cd "${1:-$HERE}" && pwd)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
cat > "$OUT/stages.py" <<PY
import resource, time
from pathlib import Path

def cpu():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

def main():
    import synthetic
    try:
        from flows.core.config import load_settings
    except ImportError:  # checkouts before the stage subpackages
        from flows.config import load_settings
    from flows import stages
    root = Path("$OUT/root")
    root.mkdir()
    synthetic.write_archive(root, synthetic.SyntheticCorpus.of_size(1000, seed=0))
    settings = load_settings().with_root(root)
    run = {"run_id": "x" * 32, "started_at": "2026-01-01T00:00:00+00:00", "code_version": "bench"}
    out = {}
    for name, call in [
        ("fetch", lambda: stages.fetch_stage(settings, offline=True)),
        ("normalize", lambda: stages.normalize_stage(settings)),
        ("load", lambda: stages.load_stage(settings, run=run)),
    ]:
        c, w = cpu(), time.perf_counter()
        call()
        out[name] = f"{cpu() - c:.2f} s CPU / {time.perf_counter() - w:.2f} s wall"
    print("$SRC", out)

if __name__ == "__main__":
    main()
PY
cd "$SRC" && PYTHONPATH="$SRC:$SRC/bench" "$HERE/.venv/bin/python" "$OUT/stages.py"
