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


def _clear_caches(module) -> None:
    """Every functools cache of a function defined in ``module``."""
    for value in vars(module).values():
        if hasattr(value, "cache_clear") and getattr(value, "__module__", None) == module.__name__:
            value.cache_clear()


@pytest.fixture(autouse=os.environ.get("FAZHI_MUTATION") == "1")
def _fresh_parser_caches():
    """Under bench/mutation.sh only: each mutant runs in a process forked after the tests ran once, so
    tables built once and cached (the compiled catalog, heading patterns) would still be the ones the
    unmutated code built. Clearing them makes a test run the mutated code."""
    # imported on use: only mutation runs need them
    from flows.normalize import catalog, organs, region_codes, sections, url_places

    catalog._load.cache_clear()
    sections._next_marker_re.cache_clear()
    # The issuer code's caches (region tables, organs read from a line, url spellings) cost ~50 ms a
    # test to rebuild: cleared only when the module holding them, or one they are built from, is the
    # mutated one (mutmut's trampolines give it a `_mutmut_mutated` global).
    for holder, built_from in (
        (region_codes, (region_codes,)),
        (organs, (organs, region_codes)),
        (url_places, (url_places, region_codes)),
    ):
        if any(hasattr(module, "_mutmut_mutated") for module in built_from):
            _clear_caches(holder)
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
