"""Issue 14's accuracy bar: the gold corpus printed to PDF by headless Chromium (A4, a CJK font) and
saved as .docx, built here, scores within 0.01 of the text path on every measure of `fazhi evaluate`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from attachment_files import FIXTURES, docx_file

from flows.tools.evaluate import FIELDS, _prf, as_attachments, evaluate_corpus, load_corpus
from flows.tools.printed import find_chromium

TOLERANCE = 0.01


def measures(report) -> dict[str, float]:
    scores = {f"field {name}": correct / total for name, (correct, total) in report.fields.items() if total}
    scores["headings F1"] = _prf(*report.headings)[2]
    scores["metrics F1"] = _prf(*report.metrics)[2]
    scores["metric kind"] = report.kind[0] / report.kind[1]
    scores["metric qualifier"] = report.qualifier[0] / report.qualifier[1]
    scores["reports"] = report.reports[0] / report.reports[1]
    scores["negatives"] = report.negatives[0] / report.negatives[1]
    return scores


@pytest.fixture(scope="module")
def text_scores(corpus_dir):
    return measures(evaluate_corpus(corpus_dir))


def assert_within(scores: dict, reference: dict) -> None:
    assert set(scores) == set(reference) and {f"field {name}" for name in FIELDS} <= set(scores)
    worse = {name: (round(scores[name], 3), round(reference[name], 3)) for name in reference}
    worse = {name: pair for name, pair in worse.items() if pair[0] < pair[1] - TOLERANCE}
    assert not worse, worse


def test_docx_path_scores_within_0_01_of_the_text_path(corpus_dir, text_scores):
    report = evaluate_corpus(corpus_dir, as_format="docx")
    assert report.documents == len(load_corpus(corpus_dir))
    assert_within(measures(report), text_scores)


@pytest.mark.browser
def test_pdf_path_scores_within_0_01_of_the_text_path(corpus_dir, text_scores):
    if find_chromium() is None:
        pytest.skip("headless Chromium not found: install Debian's chromium and fonts-noto-cjk")
    docs = load_corpus(corpus_dir)
    pdfs = as_attachments(docs, "pdf")
    assert all(data.startswith(b"%PDF-") for data in pdfs.values())
    report = evaluate_corpus(corpus_dir, as_format="pdf", attachments=pdfs)
    assert report.documents == len(load_corpus(corpus_dir))
    assert_within(measures(report), text_scores)


def test_fazhi_parse_reads_pdf_and_docx_files(tmp_path):
    (tmp_path / "report.docx").write_bytes(
        docx_file((FIXTURES / "report.txt").read_text(encoding="utf-8").splitlines())
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "parse",
            "--format",
            "jsonl",
            str(FIXTURES / "report.pdf"),
            str(tmp_path / "report.docx"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    pdf, docx = (json.loads(line) for line in done.stdout.splitlines())
    assert pdf["document"]["text_source"] == "pdf" and docx["document"]["text_source"] == "docx"
    assert (
        pdf["document"]["title"]
        == docx["document"]["title"]
        == "某某市某某区人民政府关于2023年度法治政府建设情况的报告"
    )
    assert [m["span"] for m in pdf["metrics"]] == [m["span"] for m in docx["metrics"]]
    assert {m["page"] for m in pdf["metrics"]} == {1, 2} and {m["page"] for m in docx["metrics"]} == {None}


def test_fazhi_parse_refuses_an_unknown_suffix_in_one_line(tmp_path):
    (tmp_path / "report.xlsx").write_bytes(b"PK\x03\x04")
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "parse", str(tmp_path / "report.xlsx")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().endswith("unsupported file type .xlsx: expected .html, .htm, .txt, .pdf, .docx or .ofd")
