"""The shape rules docs/DEVELOPING.md states and import-linter cannot check: small modules, and no
project import hidden in a function body unless a comment beside it says why."""

from __future__ import annotations

import ast
from pathlib import Path

FLOWS = Path(__file__).resolve().parents[1] / "flows"
MAX_MODULE_LINES = 600


def _modules() -> list[Path]:
    return sorted(FLOWS.rglob("*.py"))


def hidden_imports(source: str) -> list[int]:
    """Line numbers of ``flows`` imports inside a function body with no comment on the import's
    lines or just above it (or above the block of imports it belongs to)."""
    lines = source.splitlines()
    found = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if not any(name == "flows" or name.startswith("flows.") for name in names):
                continue
            first = node.lineno - 1  # a comment above a block of imports covers the block
            while first > 0 and lines[first - 1].lstrip().startswith(("from ", "import ")):
                first -= 1
            around = lines[max(first - 1, 0) : node.end_lineno]
            if not any("#" in line for line in around):
                found.append(node.lineno)
    return sorted(set(found))


def test_the_rule_finds_an_uncommented_import_and_accepts_a_commented_one():
    source = (
        "def f():\n"  # 1
        "    from flows.core import layout\n"  # 2: no reason given
        "\n"
        "def g():\n"
        "    # imported here: only g needs it\n"
        "    from flows.core import layout\n"  # 6
        "    from flows.core import atomic\n"  # 7: same block as 6
        "\n"
        "    from flows.core import lock\n"  # 9: a new block, no reason
        "\n"
        "def h():\n"
        "    import json\n"
        "    from flows.core import errors\n"  # 13: below a standard-library import, no reason
    )
    assert hidden_imports(source) == [2, 9, 13]


def test_no_project_import_hidden_in_a_function_without_a_reason():
    offenders = {
        str(path.relative_to(FLOWS)): lines
        for path in _modules()
        if (lines := hidden_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_no_module_over_600_lines():
    sizes = {str(path.relative_to(FLOWS)): len(path.read_text(encoding="utf-8").splitlines()) for path in _modules()}
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}
