"""Normalize on a real Dask cluster with 1, 2 and 4 worker processes; writes bench/RESULTS-distributed.md.

    nice -n 10 .venv/bin/python bench/scaling.py --documents 10000 [--workers 1,2,4] [--batch-size 100]

The synthetic corpus (bench/synthetic.py) is written once and put at a ``file://`` archive URL
(``FAZHI_RAW_URL``), the way a cluster of machines shares it. One ``prefect server start`` serves
every run (``PREFECT_API_URL``). For each worker count N: a fresh ``dask scheduler`` and ``dask
worker --nworkers N --nthreads 1`` (separate processes, their own empty folders and ``FAZHI_ROOT``),
then, in a fresh process, the ``normalize`` flow with ``--runner dask --address``: the working copy of
raw/ is pulled first (not timed), then the flow is timed (plan, batches on the workers, staged files
written by the flow). The workers import Prefect's task engine and the parser before the timed run
(long-running workers pay that once, not per run). For comparison, the same flow on the default runner (threads + a local process
pool, one worker per CPU) and the plain ``normalize_stage`` in one process. Every run's staged files
are digested: the runs must agree byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(PROJECT_DIR)]

import processes  # noqa: E402  (bench/processes.py: prefect server, dask scheduler and workers)
import run as bench  # noqa: E402  (bench/run.py: machine_info)

RESULTS_PATH = BENCH_DIR / "RESULTS-distributed.md"
BIN = Path(sys.executable).parent


def _staged_digest(warehouse: Path) -> tuple[str, int]:
    digest, count = hashlib.sha256(), 0
    for path in sorted((warehouse / "staging").rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            digest.update(path.relative_to(warehouse).as_posix().encode() + b"\0" + path.read_bytes())
            count += 1
    return digest.hexdigest(), count


# -- the child: one timed normalize in a fresh process ---------------------------------------------


def child(args) -> dict:
    from flows.core import storage
    from flows.core.config import load_settings

    settings = load_settings()
    storage.pull(settings, "raw")  # the working copy of raw/ (not timed: the same for every runner)
    if args.mode == "plain":
        from flows import stages

        start = time.perf_counter()
        counts = stages.normalize_stage(settings, batch_size=args.batch_size, workers=1)
    else:
        from flows.pipeline import normalize_flow

        runner = "default" if args.mode == "default" else "dask"
        start = time.perf_counter()
        counts = normalize_flow(batch_size=args.batch_size, runner=runner, dask_address=args.address)
    wall = time.perf_counter() - start
    digest, files = _staged_digest(settings.warehouse_dir)
    # CPU of this process and of the pool processes it reaped (the default runner's); the Prefect
    # server and Dask workers are other processes.
    cpu = sum(_cpu_s(resource.getrusage(who)) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {"wall_s": wall, "cpu_s": cpu, "counts": counts, "staged_sha256": digest, "staged_files": files}


def _cpu_s(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def run_child(mode: str, root: Path, env: dict, args, address: str | None = None) -> dict:
    out = root / "result.json"
    cmd = [sys.executable, __file__, "--child", mode, "--json", str(out), "--batch-size", str(args.batch_size)]
    if address:
        cmd += ["--address", address]
    proc = subprocess.run(cmd, env={**env, "FAZHI_ROOT": str(root)}, cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return json.loads(out.read_text())


# -- the parent -------------------------------------------------------------------------------------


def with_cluster(workers: int, work: Path, env: dict, fn):
    """``fn(address)`` with a dask scheduler and ``workers`` single-threaded worker processes running."""
    from distributed import Client

    scheduler, address = processes.start_scheduler(work / "scheduler", env)
    folder = work / "workers"
    worker_env = {k: v for k, v in env.items() if not k.startswith("FAZHI_")} | {"FAZHI_ROOT": str(folder)}
    pool = processes.start(processes.worker_command(address, nworkers=workers), folder, worker_env)
    try:
        with Client(address, timeout=120) as client:
            client.wait_for_workers(workers, timeout=300)
            # Workers are long-running: their one-time imports (Prefect's task engine, the parser)
            # are done before the timed run, as they would be on a cluster that served earlier runs.
            for module in ("prefect.task_engine", "prefect_dask", "flows.normalize.batch"):
                client.run(importlib.import_module, module)
            before = client.run(resource.getrusage, resource.RUSAGE_SELF)
            result = fn(address)
            after = client.run(resource.getrusage, resource.RUSAGE_SELF)
        result["workers_cpu_s"] = sum(_cpu_s(after[w]) - _cpu_s(before[w]) for w in after if w in before)
        return result
    finally:
        processes.stop(pool)
        processes.stop(scheduler)


def render(info: dict, args, results: dict, load_end: list[float]) -> str:
    base = results["dask-1"]["wall_s"]
    docs = results["plain"]["counts"].get("parsed", 0)
    lines = [
        "# Distributed normalize: 1, 2 and 4 Dask worker processes",
        "",
        f"Written by `bench/scaling.py` on {info['date']} at commit `{info['commit']}`: "
        f"**{docs:,} synthetic documents** (seed {args.seed}), batch size {args.batch_size}, "
        f"{'under `nice -n ' + str(args.nice) + '`' if args.nice else 'not niced'}.",
        "",
        f"- Machine: {info['cpu_model']}, {info['cpus']} logical CPUs, {info['ram_gb']} GB RAM; Python {info['python']}",
        f"- Load average at the start: {info['load_average_at_start']}, at the end: {load_end} "
        "(the machine is shared with other jobs: absolute times are pessimistic, and so is the curve)",
        "- Archive at a `file://` URL; one `prefect server start` for every run; each Dask run a fresh "
        "`dask scheduler` + `dask worker --nworkers N --nthreads 1` in their own folders, warmed up "
        "(Prefect and the parser imported) before the timed run; everything on this one machine",
        "",
        "| runner | worker processes | normalize flow s | docs/s | speed-up vs 1 Dask worker "
        "| CPU s: flow process / Dask workers | CPUs kept busy | staged files identical |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    reference = results["plain"]["staged_sha256"]
    for key, label, n in [
        ("plain", "plain `normalize_stage`, no Prefect", 1),
        ("default", "Prefect flow, default runner (local process pool)", info["cpus"]),
        *[(f"dask-{n}", "Prefect flow, `--runner dask --address`", n) for n in args.workers],
    ]:
        row = results.get(key)
        if row is None:
            continue
        wall = row["wall_s"]
        same = "yes" if row["staged_sha256"] == reference else "**NO**"
        speedup = f"{base / wall:.2f}x" if key.startswith("dask") else "—"
        workers_cpu = row.get("workers_cpu_s")
        cpu = f"{row['cpu_s']:.1f} / " + (f"{workers_cpu:.1f}" if workers_cpu is not None else "—")
        busy = (row["cpu_s"] + (workers_cpu or 0)) / wall
        lines.append(f"| {label} | {n} | {wall:.1f} | {docs / wall:.1f} | {speedup} | {cpu} | {busy:.2f} | {same} |")
    lines += [
        "",
        "CPU s: user + system time of the flow's process (with the local pool's processes for the plain "
        "and default rows) and, for the Dask rows, of the worker processes during the timed run. CPUs kept "
        "busy = all of it / wall time: at most the number of CPUs, less when other jobs take them.",
        "",
        "Counts (each run): " + json.dumps(results["plain"]["counts"], sort_keys=True),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--nice", type=int, default=0, help="the niceness this run was started with (reported)")
    parser.add_argument("--workdir")
    parser.add_argument("--output", default=str(RESULTS_PATH))
    parser.add_argument("--notes", help="a markdown file appended to the results (analysis of the run)")
    parser.add_argument("--child", choices=["plain", "default", "dask"], help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.mode = args.child
        Path(args.json).write_text(json.dumps(child(args)))
        return 0
    args.workers = [int(n) for n in args.workers.split(",")]

    import synthetic

    say = lambda message: print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)  # noqa: E731
    info = bench.machine_info()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="fazhi-dist-bench-"))
    store = work / "store" / "raw"
    say(f"generating {args.documents} documents into {store}")
    synthetic.write_archive(store.parent, synthetic.SyntheticCorpus.of_size(args.documents, seed=args.seed))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FAZHI_"))}
    env.update(
        FAZHI_RAW_URL=store.as_uri(),
        PREFECT_HOME=str(work / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    results: dict = {}
    try:
        with processes.prefect_server(work / "prefect-server-home", env, ui=True) as (api_url, _):
            env["PREFECT_API_URL"] = api_url
            for mode in ("plain", "default"):
                say(mode)
                results[mode] = run_child(mode, _fresh(work / mode), env, args)
                say(f"{mode}: {results[mode]['wall_s']:.1f} s")
            for n in args.workers:
                say(f"dask, {n} worker process(es)")
                root = _fresh(work / f"dask-{n}")
                results[f"dask-{n}"] = with_cluster(
                    n,
                    work / f"cluster-{n}",
                    env,
                    lambda address, root=root: run_child("dask", root, env, args, address),
                )
                say(f"dask-{n}: {results[f'dask-{n}']['wall_s']:.1f} s")
    finally:
        (work / "results.json").write_text(json.dumps({"info": info, "results": results}, indent=1))
    load_end = [round(x, 2) for x in os.getloadavg()]
    notes = "\n" + Path(args.notes).read_text(encoding="utf-8") if args.notes else ""
    Path(args.output).write_text(render(info, args, results, load_end) + notes, encoding="utf-8")
    say(f"wrote {args.output}; work directory {work}")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _fresh(root: Path) -> Path:
    root.mkdir(parents=True)
    return root


if __name__ == "__main__":
    sys.exit(main())
