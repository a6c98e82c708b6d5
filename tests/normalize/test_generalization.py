"""Accuracy floors on the generalization set (tests/fixtures/generalization): hand-written openings of
reports from jurisdictions and page layouts the gold corpus does not cover, scored the way
`fazhi evaluate` scores the corpus. Its floors are in tests/floors.json (set ``generalization``,
checked by tests/tools/test_floors.py); the table is printed (pytest -s) for the record."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.tools.evaluate import evaluate_corpus, format_report

SET_DIR = Path(__file__).parents[1] / "fixtures" / "generalization"


@pytest.fixture(scope="module")
def report():
    result = evaluate_corpus(SET_DIR)
    print("\n" + format_report(result))
    return result


def test_the_set_is_what_it_claims(report):
    assert report.reports[1] >= 40 and report.negatives[1] >= 10


def test_every_report_is_read_as_one(report):
    assert report.reports[0] == report.reports[1], report.negative_misses
