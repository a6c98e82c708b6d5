"""Where things live and how the pipeline behaves, from the environment.

Every path defaults to the project checkout (the directory holding ``pyproject.toml``), so that a
fresh clone runs from its embedded ``raw/`` without any configuration. ``FAZHI_ROOT`` moves all of
them at once (tests point it at a temporary directory); each can also be moved on its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from flows.core import layout
from flows.core.storage import working_dir

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent
SCHEMAS_DIR = PROJECT_DIR / "schemas"
DATA_DIR = PACKAGE_DIR / "normalize" / "data"

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


def load_settings() -> Settings:
    root = _env_path("FAZHI_ROOT", PROJECT_DIR)
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
    settings = settings or load_settings()
    defaults = {
        "PREFECT_HOME": str(settings.root / ".prefect"),
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
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    # Prefect creates its home without parents; a nested project-local home must exist first.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
