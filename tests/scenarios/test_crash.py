"""SIGKILL in the middle of each stage, then rerun: the outputs equal an uninterrupted run's.

Each case copies the state an uninterrupted reference run had before the stage (real corpus reports
archived as captured texts; for fetch, pages served on loopback), runs the stage in a subprocess
that kills itself at a named point (``FAZHI_TEST_KILL_AT``, see ``crash_points.crash_point``) or is killed
from outside while a slow response is in flight, checks that the kill left the partial state it
aims at, reruns the stage and compares every output with the reference: manifest rows (no
duplicates), objects, staged files, Parquet files, DuckDB tables, release files and checksums, and
that no temp file, half dataset or half release is left. The cases run side by side (25-55 s,
depending on how busy the machine is).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pytest
import yaml
from corpus_root import build_corpus_root
from loopback import LoopbackServer, Reply

from flows import stages
from flows.core.config import PROJECT_DIR, load_settings
from flows.core.crash_points import KILL_ENV
from flows.fetch.archive import Archive
from flows.normalize.staging import iter_staged

DOCS = ["d04", "d07", "d10", "d11"]  # four real 2022 reports
PAGES = 3  # sources served on loopback for the fetch cases
LAST_PAGE_DELAY = 2.5  # seconds the last page takes to answer: the time to kill a fetch mid-request
LEFTOVER = re.compile(r"^\.(tmp-|incoming-|old-|fazhi\.duckdb\.building)|\.part$|\.wal$")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
SHA256 = re.compile(r"\b[0-9a-f]{64}\b")

DRIVER = """
import sys, uuid
from flows import stages
from flows.core.config import load_settings
settings = load_settings().with_root(sys.argv[1])
for stage in sys.argv[2:]:
    if stage == "fetch":
        stages.fetch_stage(settings)
    elif stage == "normalize":
        stages.normalize_stage(settings)
    elif stage == "load":
        stages.load_stage(settings, run={"run_id": uuid.uuid4().hex})
    elif stage == "publish":
        stages.publish_stage(settings)
"""


@dataclass(frozen=True)
class Case:
    name: str
    start: str  # the reference state copied before the stage: fetch | fetched | normalized | loaded
    stages: tuple[str, ...]  # what is killed and then rerun
    kill_at: str | None  # a crash point, or None: killed from outside mid-request
    partial: Callable[[Path], bool]  # the state the kill must leave, proving it landed where aimed
    compare: tuple[str, ...]  # output groups compared with the reference after the stage


def _glob(root: Path, pattern: str) -> list[Path]:
    return sorted(root.glob(pattern))


def _rows(root: Path) -> list[dict]:
    return Archive(root / "raw").rows()


CASES = [
    Case(
        "fetch: killed while a response is in flight",
        "fetch",
        ("fetch",),
        None,
        lambda r: len(_rows(r)) == PAGES - 1,
        ("raw",),
    ),
    Case(
        "fetch: object half written",
        "fetch",
        ("fetch",),
        "archive-object:2",
        lambda r: len(_rows(r)) == 1 and len(_glob(r, "raw/objects/*/.tmp-*.part")) == 1,
        ("raw",),
    ),
    Case(
        "fetch: object stored, manifest row not written",
        "fetch",
        ("fetch",),
        "manifest-append:2",
        lambda r: len(_rows(r)) == 1 and len(_glob(r, "raw/objects/*/*.html")) == 2,
        ("raw",),
    ),
    Case(
        "normalize: staged file written, not renamed",
        "fetched",
        ("normalize", "load"),
        "staging-rename:2",
        lambda r: (
            len(_glob(r, "warehouse/staging/*/.tmp-*.json")) == 1 and len(list(iter_staged(r / "warehouse"))) == 1
        ),
        ("raw", "staging", "warehouse"),
    ),
    Case(
        "load: database built, not renamed",
        "normalized",
        ("load",),
        "load-db-rename:1",
        lambda r: (
            bool(_glob(r, "warehouse/.fazhi.duckdb.building-*"))
            and bool(_glob(r, "warehouse/parquet/.incoming-*"))
            and not (r / "warehouse/fazhi.duckdb").exists()
        ),
        ("staging", "warehouse"),
    ),
    Case(
        "load: datasets half swapped in",
        "normalized",
        ("load",),
        "load-swap:4",
        lambda r: (
            (r / "warehouse/fazhi.duckdb").exists()
            and len(_glob(r, "warehouse/parquet/[!.]*")) == 3
            and bool(_glob(r, "warehouse/parquet/.incoming-*"))
        ),
        ("staging", "warehouse"),
    ),
    Case(
        "load again: a dataset renamed aside, the new one not in",
        "loaded",
        ("load",),
        "load-swap:1",
        lambda r: (r / "warehouse/parquet/.old-runs").is_dir() and not (r / "warehouse/parquet/runs").exists(),
        ("staging", "warehouse"),
    ),
    Case(
        "publish: release half built",
        "loaded",
        ("publish",),
        "publish-file:3",
        lambda r: len(_glob(r, "releases/2022/.tmp-*/*.csv")) == 3 and not _glob(r, "releases/2022/2022.*"),
        ("warehouse", "releases"),
    ),
    Case(
        "publish: version renamed in, pointers not written",
        "loaded",
        ("publish",),
        "publish-rename:1",
        lambda r: (
            (r / "releases/2022/2022.1/SHA256SUMS").exists()
            and not (r / "releases/2022/latest.json").exists()
            and not (r / "releases/index.html").exists()
        ),
        ("warehouse", "releases"),
    ),
]


# -- the reference run and the cases ---------------------------------------------------------------


def _page(corpus_dir: Path, name: str) -> bytes:
    text = json.loads((corpus_dir / "dev" / f"{name}.json").read_text(encoding="utf-8"))["text"]
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
    return f"<html><head><meta charset='utf-8'></head><body>{paragraphs}</body></html>".encode()


def _fetch_root(root: Path, server: LoopbackServer, pages: dict[str, bytes]) -> Path:
    """A registry of PAGES loopback pages, under paths of their own (cases run side by side)."""
    (root / "raw").mkdir(parents=True)
    for n, body in enumerate(pages.values(), start=1):
        server.route(
            f"/{root.name}/p{n}",
            Reply(
                200, body, {"Content-Type": "text/html; charset=utf-8"}, delay=LAST_PAGE_DELAY if n == PAGES else 0.2
            ),
        )
    sources = [
        {
            "source_id": f"page-{n}",
            "url": server.url(f"/{root.name}/p{n}"),
            "issuer": None,
            "region_hint": None,
            "report_year_hint": None,
            "notes": "loopback",
            "is_synthetic": False,
        }
        for n in range(1, PAGES + 1)
    ]
    (root / "raw/sources.yaml").write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return root


def _run(root: Path, names, kill_at: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "FAZHI_ALLOW_PRIVATE_ADDRESSES": "1"}
    env.pop(KILL_ENV, None)
    env.pop("FAZHI_LOCK_TIMEOUT", None)
    if kill_at:
        env[KILL_ENV] = kill_at
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(root), *names],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _killed_mid_request(process: subprocess.Popen, server: LoopbackServer, root: Path) -> None:
    """SIGKILL once the other pages are archived and the last page's slow answer is on its way."""
    last = f"/{root.name}/p{PAGES}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.requests_to(last) and len(_rows(root)) == PAGES - 1:
            break
        time.sleep(0.02)
    assert time.monotonic() - server.requests_to(last)[0].started < LAST_PAGE_DELAY - 0.5, "too slow to kill in time"
    process.send_signal(signal.SIGKILL)


