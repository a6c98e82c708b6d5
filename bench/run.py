"""Benchmark the pipeline on synthetic corpora and write bench/RESULTS.md.

    .venv/bin/python bench/run.py --sizes 1000,10000,50000

At each size: generate the corpus into an archive root (bench/synthetic.py), then, each measurement in
a fresh process so peak RSS belongs to it alone:

* plain: the stage functions (``flows.stages``) without Prefect: fetch (offline: the archive is already
  full), normalize, load; publish, which must refuse synthetic data; then the same stages again with
  nothing changed (the no-change rerun).
* etl: the Prefect ``etl`` flow (offline, no publish) over an identical copy of the archive.
* trivial: a one-task Prefect flow in a fresh process, for Prefect's fixed cost per command: cold (the
  runs' PREFECT_HOME is empty: database created), warm (reused: every etl run below starts warm), and
  against a long-running server (``PREFECT_API_URL``, as ``fazhi serve`` and a work pool run).
* floor: read + decode + selectolax parse of every page, the least any normalize can cost.
* fetch (``--fetch-size``): ``fetch_sources`` against the loopback ``SyntheticServer``.
* profile (``--profile-size``): cProfile of the normalize stage, top functions.

Peak RSS is sampled (psutil, every 50 ms) over the process and all its children (Prefect's ephemeral
server runs as a child), per stage; ``ru_maxrss`` of self and children is reported as a cross-check.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import platform
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(PROJECT_DIR)]

import processes  # noqa: E402  (bench/processes.py: prefect server start)

RESULTS_PATH = BENCH_DIR / "RESULTS.md"
PACKAGES = (
    "prefect",
    "duckdb",
    "pyarrow",
    "pandas",
    "jsonschema",
    "selectolax",
    "pyyaml",
    "httpx",
    "psutil",
)


# -- measuring ------------------------------------------------------------------------------------


class RssSampler:
    """Peak resident memory (this process + all descendants) per named stage, sampled in a thread."""

    def __init__(self, interval: float = 0.05):
        import psutil

        self._process = psutil.Process()
        self._psutil = psutil
        self.interval = interval
        self.stage = "start"
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> int:
        total = self._process.memory_info().rss
        for child in self._process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except self._psutil.Error:  # a child that just exited
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        total = self._total()
        if total > self.peaks.get(self.stage, 0):
            self.peaks[self.stage] = total

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _ru_maxrss_mb() -> dict:
    import resource

    # Linux reports ru_maxrss in KiB
    return {
        "self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _cpu_now() -> dict:
    """CPU seconds so far: this process, its children already reaped (a stage's worker pool, once
    shut down), and the live Prefect API server child, if any (the command's temporary server)."""
    import resource

    import psutil

    me, reaped = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"process_s": me.ru_utime + me.ru_stime, "workers_s": reaped.ru_utime + reaped.ru_stime}
    for child in psutil.Process().children(recursive=True):
        try:
            if "uvicorn" in " ".join(child.cmdline()):
                times = child.cpu_times()
                out["server_s"] = times.user + times.system
        except psutil.Error:  # a child that just exited
            pass
    return out


def _cpu_since(before: dict) -> dict:
    return {key: value - before.get(key, 0.0) for key, value in _cpu_now().items()}


class Timer:
    def __init__(self, sampler: RssSampler | None, results: dict):
        self.sampler, self.results = sampler, results

    def stage(self, name: str, fn, *args, **kwargs):
        if self.sampler:
            self.sampler.stage = name
            self.sampler.sample()
        start = time.perf_counter()
        error = None
        try:
            value = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - recorded; publish is expected to refuse
            value, error = None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        wall = time.perf_counter() - start
        if self.sampler:
            self.sampler.sample()
        self.results[name] = {"wall_s": wall, "counts": value if isinstance(value, dict) else None, "error": error}
        return value


def _settings(root: str):
    from flows.core.config import load_settings

    return load_settings().with_root(Path(root))


