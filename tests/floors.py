"""The accuracy floors of tests/floors.json and the rule that keeps them tight.

A floor sits at the measured score minus at most one item's worth (``step``: 1/n, 2/(predicted +
gold) for an F1), so a score that rises must raise its floor in the same commit, and a score that
falls below its floor fails. A floor lower than any floor committed before for the same measure
needs a ``reason`` beside it (tests/tools/test_floors.py reads the file's git history for that).

``python tests/floors.py`` prints every measure against its floor; ``--raise`` rewrites the floors
that a score has outgrown (it never lowers one: that is a decision, written by hand with a reason).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FLOORS_PATH = TESTS / "floors.json"
# Scores and floors are compared to this precision (floors are written with 4 decimals).
EPSILON = 1e-4


def load_floors() -> dict:
    return json.loads(FLOORS_PATH.read_text(encoding="utf-8"))


_EVALUATED: dict[Path, dict] = {}


def evaluate_measures(corpus_dir: Path, column: str = "all") -> dict[str, dict]:
    """What `fazhi evaluate --corpus DIR --json` reports for one column of its table (a set of the
    corpus, or ``all``): measure -> score, correct, total, step. Each corpus is evaluated once."""
    from flows import cli  # imported on use: `python tests/floors.py` puts the checkout on sys.path first

    if corpus_dir not in _EVALUATED:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = cli.main(["evaluate", "--corpus", str(corpus_dir), "--json"])
        assert code == 0, out.getvalue()
        _EVALUATED[corpus_dir] = json.loads(out.getvalue())["measures"]
    return _EVALUATED[corpus_dir][column]


def label_measures() -> dict[str, dict]:
    """Catalog mapping on the hand labels (real and invented), as ``catalog.score_labels`` scores them."""
    from flows.normalize import catalog  # imported on use, as above

    labels = json.loads((TESTS / "fixtures" / "corpus" / "metric_labels.json").read_text(encoding="utf-8"))
    scored = catalog.score_labels(labels)
    found = {}
    for part, figures in (("real", scored), ("synthetic", scored["synthetic"])):
        found[f"{part} precision"] = measure(figures["correct"], figures["assigned"])
        found[f"{part} recall"] = measure(figures["correct"], figures["labelled"])
    return found


def measure(correct: int, total: int, *, f1: bool = False) -> dict:
    return {"score": correct / total, "correct": correct, "total": total, "step": (2 if f1 else 1) / total}


def floor_for(found: dict) -> float:
    """The loosest floor the rule allows for a measured score: the score minus one item, 4 decimals, rounded down."""
    return math.floor(max(found["score"] - found["step"], 0.0) * 10**4 + 1e-9) / 10**4


def problems(set_name: str, found: dict[str, dict], floors: dict | None = None) -> list[str]:
    """Every way the measures ``found`` for a set disagree with its floors (empty when they agree)."""
    floors = (floors or load_floors())["sets"][set_name]["floors"]
    out = []
    for name in sorted(set(found) - set(floors)):
        out.append(f"{set_name}: '{name}' is measured but has no floor (add {floor_for(found[name])})")
    for name in sorted(set(floors) - set(found)):
        out.append(f"{set_name}: '{name}' has a floor but is no longer measured")
    for name in sorted(set(found) & set(floors)):
        score, floor = found[name]["score"], floors[name]["floor"]
        if score < floor - 1e-9:
            out.append(
                f"{set_name}: '{name}' scores {score:.4f} ({found[name]['correct']}/{found[name]['total']}), "
                f"below its floor {floor}"
            )
        elif floor < floor_for(found[name]) - EPSILON:
            out.append(
                f"{set_name}: '{name}' scores {score:.4f}: raise its floor {floor} to {floor_for(found[name])} "
                "(at most one item below the score)"
            )
    return out


def measured(set_name: str, floors: dict | None = None) -> dict[str, dict]:
    """The measures of a set of floors.json that this module can compute (see each set's ``measured_by``)."""
    spec = (floors or load_floors())["sets"][set_name]
    if spec["measured_by"] == "fazhi evaluate":
        return evaluate_measures(TESTS / spec["path"], spec.get("column", "all"))
    if spec["measured_by"] == "catalog.score_labels":
        return label_measures()
    raise KeyError(f"{set_name} is measured by {spec['measured_by']}, not here")


def main(argv: list[str]) -> int:
    floors = load_floors()
    raise_floors = "--raise" in argv
    for set_name, spec in floors["sets"].items():
        try:
            found = measured(set_name, floors)
        except KeyError:
            print(f"{set_name}: measured by {spec['measured_by']} (its test checks it)")
            continue
        for name, figures in found.items():
            entry = spec["floors"].setdefault(name, {"floor": 0.0})
            loosest = floor_for(figures)
            mark = ""
            if raise_floors and entry["floor"] < loosest - EPSILON:
                entry["floor"], mark = loosest, "  raised"
            print(f"{set_name:<24}{name:<34}{figures['score']:>8.4f}{figures['total']:>6}{entry['floor']:>9}{mark}")
    if raise_floors:
        FLOORS_PATH.write_text(dumps(floors), encoding="utf-8")
    return 0


def dumps(floors: dict) -> str:
    """floors.json as written: one line per measure, so that a diff shows which floor moved."""

    def line(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    out = ["{", f'  "about": {line(floors["about"])},', '  "sets": {']
    sets = list(floors["sets"].items())
    for i, (set_name, spec) in enumerate(sets):
        out.append(f"    {line(set_name)}: {{")
        out += [f"      {line(key)}: {line(value)}," for key, value in spec.items() if key != "floors"]
        out.append('      "floors": {')
        entries = list(spec["floors"].items())
        out += [
            f"        {line(k)}: {line(v)}" + ("," if j < len(entries) - 1 else "") for j, (k, v) in enumerate(entries)
        ]
        out.append("      }")
        out.append("    }" + ("," if i < len(sets) - 1 else ""))
    out += ["  }", "}"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.path.insert(0, str(TESTS.parent))
    sys.exit(main(sys.argv[1:]))