@dataclass
class Outcome:
    root: Path
    killed_returncode: int
    partial: bool
    rerun_returncode: int
    rerun_stderr: str


def _play(case: Case, root: Path, states: dict[str, Path], server: LoopbackServer, pages: dict[str, bytes]) -> Outcome:
    if case.start == "fetch":
        _fetch_root(root, server, pages)
    else:
        shutil.copytree(states[case.start], root)
    killed = _run(root, case.stages, case.kill_at)
    if case.kill_at is None:
        _killed_mid_request(killed, server, root)
    killed.communicate(timeout=60)
    partial = case.partial(root)
    rerun = _run(root, case.stages)
    _, stderr = rerun.communicate(timeout=90)
    return Outcome(root, killed.returncode, partial, rerun.returncode, stderr)


@pytest.fixture(scope="module")
def played(tmp_path_factory, corpus_dir):
    """The reference states, then every case (side by side, in subprocesses)."""
    base = tmp_path_factory.mktemp("crash")
    pages = {name: _page(corpus_dir, name) for name in DOCS[:PAGES]}
    with LoopbackServer() as server:
        with ThreadPoolExecutor(max_workers=3) as pool:
            fetched_ref = pool.submit(_reference_fetch, base / "ref-fetch", server, pages)
            states = _reference_states(base / "ref", corpus_dir)
            states["fetched_from_loopback"] = fetched_ref.result()
            futures = {
                case.name: pool.submit(_play, case, base / f"case-{i}", states, server, pages)
                for i, case in enumerate(CASES)
            }
            outcomes = {name: future.result() for name, future in futures.items()}
    return states, outcomes


def _reference_fetch(root: Path, server: LoopbackServer, pages: dict[str, bytes]) -> Path:
    settings = replace(load_settings().with_root(_fetch_root(root, server, pages)), allow_private_addresses=True)
    stages.fetch_stage(settings)
    return root


