"""The canonical metric catalog (``schemas/metric_catalog.yaml``) and the mapping of extracted
metrics onto it.

A metric record from ``flows/metrics.py`` says what was counted (``subject``), in which
``sentence``, with which ``unit`` and ``kind``. ``assign_code`` returns the catalog code that
record measures, or None. The rules are data (keyword lists in the YAML, validated against
``schemas/metric_catalog.schema.json``); this module only compiles and applies them.

Precision comes before recall: a metric two indicators both accept stays unmapped, and subject words (受理 / 办结 / 纠错) decide what is counted while sentence words only
supply the topic (复议, 12345, 建议提案).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from flows.core import contracts, textnorm
from flows.core.config import SCHEMAS_DIR
from flows.core.errors import UserError

CATALOG_PATH = SCHEMAS_DIR / "metric_catalog.yaml"
SCHEMA_NAME = "metric_catalog"

# Multipliers and approximations sometimes left in front of a printed unit (万件, 余人).
_UNIT_PREFIX_RE = re.compile(r"^[万亿千百余多]+(?=.)")


class CatalogError(UserError, ValueError):
    """The catalog file does not satisfy its schema or its own consistency rules."""


def normalize_unit(unit: str | None) -> str:
    """The form units are compared in: folded, trimmed, multiplier prefix dropped (萬件 -> 件)."""
    if not unit:
        return ""
    return _UNIT_PREFIX_RE.sub("", textnorm.fold(unit).strip())


def _alternation(words: Iterable[str]) -> re.Pattern | None:
    words = sorted(set(words), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


@dataclass(frozen=True)
class _Keywords:
    all_of: tuple[re.Pattern, ...]
    any_of: re.Pattern | None
    none_of: re.Pattern | None

    @classmethod
    def compile(cls, spec: dict | None) -> _Keywords:
        spec = spec or {}
        return cls(
            all_of=tuple(_alternation(group) for group in spec.get("all_of", [])),
            any_of=_alternation(spec.get("any_of", [])),
            none_of=_alternation(spec.get("none_of", [])),
        )

    def holds(self, text: str) -> bool:
        if self.none_of is not None and self.none_of.search(text):
            return False
        if self.any_of is not None and not self.any_of.search(text):
            return False
        return all(group.search(text) for group in self.all_of)


@dataclass(frozen=True)
class _Rule:
    subject: _Keywords
    sentence: _Keywords

    def holds(self, subject: str, sentence: str) -> bool:
        return self.subject.holds(subject) and self.sentence.holds(sentence)


@dataclass(frozen=True)
class Indicator:
    """One compiled catalog entry."""

    code: str
    kinds: frozenset[str]
    units: frozenset[str]
    rules: tuple[_Rule, ...]

    def accepts(self, kind: str | None, unit: str, subject: str, sentence: str) -> bool:
        if kind not in self.kinds or unit not in self.units:
            return False
        return any(rule.holds(subject, sentence) for rule in self.rules)


@dataclass(frozen=True)
class Catalog:
    rows: tuple[dict, ...]
    indicators: tuple[Indicator, ...]
    # Indicators by each (kind, unit) they accept, in catalog order: a metric only meets the keyword
    # rules of indicators that take its kind and unit.
    by_kind_unit: dict[tuple, tuple[Indicator, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pairs: dict[tuple, list[Indicator]] = {}
        for indicator in self.indicators:
            for kind in sorted(indicator.kinds):
                for unit in sorted(indicator.units):
                    pairs.setdefault((kind, unit), []).append(indicator)
        object.__setattr__(self, "by_kind_unit", {pair: tuple(found) for pair, found in pairs.items()})

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(indicator.code for indicator in self.indicators)

    def row(self, code: str) -> dict:
        for row in self.rows:
            if row["metric_code"] == code:
                return copy.deepcopy(row)
        raise KeyError(code)

    def matching(self, metric: dict) -> list[Indicator]:
        """Every indicator whose rules accept ``metric``."""
        kind = metric.get("kind")
        unit = normalize_unit(metric.get("unit"))
        candidates = self.by_kind_unit.get((kind, unit))
        if not candidates:  # no indicator takes this kind and unit: no keyword needs to run
            return []
        subject = textnorm.fold(metric.get("subject") or "")
        sentence = _sentence_view(metric, subject)
        return [ind for ind in candidates if ind.accepts(kind, unit, subject, sentence)]

    def assign(self, metric: dict) -> str | None:
        """The one indicator that accepts ``metric``; None when none does or two do (a tie)."""
        found = self.matching(metric)
        return found[0].code if len(found) == 1 else None


def _sentence_view(metric: dict, folded_subject: str) -> str:
    """The folded sentence up to the end of the value, plus the subject.

    Text after the value belongs to the next statement ("办结率99%,群众满意率97%"); the topic of a
    value is announced before it. When the span occurs more than once, the first occurrence after
    the subject is the value the subject describes."""
    sentence = textnorm.fold(metric.get("sentence") or "")
    span = textnorm.fold(metric.get("span") or "")
    end = len(sentence)
    if span:
        starts = _occurrences(span, sentence)
        if starts:
            at = sentence.find(folded_subject) if folded_subject else -1
            after = [s for s in starts if at >= 0 and s >= at]
            end = (after[0] if after else starts[0]) + len(span)
    return sentence[:end] + "\n" + folded_subject


def _occurrences(needle: str, text: str) -> list[int]:
    """Starts of the non-overlapping occurrences of ``needle`` in ``text``, left to right (what
    ``re.finditer(re.escape(needle), text)`` finds, without compiling a pattern per metric)."""
    starts, at = [], text.find(needle)
    while at >= 0:
        starts.append(at)
        at = text.find(needle, at + len(needle))
    return starts


def _entry_name(index: int, entry) -> str:
    code = entry.get("metric_code") if isinstance(entry, dict) else None
    return f"entry #{index + 1}" + (f" ({code})" if code else "")


def _consistency_problems(entry: dict) -> list[str]:
    """What the schema cannot say: the canonical kind/unit must be accepted, and keywords must be
    written in the folded (simplified, half-width) form they are compared in."""
    rules = entry["match_rules"]
    problems = []
    if entry["kind"] not in rules["kinds"]:
        problems.append(f"match_rules/kinds: canonical kind {entry['kind']!r} is not accepted")
    if normalize_unit(entry["unit"]) not in {normalize_unit(u) for u in rules["units"]}:
        problems.append(f"match_rules/units: canonical unit {entry['unit']!r} is not accepted")
    for i, rule in enumerate(rules["rules"]):
        for part in ("subject", "sentence"):
            spec = rule.get(part) or {}
            words = [w for group in spec.get("all_of", []) for w in group]
            words += spec.get("any_of", []) + spec.get("none_of", [])
            for word in words:
                if textnorm.fold(word) != word:
                    problems.append(
                        f"match_rules/rules/{i}/{part}: keyword {word!r} is not in folded form "
                        f"({textnorm.fold(word)!r}) and would never match"
                    )
    return problems


def _compile(entry: dict) -> Indicator:
    rules = entry["match_rules"]
    return Indicator(
        code=entry["metric_code"],
        kinds=frozenset(rules["kinds"]),
        units=frozenset(normalize_unit(u) for u in rules["units"]),
        rules=tuple(
            _Rule(_Keywords.compile(rule.get("subject")), _Keywords.compile(rule.get("sentence")))
            for rule in rules["rules"]
        ),
    )


@cache
def _load(path: Path) -> Catalog:
    entries = contracts.read_yaml(path)
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{path.name}: expected a non-empty list of catalog entries")
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        problems = contracts.errors(entry, SCHEMA_NAME)
        if not problems:
            problems = _consistency_problems(entry)
            code = entry["metric_code"]
            if code in seen:
                problems.append(f"metric_code: duplicate of entry #{seen[code] + 1}")
            seen[code] = index
        if problems:
            raise CatalogError(f"{path.name} {_entry_name(index, entry)}: " + "; ".join(problems))
    return Catalog(rows=tuple(entries), indicators=tuple(_compile(entry) for entry in entries))


def load_catalog(path: str | Path | None = None) -> Catalog:
    """The catalog, read and validated once per path (``CatalogError`` names the entry and field)."""
    return _load(Path(path or CATALOG_PATH).resolve())


def assign_code(metric: dict, catalog: Catalog | None = None) -> str | None:
    """The catalog code ``metric`` measures (from its subject, sentence, span, unit and kind), or None."""
    return (catalog or load_catalog()).assign(metric)


def assign_codes(metrics: Iterable[dict], catalog: Catalog | None = None) -> list[dict]:
    """Copies of ``metrics`` with ``metric_code`` filled in (None where no indicator fits)."""
    catalog = catalog or load_catalog()
    return [{**metric, "metric_code": catalog.assign(metric)} for metric in metrics]


def catalog_rows(catalog: Catalog | None = None) -> list[dict]:
    """Rows of the warehouse table ``metric_catalog``: each entry as validated by its schema, with
    ``match_rules`` kept structured (an object); loaders store that column as JSON text."""
    return [copy.deepcopy(row) for row in (catalog or load_catalog()).rows]


def score_labels(labels: Iterable[dict] | dict, catalog: Catalog | None = None) -> dict:
    """Mapping accuracy on hand-labelled metrics (tests/fixtures/corpus/metric_labels.json).

    ``labels`` is the label list, or the label file's object holding it under ``labels``. Each
    label carries a metric's ``subject``, ``sentence``, ``span``, ``unit``, ``kind`` and the
    analyst's ``expected_code`` (None = no indicator). precision = correct codes / codes assigned;
    recall = correct codes / labels with an expected code; ``misses`` lists every disagreement.
    The top-level figures are for real-corpus labels; ``synthetic`` holds the same figures for the
    invented examples, which are kept apart because they were written alongside the rules."""
    if isinstance(labels, dict):
        labels = labels["labels"]
    catalog = catalog or load_catalog()
    real, synthetic = [], []
    for label in labels:
        (synthetic if label.get("synthetic") else real).append(label)
    return {**_score(real, catalog), "synthetic": _score(synthetic, catalog)}


def _score(labels: list[dict], catalog: Catalog) -> dict:
    assigned = correct = labelled = 0
    misses = []
    for label in labels:
        want, got = label.get("expected_code"), catalog.assign(label)
        assigned += got is not None
        labelled += want is not None
        if got is not None and got == want:
            correct += 1
        elif got != want:
            misses.append(
                {"key": label.get("key"), "expected_code": want, "assigned_code": got, "subject": label.get("subject")}
            )
    return {
        "labels": len(labels),
        "labelled": labelled,
        "assigned": assigned,
        "correct": correct,
        "precision": correct / assigned if assigned else None,
        "recall": correct / labelled if labelled else None,
        "misses": misses,
    }
