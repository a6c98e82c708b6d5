"""Accuracy floors on the generalization set (tests/fixtures/generalization): hand-written openings of
reports from jurisdictions and page layouts the gold corpus does not cover, scored the way
`fazhi evaluate` scores the corpus. The floors are what the parser reached when the set was written
against it, minus a small margin; the table is printed (pytest -s) for the record."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.tools.evaluate import FIELDS, _prf, evaluate_corpus, format_report

SET_DIR = Path(__file__).parents[1] / "fixtures" / "generalization"


@pytest.fixture(scope="module")
def report():
    result = evaluate_corpus(SET_DIR)
    print("\n" + format_report(result))
    return result


def test_the_set_is_what_it_claims(report):
    assert report.reports[1] >= 40 and report.negatives[1] >= 10


def test_field_accuracy_floors(report):
    for name in FIELDS:
        correct, total = report.fields[name]
        assert correct / total >= 0.95, (name, report.field_misses[name])


def test_headings_f1_floor(report):
    assert _prf(*report.headings)[2] >= 0.97, report.heading_misses


def test_reports_and_negatives(report):
    assert report.reports[0] == report.reports[1], report.negative_misses
    assert report.negatives[0] / report.negatives[1] >= 0.9, report.negative_misses
