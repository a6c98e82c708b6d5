"""The accuracy floors of issues 3 and 4, measured the way `fazhi evaluate` measures them."""

from __future__ import annotations

import json

import pytest

from flows.tools.evaluate import (
    FIELDS,
    _prf,
    evaluate_corpus,
    find_line,
    format_report,
    load_corpus,
    parse_gold_doc,
    portal_page,
    report_json,
    scores,
)


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
    got = [(s["level"], s["number"], s["heading"], s["section_type"] if s["level"] == 1 else None) for s in sections]
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


# ----------------------------------------------------------------------------------------------
# dev2 (issue 15): real pages with their chrome, and look-alikes


def test_dev2_metadata_floors_and_every_lookalike_rejected(report):
    dev2 = report.sets["dev2"]
    assert dev2.reports == [37, 37] and dev2.negatives == [8, 8], dev2.negative_misses
    for name in FIELDS:
        correct, total = dev2.fields[name]
        assert total == 37 and correct / total >= 0.98, (name, dev2.field_misses[name])


@pytest.mark.parametrize("layout", ["div", "table"])
def test_the_html_path_scores_within_a_hundredth_of_the_text_path(report, corpus_dir, layout):
    """The corpus texts put back into portal pages (UTF-8 div / GBK table layouts, site-name <title>)."""
    data, content_type = portal_page("关于2022年法治政府建设情况的报告\n正文", layout)
    assert b"<title>" in data and (b"charset=gbk" in data) == (layout == "table")
    html_report = evaluate_corpus(corpus_dir, layout)
    for set_name in ("seed", "dev", "dev2"):
        text_scores, html_scores = scores(report.sets[set_name]), scores(html_report.sets[set_name])
        for key in [f"field {name}" for name in FIELDS] + ["headings F1", "reports is_report=true"]:
            assert html_scores[key] >= text_scores[key] - 0.01, (set_name, key, html_report.field_misses)
    assert html_report.negatives == report.negatives


def test_misses_name_the_page_line_that_misled_the_parser(tmp_path):
    """A miss lists the line holding the wrong value the parser chose, or the gold value it missed."""
    (tmp_path / "dev").mkdir()
    text = (
        "首页 > 政务公开\n示例栏目\n\n2023年,我市全面推进法治政府建设。现将有关情况报告如下。\n一、主要举措\n依法行政。"
    )
    gold = {
        "title": "株洲市人民政府关于2023年法治政府建设情况的报告",
        "issuer": None,
        "region": None,
        "region_level": None,
        "report_year": 2023,
        "publish_date": "2024-03-01",
        "source": None,
        "headings": [{"text": "一、主要举措", "level": 1}],
    }
    (tmp_path / "dev" / "x01.json").write_text(json.dumps({"url": None, "text": text, "gold": gold}), encoding="utf-8")
    result = evaluate_corpus(tmp_path)
    miss = result.field_misses["publish_date"][0]
    assert (miss.gold, miss.got, miss.line) == ("2024-03-01", None, None)
    assert any("publish date" in w for w in miss.warnings)
    title_miss = result.field_misses["title"][0]
    assert title_miss.got is None and any(w.startswith("title:") for w in title_miss.warnings)
    text = format_report(result, explain=True)
    assert "warning: title: no title line printed" in text
    data = report_json(result)
    assert data["sets"]["dev"]["field title"] == 0.0 and data["all"]["reports n"] == 1
    assert {m["field"] for m in data["misses"]} >= {"title", "publish_date"}


def test_find_line_points_at_the_chosen_value():
    text = "当前位置:首页\n>政务公开>法治政府建设年度报告株洲市人民政府关于2023年法治政府建设情况的报告\n发布日期:2024-03-01"
    assert find_line(text, "title", ">政务公开>法治政府建设年度报告株洲市").startswith("line 2:")
    assert find_line(text, "publish_date", "2024-03-01") == "line 3: 发布日期:2024-03-01"
    assert find_line(text, "region", "湖南省株洲市").startswith("line 2:")
