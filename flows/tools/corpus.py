"""Which gold corpus ``fazhi evaluate`` scores, and the line it prints when the frozen test copy stands in
for the shared corpus (whose scores are the ones that count)."""

from __future__ import annotations

from pathlib import Path

from flows.core.config import PROJECT_DIR


def resolve_corpus(given: Path | None, env: str | None, project_dir: Path | None = None) -> tuple[Path, str | None]:
    """The corpus to score: ``--corpus``, else ``FAZHI_CORPUS_DIR``, else the shared corpus beside the
    checkout (``../shared/corpus``), else the frozen copy in the checkout's ``tests/fixtures/corpus``;
    with, in that last case only, one line saying so."""
    if given or env:
        return Path(given or env), None
    project_dir = project_dir or PROJECT_DIR
    shared = project_dir.parent / "shared" / "corpus"
    if shared.is_dir():
        return shared, None
    frozen = project_dir / "tests" / "fixtures" / "corpus"
    return frozen, (
        f"fazhi evaluate: no shared corpus at {shared}; scoring the frozen test corpus in {frozen} "
        "(pass --corpus DIR or set FAZHI_CORPUS_DIR to score another)"
    )
