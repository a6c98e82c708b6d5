"""The ratchet: every accuracy floor in tests/floors.json against what `fazhi evaluate` measures now,
and every lowered floor with its written reason."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from floors import FLOORS_PATH, floor_for, load_floors, measure, measured, problems

FLOORS = load_floors()
CHECKED_HERE = [
    name for name, spec in FLOORS["sets"].items() if spec["measured_by"] != "tests/normalize/test_regions.py"
]


@pytest.mark.parametrize("set_name", CHECKED_HERE)
def test_scores_sit_on_their_floors(set_name):
    assert problems(set_name, measured(set_name)) == []


def test_every_set_has_floors_and_entries_hold_only_a_floor_and_a_reason():
    for set_name, spec in FLOORS["sets"].items():
        assert spec["floors"], set_name
        for name, entry in spec["floors"].items():
            assert set(entry) <= {"floor", "reason"} and 0 <= entry["floor"] <= 1, (set_name, name)
            if "reason" in entry:
                assert isinstance(entry["reason"], str) and len(entry["reason"].strip()) >= 10, (set_name, name)


def _committed_versions() -> list[dict]:
    """tests/floors.json as every commit that touched it left it (oldest first)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = FLOORS_PATH.parents[1]
    run = lambda *args: subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)  # noqa: E731
    log = run("log", "--format=%H", "--reverse", "--", "tests/floors.json")
    if log.returncode != 0:
        pytest.skip(f"not a git checkout: {log.stderr.strip()}")
    versions = []
    for commit in log.stdout.split():
        shown = run("show", f"{commit}:tests/floors.json")
        if shown.returncode == 0:
            versions.append(json.loads(shown.stdout))
    return versions


def lowered_without_reason(current: dict, history: list[dict]) -> list[str]:
    """Floors below the highest floor any committed version set for the same set and measure, without a reason."""
    highest: dict[tuple[str, str], float] = {}
    for version in history:
        for set_name, spec in version["sets"].items():
            for name, entry in spec["floors"].items():
                key = (set_name, name)
                highest[key] = max(highest.get(key, 0.0), entry["floor"])
    out = []
    for set_name, spec in current["sets"].items():
        for name, entry in spec["floors"].items():
            high = highest.get((set_name, name))
            if high is not None and entry["floor"] < high - 1e-9 and not entry.get("reason"):
                out.append(f"{set_name}: '{name}' floor {entry['floor']} is below the committed {high}: add a reason")
    return out


def test_a_floor_lowered_below_a_committed_one_carries_a_reason():
    assert lowered_without_reason(FLOORS, _committed_versions()) == []


# --- the rule itself, on figures made up here ------------------------------------------------------


def _floors(**entries) -> dict:
    return {"sets": {"s": {"measured_by": "fazhi evaluate", "path": "x", "floors": entries}}}


def test_the_floor_is_at_most_one_item_below_the_score():
    assert floor_for(measure(28, 28)) == 0.9642  # 27/28 = 0.96428…, rounded down
    assert floor_for(measure(34, 36)) == 0.9166
    assert floor_for(measure(118, 118, f1=False)) == 0.9915
    assert floor_for({"score": 1.0, "step": 2 / 236}) == 0.9915  # F1: one item is 2/(predicted + gold)


def test_problems_name_a_fall_a_slack_floor_a_missing_and_a_stale_one():
    found = {"a": measure(27, 28), "b": measure(28, 28), "c": measure(10, 10)}
    floors = _floors(a={"floor": 0.9642}, b={"floor": 0.9}, d={"floor": 0.5})
    assert problems("s", {"a": measure(27, 28)}, _floors(a={"floor": 0.9642})) == []
    got = problems("s", found, floors)
    assert got == [
        "s: 'c' is measured but has no floor (add 0.9)",
        "s: 'd' has a floor but is no longer measured",
        "s: 'b' scores 1.0000: raise its floor 0.9 to 0.9642 (at most one item below the score)",
    ]
    fallen = problems("s", {"a": measure(26, 28)}, _floors(a={"floor": 0.9642}))
    assert fallen == ["s: 'a' scores 0.9286 (26/28), below its floor 0.9642"]


def test_lowering_a_committed_floor_needs_a_reason():
    history = [_floors(a={"floor": 0.98}), _floors(a={"floor": 0.99})]
    assert lowered_without_reason(_floors(a={"floor": 0.99}), history) == []
    assert lowered_without_reason(_floors(a={"floor": 0.97}), history) == [
        "s: 'a' floor 0.97 is below the committed 0.99: add a reason"
    ]
    reasoned = _floors(a={"floor": 0.97, "reason": "the set grew by 37 harder pages (dev2)"})
    assert lowered_without_reason(reasoned, history) == []
    assert lowered_without_reason(_floors(b={"floor": 0.5}), history) == []  # a new measure has no history
