"""Real Prefect flow runs (one session-wide test harness) on a copy of the embedded raw/ archive."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from flows.core.config import PROJECT_DIR

pytestmark = pytest.mark.flow


@pytest.fixture()
def root(tmp_path) -> Path:
    shutil.copytree(PROJECT_DIR / "raw", tmp_path / "raw")
    return tmp_path


def _snapshot(root: Path) -> dict[str, bytes]:
    files = {}
    for base in ("warehouse/parquet", "releases"):
        for path in sorted((root / base).rglob("*")):
            if path.is_file():
                files[str(path.relative_to(root))] = path.read_bytes()
    return files


def test_etl_offline_builds_warehouse_and_release_then_reruns_as_noop(prefect_harness, root):
    from flows.pipeline import etl_flow

    counts = etl_flow(root=str(root), offline=True)
    assert counts["offline"] == 1 and counts["parsed"] == 1
    assert counts["metrics"] == 61 and counts["quarantined"] == 0
    assert counts["released"] == 1
    with duckdb.connect(str(root / "warehouse" / "fazhi.duckdb"), read_only=True) as con:
        assert con.execute("SELECT region_code, report_year FROM documents").fetchall() == [("211300", 2022)]
        assert con.execute("SELECT count(*) FROM metrics").fetchone()[0] == 61
    latest = json.loads((root / "releases" / "2022" / "latest.json").read_text(encoding="utf-8"))
    assert latest["version"] == "2022.1"
    before = _snapshot(root)
    staged = sorted((root / "warehouse" / "staging").rglob("*.json"))
    mtimes = [p.stat().st_mtime_ns for p in staged]

    counts = etl_flow(root=str(root), offline=True)
    assert counts.get("parsed", 0) == 0 and counts["up_to_date"] == 1  # nothing reparsed
    assert counts["released"] == 0 and counts["release_unchanged"] == 1
    assert [p.stat().st_mtime_ns for p in staged] == mtimes
    after = _snapshot(root)
    # Same inputs, same bytes: Parquet datasets (runs aside: it records each run) and the release.
    changed = [k for k in set(before) | set(after) if before.get(k) != after.get(k) and "/runs/" not in k]
    assert changed == []


def test_stage_flows_run_on_their_own(prefect_harness, root):
    from flows.pipeline import fetch_flow, load_flow, normalize_flow, publish_flow

    assert fetch_flow(root=str(root), offline=True)["offline"] == 1
    assert normalize_flow(root=str(root))["metrics"] == 61
    assert load_flow(root=str(root))["metrics"] == 61
    assert publish_flow(root=str(root), years=[2022])["released"] == 1


def test_deployments_point_at_real_flows_with_valid_parameters_and_cron():
    from flows.schedule import deployment_problems, load_deployments

    deployments = load_deployments()
    names = {d["name"] for d in deployments}
    assert {"weekly-fetch", "annual-release", "backfill"} <= names
    for deployment in deployments:
        assert deployment_problems(deployment) == []
    crons = {d["name"]: d["schedules"][0] for d in deployments if d.get("schedules")}
    assert crons["weekly-fetch"]["timezone"] == "Asia/Shanghai"


def test_deployment_problems_are_reported():
    from flows.schedule import deployment_problems

    bad = {
        "name": "x",
        "entrypoint": "flows.pipeline.etl_flow",
        "parameters": {"yeers": [2022]},
        "schedules": [{"cron": "61 * * * *", "timezone": "Asia/Shanghai"}],
    }
    problems = deployment_problems(bad)
    assert any("unknown parameter" in p for p in problems)
    assert any("invalid schedule" in p for p in problems)
    assert deployment_problems({"name": "y", "entrypoint": "flows.pipeline.nothing"})[0].startswith("y: entrypoint")
    file_path = deployment_problems({"name": "w", "entrypoint": "flows/pipeline.py:etl_flow"})
    assert len(file_path) == 1 and "use the module path (flows.pipeline.etl_flow)" in file_path[0]
    wrong_type = {"name": "z", "entrypoint": "flows.pipeline.etl_flow", "parameters": {"batch_size": "many"}}
    assert any("invalid parameters" in p for p in deployment_problems(wrong_type))


def test_dask_runner_gives_byte_identical_outputs(prefect_harness, tmp_path, corpus_dir):
    pytest.importorskip("prefect_dask")
    from corpus_root import build_corpus_root

    from flows.pipeline import etl_flow

    outputs = {}
    names = ["d01", "d02", "d03", "d12", "d16", "d22", "d24", "d26"]
    for runner in ("default", "dask"):
        root = tmp_path / runner
        build_corpus_root(root, corpus_dir, names)
        counts = etl_flow(root=str(root), offline=True, publish=False, batch_size=2, runner=runner)
        assert counts["parsed"] == len(names)
        outputs[runner] = {k: v for k, v in _snapshot(root).items() if "/runs/" not in k}
        staged = sorted((root / "warehouse" / "staging").rglob("*.json"))
        outputs[runner].update({str(p.relative_to(root)): p.read_bytes() for p in staged})
    assert len(outputs["default"]) > 10
    assert outputs["dask"] == outputs["default"]


def test_task_run_recorder_flush_interval_is_whole_seconds(monkeypatch, tmp_path):
    """Prefect's server truncates the flush interval to an int: a fraction of a second becomes 0 and
    its flush loop then spins a CPU core for as long as a flow runs (measured: 1 core busy)."""
    from flows.core.config import configure_prefect, load_settings

    name = "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL"
    monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    configure_prefect(load_settings().with_root(tmp_path))
    import os

    assert float(os.environ[name]) == int(float(os.environ[name])) >= 1