def _run_dict() -> dict:
    from flows import __version__
    from flows.normalize.document import PARSER_VERSION

    return {
        "run_id": os.urandom(16).hex(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": __version__,
        "parser_version": PARSER_VERSION,
    }


# -- child tasks (each runs in its own process) ---------------------------------------------------


def child_generate(args) -> dict:
    import synthetic

    results: dict = {}
    with RssSampler() as sampler:
        timer = Timer(sampler, results)
        corpus = timer.stage("issuers", synthetic.SyntheticCorpus.of_size, args.size, seed=args.seed)
        totals = timer.stage("generate", synthetic.write_archive, Path(args.root), corpus)
    results["totals"] = totals
    results["rss_peaks"] = sampler.peaks
    return results


def child_plain(args) -> dict:
    from flows import stages

    settings = _settings(args.root)
    results: dict = {}
    with RssSampler() as sampler:
        timer = Timer(sampler, results)
        before = _cpu_now()
        timer.stage("fetch", stages.fetch_stage, settings, offline=True)
        timer.stage("normalize", stages.normalize_stage, settings, batch_size=args.batch_size)
        timer.stage("load", stages.load_stage, settings, run=_run_dict())
        results["cpu"] = _cpu_since(before)
        timer.stage("publish", stages.publish_stage, settings)
        timer.stage("rerun_fetch", stages.fetch_stage, settings, offline=True)
        timer.stage("rerun_normalize", stages.normalize_stage, settings, batch_size=args.batch_size)
        timer.stage("rerun_load", stages.load_stage, settings, run=_run_dict())
    results["rss_peaks"] = sampler.peaks
    return results


@contextlib.contextmanager
def _as_a_command(timer: Timer):
    """What a flow command does before its flow (``cli._run_flow``): Prefect's environment, the
    temporary API server started first, Prefect imported while it starts; yields ``flows.pipeline``
    once the server answers (no server of its own with ``PREFECT_API_URL``)."""
    from flows.core.config import configure_prefect
    from flows.core.temporary_server import early_api_server, ready

    configure_prefect()
    with early_api_server() as server:
        pipeline = timer.stage("import", __import__, "flows.pipeline", fromlist=["etl_flow"])
        timer.stage("server_wait", ready, server)
        yield pipeline


def child_etl(args) -> dict:
    results: dict = {}
    with RssSampler() as sampler:
        timer = Timer(sampler, results)
        with _as_a_command(timer) as pipeline:
            before = _cpu_now()
            timer.stage(
                "etl", pipeline.etl_flow, root=args.root, offline=True, publish=False, batch_size=args.batch_size
            )
            results["cpu"] = _cpu_since(before)  # the server still runs: its CPU is read live
    results["rss_peaks"] = sampler.peaks
    return results


def child_trivial(args) -> dict:
    results: dict = {}
    timer = Timer(None, results)
    with _as_a_command(timer) as pipeline:

        @pipeline.task
        def one() -> int:
            return 1

        @pipeline.flow(name="bench-trivial")
        def trivial() -> int:
            return one()

        timer.stage("flow", trivial)
    return results


def child_floor(args) -> dict:
    from selectolax.lexbor import LexborHTMLParser

    from flows.fetch.archive import Archive

    archive = Archive(Path(args.root) / "raw")
    rows = archive.rows()
    start = time.perf_counter()
    chars = 0
    for row in rows:
        text = archive.read(row["snapshot_sha256"]).decode(row["encoding"])
        chars += len(LexborHTMLParser(text).body.text(separator="\n"))
    wall = time.perf_counter() - start
    return {"floor": {"wall_s": wall, "documents": len(rows), "text_chars": chars}}


def child_fetch(args) -> dict:
    import synthetic

    from flows.fetch.archive import Archive
    from flows.fetch.http import FetchOptions, fetch_sources
    from flows.fetch.registry import load_registry

    corpus = synthetic.SyntheticCorpus.of_size(args.size, seed=args.seed)
    raw = Path(args.root) / "raw"
    results: dict = {}
    with synthetic.SyntheticServer(corpus) as server, RssSampler() as sampler:
        synthetic.write_registry(raw / "sources.yaml", corpus, server.base_url)
        sources = load_registry(raw / "sources.yaml")
        archive = Archive(raw)
        options = FetchOptions(allow_private_addresses=True, per_host_delay=0.0)
        timer = Timer(sampler, results)
        timer.stage("fetch", lambda: dict(fetch_sources(sources, archive, options=options).counts))
        timer.stage("refetch", lambda: dict(fetch_sources(sources, archive, refresh=True, options=options).counts))
        results["server_hits"] = server.hits
    results["rss_peaks"] = sampler.peaks
    return results


def child_profile(args) -> dict:
    from flows import stages

    settings = _settings(args.root)
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    # one process: cProfile sees only its own process, and a pool's workers would hide the parsing
    counts = stages.normalize_stage(settings, batch_size=args.batch_size, workers=1)
    profile.disable()
    wall = time.perf_counter() - start
    stats = pstats.Stats(profile)
    total = stats.total_tt
    rows = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():
        rows.append(
            {
                "function": f"{_short(filename)}:{line}({name})",
                "calls": calls,
                "tottime_s": tottime,
                "cumtime_s": cumtime,
            }
        )
    by_cum = sorted(rows, key=lambda r: -r["cumtime_s"])[:25]
    by_tot = sorted(rows, key=lambda r: -r["tottime_s"])[:20]
    return {
        "profile": {
            "wall_s": wall,
            "counts": counts,
            "profiled_total_s": total,
            "by_cumtime": by_cum,
            "by_tottime": by_tot,
        }
    }


def _short(filename: str) -> str:
    for marker in ("/site-packages/", str(PROJECT_DIR) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename.rsplit("/lib/", 1)[-1]


CHILDREN = {
    "generate": child_generate,
    "plain": child_plain,
    "etl": child_etl,
    "trivial": child_trivial,
    "floor": child_floor,
    "fetch": child_fetch,
    "profile": child_profile,
}


# -- the parent -----------------------------------------------------------------------------------


def run_child(task: str, root: Path, env: dict, **options) -> dict:
    out = root.parent / f"{root.name}.{task}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", task, "--root", str(root), "--json", str(out)]
    for key, value in options.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"child {task} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(out.read_text())
    result["process_wall_s"] = wall
    return result


def clone_root(source: Path, target: Path) -> None:
    """A copy of ``source/raw`` under ``target``: objects hard-linked (read-only, never rewritten),
    manifest and registry copied (the pipeline may append to them)."""
    (target / "raw").mkdir(parents=True)
    shutil.copytree(source / "raw" / "objects", target / "raw" / "objects", copy_function=os.link)
    for name in ("manifest.jsonl", "sources.yaml"):
        shutil.copy2(source / "raw" / name, target / "raw" / name)


def machine_info() -> dict:
    from importlib import metadata

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    commit = (
        os.environ.get("FAZHI_BENCH_COMMIT")
        or subprocess.run(  # set when running from an exported tree
            ["git", "-C", str(PROJECT_DIR), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "ram_gb": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "commit": commit,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def bench_size(size: int, work: Path, args, env: dict) -> dict:
    say = lambda message: print(f"[{time.strftime('%H:%M:%S')}] size {size}: {message}", file=sys.stderr, flush=True)  # noqa: E731
    base = work / f"n{size}"
    gen = base / "gen"
    gen.mkdir(parents=True)
    opts = {"seed": args.seed, "batch_size": args.batch_size}
    say("generating")
    result = {"size": size, "generate": run_child("generate", gen, env, size=size, **opts)}
    for task in ("plain", "etl", "floor"):
        root = base / task
        clone_root(gen, root)
        say(f"{task}")
        result[task] = run_child(task, root, env, size=size, **opts)
    if size <= args.profile_size:
        root = base / "profile"
        clone_root(gen, root)
        say("profile")
        result["profile"] = run_child("profile", root, env, size=size, **opts)
    if not args.keep:
        shutil.rmtree(base)
    return result


def trivial_costs(work: Path, env: dict, repeats: int = 3) -> dict:
    root = work / "trivial"
    root.mkdir()
    out = {"cold": run_child("trivial", root, env, size=0, seed=0, batch_size=1)}  # creates the home
    # On a shared machine other work only ever adds time: the fastest of a few warm runs is the cost.
    warm = [run_child("trivial", root, env, size=0, seed=0, batch_size=1) for _ in range(repeats)]
    out["warm"] = min(warm, key=lambda r: r["process_wall_s"])
    out["warm"]["all_process_wall_s"] = [r["process_wall_s"] for r in warm]
    with processes.prefect_server(work / "prefect-server-home", env, ui=True) as (api_url, startup_s):
        server_env = {**env, "PREFECT_API_URL": api_url}
        runs = [run_child("trivial", root, server_env, size=0, seed=0, batch_size=1) for _ in range(repeats)]
        out["server"] = min(runs, key=lambda r: r["process_wall_s"])
        out["server"]["server_startup_s"] = startup_s
    bare = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import flows.stages"], env=env, cwd=PROJECT_DIR, check=True)
        bare.append(time.perf_counter() - start)
    out["python_start_s"] = min(bare)
    return out


# -- RESULTS.md -----------------------------------------------------------------------------------


def _mb(value: float | int | None) -> str:
    return "—" if value is None else f"{value / 2**20:,.0f}"


def _s(value: float | None) -> str:
    return "—" if value is None else (f"{value:,.1f}" if value >= 10 else f"{value:.2f}")


def render(info: dict, runs: list[dict], trivial: dict, fetch: dict | None, args) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.py` on {info['date']} at commit `{info['commit']}`. "
        f"**Sizes run: {', '.join(format(r['size'], ',') for r in runs)} documents** "
        f"(synthetic corpus, seed {args.seed}, normalize batch size {args.batch_size}). "
        "Sizes not listed here were not run.",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu_model']}, {info['cpus']} logical CPUs; RAM {info['ram_gb']} GB",
        f"- Python {info['python']} on {info['platform']}",
        f"- Load average when the run started: {info.get('load_average_at_start', '?')} (the machine is shared: other "
        "processes compete for the CPUs, so absolute times are pessimistic; ratios within one run are comparable)",
        "- Packages: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items()),
        "",
        "## Stages without Prefect (plain functions from `flows/stages.py`, one fresh process per size)",
        "",
        "| documents | generate s | fetch (offline) s | normalize s | load s | fetch+normalize+load s | docs/s | peak RSS MB (normalize / load) | publish |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in runs:
        p = r["plain"]
        total = sum(p[s]["wall_s"] for s in ("fetch", "normalize", "load"))
        peaks = p["rss_peaks"]
        refused = p["publish"]["error"] or "NOT refused"
        errors = [f"{s}: {p[s]['error']}" for s in ("fetch", "normalize", "load") if p[s]["error"]]
        lines.append(
            f"| {r['size']:,} | {_s(r['generate']['generate']['wall_s'])} | {_s(p['fetch']['wall_s'])} | "
            f"{_s(p['normalize']['wall_s'])} | {_s(p['load']['wall_s'])} | {_s(total)} | {r['size'] / total:,.1f} | "
            f"{_mb(peaks.get('normalize'))} / {_mb(peaks.get('load'))} | "
            f"{'refused (synthetic)' if 'synthetic' in refused.lower() else refused} |"
        )
        if errors:
            lines.append(f"| | errors: {'; '.join(errors)} | | | | | | | |")
    lines += ["", "Counts per run (plain):", ""]
    for r in runs:
        p = r["plain"]
        lines.append(
            f"- {r['size']:,}: normalize {json.dumps(p['normalize']['counts'], ensure_ascii=False)}; "
            f"load {json.dumps(p['load']['counts'], ensure_ascii=False)}"
        )
        lines.append(f"  publish: `{p['publish']['error']}`")

    lines += [
        "",
        "## Ratios",
        "",
        "(a) = `etl` flow wall time (offline, no publish, in-process call) / the same stages called without Prefect. "
        "(b) = no-change rerun (same stages again) / first run. (c) = normalize time per document / the floor "
        "(read + decode + selectolax parse of each page).",
        "",
        "| documents | plain s | etl flow s | etl process s (incl. imports, server start) | (a) | rerun s | (b) | normalize ms/doc | floor ms/doc | (c) | peak RSS MB plain / etl |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        p, e, f = r["plain"], r["etl"], r["floor"]["floor"]
        plain = sum(p[s]["wall_s"] for s in ("fetch", "normalize", "load"))
        rerun = sum(p[s]["wall_s"] for s in ("rerun_fetch", "rerun_normalize", "rerun_load"))
        etl = _flow_wall(e, "etl")
        norm_ms = p["normalize"]["wall_s"] / r["size"] * 1000
        floor_ms = f["wall_s"] / f["documents"] * 1000
        lines.append(
            f"| {r['size']:,} | {_s(plain)} | {_s(etl)}{' (failed: ' + e['etl']['error'] + ')' if e['etl']['error'] else ''} | "
            f"{_s(e['process_wall_s'])} | {etl / plain:.2f} | {_s(rerun)} | {rerun / plain:.3f} | {norm_ms:.1f} | "
            f"{floor_ms:.2f} | {norm_ms / floor_ms:.0f}x | {_mb(max(p['rss_peaks'].values()))} / {_mb(max(e['rss_peaks'].values()))} |"
        )
    lines += ["", "Rerun stages (s):", ""]
    for r in runs:
        p = r["plain"]
        lines.append(
            f"- {r['size']:,}: fetch {_s(p['rerun_fetch']['wall_s'])}, normalize {_s(p['rerun_normalize']['wall_s'])} "
            f"({json.dumps(p['rerun_normalize']['counts'])}), load {_s(p['rerun_load']['wall_s'])}"
        )

    cpu_lines = []
    for r in runs:
        plain_cpu, etl_cpu = r["plain"].get("cpu"), (r.get("etl") or {}).get("cpu")
        if plain_cpu and etl_cpu:
            cpu_lines.append(
                f"- {r['size']:,}: plain: process {_s(plain_cpu['process_s'])}, normalize workers "
                f"{_s(plain_cpu['workers_s'])}; etl: flow process {_s(etl_cpu['process_s'])}, normalize workers "
                f"{_s(etl_cpu['workers_s'])}, Prefect server {_s(etl_cpu.get('server_s'))}"
            )
    if cpu_lines:
        lines += ["", "CPU of the first run (s; fetch + normalize + load, or the etl flow):", "", *cpu_lines]

    lines += targets_table(runs, trivial)
    cold, warm = trivial["cold"], trivial["warm"]
    lines += [
        "",
        "## Prefect's fixed cost per command",
        "",
        "A one-task flow in a fresh process (`bench/run.py --child trivial`; warm and server runs: the fastest of "
        "three, since other work on a shared machine only adds time), started as a flow command starts "
        "(`cli._run_flow`): the temporary API server first, Prefect imported while it starts, then a wait until "
        "it answers.",
        "",
        "| | import flows.pipeline s | then waiting for the server s | first flow call s | whole process s |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| cold (empty PREFECT_HOME: database created) | {_s(cold['import']['wall_s'])} | {_s(_wait(cold))} | {_s(cold['flow']['wall_s'])} | {_s(cold['process_wall_s'])} |",
        f"| warm (PREFECT_HOME reused; fastest of {', '.join(_s(w) for w in warm.get('all_process_wall_s', []))}) | {_s(warm['import']['wall_s'])} | {_s(_wait(warm))} | {_s(warm['flow']['wall_s'])} | {_s(warm['process_wall_s'])} |",
    ]
    server = trivial.get("server")
    if server:
        lines.append(
            f"| long-running server (`PREFECT_API_URL`; the server itself took {_s(server['server_startup_s'])} s "
            f"to start, once) | {_s(server['import']['wall_s'])} | {_s(_wait(server))} | {_s(server['flow']['wall_s'])} | {_s(server['process_wall_s'])} |"
        )
    lines += [
        "",
        f"For comparison, a process that only imports `flows.stages`: {_s(trivial['python_start_s'])} s. "
        f"Fixed cost (warm process minus bare start): {_s(warm['process_wall_s'] - trivial['python_start_s'])} s"
        + (
            f" with the ephemeral server; {_s(server['process_wall_s'] - trivial['python_start_s'])} s against a "
            "long-running one."
            if server
            else "."
        ),
    ]
    if fetch:
        fr = fetch
        lines += [
            "",
            "## Fetch over loopback HTTP",
            "",
            f"`fetch_sources` against `SyntheticServer` (server threads in the same process), {fr['size']:,} pages, "
            "politeness delay off (`per_host_delay=0`; the default 1 s per host, 2 connections per host, bounds a "
            "real single-host crawl to ~2 pages/s by design).",
            "",
            f"- first fetch: {_s(fr['fetch']['wall_s'])} s ({fr['size'] / fr['fetch']['wall_s']:,.0f} pages/s), counts {json.dumps(fr['fetch']['counts'])}",
            f"- refetch with ETag (all 304): {_s(fr['refetch']['wall_s'])} s, counts {json.dumps(fr['refetch']['counts'])}",
            f"- peak RSS {_mb(max(fr['rss_peaks'].values()))} MB",
        ]
    profiled = [r for r in runs if "profile" in r]
    if profiled:
        pr = profiled[-1]["profile"]["profile"]
        lines += [
            "",
            f"## Profile of the slowest stage: normalize, {profiled[-1]['size']:,} documents (cProfile)",
            "",
            f"Wall {_s(pr['wall_s'])} s under the profiler. Top by cumulative time:",
            "",
            "| function | calls | cumulative s | own s |",
            "| --- | ---: | ---: | ---: |",
        ]
        lines += [
            f"| `{row['function']}` | {row['calls']:,} | {row['cumtime_s']:.2f} | {row['tottime_s']:.2f} |"
            for row in pr["by_cumtime"]
        ]
        lines += [
            "",
            "Top by own time:",
            "",
            "| function | calls | own s | cumulative s |",
            "| --- | ---: | ---: | ---: |",
        ]
        lines += [
            f"| `{row['function']}` | {row['calls']:,} | {row['tottime_s']:.2f} | {row['cumtime_s']:.2f} |"
            for row in pr["by_tottime"]
        ]
    if args.notes and Path(args.notes).is_file():
        lines += ["", Path(args.notes).read_text(encoding="utf-8").rstrip()]
    return "\n".join(lines) + "\n"


def _wait(result: dict) -> float:
    return result.get("server_wait", {}).get("wall_s", 0.0)


def _flow_wall(result: dict, stage: str) -> float:
    """A flow's wall time with the wait for the command's temporary server (which Prefect's own start of
    the server, before ``_as_a_command``, spent inside the first flow call)."""
    return result[stage]["wall_s"] + _wait(result)


def targets_table(runs: list[dict], trivial: dict) -> list[str]:
    """Issue 18's targets against this run's figures (ratios within this run)."""
    by_size = {r["size"]: r for r in runs}

    def plain(size: int, stages=("fetch", "normalize", "load")) -> float | None:
        run = by_size.get(size)
        return sum(run["plain"][s]["wall_s"] for s in stages) if run else None

    def ratio_a(size: int) -> float | None:
        run = by_size.get(size)
        return _flow_wall(run["etl"], "etl") / plain(size) if run else None

    def ratio_b(size: int) -> float | None:
        run = by_size.get(size)
        return plain(size, ("rerun_fetch", "rerun_normalize", "rerun_load")) / plain(size) if run else None

    largest = max(by_size) if by_size else None
    norm_ms = plain(largest, ("normalize",)) / largest * 1000 if largest else None
    rss = max(by_size[50000]["plain"]["rss_peaks"].values()) / 2**20 if 50000 in by_size else None
    fixed = trivial["warm"]["process_wall_s"] - trivial["python_start_s"]
    rows = [
        ("50,000 documents fetch (offline) + normalize + load, plain, s", plain(50000), 240, "{:.1f}"),
        (f"normalize per document, wall, ms (at {largest or 0:,})", norm_ms, 2.0, "{:.2f}"),
        ("load at 50,000, s", plain(50000, ("load",)), 45, "{:.1f}"),
        ("peak RSS at 50,000, MB", rss, 800, "{:,.0f}"),
        ("(a) etl flow / plain stages at 10,000", ratio_a(10000), 1.05, "{:.2f}"),
        ("(a) etl flow / plain stages at 50,000", ratio_a(50000), 1.05, "{:.2f}"),
        ("fixed cost of a command (ephemeral, warm), s", fixed, 6.0, "{:.1f}"),
        (
            f"(b) no-change rerun / first run (at {largest or 0:,})",
            ratio_b(largest) if largest else None,
            0.02,
            "{:.3f}",
        ),
    ]
    lines = ["", "## Targets (issue 18)", "", "| measure | this run | target | met? |", "| --- | ---: | ---: | --- |"]
    for name, value, target, fmt in rows:
        shown = fmt.format(value) if value is not None else "not run"
        met = "not run" if value is None else ("yes" if value <= target else "no")
        lines.append(f"| {name} | {shown} | ≤ {fmt.format(target)} | {met} |")
    return lines


def _kept_sections(path: Path) -> str:
    """Sections other benchmarks wrote into RESULTS.md between their markers (bench/discover.py,
    bench/population.py, bench/parse_speed.py: ``<!-- NAME:begin -->`` … ``<!-- NAME:end -->``)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = [match.group(0) for match in re.finditer(r"<!-- (\w+):begin -->.*?<!-- \1:end -->", text, re.S)]
    return "".join("\n" + section + "\n" for section in kept)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated corpus sizes (documents)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--fetch-size", type=int, default=1000, help="pages for the loopback fetch run (0: skip)")
    parser.add_argument("--profile-size", type=int, default=1000, help="profile normalize at sizes up to this")
    parser.add_argument("--workdir", help="where corpora are written (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the generated roots")
    parser.add_argument("--notes", help="a markdown file appended to RESULTS.md (analysis of the run)")
    parser.add_argument("--output", default=str(RESULTS_PATH))
    parser.add_argument(
        "--from-json", help="re-render RESULTS.md from a results.json of an earlier run (e.g. with --notes)"
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        result = CHILDREN[args.child](args)
        result["ru_maxrss"] = _ru_maxrss_mb()
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, default=str))
        return 0

    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        args.seed, args.batch_size = saved.get("seed", args.seed), saved.get("batch_size", args.batch_size)
        Path(args.output).write_text(
            render(saved["info"], saved["runs"], saved["trivial"], saved["fetch"], args)
            + _kept_sections(Path(args.output)),
            encoding="utf-8",
        )
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(args.workdir or tempfile.mkdtemp(prefix="fazhi-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # Every child uses one Prefect home under the work dir (warm after the first flow), never the user's.
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect-home"), "PYTHONPATH": str(PROJECT_DIR)}
    env.pop("FAZHI_ROOT", None)
    info = machine_info()
    trivial = trivial_costs(work, env)
    fetch = None
    if args.fetch_size:
        root = work / "fetch"
        root.mkdir()
        fetch = run_child("fetch", root, env, size=args.fetch_size, seed=args.seed, batch_size=args.batch_size)
        fetch["size"] = args.fetch_size
    runs = []

    def save() -> None:  # after every size: a long run that stops early keeps what it measured
        (work / "results.json").write_text(
            json.dumps(
                {
                    "info": info,
                    "runs": runs,
                    "trivial": trivial,
                    "fetch": fetch,
                    "seed": args.seed,
                    "batch_size": args.batch_size,
                    "load_average": os.getloadavg(),
                },
                default=str,
            )
        )
        Path(args.output).write_text(render(info, runs, trivial, fetch, args) + kept, encoding="utf-8")

    kept = _kept_sections(Path(args.output))
    save()
    for size in sizes:
        runs.append(bench_size(size, work, args, env))
        save()
    print(f"wrote {args.output}; raw numbers in {work / 'results.json'}", file=sys.stderr)
    if not args.keep and not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
