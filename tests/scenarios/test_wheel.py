"""fazhi as an installed tool: a wheel (not an editable install) in a fresh venv makes a project with
``fazhi init``, archives the seed text, runs the pipeline and answers a query, from a temporary
directory, without writing a byte inside its installed package.

The fresh venv gets fazhi from the wheel only; its dependencies are the test venv's, made visible by a
``.pth`` path line (not re-downloaded). A path line does not run the test venv's own ``.pth`` files, so
its editable fazhi stays out of reach: the test checks that ``flows`` is imported from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from flows.core.config import PROJECT_DIR

SEED_TEXT = PROJECT_DIR / "tests" / "fixtures" / "corpus" / "seed" / "chaoyang-2022.txt"
SEED_ENTRY = """\
  - source_id: chaoyang-2022
    url: http://www.chaoyang.gov.cn/html/CYSZF/202303/0167817108436099.html
    issuer: 中共朝阳市委 朝阳市人民政府
    region_hint: 辽宁省朝阳市
    report_year_hint: 2022
"""


def _run(command: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def _files(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``directory`` (bytecode caches aside) with its size and modification time."""
    return {
        str(path.relative_to(directory)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with fazhi installed from a wheel built from this checkout; returns its bin/."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"  # built from a copy: building in place would write build/ into the checkout
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(PROJECT_DIR / "flows", source / "flows", symlinks=True, ignore=ignore)
    shutil.copytree(PROJECT_DIR / "schemas", source / "schemas")
    for name in ("pyproject.toml", "README.md", "prefect.yaml"):
        shutil.copy(PROJECT_DIR / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", source, "-w", base / "dist"])
    (wheel,) = (base / "dist").glob("fazhi-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    purelib = Path(
        _run(
            [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    (purelib / "test-venv-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps", wheel])
    return venv


def test_the_installed_wheel_runs_a_new_project_from_anywhere(installed, tmp_path):
    bin_dir = installed / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAZHI_", "PREFECT_")) and k != "PYTHONPATH"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    package = Path(
        _run([bin_dir / "python", "-c", "import flows; print(flows.__file__)"], cwd=tmp_path, env=env).stdout.strip()
    ).parent
    assert package.parent.name == "site-packages" and package.is_relative_to(installed)  # not the checkout
    assert (package / "schemas" / "source.schema.json").is_file() and not (package / "schemas").is_symlink()
    assert (package / "prefect.yaml").is_file()
    before = _files(package.parent)

    _run([bin_dir / "fazhi", "init", "proj"], cwd=tmp_path, env=env)
    root = tmp_path / "proj"
    with (root / "raw" / "sources.yaml").open("a", encoding="utf-8") as registry:
        registry.write(SEED_ENTRY)
    (root / "notes").mkdir()
    here = root / "notes"  # every command below finds the project from a subdirectory
    _run([bin_dir / "fazhi", "import-text", "chaoyang-2022", SEED_TEXT, "--note", "tests: wheel"], cwd=here, env=env)
    run = _run([bin_dir / "fazhi", "run", "--offline"], cwd=here, env=env)
    assert "releases published                               1" in run.stdout
    query = _run([bin_dir / "fazhi", "sql", "SELECT count(*) AS n FROM metrics", "--format", "csv"], cwd=here, env=env)
    assert query.stdout.split() == ["n", "61"]

    # the publish lock sits beside releases/ (never inside the folder people copy to a portal)
    assert sorted(p.name for p in root.iterdir()) == [
        ".prefect",
        ".releases.publish.lock",
        "notes",
        "raw",
        "releases",
        "warehouse",
    ]
    assert (root / "releases" / "2022" / "2022.1").is_dir()
    assert _files(package.parent) == before  # nothing written inside site-packages
