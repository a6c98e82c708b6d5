"""The README is a contract: its two commands open it, and its example queries print what it shows."""

from __future__ import annotations

import re
import shutil

from flows import stages
from flows.core.config import PROJECT_DIR, load_settings
from flows.tools.readme_queries import blocks, render

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_setup_and_test_commands():
    fenced = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    assert fenced[:2] == [
        'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/fazhi run --offline',
        ".venv/bin/python -m pytest",
    ]
    assert README.index(fenced[0]) < 200
    ci = (PROJECT_DIR / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == fenced[1]


def test_readme_queries_print_what_the_readme_shows(tmp_path):
    shutil.copytree(PROJECT_DIR / "raw", tmp_path / "raw")
    settings = load_settings().with_root(tmp_path)
    stages.normalize_stage(settings)
    stages.load_stage(
        settings,
        run={
            "run_id": "readme",
            "started_at": "2024-01-01T00:00:00+00:00",
            "code_version": "test",
            "parser_version": "test",
        },
    )
    assert len(blocks(README)) >= 5
    assert render(settings.warehouse_dir / "fazhi.duckdb", README) == README


def test_data_dictionary_is_generated_from_the_current_schemas():
    from flows.tools.dictionary import DICTIONARY_PATH, render

    text = render()
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == text, "run: python -m flows.tools.dictionary --write"
    for table in ("documents", "sections", "metrics", "metric_catalog", "quarantine", "runs"):
        assert f"## `{table}`" in text
    assert "`reconsideration_cases_received`" in text
