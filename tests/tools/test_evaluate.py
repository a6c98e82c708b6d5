"""The accuracy floors of issues 3 and 4, measured the way `fazhi evaluate` measures them."""

from __future__ import annotations

import pytest

from flows.tools.evaluate import FIELDS, _prf, evaluate_corpus, format_report, load_corpus, parse_gold_doc


@pytest.fixture(scope="module")
def report(corpus_dir):
    return evaluate_corpus(corpus_dir)


def test_field_accuracy_floors(report):
    for set_name in ("seed", "dev"):
        part = report.sets[set_name]
        for name in FIELDS:
            correct, total = part.fields[name]
            assert total >= 1, name
            assert correct / total >= 0.97, (set_name, name, part.field_misses[name])
    assert report.sets["dev"].fields["title"][1] == 27


def test_headings_f1_floor(report):
    for set_name in ("seed", "dev"):
        p, r, f = _prf(*report.sets[set_name].headings)
        assert f >= 0.99, report.sets[set_name].heading_misses


def test_metrics_f1_and_kind_qualifier_floors(report):
    p, r, f = _prf(*report.metrics)
    assert f >= 0.95, report.metric_misses
    assert report.kind[0] / report.kind[1] >= 0.98
    assert report.qualifier[0] / report.qualifier[1] >= 0.98


def test_every_report_is_a_report_and_no_negative_is(report):
    seed_and_dev = [report.sets["seed"].reports[i] + report.sets["dev"].reports[i] for i in (0, 1)]
    assert seed_and_dev == [28, 28]
    assert report.sets["dev"].negatives == [4, 4], report.negative_misses


def test_catalog_mapping_precision(report):
    assert report.mapping["precision"] >= 0.95


def test_report_text_ends_with_the_score_table(report):
    text = format_report(report)
    assert text.splitlines()[-1].startswith("negatives is_report=false")
    assert "headings F1" in text
    header = next(line for line in text.splitlines() if line.startswith("measure"))
    assert header.split() == ["measure", "seed", "dev", "dev2", "all"]


def test_seed_document_fields_exact(corpus_dir, seed):
    _, gold = seed
    doc = next(d for d in load_corpus(corpus_dir) if d.name.startswith("seed/"))
    document = parse_gold_doc(doc).document
    assert document["title"] == gold["title"]
    assert document["issuers"] == gold["issuers"]
    assert document["issuer_type"] == "party_and_government"
    assert document["region_name"] == gold["region"]
    assert document["region_code"] == gold["region_code"] == "211300"
    assert document["region_level"] == gold["region_level"]
    assert document["report_year"] == gold["report_year"]
    assert document["publish_date"] == gold["publish_date"]
    assert document["source_org"] == gold["source"]
    assert document["breadcrumb"] == gold["breadcrumb"]
    assert document["is_report"] is True


def test_seed_headings_exact_and_no_extra(corpus_dir, seed):
    _, gold = seed
    doc = next(d for d in load_corpus(corpus_dir) if d.name.startswith("seed/"))
    sections = [s for s in parse_gold_doc(doc).sections if s["level"] > 0]
    got = [(s["level"], s["number"], s["heading"], s["section_type"]) for s in sections]
    want = [(h["level"], h["number"], h["heading"], h.get("section_type")) for h in gold["headings"]]
    assert len(want) == 31
    assert got == want


def test_seed_metrics_precision_recall_and_not_metrics(corpus_dir, seed):
    text, gold = seed
    doc = next(d for d in load_corpus(corpus_dir) if d.name.startswith("seed/"))
    result = parse_gold_doc(doc)
    body = result.document["text"]
    body_start = text.index(body[:200])
    got = {(m["start"] + body_start, m["end"] + body_start, m["value"], m["unit"]) for m in result.metrics}
    want = {(m["start"], m["end"], m["value"], m["unit"]) for m in gold["metrics"]}
    assert len(want) == 61
    tp = len(got & want)
    assert tp / len(got) >= 0.98 and tp / len(want) >= 0.98, (sorted(got - want), sorted(want - got))
    for metric in result.metrics:
        assert body[metric["start"] : metric["end"]] == metric["span"]
        assert metric["span"] not in gold["not_metrics"]
