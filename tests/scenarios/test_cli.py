"""The `fazhi` command: help, `parse` contract, clear one-line errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
FAZHI = [sys.executable, "-m", "flows.cli"]


def run(*args, env=None, cwd=PROJECT):
    return subprocess.run([*FAZHI, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_help_explains_every_command():
    out = run("--help").stdout
    for command in ("run", "fetch", "import-text", "normalize", "load", "publish", "parse", "evaluate", "sql", "serve"):
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
    result = run("import-text", "no-such-source", capture, env=env)
    assert result.returncode == 2
    assert "no source with source_id 'no-such-source'" in result.stderr


def test_run_and_publish_take_both_year_spellings():
    from flows.cli import build_parser

    parser = build_parser()
    for command in ("run", "publish"):
        assert parser.parse_args([command, "--year", "2022"]).years == [2022]
        assert parser.parse_args([command, "--years", "2021,2019-2020"]).years == [2019, 2020, 2021]