def _reference_states(base: Path, corpus_dir: Path) -> dict[str, Path]:
    """An uninterrupted run, in this process, with a copy of the data root after each stage."""
    work = base / "work"
    settings = build_corpus_root(work, corpus_dir, DOCS)
    states = {}
    for state, run in (
        ("fetched", lambda: stages.fetch_stage(settings)),
        ("normalized", lambda: stages.normalize_stage(settings)),
        ("loaded", lambda: stages.load_stage(settings, run={"run_id": "reference"})),
        ("published", lambda: stages.publish_stage(settings)),
    ):
        run()
        states[state] = base / state
        shutil.copytree(work, states[state])
    return states


# -- comparing outputs ------------------------------------------------------------------------------


def _files(root: Path, under: str, skip: str | None = None) -> dict[str, bytes]:
    found = {}
    for path in sorted((root / under).rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not path.name.endswith(".lock") and not (skip and skip in relative):
            found[relative] = path.read_bytes()
    return found


def _manifest(root: Path) -> list[dict]:
    """Rows without what differs between two fetches of the same bytes: the clock, the server's Date
    header, and the url (each case has its own loopback path)."""
    varying = ("fetch_id", "fetched_at", "response_headers", "url", "final_url")
    rows = [{k: v for k, v in row.items() if k not in varying} for row in _rows(root)]
    return sorted(rows, key=lambda row: row["source_id"])


def _tables(root: Path) -> dict[str, list]:
    with duckdb.connect(str(root / "warehouse/fazhi.duckdb"), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(  # tables and views
                "SELECT table_name FROM information_schema.tables ORDER BY 1"
            ).fetchall()
        ]
        return {
            name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in names if name != "runs"
        }


def _runs(root: Path) -> tuple[list, list]:
    with duckdb.connect(str(root / "warehouse/fazhi.duckdb"), read_only=True) as con:
        in_db = sorted(r[0] for r in con.execute("SELECT run_id FROM runs").fetchall())
        in_parquet = sorted(
            r[0]
            for r in con.execute(
                f"SELECT run_id FROM read_parquet('{root}/warehouse/parquet/runs/*.parquet')"
            ).fetchall()
        )
    return in_db, in_parquet


def _release_files(root: Path) -> dict[str, bytes]:
    """Release files with their creation times masked (a rerun publishes later than the reference),
    and so the digests of the files holding them; the checksum files keep only their CSV lines, after
    checking every line against its file. CSV bytes and digests are compared as they are."""
    files = _files(root, "releases")
    csv_digests = {hashlib.sha256(data).hexdigest() for name, data in files.items() if name.endswith(".csv")}

    def masked(text: str) -> str:
        text = TIMESTAMP.sub("<time>", text)
        return SHA256.sub(lambda m: m.group(0) if m.group(0) in csv_digests else "<sha256>", text)

    found = {}
    for name, data in files.items():
        if name.endswith("SHA256SUMS"):
            folder = root / name.rsplit("/", 1)[0]
            lines = data.decode("ascii").splitlines()
            assert all(
                hashlib.sha256((folder / line.split("  ", 1)[1]).read_bytes()).hexdigest() == line[:64]
                for line in lines
            ), name
            data = "\n".join(line for line in lines if line.endswith(".csv")).encode("ascii")
        elif not name.endswith((".csv", ".parquet")):  # CSV and Parquet compared byte for byte
            data = masked(data.decode("utf-8")).encode("utf-8")
        found[name] = data
    return found


def _leftovers(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in root.rglob("*") if LEFTOVER.search(p.name)]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rerun_after_a_kill_gives_the_uninterrupted_outputs(played, case):
    states, outcomes = played
    outcome = outcomes[case.name]
    root = outcome.root
    assert outcome.killed_returncode == -signal.SIGKILL
    assert outcome.partial, "the kill did not leave the partial state this case aims at"
    assert outcome.rerun_returncode == 0, outcome.rerun_stderr
    assert _leftovers(root) == []
    reference = states[
        {"fetch": "fetched_from_loopback", "normalize": "normalized", "load": "loaded", "publish": "published"}[
            case.stages[-1]
        ]
    ]
    if "raw" in case.compare:
        assert _files(root, "raw/objects") == _files(reference, "raw/objects")
        rows = _manifest(root)
        assert [r["source_id"] for r in rows] == sorted({r["source_id"] for r in rows})  # one row per source
        assert rows == _manifest(reference)
    if "staging" in case.compare:
        assert _files(root, "warehouse/staging") == _files(reference, "warehouse/staging")
    if "warehouse" in case.compare:
        assert _files(root, "warehouse/parquet", skip="/runs/") == _files(reference, "warehouse/parquet", skip="/runs/")
        assert _tables(root) == _tables(reference)
        in_db, in_parquet = _runs(root)
        assert in_db == in_parquet and len(set(in_db)) == (2 if case.start == "loaded" and "load" in case.stages else 1)
    if "releases" in case.compare:
        assert _release_files(root) == _release_files(reference)
        assert sorted(p.name for p in (root / "releases/2022").iterdir()) == ["2022.1", "latest.json"]
