"""Accuracy floors on the metric generalization set (tests/fixtures/metric_generalization): 64
hand-written paragraphs in the style of 法治政府建设情况报告 from many places and years, dense with the
figures reports print and the numbers that are not metrics, with gold metrics and catalog codes
written before the extractor was run on them. Scored as `fazhi evaluate` scores the corpus (value,
unit in text order; kind and qualifier on matched ones) plus catalog mapping on the extracted
metrics. The floors are the figures reached when the set was written, minus a margin; the table is
printed (pytest -s) for the record."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.tools.evaluate import _match_in_order, _prf, _value_key, evaluate_corpus, load_corpus, parse_gold_doc

SET_DIR = Path(__file__).parents[1] / "fixtures" / "metric_generalization"


def _mapping(set_dir: Path) -> dict:
    """Catalog codes of the extracted metrics matched to gold ones, against the gold ``code``."""
    assigned = correct = labelled = 0
    misses = []
    for doc in load_corpus(set_dir):
        gold, found = doc.gold["metrics"], parse_gold_doc(doc).metrics
        for i, j in _match_in_order(gold, found, key=lambda m: (_value_key(m.get("value")), m.get("unit"))):
            want, got = gold[i]["code"], found[j]["metric_code"]
            assigned += got is not None
            labelled += want is not None
            correct += got is not None and got == want
            if got != want:
                misses.append((doc.name, gold[i]["span"], want, got, found[j]["subject"]))
    return {
        "assigned": assigned,
        "labelled": labelled,
        "correct": correct,
        "misses": misses,
        "precision": correct / assigned,
        "recall": correct / labelled,
    }


@pytest.fixture(scope="module")
def scores():
    report, mapping = evaluate_corpus(SET_DIR), _mapping(SET_DIR)
    p, r, f = _prf(*report.metrics)
    print(f"\nmetric generalization set: {report.documents} documents, {report.metrics[2]} gold metrics")
    print(f"{'metrics precision (value, unit)':<34}{p:>8.3f}{report.metrics[1]:>8}")
    print(f"{'metrics recall (value, unit)':<34}{r:>8.3f}{report.metrics[2]:>8}")
    print(f"{'metrics F1':<34}{f:>8.3f}")
    print(f"{'metric kind (matched)':<34}{report.kind[0] / report.kind[1]:>8.3f}{report.kind[1]:>8}")
    print(
        f"{'metric qualifier (matched)':<34}{report.qualifier[0] / report.qualifier[1]:>8.3f}{report.qualifier[1]:>8}"
    )
    print(f"{'catalog mapping precision':<34}{mapping['precision']:>8.3f}{mapping['assigned']:>8}")
    print(f"{'catalog mapping recall':<34}{mapping['recall']:>8.3f}{mapping['labelled']:>8}")
    for miss in report.metric_misses + mapping["misses"]:
        print("  ", *miss)
    return report, mapping


def test_the_set_is_what_it_claims(scores):
    report, mapping = scores
    assert report.documents >= 16 and report.metrics[2] >= 300 and mapping["labelled"] >= 100


def test_metric_floors(scores):
    report, _ = scores
    precision, recall, f1 = _prf(*report.metrics)
    assert precision >= 0.97 and recall >= 0.97 and f1 >= 0.97, report.metric_misses
    assert report.kind[0] / report.kind[1] >= 0.97, report.metric_misses
    assert report.qualifier[0] / report.qualifier[1] >= 0.97, report.metric_misses


def test_mapping_floors(scores):
    _, mapping = scores
    assert mapping["precision"] >= 0.95, mapping["misses"]
    assert mapping["recall"] >= 0.93, mapping["misses"]
