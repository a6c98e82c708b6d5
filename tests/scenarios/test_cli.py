"""The `fazhi` command: help, `parse` contract, clear one-line errors and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from flows import stages
from flows.core.config import load_settings

PROJECT = Path(__file__).resolve().parents[2]
FAZHI = [sys.executable, "-m", "flows.cli"]


def run(*args, env=None, cwd=PROJECT):
    return subprocess.run([*FAZHI, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_help_explains_every_command():
    out = run("--help").stdout
    for command in (
        "init",
        "run",
        "fetch",
        "import-text",
        "normalize",
        "load",
        "publish",
        "parse",
        "evaluate",
        "sql",
        "serve",
    ):
        assert f"    {command}" in out
    assert "Exit status" in out


def test_parse_jsonl_keeps_input_order_and_reports_bad_inputs(tmp_path, corpus_dir):
    seed = corpus_dir / "seed" / "chaoyang-2022.txt"
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.html"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    dev = json.loads((corpus_dir / "dev" / "d21.json").read_text(encoding="utf-8"))
    page = tmp_path / "qijiang.txt"
    page.write_text(dev["text"], encoding="utf-8")
    result = run("parse", "--format", "jsonl", seed, tmp_path / "missing.txt", empty, binary, page)
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["input"] for o in lines] == [str(seed), str(page)]
    assert set(lines[0]) == {"input", "document", "sections", "metrics"}
    assert lines[0]["document"]["region_code"] == "211300"
    assert len(lines[0]["metrics"]) == 61
    assert lines[1]["document"]["title"] == "重庆市綦江区2022年法治政府建设情况报告"
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3
    assert "missing.txt: file not found" in errors[0]
    assert "empty.txt: file is empty" in errors[1]
    assert "blob.html: binary file" in errors[2]
    assert "Traceback" not in result.stderr


def test_parse_does_not_import_prefect(corpus_dir):
    seed = corpus_dir / "seed" / "chaoyang-2022.txt"
    code = (
        "import sys, io, contextlib\nfrom flows.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    rc = main(['parse', {str(seed)!r}])\n"
        "assert rc == 0, rc\nassert 'prefect' not in sys.modules\nprint('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, timeout=120)
    assert result.stdout.strip() == "ok", result.stderr


def test_user_errors_are_one_line_without_traceback(tmp_path):
    import os

    env = dict(os.environ, FAZHI_ROOT=str(tmp_path))
    result = run("sql", "SELECT 1", env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no warehouse at" in result.stderr
    result = run("publish", "--year", "nineteen", env=env)
    assert result.returncode == 2 and "not a year" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_text_names_the_unknown_source(tmp_path):
    import os
    import shutil

    shutil.copytree(PROJECT / "raw", tmp_path / "raw")
    env = dict(os.environ, FAZHI_ROOT=str(tmp_path))
    capture = tmp_path / "page.txt"
    capture.write_text("关于2022年法治政府建设情况的报告", encoding="utf-8")
    result = run("import-text", "no-such-source", capture, "--note", "tests", env=env)
    assert result.returncode == 2
    assert "no source with source_id 'no-such-source'" in result.stderr


def test_import_text_requires_a_note_and_records_it(tmp_path):
    import os
    import shutil

    shutil.copytree(PROJECT / "raw", tmp_path / "raw")
    env = dict(os.environ, FAZHI_ROOT=str(tmp_path))
    capture = tmp_path / "page.txt"
    capture.write_text("关于2022年法治政府建设情况的报告", encoding="utf-8")
    manifest = tmp_path / "raw" / "manifest.jsonl"
    before = manifest.read_bytes()
    result = run("import-text", "chaoyang-2022", capture, env=env)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("fazhi import-text: error: --note is required: say who imports this text and why")
    assert manifest.read_bytes() == before  # nothing archived
    result = run("import-text", "chaoyang-2022", capture, "--note", "王五: 页面已失效，从缓存页复制", env=env)
    assert result.returncode == 0, result.stderr
    row = json.loads(manifest.read_text(encoding="utf-8").splitlines()[-1])
    assert (row["source_id"], row["is_captured_text"], row["note"]) == (
        "chaoyang-2022",
        True,
        "王五: 页面已失效，从缓存页复制",
    )


def test_run_and_publish_take_both_year_spellings():
    from flows.cli import build_parser

    parser = build_parser()
    for command in ("run", "publish"):
        assert parser.parse_args([command, "--year", "2022"]).years == [2022]
        assert parser.parse_args([command, "--years", "2021,2019-2020"]).years == [2019, 2020, 2021]


# -- user errors found before a flow starts; the project root; fazhi init --------------------------

# Runs ``main`` in a fresh process and reports, on stdout's last line, its exit status and whether
# Prefect was imported (a user error must be found before Prefect's 5-15 s start).
IN_PROCESS = (
    "import json, sys\nfrom flows.cli import main\nrc = main(sys.argv[1:])\n"
    "print(json.dumps({'rc': rc, 'prefect': 'prefect' in sys.modules}))"
)


def _clean_env(**extra) -> dict:
    """The test process's environment without the root and Prefect's home that conftest set: the
    command finds (or makes) them as it would for a person."""
    env = {k: v for k, v in os.environ.items() if k not in ("FAZHI_ROOT", "PREFECT_HOME", "PREFECT_LOGGING_LEVEL")}
    env.update(PYTHONPATH=str(PROJECT), **extra)
    return env


def run_in_process(*args, cwd):
    result = subprocess.run(
        [sys.executable, "-c", IN_PROCESS, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_clean_env(),
        timeout=120,
    )
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome, result.stderr


def _project_copy(path: Path) -> Path:
    shutil.copytree(PROJECT / "raw", path / "raw")
    return path


def test_an_unknown_source_is_one_line_before_prefect_starts(tmp_path):
    root = _project_copy(tmp_path / "proj")
    (root / "notes").mkdir()
    outcome, stderr = run_in_process("run", "--source", "nonexistent", cwd=root / "notes")  # root found upwards
    assert outcome == {"rc": 2, "prefect": False}
    assert stderr == f"fazhi run: error: {root / 'raw' / 'sources.yaml'}: unknown source id(s): nonexistent\n"
    assert sorted(p.name for p in root.iterdir()) == ["notes", "raw"]  # no .prefect/, no warehouse/ lock


def test_an_empty_root_is_one_line_naming_fazhi_init_and_stays_empty(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    outcome, stderr = run_in_process("--root", empty, "load", cwd=tmp_path)
    assert outcome == {"rc": 2, "prefect": False}
    assert stderr == (
        f"fazhi load: error: {empty / 'raw' / 'sources.yaml'}: no sources registry; "
        f"{empty} is not a fazhi project: create one with `fazhi init {empty}`\n"
    )
    assert list(empty.iterdir()) == []  # no .prefect/, no lock file


def test_publishing_a_year_not_in_the_warehouse_is_one_line_before_prefect_starts(tmp_path):
    root = _project_copy(tmp_path / "proj")
    settings = load_settings().with_root(root)
    stages.normalize_stage(settings)
    stages.load_stage(settings, run={"run_id": "t", "started_at": "2024-01-01T00:00:00+00:00", "code_version": "t"})
    outcome, stderr = run_in_process("publish", "--year", "2021", cwd=root)
    assert outcome == {"rc": 2, "prefect": False}
    db = root / "warehouse" / "fazhi.duckdb"
    assert stderr == f"fazhi publish: error: no report documents for year(s) 2021 in {db} (years present: 2022)\n"
    assert not (root / "releases").exists() and not (root / ".prefect").exists()


def test_outside_a_project_commands_name_fazhi_init(tmp_path):
    outcome, stderr = run_in_process("sql", "SELECT 1", cwd=tmp_path)
    assert outcome == {"rc": 2, "prefect": False}
    assert stderr.count("\n") == 1
    assert stderr.startswith(f"fazhi sql: error: not in a fazhi project: no raw/sources.yaml in {tmp_path} ")
    assert "`fazhi init DIR`" in stderr
    assert list(tmp_path.iterdir()) == []


def test_init_makes_a_project_the_commands_find(tmp_path):
    result = run("init", "proj", cwd=tmp_path, env=_clean_env())
    assert result.returncode == 0, result.stderr
    root = tmp_path / "proj"
    assert (root / "raw" / "manifest.jsonl").read_bytes() == b""
    assert (root / "raw" / "objects").is_dir() and not any((root / "raw" / "objects").iterdir())
    assert "#  - source_id: chaoyang-2022" in (root / "raw" / "sources.yaml").read_text(encoding="utf-8")
    capture = tmp_path / "page.txt"
    capture.write_text("关于2022年法治政府建设情况的报告", encoding="utf-8")
    # Found from inside: the registry is empty, so the source is unknown (one line, exit 2).
    result = run("import-text", "chaoyang-2022", capture, "--note", "tests", cwd=root, env=_clean_env())
    assert result.returncode == 2
    assert "no source with source_id 'chaoyang-2022'" in result.stderr and result.stderr.count("\n") == 1
    again = run("init", "proj", cwd=tmp_path, env=_clean_env())
    assert again.returncode == 2 and "already a fazhi project; nothing was changed" in again.stderr


def test_a_user_error_inside_a_flow_is_one_line_without_prefect_logs(tmp_path):
    # --address with the process runner is refused by the normalize flow itself (pipeline._task_runner),
    # after Prefect started: Prefect's failure logs and tracebacks stay hidden without --debug.
    root = _project_copy(tmp_path / "proj")
    result = run("normalize", "--runner", "process", "--address", "tcp://127.0.0.1:1", cwd=root, env=_clean_env())
    assert result.returncode == 2
    assert result.stderr == "fazhi normalize: error: --address is only meaningful with --runner dask\n"
