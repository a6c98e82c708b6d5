"""The canonical metric catalog (``schemas/metric_catalog.yaml``) and the mapping of extracted
metrics onto it.

A metric record from ``flows/metrics.py`` says what was counted (``subject``), in which
``sentence``, with which ``unit`` and ``kind``. ``assign_code`` returns the catalog code that
record measures, or None. The rules are data (keyword lists in the YAML, validated against
``schemas/metric_catalog.schema.json``); this module only compiles and applies them.

Precision comes before recall: a metric two indicators both accept stays unmapped, and subject words (受理 / 办结 / 纠错) decide what is counted while sentence words only
supply the topic (复议, 12345, 建议提案).

Numbers that compare: each indicator counts one ``unit_family`` (people, person-times, items, ...;
the units of each are the schema's ``x-units``) and accepts printed units from it, one for one or
with a conversion factor. A metric whose words fit an indicator but whose unit it does not accept is
left unmapped with a ``catalog_warning``; a mapped one carries ``catalog_value``, its value in the
indicator's canonical unit.
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

# Multipliers and approximations sometimes left in front of a printed unit (万件, 余人). Extracted
# metrics carry the multiplier in their value and never in their unit; a unit printed with one means
# a value in that multiple.
_UNIT_PREFIX_RE = re.compile(r"^[万亿千百余多]+(?=.)")
_PREFIX_FACTORS = {"万": 10_000, "亿": 100_000_000, "千": 1_000, "百": 100}


class CatalogError(UserError, ValueError):
    """The catalog file does not satisfy its schema or its own consistency rules."""


def split_unit(unit: str | None) -> tuple[str, float]:
    """``(unit, factor)``: the unit folded and trimmed without the multiplier or approximation in front
    of it, and the multiplier's factor (萬人次 -> (人次, 10000), 余人 -> (人, 1))."""
    if not unit:
        return "", 1
    folded = textnorm.fold(unit).strip()
    prefix = _UNIT_PREFIX_RE.match(folded)
    if not prefix:
        return folded, 1
    factor = 1
    for char in prefix.group():
        factor *= _PREFIX_FACTORS.get(char, 1)
    return folded[prefix.end() :], factor


def normalize_unit(unit: str | None) -> str:
    """The form units are compared in: folded, trimmed, multiplier prefix dropped (萬件 -> 件)."""
    return split_unit(unit)[0]


@cache
def unit_families() -> dict[str, frozenset[str]]:
    """Each unit family and the printed units that can measure it (the schema's ``unit_family`` ``x-units``)."""
    prop = contracts.load_schema(SCHEMA_NAME)["properties"]["unit_family"]
    return {family: frozenset(units) for family, units in prop["x-units"].items()}


@dataclass(frozen=True)
class Mapping:
    """What the catalog makes of one metric: its code, its value in the code's unit, or why not."""

    code: str | None
    value: float | None = None
    warning: str | None = None


