"""The metric generalization set (tests/fixtures/metric_generalization): 64 hand-written paragraphs in
the style of 法治政府建设情况报告 from many places and years, dense with the figures reports print and
the numbers that are not metrics, with gold metrics and catalog codes written before the extractor
was run on them. `fazhi evaluate` scores it (value, unit in text order; kind and qualifier on matched
ones; catalog mapping on the extracted metrics against the gold ``code``). Its floors are in
tests/floors.json (set ``metric_generalization``, checked by tests/tools/test_floors.py); the table
is printed (pytest -s) for the record."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.tools.evaluate import evaluate_corpus, format_report

SET_DIR = Path(__file__).parents[1] / "fixtures" / "metric_generalization"


@pytest.fixture(scope="module")
def report():
    result = evaluate_corpus(SET_DIR)
    print("\n" + format_report(result))
    return result


def test_the_set_is_what_it_claims(report):
    assert report.documents >= 16 and report.metrics[2] >= 300
    assert report.mapping[2] >= 100  # gold metrics with a catalog code, matched by the extractor
