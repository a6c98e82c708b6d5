"""The project root: --root / FAZHI_ROOT, else the nearest ancestor holding raw/sources.yaml."""

from __future__ import annotations

import pytest

from flows.core.config import DEPLOYMENTS_FILE, PROJECT_DIR, SCHEMAS_DIR, find_root, load_settings, project_root
from flows.core.errors import UserError


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """tmp/proj is a project (raw/sources.yaml) with a nested directory; tmp/outside is not."""
    monkeypatch.delenv("FAZHI_ROOT", raising=False)
    for name in ("FAZHI_RAW_DIR", "FAZHI_WAREHOUSE_DIR", "FAZHI_RELEASES_DIR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "proj" / "raw").mkdir(parents=True)
    (tmp_path / "proj" / "raw" / "sources.yaml").write_text("sources:\n", encoding="utf-8")
    (tmp_path / "proj" / "reports" / "2022").mkdir(parents=True)
    (tmp_path / "outside" / "raw").mkdir(parents=True)  # a raw/ without a registry is not a project
    return tmp_path


def test_the_nearest_ancestor_with_a_registry_is_the_root(tree, monkeypatch):
    monkeypatch.chdir(tree / "proj" / "reports" / "2022")
    assert find_root() == tree / "proj"
    settings = load_settings()
    assert settings.root == tree / "proj"
    assert settings.registry_path == tree / "proj" / "raw" / "sources.yaml"
    assert settings.warehouse_dir == tree / "proj" / "warehouse"


def test_fazhi_root_wins_over_the_working_directory(tree, monkeypatch):
    monkeypatch.chdir(tree / "proj")
    monkeypatch.setenv("FAZHI_ROOT", str(tree / "outside"))
    assert find_root() == tree / "outside"
    assert load_settings().raw_dir == tree / "outside" / "raw"


def test_outside_a_project_the_error_names_fazhi_init(tree, monkeypatch):
    monkeypatch.chdir(tree / "outside")
    assert find_root() is None
    with pytest.raises(UserError) as caught:
        project_root()
    message = str(caught.value)
    assert "\n" not in message
    assert "`fazhi init DIR`" in message and str(tree / "outside") in message


def test_what_the_code_reads_at_run_time_is_inside_the_package():
    # In a checkout these are symlinks to the top-level files; a wheel holds them as files.
    assert (SCHEMAS_DIR / "source.schema.json").is_file()
    assert (SCHEMAS_DIR / "metric_catalog.yaml").is_file()
    assert DEPLOYMENTS_FILE.is_file()
    assert SCHEMAS_DIR.resolve() == (PROJECT_DIR / "schemas").resolve()
    assert DEPLOYMENTS_FILE.resolve() == (PROJECT_DIR / "prefect.yaml").resolve()