def _alternation(words: Iterable[str]) -> re.Pattern | None:
    words = sorted(set(words), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


@dataclass(frozen=True)
class _Keywords:
    all_of: tuple[re.Pattern, ...]
    any_of: re.Pattern | None
    none_of: re.Pattern | None
    needed: frozenset[str] | None = None  # words one of which the text must hold (None: no such words)

    @classmethod
    def compile(cls, spec: dict | None) -> _Keywords:
        spec = spec or {}
        needed = spec.get("any_of") or (spec.get("all_of") or [None])[0]
        return cls(
            all_of=tuple(_alternation(group) for group in spec.get("all_of", [])),
            any_of=_alternation(spec.get("any_of", [])),
            none_of=_alternation(spec.get("none_of", [])),
            needed=frozenset(needed) if needed else None,
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
    family: str = ""
    # accepted unit -> factor to the entry's canonical unit (the catalog row's ``unit``)
    factors: dict = field(default_factory=dict, compare=False)
    # the subject words one of which some rule needs (None: a rule needs none)
    gate: re.Pattern | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "gate", _gate([self]))

    def accepts(self, kind: str | None, unit: str, subject: str, sentence: str) -> bool:
        if kind not in self.kinds or unit not in self.units:
            return False
        return self.describes(subject, sentence)

    def describes(self, subject: str, sentence: str) -> bool:
        """Whether the keyword rules hold, whatever the kind and unit."""
        if self.gate is not None and not self.gate.search(subject):
            return False  # no rule's needed subject word is there: one search instead of two per rule
        return any(rule.holds(subject, sentence) for rule in self.rules)

    def factor(self, printed_unit: str | None) -> float | None:
        """What turns a value printed in ``printed_unit`` into this indicator's unit; None if not accepted."""
        folded = textnorm.fold(printed_unit or "").strip()
        if folded in self.factors:  # a conversion listed as printed (万人次: 10000)
            return self.factors[folded]
        unit, multiplier = split_unit(printed_unit)
        return self.factors[unit] * multiplier if unit in self.factors else None


@dataclass(frozen=True)
class Catalog:
    rows: tuple[dict, ...]
    indicators: tuple[Indicator, ...]
    # Indicators by each (kind, unit) they accept, in catalog order: a metric only meets the keyword
    # rules of indicators that take its kind and unit.
    by_kind_unit: dict[tuple, tuple[Indicator, ...]] = field(init=False, repr=False, compare=False)
    # Per kind, the indicators taking it and the subject words one of which a metric needs before any
    # of their rules can hold (None: some rule needs none): the unit warning's cheap first test.
    by_kind: dict[str, tuple[tuple[Indicator, ...], re.Pattern | None]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pairs: dict[tuple, list[Indicator]] = {}
        kinds: dict[str, list[Indicator]] = {}
        for indicator in self.indicators:
            for kind in sorted(indicator.kinds):
                kinds.setdefault(kind, []).append(indicator)
                for unit in sorted(indicator.units):
                    pairs.setdefault((kind, unit), []).append(indicator)
        object.__setattr__(self, "by_kind_unit", {pair: tuple(found) for pair, found in pairs.items()})
        object.__setattr__(self, "by_kind", {kind: (tuple(found), _gate(found)) for kind, found in kinds.items()})

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
        chosen = self._choose(self.matching(metric))
        return chosen.code if chosen else None

    def map(self, metric: dict) -> Mapping:
        """``metric``'s code and its value in the code's unit; unmapped, the warning when an indicator's
        words describe it but its unit is not one the indicator accepts."""
        chosen = self._choose(self.matching(metric))
        if chosen is not None:
            value = metric.get("value")
            factor = chosen.factor(metric.get("unit"))
            return Mapping(chosen.code, None if value is None else value * factor)
        return Mapping(None, warning=self._unit_warning(metric))

    @staticmethod
    def _choose(found: list[Indicator]) -> Indicator | None:
        """The one indicator that accepts a metric; None when none does or two do (a tie)."""
        return found[0] if len(found) == 1 else None

    def _unit_warning(self, metric: dict) -> str | None:
        unit = normalize_unit(metric.get("unit"))
        indicators, gate = self.by_kind.get(metric.get("kind"), ((), None))
        if not unit or not indicators:
            return None
        subject = textnorm.fold(metric.get("subject") or "")
        if gate is not None and not gate.search(subject):
            return None
        sentence = _sentence_view(metric, subject)
        refused = [ind for ind in indicators if unit not in ind.units and ind.describes(subject, sentence)]
        if not refused:
            return None
        said = "; ".join(f"{ind.code} counts {ind.family} in {', '.join(sorted(ind.factors))}" for ind in refused)
        return f"unit {metric.get('unit')} not accepted: {said}"


def _gate(indicators: list[Indicator]) -> re.Pattern | None:
    words: set[str] = set()
    for indicator in indicators:
        for rule in indicator.rules:
            if rule.subject.needed is None:
                return None
            words |= rule.subject.needed
    return _alternation(words)


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
    family = unit_families()[entry["unit_family"]]
    for where, units in (("units", rules["units"]), ("conversions", rules.get("conversions", {}))):
        outside = [u for u in units if normalize_unit(u) not in family]
        if outside:
            problems.append(
                f"match_rules/{where}: {', '.join(map(repr, outside))} not in unit family {entry['unit_family']!r} "
                f"({', '.join(sorted(family))})"
            )
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
    factors = {normalize_unit(u): 1 for u in rules["units"]}
    factors |= {textnorm.fold(u).strip(): factor for u, factor in rules.get("conversions", {}).items()}
    return Indicator(
        code=entry["metric_code"],
        kinds=frozenset(rules["kinds"]),
        units=frozenset(normalize_unit(u) for u in [*rules["units"], *rules.get("conversions", {})]),
        rules=tuple(
            _Rule(_Keywords.compile(rule.get("subject")), _Keywords.compile(rule.get("sentence")))
            for rule in rules["rules"]
        ),
        family=entry["unit_family"],
        factors=factors,
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
    """Copies of ``metrics`` with ``metric_code`` and ``catalog_value`` filled in (None where no
    indicator fits) and ``catalog_warning`` (why a metric an indicator describes was not mapped)."""
    catalog = catalog or load_catalog()
    coded = []
    for metric in metrics:
        found = catalog.map(metric)
        coded.append(
            {**metric, "metric_code": found.code, "catalog_value": found.value, "catalog_warning": found.warning}
        )
    return coded


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
