"""Where things live and how the pipeline behaves, from the environment.

The project root holds ``raw/`` (the registry ``raw/sources.yaml`` and the archive), ``warehouse/``,
``releases/`` and Prefect's home ``.prefect/``. It is ``--root`` (the CLI puts it in ``FAZHI_ROOT``),
else ``FAZHI_ROOT``, else the nearest ancestor of the working directory holding ``raw/sources.yaml``,
the way git and dbt find their project (a checkout of this repository is such a project: its
embedded ``raw/`` is the default data). Outside a project, commands that need one stop with a
one-line error naming ``fazhi init DIR``. Each storage root can also be moved on its own.

What the code reads at run time ships inside the package (``flows/schemas`` and
``flows/prefect.yaml`` are symlinks to the repository's top-level files, copied into the wheel), so an
installed fazhi never reads or writes beside its package; the corpus, README and docs paths below are
for development in a checkout only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from flows.core import layout
from flows.core.errors import UserError
from flows.core.storage import working_dir

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Development only: the checkout (in an installed wheel this is site-packages, never written to).
PROJECT_DIR = PACKAGE_DIR.parent
SCHEMAS_DIR = PACKAGE_DIR / "schemas"
DEPLOYMENTS_FILE = PACKAGE_DIR / "prefect.yaml"
DATA_DIR = PACKAGE_DIR / "normalize" / "data"

ROOT_ENV = "FAZHI_ROOT"
# What makes a directory a project root: the sources registry.
ROOT_MARKER = Path("raw") / layout.REGISTRY

USER_AGENT = "fazhi/{version} (+https://github.com/fazhi-data/fazhi; open data on rule-of-law government reports)"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    root: Path
    raw_dir: Path
    warehouse_dir: Path
    releases_dir: Path
    corpus_dir: Path
    # Loopback/private addresses are refused by default so that a registry entry cannot make the
    # pipeline read internal services; tests serve pages on 127.0.0.1 and switch this on.
    allow_private_addresses: bool = False
    # fsspec URLs of the durable copies of raw/, warehouse/ and releases/ (``storage.py``); when one
    # is set, the matching ``*_dir`` is its local working copy.
    raw_url: str | None = None
    warehouse_url: str | None = None
    releases_url: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def registry_path(self) -> Path:
        return self.raw_dir / layout.REGISTRY

    def with_root(self, root: Path) -> Settings:
        root = Path(root).resolve()
        return replace(
            self,
            root=root,
            raw_dir=working_dir(root, "raw", self.raw_url),
            warehouse_dir=working_dir(root, "warehouse", self.warehouse_url),
            releases_dir=working_dir(root, "releases", self.releases_url),
        )


def default_corpus_dir() -> Path:
    """The shared gold corpus beside the checkout, else the frozen copy in the tests' fixtures."""
    shared = PROJECT_DIR.parent / "shared" / "corpus"
    return shared if shared.is_dir() else PROJECT_DIR / "tests" / "fixtures" / "corpus"


def _env_url(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def find_root(start: Path | None = None) -> Path | None:
    """``FAZHI_ROOT``, else the nearest of ``start`` (default: the working directory) and its
    ancestors holding ``raw/sources.yaml``, else None."""
    if os.environ.get(ROOT_ENV):
        return _env_path(ROOT_ENV, Path.cwd())
    start = Path(start or Path.cwd()).resolve()
    for directory in (start, *start.parents):
        if (directory / ROOT_MARKER).is_file():
            return directory
    return None


def project_root() -> Path:
    """The project root (``find_root``), or a ``UserError`` saying how to make or name one."""
    root = find_root()
    if root is None:
        raise UserError(
            f"not in a fazhi project: no {ROOT_MARKER} in {Path.cwd()} or any parent directory; "
            f"create one with `fazhi init DIR`, or name one with --root DIR or {ROOT_ENV}"
        )
    return root


def load_settings(root: Path | None = None) -> Settings:
    """The settings for ``root`` (a flow's ``root`` parameter), else for the project root found."""
    root = Path(root).expanduser().resolve() if root else project_root()
    urls = {name: _env_url(f"FAZHI_{name.upper()}_URL") for name in ("raw", "warehouse", "releases")}
    return Settings(
        root=root,
        raw_dir=_env_path("FAZHI_RAW_DIR", working_dir(root, "raw", urls["raw"])),
        warehouse_dir=_env_path("FAZHI_WAREHOUSE_DIR", working_dir(root, "warehouse", urls["warehouse"])),
        releases_dir=_env_path("FAZHI_RELEASES_DIR", working_dir(root, "releases", urls["releases"])),
        raw_url=urls["raw"],
        warehouse_url=urls["warehouse"],
        releases_url=urls["releases"],
        corpus_dir=_env_path("FAZHI_CORPUS_DIR", default_corpus_dir()),
        allow_private_addresses=os.environ.get("FAZHI_ALLOW_PRIVATE_ADDRESSES", "") in ("1", "true", "yes"),
    )


def configure_prefect(settings: Settings | None = None) -> None:
    """Set Prefect's environment before Prefect is imported.

    Ephemeral mode (no ``PREFECT_API_URL``) with a project-local ``PREFECT_HOME`` so the user's
    home is never touched, quiet logs, and no telemetry attempts on an offline machine. Values the
    user already exported win.
    """
    root = settings.root if settings else find_root()
    defaults = {
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        # Task runs are recorded from events in batches; flush every second (default 5) so a short
        # command's runs are on record before the ephemeral server stops with the process. Not less:
        # the server truncates the interval to whole seconds, and 0 makes its flush loop spin a core.
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
    }
    if root is not None:  # outside a project (a worker importing the flows) Prefect keeps its own home
        defaults["PREFECT_HOME"] = str(root / ".prefect")
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    if "PREFECT_HOME" not in os.environ:
        return
    # Prefect creates its home without parents; a nested project-local home must exist first.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
