"""Shared fixtures. The Prefect test harness starts once per session, only if a flow test needs it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

from flows.core.config import PROJECT_DIR, configure_prefect

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = Path(os.environ.get("FAZHI_CORPUS_DIR") or FIXTURES / "corpus")

# Tests never touch the user's home or a real Prefect server.
os.environ.pop("PREFECT_API_URL", None)
os.environ.setdefault("PREFECT_HOME", str(PROJECT_DIR / ".prefect" / "tests"))
configure_prefect()

# bench/mutation.sh runs the tests once per mutant on a loaded machine: no deadline (a slow example
# there is not a failure) and the same examples for every mutant.
settings.register_profile("mutation", deadline=None, derandomize=True)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.fixture(autouse=os.environ.get("FAZHI_MUTATION") == "1")
def _fresh_parser_caches():
    """Under bench/mutation.sh only: each mutant runs in a process forked after the tests ran once, so
    tables built once and cached (the compiled catalog, heading patterns) would still be the ones the
    unmutated code built. Clearing them makes a test run the mutated code."""
    from flows.normalize import catalog, sections  # imported on use: only mutation runs need them

    catalog._load.cache_clear()
    sections._next_marker_re.cache_clear()
    yield


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not (CORPUS / "seed" / "chaoyang-2022.gold.json").exists():
        pytest.skip(f"gold corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def seed(corpus_dir):
    text = (corpus_dir / "seed" / "chaoyang-2022.txt").read_text(encoding="utf-8")
    gold = json.loads((corpus_dir / "seed" / "chaoyang-2022.gold.json").read_text(encoding="utf-8"))
    return text, gold


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the whole session (starting one costs ~12 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
